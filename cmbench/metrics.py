"""Metrics for operators: GET /metrics in Prometheus's text format, never public.

What is measured, and where each figure comes from:

- requests, per view, method and status class: `cmbench_http_requests_total`
  and the latency histogram `cmbench_http_request_duration_seconds`, counted
  by `RequestMetricsMiddleware` in the process that served the request. The
  `view` label is the route's name ("api-salaries", "admin:login"), never a
  path: a path may hold a receipt code (DESIGN.md privacy rule 9), and paths
  are unbounded where names are not. A request refused before routing (an
  unknown path's 404, a body too large) is `view="unresolved"`.
- refusals of every rate limit, `cmbench_throttle_refusals_total`: counted by
  `cmbench.limits.hit`, through which the API's DRF throttles and the site's
  own limits (answers, interviews, admin sign-ins) all go.
- snapshot builds and published cells, read from the database at each scrape
  (`SnapshotCollector`): builds run in the worker process (`manage.py
  db_worker`), often on another machine, whose counters no scrape of a web
  server could see; its rows are what every process shares.

Several gunicorn workers: each process counts its own requests. With
PROMETHEUS_MULTIPROC_DIR set in gunicorn's environment, prometheus_client
keeps each worker's counts in files of that directory and a scrape sums them
(its "multiprocess mode"); without it a scrape sees only the worker that
answered it. docs/operations.md, "Metrics and alerts", says how to set it up.

Who may read: nobody unless METRICS_ENABLED (a 404 otherwise, as for any
unknown page); then the scraper with `Authorization: Bearer <METRICS_TOKEN>`,
or a signed-in, active staff member (an editor in a browser). Anonymous
requests get a 401. Nothing here names a respondent: counts of requests,
refusals, builds and cells.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _exposition
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString

logger = logging.getLogger(__name__)

# Seconds. A cohort lookup takes about a millisecond of server time, a page tens
# of milliseconds; a proxy gives up at 30 s or so.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Seconds. 60 answers build in about a second; 1,000,000 in about 30 s on two cores.
BUILD_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "unresolved"

# Created without a registry: a scrape builds its own (`exposition`), from
# these in a single process or from every worker's files in multiprocess mode.
REQUESTS = Counter(
    "cmbench_http_requests",
    "HTTP requests answered, by route name, method and status class.",
    ["view", "method", "status"],
    registry=None,
)
REQUEST_DURATION = Histogram(
    "cmbench_http_request_duration_seconds",
    "Time to answer an HTTP request (until the response is returned, not streamed), seconds.",
    ["view", "method", "status"],
    buckets=REQUEST_BUCKETS,
    registry=None,
)
THROTTLE_REFUSALS = Counter(
    "cmbench_throttle_refusals",
    "Requests refused by a rate limit (cmbench.limits), by source (drf, site) and scope.",
    ["source", "scope"],
    registry=None,
)
IN_PROCESS = (REQUESTS, REQUEST_DURATION, THROTTLE_REFUSALS)


# --- Requests --------------------------------------------------------------------------------


class RequestMetricsMiddleware:
    """Counts and times every request, by the name of the route that answered it.

    Outermost in settings.MIDDLEWARE, so that every answer is counted: the
    HTTPS redirect, 413s and 429s of the other middleware, and 500s (Django
    turns an exception into a response inside each middleware). Not installed
    at all while METRICS_ENABLED is off: no cost for a site that is not scraped.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        request_observed(
            request, status=response.status_code, seconds=time.perf_counter() - started
        )
        return response


# {(view, method, status): (counter, histogram)}: `labels()` checks and locks at
# each call, over half the cost of counting a request; the children it
# returns are the same objects every time, so they are kept here.
_request_children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}


def request_observed(request: HttpRequest, *, status: int, seconds: float) -> None:
    """Count one answered request and its duration, under its route's name."""
    match = request.resolver_match
    labels = (
        match.view_name if match is not None else UNRESOLVED,
        request.method if request.method in METHODS else "other",
        f"{status // 100}xx",
    )
    children = _request_children.get(labels)
    if children is None:
        children = (REQUESTS.labels(*labels), REQUEST_DURATION.labels(*labels))
        _request_children[labels] = children
    requests, duration = children
    requests.inc()
    duration.observe(seconds)


