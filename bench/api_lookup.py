"""How many cohort lookups per second the API serves under gunicorn, against a bare view.

A temporary PostgreSQL database gets 50,000 demo answers and a published
snapshot; gunicorn serves the site on a loopback port; wrk sends, with 32
connections for 30 s each, side by side:

- ours: GET /api/v1/benchmarks/day-rates/?... with a different published
  cohort on every request (a Lua script cycles through all of them);
- bare: a Django view of the same server returning the bytes of one such
  answer from memory, behind the same middleware (bench/_api_lookup_app.py).

Requests come from 4,096 clients behind one proxy (X-Forwarded-For,
NUM_PROXIES=1), each under the production rate of `anon_read`: the throttle
runs on every request and refuses none. Each load is warmed first, untimed,
until every worker has most likely answered every cohort (`warm_requests`):
the timed load then measures a server in its steady state, not workers still
reading cohorts they never served (--no-cell-memo measures that path).

Printed: requests per second, p50 and p99 latency of each, ours / bare, and
the CPU time the server (gunicorn workers and PostgreSQL backends) spent per
request: on a machine shared with other work, requests per second measure the
neighbours too, CPU per request much less. Targets: at least 1,000
requests/s, p99 at most 50 ms, ours / bare at least 0.5 in requests/s, at least
0.8 in server CPU per request, and a p99 at most 1.5 x the bare view's in the
same round (each round's ratios are printed). With --rounds N both loads run N
times and the best round of each counts. --no-cell-memo measures
the lookup with no cell remembered by the workers (one query per request).

    python bench/api_lookup.py [--seconds 30] [--connections 32] [--workers 4]
                               [--threads 2] [--worker-class gthread] [--rounds 1]
                               [--no-cell-memo]

Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, setup_django, temporary_database

# The warm-up: a first run of this long measures the rate; a second, if needed, lasts
# what `warm_requests` takes at that rate, at most WARM_SECONDS in all.
WARM_PROBE_SECONDS = 5
WARM_SECONDS = 120

LUA = """
local paths = {%(paths)s}
local counter = 0
local thread_offset = 0

setup = function(thread)
  thread:set("thread_offset", counter)
  counter = counter + 97
end

init = function(args)
  counter = thread_offset
end

request = function()
  counter = counter + 1
  -- One of 4,096 clients behind the proxy: each has its own throttle bucket.
  local client = counter %% 4096
  local address = "198.18." .. math.floor(client / 256) .. "." .. (client %% 256)
  local headers = {["X-Forwarded-For"] = address}
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk measured, and the CPU the server (gunicorn and PostgreSQL) spent meanwhile."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0
    load_average: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        """gunicorn and PostgreSQL together, milliseconds of CPU per request."""
        return 1000 * self.server_cpu_seconds / max(self.requests, 1)

    @property
    def database_cpu_ms_per_request(self) -> float:
        return 1000 * self.database_cpu_seconds / max(self.requests, 1)


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes so far (gone ones are left out)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings: a process that started meanwhile (a new
    database connection) counts whole; one that ended meanwhile is left out."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def server_pids(master: int, database: str) -> tuple[list[int], list[int]]:
    """gunicorn's workers and the PostgreSQL backends of the benchmark database.

    Their CPU time per request is the cost of a view whatever else the machine
    runs: on a shared machine, requests per second also measure the neighbours.
    """
    from django.db import connection

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return workers, backends


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cohort_paths() -> list[str]:
    """The path of every published day-rate cohort of the current snapshot (no mission split)."""
    from benchmarks.layout import DIMENSIONS
    from benchmarks.models import Cell, Metric
    from benchmarks.read import lookup

    published = lookup.published_snapshot()
    assert published is not None
    rows = Cell.objects.filter(
        snapshot=published.snapshot, metric=Metric.DAY_RATE, mission=""
    ).values("country", "year", *DIMENSIONS)
    paths = []
    for row in rows:
        query = {"country": row["country"], "year": row["year"]}
        query.update({d: row[d] for d in DIMENSIONS if row[d]})
        paths.append("/api/v1/benchmarks/day-rates/?" + urlencode(query))
    return paths


