"""Thin countries' cells pooled over their last three editions (build.pooling, issue 13).

Checked against an independent computation on the stored answers: each amount
multiplied by index(2026) / index(its edition) from the stored price indices,
numpy's type-7 percentiles, rounded to 100; and against the privacy rules
(true counts under 10 never published, counts perturbed, ordinary reads blind
to pooled cells).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from django.test import Client

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.build.store import store_memory
from benchmarks.layout import ALL, DIMENSIONS, POOL_THRESHOLD
from benchmarks.models import Cell, Metric, PastPublication, Snapshot
from benchmarks.read import lookup
from surveys.models import PriceIndex, SurveyResponse
from tests.answers import snapshot_for_module, store_answers

pytestmark = pytest.mark.django_db

THIN = "CH"
YEARS = (2024, 2025, 2026)


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """France 2026 (large) and Switzerland 2024-2026 (about 20 employees an edition)."""
    yield from snapshot_for_module(
        django_db_blocker,
        {"count": 400, "seed": 71, "year": 2026, "country": "FR", "freelance_share": 0.3},
        {"count": 26, "seed": 72, "year": 2024, "country": THIN, "freelance_share": 0.25},
        {"count": 26, "seed": 73, "year": 2025, "country": THIN, "freelance_share": 0.25},
        {"count": 26, "seed": 74, "year": 2026, "country": THIN, "freelance_share": 0.25},
    )


@pytest.fixture(autouse=True)
def _fresh_reads() -> Iterator[None]:
    lookup.forget_published_snapshot()
    yield
    lookup.forget_published_snapshot()


def _factors(country: str) -> dict[int, float]:
    """index(2026) / index(year), from the stored indices (the seeded, sourced ones)."""
    values = {row.year: float(row.value) for row in PriceIndex.objects.filter(country=country)}
    return {year: values[2026] / values[year] for year in YEARS}


def _employee_answers(country: str) -> list[dict[str, object]]:
    """The accepted employees' stored answers, each salary in 2026 money."""
    factors = _factors(country)
    rows = SurveyResponse.objects.filter(
        country=country, status="employee", state=SurveyResponse.State.ACCEPTED
    ).values("edition__year", "total_fte", "region", "role", "education", "employer_type")
    return [{**row, "amount": row["total_fte"] * factors[row["edition__year"]]} for row in rows]


def _pooled(snapshot: Snapshot, **filters: str) -> Cell | None:
    lookup_filters = {d: filters.get(d, ALL) for d in DIMENSIONS}
    return Cell.pooled.filter(
        snapshot=snapshot,
        metric=Metric.SALARY,
        country=THIN,
        year=2026,
        mission=ALL,
        mission_done=True,
        **lookup_filters,
    ).first()


def _rounded(values: np.ndarray, q: float) -> int:
    return int(np.floor(np.percentile(values, q) / 100 + 0.5) * 100)


def test_the_thin_country_is_thin_and_france_is_not(snapshot: Snapshot) -> None:
    salary = Cell.objects.filter(snapshot=snapshot, metric=Metric.SALARY, year=2026, mission=ALL)
    assert salary.filter(country=THIN).count() < POOL_THRESHOLD
    assert salary.filter(country="FR").count() >= POOL_THRESHOLD
    assert Cell.pooled.filter(snapshot=snapshot, country=THIN).exists()
    assert not Cell.pooled.filter(snapshot=snapshot, country="FR").exists()
    # Stage 3 left every answer in: the independent computation below uses them all.
    fenced = [
        row
        for row in snapshot.notes["exclusions"]
        if row["country"] == THIN and row["stage3_fenced"]
    ]
    assert fenced == []


def test_pooled_figures_match_numpy_on_the_deflated_answers(snapshot: Snapshot) -> None:
    answers = _employee_answers(THIN)
    assert {row["edition__year"] for row in answers} == set(YEARS)
    checked = 0
    cohorts: list[dict[str, str]] = [{}]
    cohorts += [{"role": role} for role in {row["role"] for row in answers}]
    cohorts += [{"education": level} for level in {row["education"] for row in answers}]
    for filters in cohorts:
        cell = _pooled(snapshot, **filters)
        if cell is None:
            continue
        values = np.array(
            [row["amount"] for row in answers if all(row[d] == v for d, v in filters.items())]
        )
        assert cell.true_n == values.size
        assert cell.pooled_from == 2024
        assert (cell.p25, cell.p50, cell.p75) == tuple(_rounded(values, q) for q in (25, 50, 75))
        if cell.p10 is not None:
            assert (cell.p10, cell.p90) == (_rounded(values, 10), _rounded(values, 90))
        checked += 1
    assert checked >= 3


def test_pooled_cells_say_how_they_were_pooled(snapshot: Snapshot) -> None:
    cell = _pooled(snapshot)
    assert cell is not None
    about = cell.extras["pooled"]
    assert about["editions"] == list(YEARS)
    factors = _factors(THIN)
    assert about["price_factors"] == {str(y): round(factors[y], 4) for y in YEARS}
    source = PriceIndex.objects.get(country=THIN, year=2026).source
    assert source in about["index_source"]


def test_pooled_cohorts_under_ten_true_answers_are_not_published(snapshot: Snapshot) -> None:
    answers = _employee_answers(THIN)
    small = 0
    for dimension in ("region", "role", "education", "employer_type"):
        for level in {row[dimension] for row in answers}:
            true_n = sum(row[dimension] == level for row in answers)
            cell = _pooled(snapshot, **{dimension: level})
            if true_n < 10:
                small += 1
                assert cell is None, (dimension, level, true_n)
    assert small >= 1
    for cell in Cell.pooled.filter(snapshot=snapshot):
        assert cell.true_n >= 10
        assert cell.n >= 10