# --- Rate limits -----------------------------------------------------------------------------

# The client's part of a limit's key: `Client.fingerprint`, 32 hex digits,
# after a ":" (site limits: "survey:count:<hash>") or a "_" (DRF's cache
# format: "throttle_<scope>_<hash>").
_CLIENT_HASH = re.compile(r"[:_][0-9a-f]{16,}(?=$|[:_])")
_DRF_PREFIX = "throttle_"
# A bound on distinct scopes: a caller that puts something unbounded in its
# key must not grow the series without end.
MAX_SCOPES = 32
_scopes: set[tuple[str, str]] = set()


def limit_scope(key: str) -> tuple[str, str]:
    """(source, scope) of a limit's cache key, without the client's hash.

    "throttle_withdraw_<hash>" -> ("drf", "withdraw"); "survey:count:<hash>"
    -> ("site", "survey:count"); "admin-login-failures:<hash>" -> ("site",
    "admin-login-failures").
    """
    name = _CLIENT_HASH.sub("", key)[:64]
    if name.startswith(_DRF_PREFIX):
        return "drf", name.removeprefix(_DRF_PREFIX)
    return "site", name


def throttle_refused(key: str) -> None:
    """Count a request refused by the limit counted under `key` (cmbench.limits)."""
    labels = limit_scope(key)
    if labels not in _scopes:
        if len(_scopes) >= MAX_SCOPES:
            labels = (labels[0], "other")
        else:
            _scopes.add(labels)
    THROTTLE_REFUSALS.labels(*labels).inc()


# --- Snapshot builds and published cells, from the database --------------------------------


