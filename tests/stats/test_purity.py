from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_statistics_package_imports_nothing_from_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import benchmarks.stats, sys; print('django' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == "False"


def test_the_statistics_package_imports_only_numpy_pandas_scipy_and_itself() -> None:
    allowed = ("numpy", "pandas", "scipy", "benchmarks.stats")
    for source in (ROOT / "benchmarks" / "stats").glob("*.py"):
        for line in source.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and not line.startswith(" "):
                module = words[1]
                top = module.split(".")[0]
                assert (
                    module.startswith(allowed)
                    or top in sys.stdlib_module_names
                    or module == "__future__"
                ), f"{source.name} imports {module}"