def test_pooled_counts_are_perturbed_like_any_count(snapshot: Snapshot) -> None:
    cells = list(Cell.pooled.filter(snapshot=snapshot))
    differences = [cell.n - cell.true_n for cell in cells]
    assert all(-2 <= d <= 2 for d in differences)
    assert any(d != 0 for d in differences)


def test_ordinary_reads_never_return_pooled_cells(snapshot: Snapshot) -> None:
    ordinary = lookup.cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country=THIN, year=2026)
    pooled = _pooled(snapshot)
    assert pooled is not None
    assert ordinary is None or ordinary.pooled_from == 0
    assert not snapshot.cells.filter(pooled_from__gt=0).exists()
    assert snapshot.cell_count == Cell.objects.filter(snapshot=snapshot).count()
    assert (
        snapshot.notes["publication"]["pooled_cells"]
        == Cell.pooled.filter(snapshot=snapshot).count()
    )
    rows = list(lookup.public_cell_rows(snapshot=snapshot))
    assert len(rows) == snapshot.cell_count


def test_the_api_adds_a_pooled_block_for_a_thin_country_only(
    snapshot: Snapshot, client: Client
) -> None:
    thin = client.get("/api/v1/benchmarks/salaries/", {"country": THIN}).json()
    cell = _pooled(snapshot)
    assert cell is not None
    pooled = thin["pooled"]
    assert pooled["editions"] == list(YEARS)
    assert pooled["money_of"] == 2026
    assert pooled["n"] == cell.n
    assert pooled["percentiles"]["p50"] == cell.p50
    assert pooled["median_ci95"] == [cell.median_ci_low, cell.median_ci_high]
    assert pooled["price_index"]["source"] == cell.extras["pooled"]["index_source"]
    assert list(thin)[-1] == "snapshot"

    france = client.get("/api/v1/benchmarks/salaries/", {"country": "FR"})
    assert "pooled" not in france.json()
    assert b"pooled" not in france.content
    earlier = client.get("/api/v1/benchmarks/salaries/", {"country": THIN, "year": 2025}).json()
    assert "pooled" not in earlier


def test_the_explorer_labels_the_pooled_view_of_a_thin_country(
    snapshot: Snapshot, client: Client
) -> None:
    html = client.get("/en/benchmarks/", {"country": THIN, "year": 2026}).content.decode()
    source = json.dumps(PriceIndex.objects.get(country=THIN, year=2026).source)[1:-1]
    assert "Pooled over editions 2024–2026, in 2026 money" in html
    assert "Index: " in html
    assert source.split(" ")[0] in html

    france = client.get("/en/benchmarks/", {"country": "FR", "year": 2026}).content.decode()
    assert "Pooled over editions" not in france


def test_a_pooled_cohort_follows_privacy_rule_8_between_snapshots(snapshot: Snapshot) -> None:
    first = _pooled(snapshot)
    assert first is not None and not first.carried
    figures = ("n", "p25", "p50", "p75", "median_ci_low", "median_ci_high", "true_n")

    # Three more Swiss employees in 2026: the pooled cohort's true n moves by 3.
    store_answers(3, seed=75, year=2026, country=THIN, freelance_share=0.0)
    second_snapshot = snapshot_publish()
    second = _pooled(second_snapshot)
    assert second is not None and second.carried
    assert [getattr(second, f) for f in figures] == [getattr(first, f) for f in figures]
    answered = SurveyResponse.objects.filter(
        country=THIN, status="employee", state=SurveyResponse.State.ACCEPTED
    ).count()
    assert answered == first.true_n + 3

    # Ten more: 13 away from its last publication, the cohort is computed afresh.
    store_answers(10, seed=76, year=2026, country=THIN, freelance_share=0.0)
    third = _pooled(snapshot_publish())
    assert third is not None and not third.carried
    assert third.true_n == first.true_n + 13
    values = np.array([row["amount"] for row in _employee_answers(THIN)])
    assert third.p50 == _rounded(values, 50)


def test_a_pooled_cohort_is_remembered_while_it_is_not_published(snapshot: Snapshot) -> None:
    first = _pooled(snapshot)
    assert first is not None
    # A snapshot that does not publish the pooled cohorts (their cells removed, as if
    # rules 1-2 had held them back) remembers them, under their pooled key.
    gap = snapshot_publish()
    assert not PastPublication.objects.filter(snapshot=gap).exists()  # same cohorts as before
    Cell.pooled.filter(snapshot=gap).delete()
    store_memory(gap, snapshot)
    remembered = PastPublication.objects.get(
        snapshot=gap,
        metric=Metric.SALARY,
        country=THIN,
        pooled_from=2024,
        **dict.fromkeys(DIMENSIONS, ALL),
        mission=ALL,
    )
    assert (remembered.p50, remembered.true_n) == (first.p50, first.true_n)

    # Published again 3 answers later: compared with that memory, the figures are carried.
    store_answers(3, seed=77, year=2026, country=THIN, freelance_share=0.0)
    again = _pooled(snapshot_publish())
    assert again is not None and again.carried
    assert (again.p50, again.n, again.true_n) == (first.p50, first.n, first.true_n)
