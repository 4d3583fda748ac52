"""GET salaries/position/ and day-rates/position/: the pay-check pages' reading, as JSON.

The same amount and profile get the same reading from the API as from the pay
check pages (and the survey's thank-you page): the narrowest published cohort
of role x experience x region, then wider ones; a whole percentile where that
cohort has 50 answers or more, a band between two published ranks where it
has fewer (DESIGN.md, Statistics), `below` / `above` outside its figures.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from django.test import Client

from benchmarks.layout import DIMENSIONS
from benchmarks.models import Cell, Metric
from benchmarks.read import answers
from benchmarks.stats.tiers import TIER_HIGH_FROM
from surveys import vocabulary as vocab
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published, cell

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"
PAGES = {"salary": "/en/benchmarks/salary-check/", "rate": "/en/benchmarks/day-rate-check/"}
ENDPOINTS = {"salary": f"{API}/salaries/position/", "rate": f"{API}/day-rates/position/"}
METRICS = {"salary": Metric.SALARY, "rate": Metric.DAY_RATE}


def _profiles() -> list[dict[str, str]]:
    """Every role x experience x region of France, and its narrower combinations."""
    profiles = []
    for role, experience, region in itertools.product(
        vocab.ROLE.codes, vocab.EXPERIENCE.codes, vocab.REGIONS_BY_COUNTRY["FR"].codes
    ):
        profiles.append({"role": role, "experience": experience, "region": region})
    return profiles


def _reading(position: answers.CohortPosition) -> dict[str, Any]:
    """A page's position as the API writes it."""
    band = position.band
    return {
        "percentile": position.percentile,
        "band": {"lower": band[0], "upper": band[1]} if band is not None else None,
        "below": position.below,
        "above": position.above,
        "percentile_band": (
            {"lower": position.percentile_band[0], "upper": position.percentile_band[1]}
            if position.percentile_band is not None
            else None
        ),
    }


def _page_and_api(client: Client, amount_name: str, query: dict[str, str]) -> tuple[Any, dict]:
    page = client.get(PAGES[amount_name], query)
    assert page.status_code == 200, page.content
    api = client.get(ENDPOINTS[amount_name], query)
    assert api.status_code == 200, api.content
    return page.context.get("position"), api.json()


def _widened_profile(published: Published, metric: str) -> tuple[dict[str, str], Cell]:
    """A full profile whose own cohort is not published, and the cell it is read in."""
    for profile in _profiles():
        placed = answers.pay_position(
            snapshot=published.snapshot,
            metric=metric,
            country="FR",
            year=2026,
            profile=profile,
            value=1.0,
        )
        if placed is not None and placed.narrower and placed.filters:
            return profile, placed.cell
    raise AssertionError("the test answers hold no profile read in a wider cohort")


def _thin_cell(published: Published, metric: str) -> Cell:
    """A published cell of a profile (role, experience or region) with fewer than 50 answers."""
    for found in Cell.objects.filter(
        snapshot=published.snapshot, metric=metric, country="FR", year=2026, mission=""
    ).order_by("pk"):
        filters = {d: getattr(found, d) for d in DIMENSIONS if getattr(found, d)}
        if filters and set(filters) <= set(answers.PROFILE_DIMENSIONS) and found.n < 50:
            return found
    raise AssertionError("the test answers hold no thin published profile cell")


