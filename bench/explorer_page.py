"""How fast gunicorn serves the explorer with filters, against a static file of the same server.

A temporary PostgreSQL database gets 50,000 demo answers and a published
snapshot; `collectstatic` runs as in a deployment (hashed names, WhiteNoise);
gunicorn serves the site on a loopback port with DEBUG off; wrk sends, with 16
connections for 30 s each:

- explorer: GET /benchmarks/?<filters> (French and English), a different
  published cohort and breakdown on each request (a Lua script cycles through
  them), after a warm-up pass that fills the page cache;
- static: GET /static/css/site.<hash>.css, the baseline: the same server,
  middleware and WhiteNoise, no view.

Printed: p50, p95 and requests/s of both, and explorer / static. Also the
in-process time of one explorer render without its cache (a miss: the first
request of a query after a new snapshot). The cache is Redis, as in
production, when one answers at --redis-url. Target: explorer p95 at most
100 ms. wrk shares the machine's cores with gunicorn.

    python bench/explorer_page.py [--seconds 30] [--connections 16] [--workers 2]
                                  [--threads 2] [--responses 50000] [--redis-url URL|none]

Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import io
import json
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
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, setup_django, temporary_database

# Database 14: the test suite uses 15; keys carry the snapshot's id and time, so
# runs never read each other's pages, and expire after an hour.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

# Latencies in microseconds; wrk's own summary has no 95th percentile.
LUA = """
local paths = {%(paths)s}
local counter = 0
local thread_offset = 0

setup = function(thread)
  thread:set("thread_offset", counter)
  counter = counter + 31
end

