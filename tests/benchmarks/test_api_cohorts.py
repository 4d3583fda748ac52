"""GET /api/v1/benchmarks/salaries/, day-rates/ and their position/: one cohort's figures."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from django.test import Client

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.read import answers, lookup
from surveys import vocabulary as vocab
from surveys.models import SurveyResponse
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published, cell, published_json
from tests.expected import published_count, published_money

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


def test_a_day_rate_cohort_answers_with_its_percentiles_interval_and_shares(
    published: Published, client: Client
) -> None:
    response = client.get(f"{API}/day-rates/", {"experience": "3-5"})

    assert response.status_code == 200
    body = response.json()
    # The cohort's day rates, straight from the answers (3 to 5 completed years).
    members = SurveyResponse.objects.filter(
        edition__year=2026,
        country="FR",
        status="freelance",
        experience_years__gte=3,
        experience_years__lte=5,
    )
    rates = np.array(members.values_list("day_rate", flat=True), dtype=float)
    keys = np.array(members.values_list("record_key", flat=True))
    assert rates.size == 30
    assert body["cohort"] == {"country": "FR", "year": 2026, "experience": "3-5"}
    assert body["published"] is True
    # 30 answers, published with the noise of their cell key (privacy rule 3).
    assert body["n"] == published_count(keys.tolist())
    assert body["confidence"] == "medium"  # 20 <= n < 50
    assert body["currency"] == "EUR"
    assert body["unit"] == "day_rate_excl_vat"
    assert "basis" not in body
    # Type 7 quantiles (numpy's default), rounded to 5 euros (privacy rule 4).
    assert body["percentiles"] == {
        name: published_money(np.quantile(rates, q), 5)
        for name, q in (("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9))
    }
    low, high = body["median_ci95"]
    assert low <= body["percentiles"]["p50"] <= high
    # From perturbed counts, numerator and denominator alike.
    under_400 = round(100 * min(published_count(keys[rates < 400].tolist()), body["n"]) / body["n"])
    assert body["shares_under"]["400"]["percent"] == under_400
    assert set(body["shares_under"]) == {"200", "300", "400", "500"}
    share_low, share_high = body["shares_under"]["400"]["ci95"]
    assert share_low <= under_400 <= share_high
    assert body["snapshot"] == published_json(published)


def test_the_answer_has_the_shape_of_design_md(published: Published, client: Client) -> None:
    body = client.get(f"{API}/salaries/", {"experience": "3-5"}).json()
    stored = cell(published, Metric.SALARY, experience="3-5")

    assert list(body) == [
        "cohort",
        "published",
        "n",
        "confidence",
        "currency",
        "unit",
        "basis",
        "percentiles",
        "median_ci95",
        "missions",
        "kpis",
        "snapshot",
    ]
    assert body["unit"] == "gross_annual_fte"
    assert body["basis"] == "total"
    assert body["n"] == stored.n
    assert body["percentiles"] == {
        "p10": stored.p10,
        "p25": stored.p25,
        "p50": stored.p50,
        "p75": stored.p75,
        "p90": stored.p90,
    }
    assert body["median_ci95"] == [stored.median_ci_low, stored.median_ci_high]
    # Shares of the cohort's answers, as whole percents with Wilson intervals.
    animation = stored.extras["missions"][0]  # the count of those who do it
    percent, low, high = answers.cell_shares(stored)["missions"]["animation"]
    assert percent == round(100 * animation / stored.n)
    assert body["missions"]["animation"] == {"percent": percent, "ci95": [low, high]}
    assert list(body["kpis"]) == list(vocab.KPIS.codes)


def test_base_pay_is_asked_with_basis_base(published: Published, client: Client) -> None:
    total = client.get(f"{API}/salaries/").json()
    base = client.get(f"{API}/salaries/", {"basis": "base"}).json()

    assert base["basis"] == "base"
    assert base["percentiles"]["p50"] == cell(published, Metric.SALARY_BASE).p50
    assert total["percentiles"]["p50"] == cell(published, Metric.SALARY).p50
    # The random answers have no variable pay: base and total agree.
    assert base["percentiles"] == total["percentiles"]


def test_the_edition_defaults_to_the_latest_published_and_others_can_be_asked(
    published: Published, client: Client
) -> None:
    latest = client.get(f"{API}/day-rates/").json()
    earlier = client.get(f"{API}/day-rates/", {"year": "2025"}).json()

    assert latest["cohort"] == {"country": "FR", "year": 2026}
    assert earlier["cohort"] == {"country": "FR", "year": 2025}
    freelancers_2025 = SurveyResponse.objects.filter(
        edition__year=2025, country="FR", status="freelance"
    ).values_list("record_key", flat=True)
    assert earlier["n"] == published_count(freelancers_2025)
    assert earlier["n"] == cell(published, Metric.DAY_RATE, year=2025).n


def test_p10_and_p90_are_left_out_under_twenty_answers(
    published: Published, client: Client
) -> None:
    small = (
        Cell.objects.filter(
            snapshot=published.snapshot, metric=Metric.DAY_RATE, year=2026, n__lt=20, mission=""
        )
        .exclude(region="")
        .first()
    )
    assert small is not None

    body = client.get(f"{API}/day-rates/", {"region": small.region, **small.cohort}).json()

    assert body["n"] == small.n
    assert body["confidence"] == "low"
    assert list(body["percentiles"]) == ["p25", "p50", "p75"]


def _tiny_cohort() -> dict[str, str]:
    """Filters of a salary cohort of FR 2026 with 1 to 9 answers: never published."""
    employees = SurveyResponse.objects.filter(edition__year=2026, country="FR", status="employee")
    for region, education, role in itertools.product(
        ("FR-ARA", "FR-BFC", "FR-BRE", "FR-CVL"),
        ("bac2", "bac3"),
        ("moderator", "community-manager"),
    ):
        count = employees.filter(
            region=region, education=education, role=role, experience_years__gte=10
        ).count()
        if 1 <= count < 10:
            return {"region": region, "experience": "10+", "education": education, "role": role}
    raise AssertionError("the test answers hold no tiny cohort")


def test_a_suppressed_cohort_answers_byte_for_byte_like_an_empty_one(
    published: Published, client: Client
) -> None:
    tiny = _tiny_cohort()
    # Corsica has no answer at all; its code has as many characters as the tiny cohort's.
    empty = {**tiny, "region": "FR-20R"}
    assert len(empty["region"]) == len(tiny["region"])

    suppressed_response = client.get(f"{API}/salaries/", tiny)
    empty_response = client.get(f"{API}/salaries/", empty)

    assert suppressed_response.status_code == empty_response.status_code == 200
    assert suppressed_response.content == empty_response.content.replace(
        b"FR-20R", tiny["region"].encode()
    )
    assert json.loads(empty_response.content) == {
        "cohort": {"country": "FR", "year": 2026, **empty},
        "published": False,
        "snapshot": published_json(published),
    }
    assert sorted(suppressed_response.headers.items()) == sorted(empty_response.headers.items())


def test_a_country_without_answers_is_not_published(published: Published, client: Client) -> None:
    body = client.get(f"{API}/day-rates/", {"country": "CH"}).json()

    assert body == {
        "cohort": {"country": "CH", "year": 2026},
        "published": False,
        "snapshot": published_json(published),
    }


def test_a_cohort_lookup_takes_two_queries(
    published: Published, client: Client, django_assert_num_queries
) -> None:
    # The current snapshot with its editions, then the cell (inside a test's
    # transaction the snapshot is always read; a worker keeps it a few seconds).
    for path, query in (
        ("salaries/", {"experience": "3-5", "region": "FR-ARA"}),
        ("day-rates/", {"experience": "6-9"}),
        ("salaries/position/", {"salary": "38000", "education": "bac5"}),
        ("day-rates/position/", {"rate": "350"}),
        ("salaries/", {"region": "FR-20R"}),
    ):
        with django_assert_num_queries(2):
            assert client.get(f"{API}/{path}", query).status_code == 200


def test_a_rate_between_two_percentiles_is_interpolated_to_a_whole_percentile(
    published: Published, client: Client
) -> None:
    # The whole country: 50 answers or more, so a percentile (fewer give a band:
    # test_api_positions.py).
    stored = cell(published, Metric.DAY_RATE)
    # Halfway between p25 and p50: 25 + 0.5 * (50 - 25) = 37.5, rounded half up to 38.
    rate = (stored.p25 + stored.p50) / 2

    body = client.get(f"{API}/day-rates/position/", {"rate": str(rate)}).json()

    assert body["position"] == {
        "reading": "percentile",
        "percentile": 38,
        "band": None,
        "below": None,
        "above": None,
        "percentile_band": None,
    }
    assert body["rate"] == rate
    assert body["n"] == stored.n
    assert body["unit"] == "day_rate_excl_vat"
    assert body["percentiles"]["p50"] == stored.p50


def test_a_salary_outside_the_published_percentiles_gets_only_a_bound(
    published: Published, client: Client
) -> None:
    stored = cell(published, Metric.SALARY)

    under = client.get(f"{API}/salaries/position/", {"salary": str(stored.p10 - 1)}).json()
    over = client.get(f"{API}/salaries/position/", {"salary": str(stored.p90 + 1)}).json()
    at_median = client.get(f"{API}/salaries/position/", {"salary": str(stored.p50)}).json()

    unset = {
        "percentile": None,
        "band": None,
        "below": None,
        "above": None,
        "percentile_band": None,
    }
    assert under["position"] == {**unset, "reading": "below", "below": 10}
    assert over["position"] == {**unset, "reading": "above", "above": 90}
    assert at_median["position"] == {**unset, "reading": "percentile", "percentile": 50}
    assert at_median["salary"] == stored.p50
    assert at_median["basis"] == "total"


def test_a_position_in_a_suppressed_cohort_says_only_that(
    published: Published, client: Client
) -> None:
    tiny = _tiny_cohort()

    body = client.get(f"{API}/salaries/position/", {"salary": "38000", **tiny}).json()

    assert body == {
        "cohort": {"country": "FR", "year": 2026, **tiny},
        "published": False,
        "snapshot": published_json(published),
    }


def test_before_the_first_snapshot_every_read_says_so(published: Published, client: Client) -> None:
    Snapshot.objects.update(is_current=False)

    for path in (
        "salaries/",
        "salaries/breakdown/?by=education",
        "salaries/position/?salary=30000",
        "day-rates/",
        "day-rates/breakdown/?by=region",
        "day-rates/position/?rate=300",
        "estimate/?experience_years=4",
        "trends/",
        "cells.csv",
    ):
        response = client.get(f"{API}/{path}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 503, path
        assert response.json() == {"detail": "No figures are published yet."}


def test_a_worker_reads_the_current_snapshot_once_per_few_seconds(
    published: Published, monkeypatch: pytest.MonkeyPatch, settings, django_assert_num_queries
) -> None:
    # Outside a transaction, as under gunicorn (a test runs inside one).
    monkeypatch.setattr(lookup, "in_transaction", lambda: False)
    lookup.forget_published_snapshot()
    settings.BENCHMARKS_SNAPSHOT_TTL = 60
    with django_assert_num_queries(1):
        first = lookup.published_snapshot()
        again = lookup.published_snapshot()
    assert first is again
    assert first is not None and first.years == (2025, 2026)

    # Publishing in this process is seen at once.
    published.snapshot.save(update_fields=["notes"])
    with django_assert_num_queries(1):
        lookup.published_snapshot()

    settings.BENCHMARKS_SNAPSHOT_TTL = 0
    with django_assert_num_queries(2):
        lookup.published_snapshot()
        lookup.published_snapshot()
    lookup.forget_published_snapshot()


def test_a_worker_remembers_the_cells_it_served(
    published: Published, monkeypatch: pytest.MonkeyPatch, client: Client, django_assert_num_queries
) -> None:
    monkeypatch.setattr(lookup, "in_transaction", lambda: False)
    lookup.forget_published_snapshot()
    query = {"experience": "6-9", "region": "FR-BRE"}
    first = client.get(f"{API}/day-rates/", query)

    with django_assert_num_queries(0):  # the snapshot and the cell are both remembered
        again = client.get(f"{API}/day-rates/", query)

    assert again.content == first.content
    with django_assert_num_queries(1):  # another cohort: its cell only
        client.get(f"{API}/day-rates/", {"experience": "6-9"})
    lookup.forget_published_snapshot()
    with django_assert_num_queries(2):
        assert client.get(f"{API}/day-rates/", query).content == first.content
    lookup.forget_published_snapshot()
