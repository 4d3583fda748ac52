"""Which code may import which: the lanes of `benchmarks/` and the apps (docs/architecture.md).

Read from the source with `ast` (every import statement, those inside
functions included), and checked in a fresh interpreter for what a web
process loads. No database.

Lanes of `benchmarks/`:
- build (`benchmarks.build`, `benchmarks.tasks`): answers to a published snapshot;
- read (`benchmarks.read`): the published snapshot, never the build;
- present (`benchmarks.present`, `benchmarks.urls`, `benchmarks.templatetags`):
  pages and API, from the read lane, never the build;
- shared by all: `benchmarks.layout` (imports no other benchmarks module),
  `benchmarks.models`, `benchmarks.stats` (imports nothing from Django or the project);
- triggers, which may start a build: `benchmarks.admin`, `benchmarks.management`.

Apps: `benchmarks` reads `surveys`; `surveys` never imports `benchmarks` or
`guides` (a respondent's position reaches the survey's template through the
`position` template library, not through an import); `guides` reads the
benchmarks' read and present lanes; `cmbench` wires.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("benchmarks", "surveys", "guides", "reports", "cmbench")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute, wherever the statement stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target
            # `from benchmarks import tasks` imports the module benchmarks.tasks.
            yield from (f"{target}.{alias.name}" for alias in node.names)


def _sources(*packages: str) -> dict[str, list[str]]:
    """{module: its imports} for every Python file of `packages` (migrations left out)."""
    found = {}
    for package in packages:
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = sorted(set(_imports(path)))
    return found


SOURCES = _sources(*APPS)


def _within(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _violations(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {target}"
        for module, targets in SOURCES.items()
        if _within(module, *importers)
        for target in targets
        if _within(target, *forbidden)
    ]


BUILD = ("benchmarks.build", "benchmarks.tasks")
READ = ("benchmarks.read",)
PRESENT = ("benchmarks.present", "benchmarks.urls", "benchmarks.templatetags")


def test_the_lanes_are_where_the_architecture_page_says() -> None:
    for lane in (*BUILD, *READ, *PRESENT, "benchmarks.layout", "benchmarks.stats"):
        assert any(_within(module, lane) for module in SOURCES), f"no module in {lane}"


def test_the_read_lane_never_imports_the_build_or_present_lanes() -> None:
    assert _violations(READ, (*BUILD, *PRESENT)) == []


def test_the_present_lane_never_imports_the_build_lane() -> None:
    assert _violations(PRESENT, BUILD) == []


def test_the_layout_imports_no_other_benchmarks_module() -> None:
    layout = SOURCES["benchmarks.layout"]
    assert [target for target in layout if _within(target, "benchmarks")] == []


def test_the_statistics_import_nothing_from_django_or_the_project() -> None:
    project = (*APPS, "django", "rest_framework", "tests")
    outside = [
        f"{module} imports {target}"
        for module, targets in SOURCES.items()
        if _within(module, "benchmarks.stats")
        for target in targets
        if _within(target, *project) and not _within(target, "benchmarks.stats")
    ]
    assert outside == []


def test_only_the_admin_and_commands_start_builds_from_outside_the_build_lane() -> None:
    allowed = (*BUILD, "benchmarks.admin", "benchmarks.management")
    starters = sorted(
        {
            module
            for module, targets in SOURCES.items()
            if not _within(module, *allowed) and any(_within(target, *BUILD) for target in targets)
        }
    )
    assert starters == []


def test_surveys_never_imports_the_benchmarks_or_the_guides() -> None:
    assert _violations(("surveys",), ("benchmarks", "guides")) == []


def test_the_respondent_path_is_the_one_bridge_from_a_survey_page_to_the_benchmarks() -> None:
    # A survey template loads a benchmarks template library; the library reads
    # the read lane's respondent module.
    loading = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "templates" / "surveys").rglob("*.html")
        if "{% load" in (text := path.read_text()) and " position" in text.split("%}")[0]
    )
    assert loading, "the survey's thank-you page shows the respondent's position"
    assert "benchmarks.read.respondent" in SOURCES["benchmarks.templatetags.position"]


def test_the_guides_read_the_benchmarks_published_snapshot_only() -> None:
    assert _violations(("guides",), BUILD) == []


# The yearly report reads the published snapshot like any page, and writes editors'
# Markdown as the guides do; nothing imports it (the wiring names it as a string).
REPORTS_MAY_IMPORT = (
    "reports",
    "benchmarks.read",
    "benchmarks.present",
    "benchmarks.models",
    "benchmarks.stats.tiers",
    "guides.rendering",
    "guides.revisions",  # editors' texts keep revisions as guides do (one design)
    "guides.revision_admin",
    "surveys.vocabulary",
)


def test_the_reports_read_the_published_snapshot_and_nothing_imports_them() -> None:
    project = ("benchmarks", "surveys", "guides", "interviews", "reports")
    # `from surveys import vocabulary` also names the package itself: only modules count.
    targets = [v.split(" imports ")[1] for v in _violations(("reports",), project)]
    assert [t for t in targets if t not in project and not _within(t, *REPORTS_MAY_IMPORT)] == []
    importers = [v for v in _violations(APPS, ("reports",)) if not _within(v.split()[0], "reports")]
    assert importers == []


def test_the_wiring_imports_the_benchmarks_present_lane_models_and_stats_errors_only() -> None:
    """URLs and the API's error handler reach the present lane; the metrics collector
    counts rows of the models; nothing in cmbench builds or reads a snapshot itself."""
    imported = sorted(
        {
            target
            for module, targets in SOURCES.items()
            if _within(module, "cmbench")
            for target in targets
            if _within(target, "benchmarks")
        }
    )
    assert all(
        _within(target, "benchmarks.present", "benchmarks.models", "benchmarks.stats.errors")
        for target in imported
    ), imported


def _fresh(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            "PYTHONPATH": str(ROOT),
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


LOAD_EVERY_URL = """
import django, sys
django.setup()
from django.urls import URLResolver, get_resolver