init = function(args)
  counter = thread_offset
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """One wrk run: requests served in `seconds`, latency percentiles in milliseconds."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def reachable(redis_url: str) -> bool:
    """Whether a Redis answers at this URL ('none' never does)."""
    if redis_url in ("", "none"):
        return False
    location = urlsplit(redis_url)
    try:
        with socket.create_connection((location.hostname, location.port or 6379), timeout=1):
            return True
    except OSError:
        print(f"No Redis at {redis_url}: each worker caches in its own memory.")
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def explorer_paths(limit: int) -> list[str]:
    """Explorer URLs over published salary and day-rate cohorts with one or two filters."""
    from benchmarks.layout import DIMENSIONS
    from benchmarks.models import Cell, Metric
    from benchmarks.present.forms import default_by
    from benchmarks.read import lookup

    published = lookup.published_snapshot()
    assert published is not None and published.latest_year is not None
    rows = (
        Cell.objects.filter(
            snapshot=published.snapshot,
            metric__in=[Metric.SALARY, Metric.DAY_RATE],
            year=published.latest_year,
            country="FR",
            mission="",
        )
        .values("metric", *DIMENSIONS)
        .order_by("metric", *DIMENSIONS)
    )
    paths = []
    for row in rows:
        filters = {d: row[d] for d in DIMENSIONS if row[d]}
        if not 1 <= len(filters) <= 2:
            continue
        query: dict[str, str] = {}
        if row["metric"] == Metric.DAY_RATE:
            query["metric"] = "day-rate"
        query.update(filters)
        # A breakdown the page would offer: the first dimension not filtered.
        query["by"] = default_by(query, ("experience", "education", "role", "region"))  # type: ignore[arg-type]
        prefix = "/en" if len(paths) % 3 == 0 else ""
        paths.append(f"{prefix}/benchmarks/?{urlencode(query)}")
    step = max(1, len(paths) // limit)
    return paths[::step][:limit]


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
    requests, micros, p50, p95, errors = (int(part) for part in line.split()[1:])
    return Load("", requests, micros / 1e6, p50 / 1000, p95 / 1000, errors)


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


def uncached_render_ms(path: str, *, repeat: int = 20) -> float:
    """Best in-process time of one explorer response with the fragment cache empty, in ms."""
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    best = float("inf")
    for _ in range(repeat):
        cache.clear()
        started = time.perf_counter()
        response = client.get(path)
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, path
    return best * 1000


def collected_static(scratch_dir: Path) -> tuple[Path, str]:
    """`collectstatic` into scratch_dir/static as a deployment runs it; (root, the CSS's path)."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    static_root = scratch_dir / "static"
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return static_root, "/static/" + manifest["paths"]["css/site.css"]


# Serving files straight from the app directories (no manifest): in-process renders.
PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def served_loads(
    name: str,
    paths: list[str],
    *,
    static_root: Path,
    static_path: str,
    database_url: str,
    scratch_dir: Path,
    options: argparse.Namespace,
) -> tuple[list[Load], str]:
    """gunicorn serves the site; wrk loads `paths` (after a warm-up), then the static file.

    Returns the two loads (named `name` and "static file") and which cache served.
    """
    pages_script = scratch_dir / "pages.lua"
    pages_script.write_text(LUA % {"paths": ",\n".join(f'"{p}"' for p in paths)})
    static_script = scratch_dir / "static.lua"
    static_script.write_text(LUA % {"paths": f'"{static_path}"'})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Production shares one Redis between app servers (REDIS_URL); without it
    # each worker has its own memory cache.
    redis_url = options.redis_url if reachable(options.redis_url) else ""
    cache = f"Redis {redis_url}" if redis_url else "each worker's memory"
    environment = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "cmbench.settings",
        "STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            f"--bind=127.0.0.1:{port}",
            f"--workers={options.workers}",
            "--worker-class=gthread",
            f"--threads={options.threads}",
            "--log-level=warning",
            "cmbench.wsgi:application",
        ],
        cwd=REPO,
        env=environment,
    )
    try:
        wait_until_up(f"{base}{paths[0]}", server)
        common = {"connections": options.connections, "threads": options.wrk_threads}
        if options.warm_up:
            wrk(base + "/", script=pages_script, seconds=options.warm_up, **common)
        loads = []
        for load_name, lua in ((name, pages_script), ("static file", static_script)):
            load = wrk(base + "/", script=lua, seconds=options.seconds, **common)
            loads.append(
                Load(load_name, load.requests, load.seconds, load.p50_ms, load.p95_ms, load.errors)
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return loads, cache


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=15, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    # CPU-bound Python: more threads per worker only wait for the GIL (and fatten the tail).
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--paths", type=int, default=200, help="distinct explorer queries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        help="the shared cache, as in production; 'none' for each worker's memory",
    )
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("This benchmark needs wrk: apt-get install -y wrk")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    setup_django()

    from django.core.management import call_command
    from django.test.utils import override_settings

    with temporary_database() as database_url, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        call_command("generate_demo_data", responses=options.responses, seed=options.seed, **quiet)
        call_command("publish_snapshot", **quiet)
        paths = explorer_paths(options.paths)
        print(
            f"{options.responses:,} demo answers published in "
            f"{time.perf_counter() - started:.0f} s; {len(paths)} explorer queries, e.g. {paths[1]}"
        )
        scratch_dir = Path(scratch)
        static_root, static_path = collected_static(scratch_dir)
        with override_settings(STORAGES=PLAIN_STORAGES):
            miss_ms = uncached_render_ms(paths[1])
        loads, cache = served_loads(
            "explorer, with filters",
            paths,
            static_root=static_root,
            static_path=static_path,
            database_url=database_url,
            scratch_dir=scratch_dir,
            options=options,
        )
    report(loads, options, miss_ms=miss_ms, cache=cache)


def report(loads: list[Load], options: argparse.Namespace, *, miss_ms: float, cache: str) -> None:
    explorer, static = loads
    print(
        f"\ngunicorn gthread {options.workers} workers x {options.threads} threads, DEBUG off, "
        f"wrk {options.connections} connections, {options.seconds} s each, PostgreSQL, "
        f"cache: {cache}"
    )
    width = max(len(load.name) for load in loads)
    print(f"{'':{width}}  {'p50 ms':>7}  {'p95 ms':>7}  {'req/s':>8}  {'errors':>6}")
    for load in loads:
        print(
            f"{load.name:{width}}  {load.p50_ms:7.2f}  {load.p95_ms:7.2f}  {load.rate:8,.0f}  "
            f"{load.errors:6d}"
        )
    print(
        f"\nexplorer / static: p95 x{explorer.p95_ms / static.p95_ms:.1f}, "
        f"req/s x{explorer.rate / static.rate:.2f}; explorer p95 {explorer.p95_ms:.1f} ms "
        f"(target <= 100)"
    )
    print(f"one explorer render with its cache empty, in process: {miss_ms:.1f} ms")
    # The machine may be shared: a load above its core count fattens every tail.
    one, five, _ = os.getloadavg()
    print(f"load average at the end: {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
