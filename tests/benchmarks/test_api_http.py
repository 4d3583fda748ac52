"""cells.csv, HTTP caching (ETag, Last-Modified, 304) and throttling of the benchmark API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.http import http_date

from benchmarks.models import Cell, Snapshot
from benchmarks.present.api.views import CSV_HEADER, PAYLOAD_VERSION
from benchmarks.read import answers, lookup
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


def csv_rows(client: Client) -> tuple[list[str], list[list[str]]]:
    response = client.get(f"{API}/cells.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def test_the_csv_holds_every_published_cell_of_the_snapshot(
    published: Published, client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(2):  # the snapshot, then the cells, streamed
        response = client.get(f"{API}/cells.csv")
        text = b"".join(response.streaming_content).decode()

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="cmbench-cells-{published.snapshot.pk}.csv"'
    )
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:21] == [
        "metric",
        "country",
        "year",
        "region",
        "experience",
        "education",
        "employer_size",
        "employer_type",
        "role",
        "mission",
        "mission_done",
        "n",
        "confidence",
        "currency",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "median_ci_low",
        "median_ci_high",
    ]
    assert header[21:24] == ["under_200_percent", "under_200_ci95_low", "under_200_ci95_high"]
    assert header == list(CSV_HEADER)
    assert "carried" not in header
    cells = list(Cell.objects.filter(snapshot=published.snapshot).order_by("pk"))
    assert len(rows) == len(cells) == published.snapshot.cell_count
    for row, cell in zip(rows, cells, strict=True):
        line = dict(zip(header, row, strict=True))
        assert line["metric"] == cell.metric
        assert (line["country"], int(line["year"])) == (cell.country, cell.year)
        assert [line[d] for d in ("region", "experience", "education", "role")] == [
            cell.region,
            cell.experience,
            cell.education,
            cell.role,
        ]
        assert (line["mission"], line["mission_done"]) == (
            cell.mission,
            str(int(cell.mission_done)),
        )
        assert int(line["n"]) == cell.n
        assert line["p10"] == ("" if cell.p10 is None else str(cell.p10))
        assert int(line["p50"]) == cell.p50
        assert [int(line["median_ci_low"]), int(line["median_ci_high"])] == [
            cell.median_ci_low,
            cell.median_ci_high,
        ]
        under = answers.cell_shares(cell).get("under", {}).get("300")
        assert [
            line["under_300_percent"],
            line["under_300_ci95_low"],
            line["under_300_ci95_high"],
        ] == ([str(v) for v in under] if under else ["", "", ""])


def test_a_day_rate_cell_reads_the_same_in_the_csv_and_the_json(
    published: Published, client: Client
) -> None:
    header, rows = csv_rows(client)
    body = client.get(f"{API}/day-rates/", {"experience": "3-5"}).json()

    (line,) = [
        dict(zip(header, row, strict=True))
        for row in rows
        if row[0] == "day_rate"
        and row[2] == "2026"
        and row[4] == "3-5"
        and not any(row[i] for i in (3, 5, 6, 7, 8, 9))
    ]
    assert int(line["n"]) == body["n"]
    assert int(line["p25"]) == body["percentiles"]["p25"]
    assert int(line["under_400_percent"]) == body["shares_under"]["400"]["percent"]
    assert int(line["mission_crisis_ci95_high"]) == body["missions"]["crisis"]["ci95"][1]


def test_answers_may_be_cached_for_five_minutes_and_carry_the_snapshots_validators(
    published: Published, client: Client
) -> None:
    snapshot = published.snapshot
    for path in ("salaries/", "day-rates/?region=FR-20R", "trends/", "cells.csv"):
        response = client.get(f"{API}/{path}")

        assert response["Cache-Control"] == "public, max-age=300", path
        assert response["ETag"] == (
            f'"{PAYLOAD_VERSION}-{snapshot.pk}-{int(snapshot.published_at.timestamp())}"'
        )
        assert response["Last-Modified"] == http_date(int(snapshot.published_at.timestamp()))
        # No cookie, and no variant per cookie: one cached copy serves everyone.
        assert not response.cookies
        assert "Set-Cookie" not in response
        assert response["Vary"] == "Accept-Language"


def test_a_conditional_request_is_answered_304_without_reading_the_cell(
    published: Published, client: Client, django_assert_num_queries
) -> None:
    first = client.get(f"{API}/day-rates/", {"experience": "3-5"})

    with django_assert_num_queries(1):  # the snapshot only
        again = client.get(
            f"{API}/day-rates/", {"experience": "3-5"}, HTTP_IF_NONE_MATCH=first["ETag"]
        )
    since = client.get(
        f"{API}/day-rates/", {"experience": "3-5"}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    for response in (again, since):
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == first["ETag"]
        assert response["Cache-Control"] == "public, max-age=300"
    older = http_date(int((published.snapshot.published_at - timedelta(days=1)).timestamp()))
    assert (
        client.get(
            f"{API}/day-rates/", {"experience": "3-5"}, HTTP_IF_MODIFIED_SINCE=older
        ).status_code
        == 200
    )


def test_a_new_snapshot_changes_the_etag(published: Published, client: Client) -> None:
    before = client.get(f"{API}/salaries/")
    Snapshot.objects.filter(pk=published.snapshot.pk).update(
        published_at=published.snapshot.published_at + timedelta(hours=1)
    )
    lookup.forget_published_snapshot()

    after = client.get(f"{API}/salaries/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["n"] == before.json()["n"]


def test_errors_are_not_marked_cacheable(published: Published, client: Client) -> None:
    response = client.get(f"{API}/salaries/", {"experience": "old"})

    assert response.status_code == 400
    assert "Cache-Control" not in response and "ETag" not in response


@pytest.fixture
def three_reads_a_minute(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_read": "3/min"},
    }


def test_a_client_is_throttled_whatever_x_forwarded_for_it_sends_without_a_proxy(
    published: Published, client: Client, settings, three_reads_a_minute: None
) -> None:
    settings.NUM_PROXIES = 0
    statuses = [
        client.get(
            f"{API}/day-rates/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(5)
    ]

    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get(f"{API}/salaries/", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "detail" in refused.json()
    # Another address has its own bucket.
    assert client.get(f"{API}/salaries/", REMOTE_ADDR="203.0.113.8").status_code == 200


def test_behind_one_proxy_only_the_address_the_proxy_saw_picks_the_bucket(
    published: Published, client: Client, settings, three_reads_a_minute: None
) -> None:
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.1"
    # The client forges the left part; the proxy appends the address it saw.
    statuses = [
        client.get(
            f"{API}/day-rates/",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7",
        ).status_code
        for i in range(5)
    ]

    assert statuses == [200, 200, 200, 429, 429]
    other_client = client.get(
        f"{API}/day-rates/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert other_client.status_code == 200