def views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from views(pattern.url_patterns)
        else:
            yield pattern.callback

count = sum(1 for _view in views(get_resolver().url_patterns))
assert count > 40, count
import benchmarks.tasks  # what the admin imports to queue a build
print(sorted(name for name in ("pandas", "scipy") if name in sys.modules))
"""


def test_a_web_process_that_loads_every_url_imports_neither_pandas_nor_scipy() -> None:
    assert _fresh(LOAD_EVERY_URL) == "[]"


@pytest.mark.parametrize("lane", ["benchmarks.read", "benchmarks.present"])
def test_every_module_of_a_public_lane_loads_without_pandas_or_scipy(lane: str) -> None:
    modules = sorted(module for module in SOURCES if _within(module, lane))
    code = (
        "import django, importlib, sys\ndjango.setup()\n"
        + "".join(f"importlib.import_module({module!r})\n" for module in modules)
        + "print(sorted(name for name in ('pandas', 'scipy') if name in sys.modules))"
    )
    assert _fresh(code) == "[]"


def test_the_build_lane_is_where_pandas_is_loaded() -> None:
    code = (
        "import django, sys\ndjango.setup()\nimport benchmarks.build.snapshots\n"
        "print(sorted(name for name in ('pandas', 'scipy') if name in sys.modules))"
    )
    assert _fresh(code) == "['pandas', 'scipy']"


def test_every_statistics_module_loads_without_django() -> None:
    modules = sorted(module for module in SOURCES if _within(module, "benchmarks.stats"))
    code = (
        "import importlib, sys\n"
        + "".join(f"importlib.import_module({module!r})\n" for module in modules)
        + "print('django' in sys.modules)"
    )
    assert _fresh(code) == "False"