class SnapshotCollector:
    """Builds, the current snapshot and its cells, read from the primary at each scrape.

    Builds: those queued through the admin or the schedule (`SnapshotBuild`);
    `manage.py publish_snapshot` builds outside the queue and shows only in the
    snapshot's figures. A finished build's row never changes, so the histogram
    and the counter only grow, as Prometheus expects. Cells are counted once
    per snapshot and process: a published snapshot's cells never change.
    The database out of reach is `cmbench_metrics_database_up 0`, not a failed
    scrape: request counts remain worth reading then.

    No `describe()`: a registry would then call `collect()`, hence query,
    when the collector is registered; `exposition` builds a fresh registry.
    """

    # {(snapshot id, published at): {metric: cells}}, for the current snapshot only.
    # The time too: an id may come back (SQLite after a rollback, a restored database).
    _cells: dict[tuple[int, datetime | None], dict[str, int]] = {}

    def collect(self) -> Iterator[Metric]:
        database_up = GaugeMetricFamily(
            "cmbench_metrics_database_up",
            "Whether this scrape could read builds and snapshots from the database (1) or not (0).",
        )
        try:
            families = [*self._builds(), *self._snapshot()]
        except DatabaseError as error:
            logger.warning("Metrics: database unavailable (%s).", type(error).__name__)
            database_up.add_metric([], 0)
            yield database_up
            return
        database_up.add_metric([], 1)
        yield from families
        yield database_up

    def _builds(self) -> Iterator[Metric]:
        # Imported here: settings.MIDDLEWARE names this module, which loads before the apps.
        from benchmarks.models import SnapshotBuild

        State = SnapshotBuild.State
        outcomes = (State.PUBLISHED, State.FAILED)
        seconds: dict[str, list[float]] = {outcome: [] for outcome in outcomes}
        ended = dict.fromkeys(outcomes, 0)
        last: dict[str, datetime] = {}
        waiting = dict.fromkeys((State.QUEUED, State.RUNNING), 0)
        rows = SnapshotBuild.objects.using(DEFAULT_DB_ALIAS).values_list(
            "state", "started_at", "finished_at"
        )
        for state, started_at, finished_at in rows:
            if state in waiting:
                waiting[state] += 1
                continue
            ended[state] += 1
            if finished_at is None:
                continue
            last[state] = max(last.get(state, finished_at), finished_at)
            if started_at is not None:
                # A build lost before it started (never queued) has no duration.
                seconds[state].append(max(0.0, (finished_at - started_at).total_seconds()))

        durations = HistogramMetricFamily(
            "cmbench_snapshot_build_duration_seconds",
            "Snapshot builds from start to end, seconds, by outcome (published, failed).",
            labels=["outcome"],
        )
        finished = CounterMetricFamily(
            "cmbench_snapshot_builds_finished",
            "Snapshot builds that ended, by outcome (published, failed).",
            labels=["outcome"],
        )
        last_finished = GaugeMetricFamily(
            "cmbench_snapshot_build_last_finished_timestamp_seconds",
            "When the last build of each outcome ended, Unix time.",
            labels=["outcome"],
        )
        for outcome in outcomes:
            values = seconds[outcome]
            durations.add_metric(
                [outcome], buckets=_cumulative(values, BUILD_BUCKETS), sum_value=sum(values)
            )
            finished.add_metric([outcome], ended[outcome])
            if outcome in last:
                last_finished.add_metric([outcome], last[outcome].timestamp())
        in_progress = GaugeMetricFamily(
            "cmbench_snapshot_builds_in_progress",
            "Snapshot builds queued or running (at most one in all).",
            labels=["state"],
        )
        for state, count in waiting.items():
            in_progress.add_metric([state], count)
        yield from (durations, finished, last_finished, in_progress)

    def _snapshot(self) -> Iterator[Metric]:
        from benchmarks.models import Snapshot
        from surveys.models import Edition

        cells = GaugeMetricFamily(
            "cmbench_snapshot_cells",
            "Cells published by the current snapshot, by metric (salary, salary_base, day_rate).",
            labels=["snapshot", "metric"],
        )
        published_at = GaugeMetricFamily(
            "cmbench_snapshot_published_timestamp_seconds",
            "When the current snapshot was published, Unix time.",
        )
        current = (
            Snapshot.objects.using(DEFAULT_DB_ALIAS)
            .current()
            .values_list("pk", "published_at")
            .first()
        )
        if current is not None:
            snapshot_id, published = current
            for metric, count in sorted(self._cell_counts(snapshot_id, published).items()):
                cells.add_metric([str(snapshot_id), metric], count)
            if published is not None:
                published_at.add_metric([], published.timestamp())
        editions_open = GaugeMetricFamily(
            "cmbench_survey_editions_open",
            "Survey editions taking answers (0 or 1): scheduled builds run only while one is.",
        )
        editions_open.add_metric([], Edition.objects.using(DEFAULT_DB_ALIAS).open().count())
        yield from (cells, published_at, editions_open)

    @classmethod
    def _cell_counts(cls, snapshot_id: int, published: datetime | None) -> dict[str, int]:
        key = (snapshot_id, published)
        if key not in cls._cells:
            from benchmarks.models import Cell

            counts = (
                Cell.objects.using(DEFAULT_DB_ALIAS)
                .filter(snapshot_id=snapshot_id)
                .values_list("metric")
                .annotate(count=Count("pk"))
                .order_by()
            )
            cls._cells = {key: dict(counts)}
        return cls._cells[key]


def _cumulative(values: list[float], bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    """Prometheus's cumulative buckets of `values`: (upper bound, how many are at most it)."""
    buckets = [(floatToGoString(bound), float(sum(v <= bound for v in values))) for bound in bounds]
    return [*buckets, ("+Inf", float(len(values)))]


# --- The endpoint ----------------------------------------------------------------------------


def exposition() -> bytes:
    """Every metric as Prometheus text: this process's or all workers', and the database's."""
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        for metric in IN_PROCESS:
            registry.register(metric)
    registry.register(SnapshotCollector())
    return _exposition(registry)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _refused(status: int) -> HttpResponse:
    response = HttpResponse(status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="cmbench metrics"'
    return response


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: 404 while METRICS_ENABLED is off; then the token's or a staff member's.

    A missing or wrong token is a 401 naming the Bearer scheme; a signed-in
    editor who is not staff, a 403. The token is compared in constant time.
    """
    if not settings.METRICS_ENABLED:
        raise Http404
    token = _bearer_token(request)
    if token is not None:
        expected = settings.METRICS_TOKEN
        if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
            return _refused(401)
    elif not request.user.is_authenticated:
        return _refused(401)
    elif not (request.user.is_active and request.user.is_staff):
        return _refused(403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
