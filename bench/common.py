"""Helpers shared by the benchmark scripts: Django on a throwaway PostgreSQL database, tables.

A script in bench/ defines `main(argv: list[str] | None = None) -> None`, calls
`setup_django()` before importing project code, runs its measurements inside
`temporary_database()`, and prints them with `print_table`: figures beside a
baseline and the ratio to it, never a pass/fail verdict.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cmbench_bench"


def setup_django() -> None:
    """Django with cmbench.settings on DATABASE_URL, or the local benchmark database."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")
    import django

    django.setup()


@contextmanager
def temporary_database() -> Iterator[str]:
    """A fresh, migrated copy of the database (Django's test database), dropped afterwards.

    Yields its URL, for subprocesses. Refuses anything but PostgreSQL: the
    benchmarks compare with COPY, the fastest path into PostgreSQL.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://...")
    # One name per process: two benchmarks running at once must not drop each other's.
    connection.settings_dict["TEST"]["NAME"] = (
        f"test_{connection.settings_dict['NAME']}_{os.getpid()}"
    )
    old_config = setup_databases(verbosity=0, interactive=False)
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    try:
        yield url
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


@dataclass(frozen=True)
class Measurement:
    """`rows` handled in `seconds` (the best of the repeats)."""

    name: str
    seconds: float
    rows: int

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds


Step = Callable[[], None]


def best_times(runs: dict[str, tuple[Step, Step | None]], *, repeat: int) -> dict[str, float]:
    """The shortest wall time of each run over `repeat` rounds, in seconds.

    `runs` maps a name to (run, reset): reset, when given, restores the state
    before each run, untimed. Rounds interleave the runs, so that a burst of
    load from elsewhere on a shared machine weighs on all of them alike; the
    minimum, not the mean, since noise only ever adds time.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _round in range(repeat):
        for name, (run, reset) in runs.items():
            if reset is not None:
                reset()
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def print_table(title: str, measurements: list[Measurement], *, baseline: Measurement) -> None:
    """Seconds, rows per second and the ratio of each rate to the baseline's."""
    width = max(len(m.name) for m in [*measurements, baseline])
    print(f"\n{title}")
    print(f"{'':{width}}  {'seconds':>8}  {'rows/s':>10}  {'/ ' + baseline.name:>}")
    for m in [*measurements, baseline]:
        ratio = m.rate / baseline.rate
        print(f"{m.name:{width}}  {m.seconds:8.3f}  {m.rate:10,.0f}  {ratio:6.2f}")


_MEASURED_COMMAND = """
import os, sys
import django
django.setup()
from django.core.management import call_command
call_command(*sys.argv[1:], stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def command_peak_memory_mb(*args: str, database_url: str) -> float:
    """Peak resident memory of `manage.py <args>` run in a fresh interpreter, in MiB.

    Read from the child's own /proc/self/status (VmHWM, Linux): getrusage's
    figure for children would count the pages of this process, which the child
    shares between fork and exec.
    """
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED_COMMAND, *args],
        cwd=REPO,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            "PYTHONPATH": str(REPO),
        },
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.split()[-1]) / 1024