def warm_requests(*, workers: int, cohorts: int) -> int:
    """Answers the warm-up waits for: every (worker, cohort) pair served once, most likely.

    The server hands each request to whichever worker accepts it, at random as
    far as the cohorts go: after R requests a given pair is still unserved with
    probability about exp(-R / (workers x cohorts)). Eight times the pairs
    leaves about 0.03 % of them (2 of 5,588 at 4 workers and 1,397 cohorts)
    for the timed load. The 5 s of warm-up this benchmark had before (6,000
    to 10,000 answers here) left a sixth to a third of them, and the misses,
    each a database read and a render, made ours' p99.
    """
    return 8 * workers * cohorts


def warm(url: str, *, script: Path, connections: int, target: int) -> int:
    """Send `target` requests or so, untimed (wrk runs for a time, not a count); return how many."""
    probe = wrk(url, script=script, seconds=WARM_PROBE_SECONDS, connections=connections, threads=2)
    left = target - probe.requests
    if left <= 0 or probe.rate <= 0:
        return probe.requests
    seconds = min(WARM_SECONDS - WARM_PROBE_SECONDS, math.ceil(left / probe.rate))
    rest = wrk(url, script=script, seconds=seconds, connections=connections, threads=2)
    return probe.requests + rest.requests


def wrk(url: str, *, script: Path, seconds: int, connections: int, threads: int) -> Load:
    completed = subprocess.run(
        [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=5s",
            f"--script={script}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p99, errors = (int(part) for part in line.split()[1:])
    return Load(
        name="",
        requests=requests,
        seconds=micros / 1e6,
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        errors=errors,
    )


def wait_until_up(url: str, server: subprocess.Popen[bytes], *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before serving: see its output above.")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat both loads; the best round of each counts"
    )
    parser.add_argument(
        "--no-cell-memo",
        action="store_true",
        help="workers remember no cell: each lookup reads PostgreSQL (BENCHMARKS_CELL_MEMO_SIZE=0)",
    )
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("This benchmark needs wrk: apt-get install -y wrk")
    setup_django()

    from django.core.management import call_command
    from django.test import Client

    with temporary_database() as database_url, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        call_command("generate_demo_data", responses=options.responses, seed=options.seed, **quiet)
        call_command("publish_snapshot", **quiet)
        paths = cohort_paths()
        print(
            f"{options.responses:,} demo answers published in "
            f"{time.perf_counter() - started:.0f} s: {len(paths):,} day-rate cohorts"
        )
        scratch_dir = Path(scratch)
        script = scratch_dir / "cohorts.lua"
        cohorts_lua = ",\n".join(f'"{p}"' for p in paths)
        script.write_text(LUA % {"paths": cohorts_lua})
        bare_script = scratch_dir / "bare.lua"
        bare_script.write_text(LUA % {"paths": '"/bench/bare/"'})
        # The same number of warm-up answers for both loads.
        warm_target = warm_requests(workers=options.workers, cohorts=len(paths))
        body = scratch_dir / "body.json"

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            # As behind a load balancer: the client is the last X-Forwarded-For
            # entry, and each of the script's 4,096 clients stays under the
            # production rate (600/min), so the throttle runs and refuses nothing.
            "NUM_PROXIES": "1",
            "THROTTLE_READ": "600/min",
            # Whitenoise warns in each worker that `collectstatic` was not run.
            "PYTHONWARNINGS": "ignore::UserWarning",
            "DEBUG": "false",
            "CMBENCH_BARE_BODY": str(body),
        }
        if options.no_cell_memo:
            environment["BENCHMARKS_CELL_MEMO_SIZE"] = "0"
        # The bare view's body: the bytes of a real answer of ours.
        answer = Client(HTTP_HOST="127.0.0.1").get(paths[0])
        assert answer.status_code == 200, answer.content
        body.write_bytes(answer.content)
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                f"--bind=127.0.0.1:{port}",
                f"--workers={options.workers}",
                f"--worker-class={options.worker_class}",
                f"--threads={options.threads}",
                "--log-level=warning",
                "bench._api_lookup_app:application",
            ],
            cwd=REPO,
            env=environment,
        )
        try:
            wait_until_up(f"{base}{paths[0]}", server)
            database = database_url.rsplit("/", 1)[1]
            rounds: list[list[Load]] = []
            for _round in range(options.rounds):
                loads = []
                for name, url, lua in (
                    ("ours: day-rates/ lookup", f"{base}{paths[0]}", script),
                    ("bare view, same bytes", f"{base}/bench/bare/", bare_script),
                ):
                    # Warm every worker's connections and memos first, untimed: a
                    # worker serves each cohort from the database once, then from
                    # memory (lookup.cell_lookup), as a server does after its first
                    # minutes of traffic (`warm_requests`).
                    warm(url, script=lua, connections=options.connections, target=warm_target)
                    workers, backends = server_pids(server.pid, database)
                    load_average = os.getloadavg()[0]
                    before, database_before = cpu_seconds(workers), cpu_seconds(backends)
                    load = wrk(
                        url,
                        script=lua,
                        seconds=options.seconds,
                        connections=options.connections,
                        threads=options.wrk_threads,
                    )
                    workers_after, backends_after = server_pids(server.pid, database)
                    database_used = cpu_used(database_before, cpu_seconds(backends_after))
                    used = cpu_used(before, cpu_seconds(workers_after)) + database_used
                    loads.append(
                        Load(
                            name,
                            load.requests,
                            load.seconds,
                            load.p50_ms,
                            load.p99_ms,
                            load.errors,
                            used,
                            database_used,
                            load_average,
                        )
                    )
                rounds.append(loads)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(rounds, options)


