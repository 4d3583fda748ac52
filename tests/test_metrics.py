"""GET /metrics: hidden unless enabled, never anonymous, and the figures an operator alerts on.

Read through the public URL as Prometheus would (`Authorization: Bearer`),
parsed with prometheus_client's own parser. Request and refusal counters live
in the process and only grow, so the tests compare a scrape before and after.
Snapshot builds are read from the database, so a build run by another process
(the worker) shows as well as one run here; and in multiprocess mode the counts
of separate processes add up, which two real processes check below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.models import Cell, SnapshotBuild
from benchmarks.tasks import snapshot_build_request
from cmbench import metrics
from surveys.models import Edition
from tests.answers import store_answers
from tests.factories import EditorFactory, UserFactory
from tests.test_production import check_deploy, production_env, run_python

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
TOKEN = "scraper-token-0123456789-abcdefghijklmnop"
FAMILIES = {
    "cmbench_http_requests",
    "cmbench_http_request_duration_seconds",
    "cmbench_throttle_refusals",
    "cmbench_snapshot_build_duration_seconds",
    "cmbench_snapshot_builds_finished",
    "cmbench_snapshot_builds_in_progress",
    "cmbench_snapshot_build_last_finished_timestamp_seconds",
    "cmbench_snapshot_cells",
    "cmbench_snapshot_published_timestamp_seconds",
    "cmbench_survey_editions_open",
    "cmbench_metrics_database_up",
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metrics_on(settings: Any) -> Iterator[None]:
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.PROMETHEUS_MULTIPROC_DIR = ""
    yield


def scrape(client: Client | None = None, *, token: str = TOKEN) -> Samples:
    """Every sample of a scrape, by (sample name, labels)."""
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return parse(response.content.decode())


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value, 0 when absent (a labelled counter not yet incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def matching(samples: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    wanted = set(labels.items())
    return {key: v for (sample, key), v in samples.items() if sample == name and wanted <= key}


# --- Who may read ----------------------------------------------------------------------------


def test_the_endpoint_is_a_404_while_metrics_are_off(settings: Any) -> None:
    settings.METRICS_ENABLED = False
    settings.METRICS_TOKEN = TOKEN

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404
    assert b"cmbench_" not in response.content


def test_it_refuses_anonymous_requests_and_wrong_tokens(metrics_on: None) -> None:
    client = Client()

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}x")
    basic = client.get("/metrics", HTTP_AUTHORIZATION="Basic c2NyYXBlcjp4")
    posted = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert [anonymous.status_code, wrong.status_code, basic.status_code] == [401, 401, 401]
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="cmbench metrics"'
    assert all(b"cmbench_" not in r.content for r in (anonymous, wrong, basic, posted))
    assert posted.status_code == 405


def test_no_token_configured_lets_no_bearer_in(metrics_on: None, settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_a_staff_member_may_read_and_another_signed_in_user_may_not(metrics_on: None) -> None:
    editor, visitor = Client(), Client()
    editor.force_login(EditorFactory())
    visitor.force_login(UserFactory())

    assert editor.get("/metrics").status_code == 200
    assert visitor.get("/metrics").status_code == 403


def test_a_scraper_speaking_plain_http_is_not_redirected_under_production_settings(
    metrics_on: None, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True

    anonymous = Client().get("/metrics")
    scraper = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    page = Client().get("/api/v1/vocabulary/")

    assert (anonymous.status_code, scraper.status_code, page.status_code) == (401, 200, 301)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"METRICS_TOKEN": "too-short"}, "METRICS_TOKEN must be at least 32 characters"),
        (
            {"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/cmbench-metrics"},
            "PROMETHEUS_MULTIPROC_DIR='/nonexistent/cmbench-metrics' is not a directory",
        ),
    ],
)
def test_production_refuses_a_weak_token_or_a_missing_directory(
    change: dict[str, str], message: str
) -> None:
    result = run_python("import django; django.setup()", production_env(**change))

    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_stays_clean_with_metrics_on() -> None:
    env = production_env(METRICS_TOKEN=TOKEN, NUM_PROXIES="1", BEHIND_TLS_PROXY="true")

    result = check_deploy(env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_scraper_reads_every_family_in_the_text_format(metrics_on: None) -> None:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert names >= FAMILIES
    assert reverse("metrics") == "/metrics"


# --- Requests and refusals -------------------------------------------------------------------


def test_a_request_is_counted_under_its_route_name_method_and_status_class(
    metrics_on: None,
) -> None:
    client = Client()
    labels = {"view": "api-vocabulary", "method": "GET", "status": "2xx"}
    before = scrape(client)

    assert client.get("/api/v1/vocabulary/").status_code == 200
    after = scrape(client)

    assert value(after, "cmbench_http_requests_total", **labels) == (
        value(before, "cmbench_http_requests_total", **labels) + 1
    )
    count = "cmbench_http_request_duration_seconds_count"
    assert value(after, count, **labels) == value(before, count, **labels) + 1
    # The scrape itself is a request like another.
    assert value(after, "cmbench_http_requests_total", view="metrics", method="GET", status="2xx")


def test_labels_name_routes_never_paths(metrics_on: None) -> None:
    client = Client()
    code = "7KQ2-M9XD-4HTA-PW3C-Y7CU"
    before = scrape(client)

    unknown = client.get(f"/no-such-page/{code}/")
    gone = client.delete(f"/api/v1/responses/{code}/")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert (unknown.status_code, gone.status_code) == (404, 410)
    text = response.content.decode()
    assert code not in text
    after = parse(text)
    unresolved = {"view": "unresolved", "method": "GET", "status": "4xx"}
    assert value(after, "cmbench_http_requests_total", **unresolved) == (
        value(before, "cmbench_http_requests_total", **unresolved) + 1
    )
    old_address = {"view": "api-response-withdraw-gone", "method": "DELETE", "status": "4xx"}
    assert value(after, "cmbench_http_requests_total", **old_address) == (
        value(before, "cmbench_http_requests_total", **old_address) + 1
    )


def test_a_refused_request_is_counted_per_scope_for_drf_and_the_site_limiter(
    metrics_on: None, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon_read": "1/min",
        },
    }
    settings.ADMIN_LOGIN_MAX_FAILURES = 1
    EditorFactory(username="editor")
    client = Client()
    refusals = "cmbench_throttle_refusals_total"
    before = scrape(client)

    reads = [client.get("/api/v1/vocabulary/").status_code for _ in range(3)]
    sign_ins = [
        client.post(
            reverse("admin:login"), {"username": "editor", "password": password}
        ).status_code
        for password in ("wrong", "wrong again")
    ]
    after = scrape(client)

    assert reads == [200, 429, 429]
    assert sign_ins == [200, 429]
    assert value(after, refusals, source="drf", scope="anon_read") == (
        value(before, refusals, source="drf", scope="anon_read") + 2
    )
    site = {"source": "site", "scope": "admin-login-failures"}
    assert value(after, refusals, **site) == value(before, refusals, **site) + 1
    throttled = {"view": "api-vocabulary", "method": "GET", "status": "4xx"}
    assert value(after, "cmbench_http_requests_total", **throttled) == (
        value(before, "cmbench_http_requests_total", **throttled) + 2
    )


def test_a_limit_key_loses_its_client_hash_in_the_scope_label() -> None:
    client_hash = "0f" * 16

    assert metrics.limit_scope(f"throttle_anon_read_{client_hash}") == ("drf", "anon_read")
    assert metrics.limit_scope(f"throttle_withdraw_{client_hash}") == ("drf", "withdraw")
    assert metrics.limit_scope(f"survey:count:{client_hash}") == ("site", "survey:count")
    assert metrics.limit_scope(f"interview:count:{client_hash}") == ("site", "interview:count")
    assert metrics.limit_scope(f"admin-login-failures:{client_hash}") == (
        "site",
        "admin-login-failures",
    )


# --- Snapshot builds and cells, from the database --------------------------------------------


def test_a_published_snapshot_shows_its_cells_and_its_build_its_duration(
    metrics_on: None,
) -> None:
    store_answers(60, seed=1, year=2026)
    before = scrape()

    published = snapshot_build_request(requested_by="editor")
    failed = snapshot_build_request(years=[1999])
    Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)
    after = scrape()

    snapshot = published.snapshot
    assert (published.state, failed.state) == ("published", "failed")
    cells = matching(after, "cmbench_snapshot_cells")
    assert sum(cells.values()) == snapshot.cell_count > 0
    for metric in ("salary", "salary_base", "day_rate"):
        assert (
            value(after, "cmbench_snapshot_cells", snapshot=str(snapshot.pk), metric=metric)
            == Cell.objects.filter(snapshot=snapshot, metric=metric).count()
        )
    assert value(after, "cmbench_snapshot_published_timestamp_seconds") == pytest.approx(
        snapshot.published_at.timestamp()
    )
    assert not matching(before, "cmbench_snapshot_cells")

    duration = "cmbench_snapshot_build_duration_seconds"
    seconds = (published.finished_at - published.started_at).total_seconds()
    assert value(after, f"{duration}_count", outcome="published") == 1
    assert value(after, f"{duration}_sum", outcome="published") == pytest.approx(seconds)
    assert value(after, f"{duration}_bucket", outcome="published", le="+Inf") == 1
    assert value(after, f"{duration}_count", outcome="failed") == 1
    assert value(before, f"{duration}_count", outcome="published") == 0
    assert value(after, "cmbench_snapshot_builds_finished_total", outcome="published") == 1
    assert value(after, "cmbench_snapshot_builds_finished_total", outcome="failed") == 1
    assert value(
        after, "cmbench_snapshot_build_last_finished_timestamp_seconds", outcome="failed"
    ) == pytest.approx(failed.finished_at.timestamp())
    assert value(after, "cmbench_snapshot_builds_in_progress", state="running") == 0
    assert value(before, "cmbench_survey_editions_open") == 0
    assert value(after, "cmbench_survey_editions_open") == 1
    assert value(after, "cmbench_metrics_database_up") == 1


def test_a_queued_build_is_in_progress_until_a_worker_takes_it(metrics_on: None) -> None:
    SnapshotBuild.objects.create(requested_by="editor")

    samples = scrape()

    assert value(samples, "cmbench_snapshot_builds_in_progress", state="queued") == 1
    assert value(samples, "cmbench_snapshot_builds_in_progress", state="running") == 0


def test_the_database_out_of_reach_is_reported_not_a_failed_scrape(
    metrics_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(self: metrics.SnapshotCollector) -> Iterator[Any]:
        raise OperationalError("connection refused")

    monkeypatch.setattr(metrics.SnapshotCollector, "_builds", unreachable)

    samples = scrape()

    assert value(samples, "cmbench_metrics_database_up") == 0
    assert not matching(samples, "cmbench_snapshot_builds_finished_total")


# --- Several gunicorn workers ----------------------------------------------------------------

COUNT_IN_A_WORKER = """
from types import SimpleNamespace
from cmbench import metrics
request = SimpleNamespace(method="GET", resolver_match=SimpleNamespace(view_name="api-salaries"))
metrics.request_observed(request, status=200, seconds=0.004)
metrics.throttle_refused("throttle_withdraw_" + "ab" * 16)
"""


def test_in_multiprocess_mode_a_scrape_sums_every_worker(
    metrics_on: None, settings: Any, tmp_path: Path
) -> None:
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")
    for _worker in range(2):
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_WORKER],
            cwd=REPO,
            env=environment,
            check=True,
            timeout=60,
        )
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)

    samples = scrape()

    labels = {"view": "api-salaries", "method": "GET", "status": "2xx"}
    assert value(samples, "cmbench_http_requests_total", **labels) == 2
    assert value(samples, "cmbench_http_request_duration_seconds_count", **labels) == 2
    assert value(samples, "cmbench_throttle_refusals_total", source="drf", scope="withdraw") == 2
    # The database's figures come with them, read at the scrape.
    assert value(samples, "cmbench_metrics_database_up") == 1