@pytest.mark.parametrize("amount_name", ["salary", "rate"])
def test_the_api_reads_an_amount_as_the_pay_check_page_does(
    published: Published, client: Client, amount_name: str
) -> None:
    metric = METRICS[amount_name]
    profile, used = _widened_profile(published, metric)
    whole = cell(published, metric)
    thin = _thin_cell(published, metric)
    thin_profile = {d: getattr(thin, d) for d in answers.PROFILE_DIMENSIONS if getattr(thin, d)}
    cases = [
        (profile, (used.p25 + used.p50) / 2),
        (profile, used.p50),
        (profile, (used.p10 or used.p25) - 1),
        (profile, (used.p90 or used.p75) + 1),
        ({}, (whole.p25 + whole.p50) / 2),
        (thin_profile, (thin.p50 + thin.p75) / 2),
    ]
    for query_profile, amount in cases:
        query = {amount_name: str(amount), **query_profile}

        position, body = _page_and_api(client, amount_name, query)

        assert position is not None, query
        assert {key: body["position"][key] for key in _reading(position)} == _reading(position)
        cohort_used = {"country": "FR", "year": 2026, **position.filters}
        assert body["cohort_used"] == cohort_used, query
        assert body["cohort"] == {"country": "FR", "year": 2026, **query_profile}
        assert body["narrower"] == [
            {"country": "FR", "year": 2026, **filters} for filters in position.narrower
        ]
        assert body["n"] == position.cell.n
        assert body["percentiles"]["p50"] == position.cell.p50


def test_a_profile_with_an_unpublished_cohort_is_read_in_the_next_wider_one(
    published: Published, client: Client
) -> None:
    profile, used = _widened_profile(published, Metric.SALARY)

    body = client.get(ENDPOINTS["salary"], {"salary": str(used.p50), **profile}).json()

    assert body["published"] is True
    assert body["cohort"] == {"country": "FR", "year": 2026, **profile}
    assert body["narrower"][0] == {"country": "FR", "year": 2026, **profile}
    # The cohort read is published, and narrower than the whole country.
    assert set(body["cohort_used"]) - {"country", "year"} < set(profile)
    assert body["n"] == used.n


def test_a_cohort_of_fewer_than_50_answers_gives_a_band(
    published: Published, client: Client
) -> None:
    thin = cell(published, Metric.DAY_RATE, experience="3-5")
    assert thin.n < TIER_HIGH_FROM
    # Halfway between p25 and p50: the published ranks around it, no single percentile.
    rate = (thin.p25 + thin.p50) / 2

    body = client.get(ENDPOINTS["rate"], {"rate": str(rate), "experience": "3-5"}).json()

    # The band allowing for n: the Wilson interval of p = 0.375 at the published n,
    # z = 1.959964, rounded outward to whole percentiles, within the published ranks.
    z, share, n = 1.959963984540054, 0.375, thin.n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    lowest = 10 if thin.p10 is not None else 25
    highest = 90 if thin.p90 is not None else 75
    assert body["position"] == {
        "reading": "band",
        "percentile": None,
        "band": {"lower": 25, "upper": 50},
        "below": None,
        "above": None,
        "percentile_band": {
            "lower": max(lowest, math.floor(100 * (centre - half))),
            "upper": min(highest, math.ceil(100 * (centre + half))),
        },
    }
    assert body["cohort_used"] == {"country": "FR", "year": 2026, "experience": "3-5"}
    assert body["narrower"] == []


def test_a_cohort_of_50_answers_or_more_gives_a_percentile(
    published: Published, client: Client
) -> None:
    whole = cell(published, Metric.DAY_RATE)
    assert whole.n >= TIER_HIGH_FROM
    # Halfway between p25 and p50: 25 + 0.5 * (50 - 25) = 37.5, rounded half up to 38.
    rate = (whole.p25 + whole.p50) / 2

    body = client.get(ENDPOINTS["rate"], {"rate": str(rate)}).json()

    assert body["position"] == {
        "reading": "percentile",
        "percentile": 38,
        "band": None,
        "below": None,
        "above": None,
        "percentile_band": None,
    }


def test_a_filter_beyond_the_profile_reads_that_cohort_only(
    published: Published, client: Client
) -> None:
    stored = cell(published, Metric.SALARY, education="bac5")

    body = client.get(ENDPOINTS["salary"], {"salary": str(stored.p50), "education": "bac5"}).json()

    assert (
        body["cohort_used"]
        == body["cohort"]
        == {
            "country": "FR",
            "year": 2026,
            "education": "bac5",
        }
    )
    assert body["narrower"] == []
    assert body["n"] == stored.n
    expected = "percentile" if stored.n >= TIER_HIGH_FROM else "band"
    assert body["position"]["reading"] == expected
