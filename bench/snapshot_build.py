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
The ratio ours / bare SQL is printed: under 1.0 we beat the database at its own
aggregate. Targets at 1,000,000 answers: at most 30 s and 2 GB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
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


def bare_sql(status: str, value: str, dims: tuple[str, ...]) -> str:
    sets = ", ".join(
        "(" + ", ".join(combo) + ")"
        for k in range(len(dims) + 1)
        for combo in itertools.combinations(dims, k)
    )
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


def run_command(url: str, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MiB) and output of a manage.py command in its own process."""
    script = (
        "import resource, subprocess, sys, time; start = time.perf_counter(); "
        "p = subprocess.run([sys.executable, 'manage.py', *sys.argv[1:]], capture_output=True, "
        "text=True); took = time.perf_counter() - start; "
        "print(took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
        "print(p.stdout[-2000:]); print(p.stderr[-2000:], file=sys.stderr); sys.exit(p.returncode)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    first, _, rest = result.stdout.partition("\n")
    seconds, memory = (float(part) for part in first.split())
    return seconds, memory, rest.strip()


def measure(size: int) -> None:
    from django.db import connection

    with temporary_database() as url:
        seconds, _memory, _output = run_command(
            url, "generate_demo_data", "--responses", str(size), "--seed", "1"
        )
        print(f"\n{size:,} answers stored by generate_demo_data in {seconds:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE surveys_surveyresponse")
        bare = {}
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            for name, status, value, dims in (
                ("salary (total)", "employee", "total_fte", SALARY_DIMS),
                ("salary (base)", "employee", "base_fte", SALARY_DIMS),
                ("day rate", "freelance", "day_rate", DAY_RATE_DIMS),
            ):
                start = time.perf_counter()
                cursor.execute(bare_sql(status, value, dims))
                groups = len(cursor.fetchall())
                bare[name] = (time.perf_counter() - start, groups)
        ours, memory, output = run_command(url, "publish_snapshot")
        bare_total = sum(seconds for seconds, _groups in bare.values())
        print(f"{'':28}{'seconds':>9}")
        for name, (seconds, groups) in bare.items():
            print(f"bare SQL, {name:18}{seconds:9.2f}   ({groups:,} groups, percentiles only)")
        print(f"bare SQL, all three metrics {bare_total:9.2f}")
        print(f"ours: publish_snapshot      {ours:9.2f}   peak memory {memory:,.0f} MiB")
        print(f"ratio ours / bare SQL       {ours / bare_total:9.2f}   (target <= 1.0)")
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
