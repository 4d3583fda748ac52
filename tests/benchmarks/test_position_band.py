"""A position as a band where n < 50: the pay checks, the survey's done page and the API.

The band is recomputed here by hand from the cell's published percentiles and
published n: p = the rank interpolated between the two published points around
the amount, then the 95% Wilson interval at n, floor / ceil to whole
percentiles, clipped to the published ranks (stats.percentile_interval).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from benchmarks.layout import ALL, DIMENSIONS
from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.present import formatting
from benchmarks.read import lookup
from surveys.models import Edition
from tests.answers import snapshot_for_module
from tests.surveys.test_practitioner import send, text
from tests.surveys.test_survey_form import form_data

pytestmark = pytest.mark.django_db

Z95 = 1.959963984540054  # Phi^-1(0.975)
API = "/api/v1/benchmarks"


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    yield from snapshot_for_module(
        django_db_blocker, {"count": 600, "seed": 23, "year": 2026, "freelance_share": 0.3}
    )


@pytest.fixture(autouse=True)
def _fresh_reads() -> Iterator[None]:
    lookup.forget_published_snapshot()
    yield
    lookup.forget_published_snapshot()


def _hand_band(cell: Cell, amount: float) -> tuple[int, int]:
    points = [
        (value, rank)
        for value, rank in (
            (cell.p10, 10),
            (cell.p25, 25),
            (cell.p50, 50),
            (cell.p75, 75),
            (cell.p90, 90),
        )
        if value is not None
    ]
    (a0, r0), (a1, r1) = next(
        (left, right) for left, right in pairwise(points) if left[0] <= amount <= right[0]
    )
    p = (r0 + (r1 - r0) * (amount - a0) / (a1 - a0)) / 100
    n = cell.n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return (
        max(points[0][1], math.floor(100 * (centre - half))),
        min(points[-1][1], math.ceil(100 * (centre + half))),
    )


def _cells(snapshot: Snapshot, *dimensions: str) -> list[Cell]:
    """The published 2026 FR salary cells filtering on exactly `dimensions`."""
    return [
        cell
        for cell in Cell.objects.filter(
            snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, mission=ALL
        )
        if {d for d in DIMENSIONS if getattr(cell, d) != ALL} == set(dimensions)
    ]


def _thin(snapshot: Snapshot, *dimensions: str) -> Cell:
    return next(
        cell for cell in _cells(snapshot, *dimensions) if cell.n < 50 and cell.p50 - cell.p25 >= 400
    )


def ordinal_text(rank: int) -> str:
    """An ordinal as the English pages write it."""
    with translation.override("en"):
        return formatting.ordinal_text(rank)


def _result_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_pay_check_says_between_which_percentiles_under_50_answers(
    client: Client, snapshot: Snapshot
) -> None:
    cell = _thin(snapshot, "role", "experience")
    amount = (cell.p25 + cell.p50) // 2 + 1
    low, high = _hand_band(cell, amount)
    assert (low, high) != (25, 50)  # wider than the published ranks alone

    html = client.get(
        "/en/benchmarks/salary-check/",
        {"salary": amount, "role": cell.role, "experience": cell.experience},
    ).content.decode()

    page = _result_text(html)
    assert f"Between the {ordinal_text(low)} and the {ordinal_text(high)} percentile" in page
    assert f"Higher than {low}% to {high}% of this group." in page
    assert "wide enough to allow for the uncertainty of so few answers" in page


def test_the_api_gives_the_band_under_50_answers_and_null_from_50(
    client: Client, snapshot: Snapshot
) -> None:
    cell = _thin(snapshot, "role", "experience")
    amount = (cell.p50 + cell.p75) // 2
    thin = client.get(
        f"{API}/salaries/position/",
        {"salary": amount, "role": cell.role, "experience": cell.experience},
    ).json()["position"]
    low, high = _hand_band(cell, amount)
    assert thin["reading"] == "band"
    assert thin["percentile"] is None
    assert thin["percentile_band"] == {"lower": low, "upper": high}

    whole = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026)
    assert whole is not None and whole.n >= 50
    wide = client.get(f"{API}/salaries/position/", {"salary": whole.p50 + 100}).json()
    assert wide["position"]["reading"] == "percentile"
    assert wide["position"]["percentile_band"] is None


def test_outside_the_published_percentiles_there_is_no_band(
    client: Client, snapshot: Snapshot
) -> None:
    cell = _thin(snapshot, "role", "experience")
    lowest = cell.p10 if cell.p10 is not None else cell.p25
    body = client.get(
        f"{API}/salaries/position/",
        {"salary": lowest - 1000, "role": cell.role, "experience": cell.experience},
    ).json()["position"]
    assert body["reading"] == "below"
    assert body["percentile_band"] is None


def _answer_and_read(client: Client, **overrides: Any) -> Any:
    Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)
    sent = send(client, form_data(**overrides))
    assert sent.status_code == 302, text(sent)[:2000]
    return client.get(sent["Location"])


def test_the_survey_done_page_gives_the_band_under_50_answers(
    client: Client, snapshot: Snapshot
) -> None:
    cell = _thin(snapshot, "role", "experience", "region")
    amount = (cell.p25 + cell.p50) // 2 // 100 * 100 + 100
    low, high = _hand_band(cell, amount)
    years = {"0-2": 1, "3-5": 4, "6-9": 7, "10+": 12}[cell.experience]

    done = _answer_and_read(
        client,
        role=cell.role,
        experience_years=years,
        region=cell.region,
        base_salary=amount,
        variable_pay=None,
    )

    page = text(done)
    assert f"{cell.n} answers" in page
    assert f"You earn more than {low}% to {high}% of this group." in page
    assert f"Between the {ordinal_text(low)} and the {ordinal_text(high)} percentile." in page
