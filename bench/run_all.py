"""Run every benchmark of bench/: each script that defines main(), in name order.

    python bench/run_all.py [--only NAME ...] [--list]

A script that fails is reported and the others still run; the exit status is
then 1. `make bench BENCH_ARGS="--only import_responses"` runs one.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__init__", "common", "run_all"}

if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))


def discover() -> list[str]:
    """Names of the bench/*.py modules that define main(), sorted."""
    names = []
    for path in sorted(BENCH.glob("*.py")):
        if path.stem in NOT_BENCHMARKS or path.stem.startswith("_"):
            continue
        # A cheap look before importing: scripts import Django lazily, inside main().
        if "\ndef main(" in path.read_text(encoding="utf-8"):
            names.append(path.stem)
    return names


def run(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    main = module.main
    saved_argv = sys.argv
    # A script parsing sys.argv itself must not see run_all's options.
    sys.argv = [str(BENCH / f"{name}.py")]
    try:
        if inspect.signature(main).parameters:
            main([])
        else:
            main()
    finally:
        sys.argv = saved_argv


def main(argv: list[str] | None = None) -> None:
    available = discover()
    parser = argparse.ArgumentParser(description="Run the benchmarks of bench/.")
    parser.add_argument(
        "--only",
        action="append",
        choices=available,
        metavar="NAME",
        help=f"run only this one (repeatable): {', '.join(available)}",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    options = parser.parse_args(argv)
    if options.list:
        print("\n".join(available))
        return
    failed: list[str] = []
    for name in options.only or available:
        print(f"=== {name}")
        start = time.perf_counter()
        try:
            run(name)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - start:.1f} s")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
