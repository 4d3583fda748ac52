"""Mixed load: 32 clients for 60 s reading benchmarks and sending answers to gunicorn.

    python bench/load_mixed.py [--clients 32] [--seconds 60] [--answers 20000] [--workers 4]

The stack is production's, on this machine and loopback only: gunicorn (4 sync
workers) serving cmbench from a throwaway PostgreSQL database holding 20,000
demo answers and a published snapshot, with Redis (db 14, flushed before and
after) as the shared cache and throttle store. Each simulated client sends its
own X-Forwarded-For behind NUM_PROXIES=1, so the survey throttles apply per
client, as they would to 32 people behind one load balancer.

Each client loops until the time is up, picking: a cohort read of the API
(salaries, day rates, breakdowns, positions: 70%), a page (15%), or a new
answer POSTed to the API (15%). The read throttle is lifted (THROTTLE_READ,
`--read-rate`) so that reads measure the server; the submission throttles keep
their defaults (SURVEY_SUBMISSIONS_PER_HOUR answers per client and hour).

Printed, with no verdict: requests per second, latency percentiles and status
counts of each kind; the number of 5xx; the 201s beside the rows stored with
source "survey" (they must be equal: every acknowledged answer is stored); and
the refused submissions with how many of them were 429s. The baseline is the
same clients requesting /healthz (one SELECT 1 and one Redis round trip through
the whole middleware stack) for `--baseline-seconds`: the ratio says what the
application costs over the bare stack.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, setup_django, temporary_database

REDIS_URL = "redis://127.0.0.1:6379/14"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Sample:
    """One request: what it was, its status (0 when no answer came), its latency in seconds."""

    kind: str
    status: int
    seconds: float


Request = tuple[str, str, str, bytes | None]  # kind, method, path, JSON body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def request_picker(vocab: object) -> Callable[[random.Random], Request]:
    """The mix of requests, drawn from the vocabulary (surveys.vocabulary)."""
    regions = vocab.REGIONS_BY_COUNTRY["FR"].codes  # type: ignore[attr-defined]
    experience = vocab.EXPERIENCE.codes  # type: ignore[attr-defined]
    education = vocab.EDUCATION.codes  # type: ignore[attr-defined]
    sizes = vocab.EMPLOYER_SIZE.codes  # type: ignore[attr-defined]
    types = vocab.EMPLOYER_TYPE.codes  # type: ignore[attr-defined]
    roles = vocab.ROLE.codes  # type: ignore[attr-defined]
    missions = vocab.MISSIONS.codes  # type: ignore[attr-defined]
    kpis = vocab.KPIS.codes  # type: ignore[attr-defined]
    pages = ["/", "/benchmarks/", "/benchmarks/?experience=3-5", "/methodology/", "/survey/"]

    def filters(rng: random.Random, *, employer: bool) -> str:
        chosen = {"country": "FR"}
        if rng.random() < 0.5:
            chosen["experience"] = rng.choice(experience)
        if rng.random() < 0.3:
            chosen["region"] = rng.choice(regions)
        if rng.random() < 0.3:
            chosen["education"] = rng.choice(education)
        if employer and rng.random() < 0.3:
            chosen["employer_size"] = rng.choice(sizes)
        return urlencode(chosen)

    def answer(rng: random.Random) -> dict[str, object]:
        common: dict[str, object] = {
            "role": rng.choice(roles[:4]),
            "job_title": "Community manager",
            "experience_years": rng.randint(0, 20),
            "education": rng.choice(education),
            "country": "FR",
            "region": rng.choice(regions),
            "work_time_share": 1.0,
            "missions": rng.sample(missions, rng.randint(1, 4)),
            "kpis": rng.sample(kpis, rng.randint(0, 3)),
            "weekly_hours": rng.randint(35, 45),
            "remote_days": rng.randint(0, 3),
            "satisfaction": rng.randint(1, 5),
        }
        if rng.random() < 0.2:
            return {
                **common,
                "status": "freelance",
                "day_rate": rng.randint(200, 700),
                "billed_days": rng.randint(80, 220),
            }
        return {
            **common,
            "status": "employee",
            "employer_size": rng.choice(sizes),
            "employer_type": rng.choice(types),
            # Unique enough that a client never sends the same answer twice (409).
            "base_salary": rng.randint(26_000, 60_000),
            "variable_pay": rng.randint(0, 5_000),
        }

    def pick(rng: random.Random) -> Request:
        draw = rng.random()
        if draw < 0.15:
            return ("submit", "POST", "/api/v1/responses/", json.dumps(answer(rng)).encode())
        if draw < 0.30:
            return ("page", "GET", rng.choice(pages), None)
        return ("api", "GET", api_read(rng), None)

    def api_read(rng: random.Random) -> str:
        choice = rng.random()
        if choice < 0.35:
            return f"/api/v1/benchmarks/salaries/?{filters(rng, employer=True)}"
        if choice < 0.55:
            return f"/api/v1/benchmarks/day-rates/?{filters(rng, employer=False)}"
        if choice < 0.75:
            by = rng.choice(["experience", "education", "region", "mission"])
            return f"/api/v1/benchmarks/salaries/breakdown/?country=FR&by={by}"
        if choice < 0.9:
            query = f"{filters(rng, employer=True)}&salary={rng.randint(20_000, 70_000)}"
            return f"/api/v1/benchmarks/salaries/position/?{query}"
        return f"/api/v1/benchmarks/day-rates/position/?country=FR&rate={rng.randint(150, 900)}"

    return pick


def send(port: int, request: Request, *, client_address: str) -> Sample:
    kind, method, path, body = request
    headers = {"X-Forwarded-For": client_address, "Host": HOST}
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return Sample(kind=kind, status=status, seconds=time.perf_counter() - started)


def run_clients(
    port: int, *, clients: int, seconds: float, pick: Callable[[random.Random], Request], seed: int
) -> tuple[list[Sample], float]:
    """`clients` threads sending `pick`'s requests for `seconds`; the samples and the wall time."""
    deadline = time.monotonic() + seconds
    per_client: list[list[Sample]] = [[] for _ in range(clients)]

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        # Benchmarking range (RFC 2544): one address per simulated client.
        address = f"198.18.{index // 250}.{index % 250 + 1}"
        while time.monotonic() < deadline:
            per_client[index].append(send(port, pick(rng), client_address=address))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [sample for samples in per_client for sample in samples], time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def print_kinds(samples: list[Sample], wall: float) -> None:
    columns = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'kind':8}  " + "  ".join(f"{name:>8}" for name in columns) + "  statuses")
    kinds = sorted({s.kind for s in samples})
    for kind in [*kinds, "all"]:
        chosen = [s for s in samples if kind in ("all", s.kind)]
        latencies = [s.seconds * 1000 for s in chosen]
        statuses = Counter(s.status for s in chosen)
        print(
            f"{kind:8}  {len(chosen):8,}  {len(chosen) / wall:8.1f}  "
            f"{percentile(latencies, 0.5):8.1f}  {percentile(latencies, 0.95):8.1f}  "
            f"{percentile(latencies, 0.99):8.1f}  "
            + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--read-rate", default="100000/min", help="THROTTLE_READ of the server")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    setup_django()

    import redis
    from django.core.management import call_command

    from surveys import vocabulary
    from surveys.models import SurveyResponse
    from surveys.validation import validate_answers

    pick = request_picker(vocabulary)
    # The generated answers must be valid, or the 201s would measure nothing.
    check = random.Random(0)
    for _ in range(200):
        kind, _method, _path, body = pick(check)
        if kind == "submit" and body is not None:
            validate_answers(json.loads(body))

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    static_root = tempfile.mkdtemp(prefix="cmbench-load-static-")
    server: subprocess.Popen[bytes] | None = None
    log_path = Path(static_root) / "server.log"
    try:
        with temporary_database() as database_url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                "DATABASE_URL": database_url,
                "REDIS_URL": REDIS_URL,
                "NUM_PROXIES": "1",
                "THROTTLE_READ": options.read_rate,
                "STATIC_ROOT": static_root,
                "ALLOWED_HOSTS": HOST,
                "DEBUG": "false",
                "SECRET_KEY": "load-test-" + "x" * 50,
                "LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            }
            # Both commands write their progress to sys.stderr itself.
            with redirect_stderr(io.StringIO()):
                quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
                call_command(
                    "generate_demo_data", responses=options.answers, seed=options.seed, **quiet
                )
                call_command("publish_snapshot", **quiet)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
                cwd=REPO,
                env=env,
                check=True,
            )
            port = free_port()
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    [
                        sys.executable, "-m", "gunicorn", "cmbench.wsgi:application",
                        "--bind", f"{HOST}:{port}", "--workers", str(options.workers),
                        "--timeout", "60",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=log,
                )  # fmt: skip
            ready_by = time.monotonic() + 60
            while (
                send(port, ("health", "GET", "/healthz", None), client_address="198.19.0.1").status
                != 200
            ):
                if time.monotonic() > ready_by:
                    raise SystemExit(f"gunicorn did not start; see {log_path}")
                time.sleep(0.2)

            print(
                f"gunicorn {options.workers} workers, PostgreSQL (temporary database, "
                f"{options.answers:,} demo answers, one snapshot), Redis {REDIS_URL}; "
                f"{options.clients} clients"
            )
            base_samples, base_wall = run_clients(
                port,
                clients=options.clients,
                seconds=options.baseline_seconds,
                pick=lambda rng: ("health", "GET", "/healthz", None),
                seed=options.seed,
            )
            print(f"\nbaseline: GET /healthz for {base_wall:.1f} s")
            print_kinds(base_samples, base_wall)
            store.flushdb()  # the mixed run starts with empty throttle buckets

            samples, wall = run_clients(
                port, clients=options.clients, seconds=options.seconds, pick=pick, seed=options.seed
            )
            print(f"\nmixed: reads, pages and submissions for {wall:.1f} s")
            print_kinds(samples, wall)

            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            server = None
            stored = SurveyResponse.objects.filter(source=SurveyResponse.Source.SURVEY).count()

        submissions = Counter(s.status for s in samples if s.kind == "submit")
        refused = {status: n for status, n in submissions.items() if status != 201}
        not_429 = sum(n for status, n in refused.items() if status != 429)
        server_errors = sum(1 for s in [*samples, *base_samples] if s.status >= 500)
        no_answer = sum(1 for s in [*samples, *base_samples] if s.status == 0)
        tracebacks = log_path.read_text(errors="replace").count("Traceback")
        base_rate = len(base_samples) / base_wall
        mixed_rate = len(samples) / wall
        print()
        print(f"5xx: {server_errors}")
        print(f"no answer (connection failed or timed out): {no_answer}")
        print(f"tracebacks in the server log: {tracebacks}")
        print(f"201 (answers acknowledged): {submissions[201]}")
        print(f"rows with source=survey in the database: {stored}")
        print(f"acknowledged == stored: {submissions[201] == stored}")
        print(
            f"refused submissions: {sum(refused.values())}, of which 429: {refused.get(429, 0)}, "
            f"other statuses: {not_429} {dict(sorted(refused.items()))}"
        )
        print(
            f"throughput: mixed {mixed_rate:.1f} req/s, baseline /healthz {base_rate:.1f} req/s, "
            f"ratio {mixed_rate / base_rate:.2f}"
        )
    finally:
        if server is not None:
            server.kill()
            server.wait()
        store.flushdb()
        store.close()
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
