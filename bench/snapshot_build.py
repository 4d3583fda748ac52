"""How long `publish_snapshot` takes from 100,000 and 1,000,000 answers, against bare SQL.

    python bench/snapshot_build.py [--sizes 100000,1000000]

For each size, in a throwaway PostgreSQL database filled by generate_demo_data:
- ours: `manage.py publish_snapshot` in a subprocess (the whole build: read,
  fences, every cell of every metric with intervals and shares, the mission
  breakdown, comparisons, privacy rules, models, storage), its wall time and
  peak memory;
- the baseline: one bare PostgreSQL query per metric computing the same five
  percentiles with percentile_cont over GROUPING SETS of the same cohorts and
  rows (no intervals, no shares, no privacy rules, nothing stored).
- a second baseline, DuckDB (the engine an analyst would reach for; a bench
  extra, `pip install -e '.[bench]'`, never a dependency of the site): the
  same rows copied out of PostgreSQL into an in-memory DuckDB table (untimed),
  then the same three cubes' five percentiles alone (GROUPING SETS,
  quantile_cont, 2 threads), timed.
The ratios ours / bare SQL and ours / DuckDB are printed. Targets (issue 14):
at 100,000 answers ours / bare SQL <= 1.0; at 1,000,000 the whole build and
store <= 1.5 x DuckDB's percentiles-only cube, at most 1 GB peak.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import resource

from bench.common import REPO, setup_django, temporary_database

SALARY_DIMS = ("region", "experience", "education", "employer_size", "employer_type", "role")
DAY_RATE_DIMS = ("region", "experience", "education", "role")
BAND = (
    "CASE WHEN experience_years <= 2 THEN '0-2' WHEN experience_years <= 5 THEN '3-5' "
    "WHEN experience_years <= 9 THEN '6-9' ELSE '10+' END"
)


def grouping_sets(dims: tuple[str, ...]) -> str:
    """Every subset of `dims`, as GROUPING SETS lists them: the cube the build publishes."""
    return ", ".join(
        "(" + ", ".join(combo) + ")"
        for k in range(len(dims) + 1)
        for combo in itertools.combinations(dims, k)
    )


def bare_sql(status: str, value: str, dims: tuple[str, ...]) -> str:
    sets = grouping_sets(dims)
    return f"""
        SELECT year, country, {", ".join(dims)}, count(*),
               percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY v)
        FROM (
            SELECT e.year, r.country, r.region, {BAND} AS experience, r.education,
                   r.employer_size, r.employer_type, r.role, r.{value}::float8 AS v
            FROM surveys_surveyresponse r JOIN surveys_edition e ON e.id = r.edition_id
            WHERE r.state = 'accepted' AND r.status = '{status}'
        ) rows
        GROUP BY year, country, GROUPING SETS ({sets})
    """


CUBES = (
    ("salary (total)", "employee", "total_fte", SALARY_DIMS),
    ("salary (base)", "employee", "base_fte", SALARY_DIMS),
    ("day rate", "freelance", "day_rate", DAY_RATE_DIMS),
)
# The rows every cube reads, as bare_sql's inner query selects them.
ROWS_SQL = f"""
    SELECT e.year, r.country, r.status, r.region, {BAND} AS experience, r.education,
           r.employer_size, r.employer_type, r.role, r.total_fte::float8 AS total_fte,
           r.base_fte::float8 AS base_fte, r.day_rate::float8 AS day_rate
    FROM surveys_surveyresponse r JOIN surveys_edition e ON e.id = r.edition_id
    WHERE r.state = 'accepted'
