"""How fast the yearly report, its PDF and the share images are served, against a static file.

A temporary PostgreSQL database gets 50,000 demo answers and a published
snapshot; `collectstatic` runs as in a deployment; then:

- report: gunicorn serves the site (DEBUG off, Redis as the shared cache when
  one answers) and wrk sends, with 16 connections for 30 s after a warm-up,
  GET /barometre/<year>/ and /en/report/<year>/ (both editions' reports, both
  languages); the baseline is the same server's static CSS file, as in
  bench/explorer_page.py;
- PDF: in process, the report's PDF with its cache empty (cold: the render)
  and again (warm: from the cache);
- share images: in process, each Open Graph image (the report's and a few
  explorer cohorts') with its cache empty, then from the cache.

Targets (issue 15): report p95 at most 100 ms warm under 16 clients; the PDF at
most 10 s cold, and served from its cache after; a share image at most 200 ms
cold. Printed with no verdict, beside the static file's figures.

    python bench/report_page.py [--seconds 30] [--connections 16] [--workers 2]
                                [--responses 50000] [--redis-url URL|none]

Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, temporary_database
from bench.explorer_page import (
    DEFAULT_REDIS_URL,
    PLAIN_STORAGES,
    collected_static,
    explorer_paths,
    served_loads,
)


def timed_get(client, path: str) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    """Seconds one in-process GET takes, and its body (a 200 is required)."""
    started = time.perf_counter()
    response = client.get(path)
    body = b"".join(response) if response.streaming else response.content
    seconds = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return seconds, body


def report_paths() -> list[str]:
    """The report of every published edition, in French and in English."""
    from django.urls import reverse
    from django.utils import translation

    from benchmarks.read import lookup

    published = lookup.published_snapshot()
    assert published is not None and published.latest_year is not None
    paths = []
    for year in published.years:
        for language in ("fr", "en"):
            with translation.override(language):
                paths.append(reverse("report", kwargs={"year": year}))
    return paths


def in_process(options: argparse.Namespace) -> list[tuple[str, float, float]]:
    """(what, cold seconds, warm seconds) of the PDF and of the share images."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from benchmarks.read import lookup

    client = Client(HTTP_HOST="127.0.0.1")
    published = lookup.published_snapshot()
    assert published is not None and published.latest_year is not None
    year = published.latest_year
    measured = []
    pdf = reverse("report-pdf", kwargs={"year": year})
    cache.clear()
    cold, body = timed_get(client, pdf)
    warm, again = timed_get(client, pdf)
    assert body[:4] == b"%PDF" and again == body
    measured.append((f"PDF {pdf}", cold, warm))
    images = [reverse("share-report", kwargs={"year": year})]
    images += [
        reverse("share-cohort") + "?" + path.split("?", 1)[1]
        for path in explorer_paths(options.images)
        if not path.startswith("/en/")
    ]
    for image in images[: options.images]:
        cache.clear()
        cold, body = timed_get(client, image)
        warm, _ = timed_get(client, image)
        assert body[:8] == b"\x89PNG\r\n\x1a\n", image
        measured.append((f"image {image}", cold, warm))
    return measured


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=10, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--images", type=int, default=4, help="share images measured")
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
        paths = report_paths()
        print(
            f"{options.responses:,} demo answers published in "
            f"{time.perf_counter() - started:.0f} s; {len(paths)} report pages, e.g. {paths[0]}"
        )
        scratch_dir = Path(scratch)
        static_root, static_path = collected_static(scratch_dir)
        with override_settings(STORAGES=PLAIN_STORAGES, REPORTS_PDF_DIR=scratch_dir / "reports"):
            cold_warm = in_process(options)
        loads, cache = served_loads(
            "report",
            paths,
            static_root=static_root,
            static_path=static_path,
            database_url=database_url,
            scratch_dir=scratch_dir,
            options=options,
        )

    report, static = loads
    print(
        f"\ngunicorn gthread {options.workers} workers x {options.threads} threads, DEBUG off, "
        f"wrk {options.connections} connections, {options.seconds} s each, cache: {cache}"
    )
    print(f"{'':12}  {'p50 ms':>7}  {'p95 ms':>7}  {'req/s':>8}  {'errors':>6}")
    for load in loads:
        print(
            f"{load.name:12}  {load.p50_ms:7.2f}  {load.p95_ms:7.2f}  {load.rate:8,.0f}  "
            f"{load.errors:6d}"
        )
    print(
        f"report / static: p95 x{report.p95_ms / static.p95_ms:.1f}; "
        f"report p95 {report.p95_ms:.1f} ms (target <= 100)"
    )
    print(f"\n{'in process':60}  {'cold ms':>8}  {'warm ms':>8}")
    for what, cold, warm in cold_warm:
        target = "(target <= 10000 cold)" if what.startswith("PDF") else "(target <= 200 cold)"
        print(f"{what[:60]:60}  {cold * 1000:8.1f}  {warm * 1000:8.1f}  {target}")
    one, five, _ = os.getloadavg()
    print(f"load average at the end: {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