def report(rounds: list[list[Load]], options: argparse.Namespace) -> None:
    """Each round's figures, then the best round of each (noise only ever slows a run)."""
    print(
        f"\ngunicorn {options.worker_class} {options.workers} workers x {options.threads} "
        f"threads, wrk {options.connections} connections, {options.seconds} s each, PostgreSQL "
        "(load: the machine's 1-minute load average as each load started)"
        + ("; no cell memo: every lookup reads the database" if options.no_cell_memo else "")
    )
    width = max(len(load.name) for loads in rounds for load in loads) + 9
    print(
        f"{'':{width}}  {'req/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  {'errors':>6}  "
        f"{'server CPU ms/req':>17}  {'of it, PostgreSQL':>17}  {'load':>5}"
    )
    for number, loads in enumerate(rounds, start=1):
        for load in loads:
            print(
                f"{f'{load.name} (#{number})':{width}}  {load.rate:8,.0f}  {load.p50_ms:7.2f}  "
                f"{load.p99_ms:7.2f}  {load.errors:6d}  {load.cpu_ms_per_request:17.3f}  "
                f"{load.database_cpu_ms_per_request:17.3f}  {load.load_average:5.1f}"
            )
    for number, (ours, bare) in enumerate(rounds, start=1):
        cpu_ratio = bare.cpu_ms_per_request / ours.cpu_ms_per_request
        print(
            f"round #{number}, ours / bare: {cpu_ratio:.2f} "
            f"in server CPU per request (target >= 0.8), p99 {ours.p99_ms / bare.p99_ms:.2f} x "
            "the bare view's (target <= 1.5)"
        )
    ours = max((loads[0] for loads in rounds), key=lambda load: load.rate)
    bare = max((loads[1] for loads in rounds), key=lambda load: load.rate)
    print(
        f"\nbest rounds: ours {ours.rate:,.0f} req/s (target >= 1,000), p50 {ours.p50_ms:.1f} ms, "
        f"p99 {ours.p99_ms:.1f} ms (target <= 50); bare {bare.rate:,.0f} req/s, "
        f"p50 {bare.p50_ms:.1f} ms, p99 {bare.p99_ms:.1f} ms"
    )
    print(
        f"ours / bare: {ours.rate / bare.rate:.2f} in requests/s (target >= 0.5), "
        f"{bare.cpu_ms_per_request / ours.cpu_ms_per_request:.2f} in server CPU per request"
    )


if __name__ == "__main__":
    main()