"""


def duckdb_sql(status: str, value: str, dims: tuple[str, ...]) -> str:
    """bare_sql's cube in DuckDB's dialect, over the copied rows."""
    sets = grouping_sets(dims)
    return f"""
        SELECT year, country, {", ".join(dims)}, count(*),
               quantile_cont({value}, [0.1, 0.25, 0.5, 0.75, 0.9])
        FROM answers WHERE status = '{status}'
        GROUP BY year, country, GROUPING SETS ({sets})
    """


def duckdb_cubes(scratch: Path) -> dict[str, tuple[float, int]] | None:
    """Seconds and groups of each cube in DuckDB (2 threads), or None without duckdb."""
    try:
        import duckdb
    except ImportError:
        print("DuckDB baseline skipped: pip install -e '.[bench]' (duckdb) to run it")
        return None
    from django.db import connection

    rows = scratch / "answers.csv"
    query = f"COPY ({ROWS_SQL}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with connection.cursor() as cursor, rows.open("wb") as out, cursor.copy(query) as copy:
        for chunk in copy:
            out.write(chunk)
    database = duckdb.connect()
    database.execute("SET threads = 2")
    database.execute(f"CREATE TABLE answers AS SELECT * FROM read_csv('{rows}', header = true)")
    timings = {}
    for name, status, value, dims in CUBES:
        start = time.perf_counter()
        groups = len(database.execute(duckdb_sql(status, value, dims)).fetchall())
        timings[name] = (time.perf_counter() - start, groups)
    database.close()
    return timings


# A sample reads every process's /proc stat and the tree's smaps_rollup: 10-17 ms
# of CPU. Every 0.1 s that took a tenth of a core from the command it measured
# (100,000 answers: 15.2-15.8 s under the sampler, 12.6-13.8 s without); the
# build's peaks last seconds, so a sample every half second still finds them.
SAMPLE_SECONDS = 0.5


def run_command(url: str, *args: str) -> tuple[float, float, float, str]:
    """Wall seconds, peak memory (MiB) and output of a manage.py command in its own process.

    Two peaks: the largest single process's (its maximum resident set), and all
    of the command's processes together (the build's workers too): the sum of
    their proportional set sizes, sampled every SAMPLE_SECONDS, so pages shared
    between them count once.
    """
    # manage.py runs under a small Python that reports its children's peak: a
    # process forked from this one (which holds a million rows) would report
    # this one's size as its own (Linux keeps the peak across exec).
    script = (
        "import resource, subprocess, sys, time; start = time.perf_counter(); "
        "p = subprocess.run([sys.executable, 'manage.py', *sys.argv[1:]], capture_output=True, "
        "text=True); took = time.perf_counter() - start; "
        "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
        "print(p.stdout[-2000:]); print(p.stderr[-2000:], file=sys.stderr); sys.exit(p.returncode)"
    )
    command = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    together = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal together
        while not done.wait(SAMPLE_SECONDS):
            together = max(together, tree_memory(command.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = command.communicate()
    done.set()
    sampler.join()
    if command.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{stdout}\n{stderr}")
    first, _, rest = stdout.partition("\n")
    seconds, largest = (float(part) for part in first.split())
    return seconds, largest, together, rest.strip()


def tree_memory(root: int) -> float:
    """MiB: the proportional set sizes of `root` and every process below it, summed."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    total = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


def measure(size: int) -> None:
    from django.db import connection

    with temporary_database() as url:
        seconds, _largest, _together, _output = run_command(
            url, "generate_demo_data", "--responses", str(size), "--seed", "1"
        )
        print(f"\n{size:,} answers stored by generate_demo_data in {seconds:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE surveys_surveyresponse")
        bare = {}
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            for name, status, value, dims in CUBES:
                start = time.perf_counter()
                cursor.execute(bare_sql(status, value, dims))
                groups = len(cursor.fetchall())
                bare[name] = (time.perf_counter() - start, groups)
        with tempfile.TemporaryDirectory() as scratch:
            duck = duckdb_cubes(Path(scratch))
        ours, memory, together, output = run_command(url, "publish_snapshot")
        bare_total = sum(seconds for seconds, _groups in bare.values())
        print(f"{'':28}{'seconds':>9}")
        for name, (seconds, groups) in bare.items():
            print(f"bare SQL, {name:18}{seconds:9.2f}   ({groups:,} groups, percentiles only)")
        print(f"bare SQL, all three metrics {bare_total:9.2f}")
        if duck is not None:
            for name, (seconds, groups) in duck.items():
                print(f"DuckDB, {name:20}{seconds:9.2f}   ({groups:,} groups, percentiles only)")
            duck_total = sum(seconds for seconds, _groups in duck.values())
            print(f"DuckDB, all three metrics   {duck_total:9.2f}   (2 threads)")
        print(
            f"ours: publish_snapshot      {ours:9.2f}   peak memory {memory:,.0f} MiB "
            f"(largest process), {together:,.0f} MiB (all its processes together)"
        )
        print(f"ratio ours / bare SQL       {ours / bare_total:9.2f}   (target <= 1.0 at 100,000)")
        if duck is not None:
            print(
                f"ratio ours / DuckDB         {ours / duck_total:9.2f}   "
                "(target <= 1.5 at 1,000,000, with at most 1 GB)"
            )
        for line in output.splitlines()[-2:]:
            print(f"  {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    options = parser.parse_args(argv)
    setup_django()
    for size in (int(part) for part in options.sizes.split(",")):
        measure(size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this process peaked at {peak:,.0f} MiB)")


if __name__ == "__main__":
    main()
