"""Thin cells' smoothed medians: built from published figures, shown by the explorer."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
import pytest
from django.test import Client

from benchmarks.layout import ALL, DIMENSIONS
from benchmarks.models import MONEY_STEPS, Cell, Metric, Snapshot
from benchmarks.stats.perturbation import round_money
from benchmarks.stats.smoothing import smooth_published_medians
from tests.answers import snapshot_for_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """One published snapshot for the module, committed, and removed afterwards."""
    yield from snapshot_for_module(
        django_db_blocker, {"count": 700, "seed": 31, "year": 2026, "freelance_share": 0.3}
    )


def _key(cell: Cell) -> tuple[object, ...]:
    return (
        cell.metric,
        cell.country,
        cell.year,
        *(getattr(cell, d) for d in DIMENSIONS),
        cell.mission,
        cell.mission_done,
    )


def _parent_key(cell: Cell) -> tuple[tuple[object, ...], str] | None:
    """The documented rule, written again: the last filter dropped, or the mission split."""
    dimensions = [getattr(cell, d) for d in DIMENSIONS]
    if cell.mission != ALL:
        group = f"mission:{cell.mission}"
    else:
        filtered = [i for i, value in enumerate(dimensions) if value != ALL]
        if not filtered:
            return None
        group = f"dimension:{DIMENSIONS[filtered[-1]]}"
        dimensions[filtered[-1]] = ALL
    return (cell.metric, cell.country, cell.year, *dimensions, ALL, True), group


def _cells(snapshot: Snapshot) -> list[Cell]:
    return list(Cell.objects.filter(snapshot=snapshot))


def test_only_cells_under_50_answers_get_a_smoothed_median(snapshot: Snapshot) -> None:
    cells = _cells(snapshot)
    smoothed = [cell for cell in cells if cell.smoothed_p50 is not None]

    assert len(smoothed) >= 20
    assert all(cell.n < 50 for cell in smoothed)
    assert any(cell.n >= 50 for cell in cells)
    for cell in cells:
        has_all = None not in (cell.smoothed_p50, cell.smoothed_p50_low, cell.smoothed_p50_high)
        has_none = {cell.smoothed_p50, cell.smoothed_p50_low, cell.smoothed_p50_high} == {None}
        assert has_all or has_none


def test_a_smoothed_median_lies_between_the_cells_and_its_parents_rounded(
    snapshot: Snapshot,
) -> None:
    cells = _cells(snapshot)
    by_key = {_key(cell): cell for cell in cells}
    checked = 0
    for cell in cells:
        if cell.smoothed_p50 is None:
            continue
        found = _parent_key(cell)
        assert found is not None
        parent = by_key[found[0]]
        step = MONEY_STEPS[Metric(cell.metric)]
        low, high = sorted((cell.p50, parent.p50))
        # A log-scale compromise of two rounded amounts, rounded again: never outside them.
        assert low <= cell.smoothed_p50 <= high
        assert cell.smoothed_p50_low <= cell.smoothed_p50 <= cell.smoothed_p50_high
        for amount in (cell.smoothed_p50, cell.smoothed_p50_low, cell.smoothed_p50_high):
            assert amount % step == 0
        checked += 1
    assert checked >= 20


def test_smoothed_figures_equal_the_statistics_run_on_the_published_table(
    snapshot: Snapshot,
) -> None:
    """An independent recomputation: sibling groups formed here, one stats call per group."""
    cells = _cells(snapshot)
    by_key = {_key(cell): cell for cell in cells}
    groups: dict[tuple[object, ...], list[Cell]] = defaultdict(list)
    for cell in cells:
        found = _parent_key(cell)
        if found is not None and found[0] in by_key:
            groups[(*found[0], found[1])].append(cell)
    expected: dict[int, tuple[int, int, int]] = {}
    for group_key, siblings in groups.items():
        parent = by_key[tuple(group_key[:-1])]
        result = smooth_published_medians(
            median=[c.p50 for c in siblings],
            low=[c.median_ci_low for c in siblings],
            high=[c.median_ci_high for c in siblings],
            n=[c.n for c in siblings],
            parent=[0] * len(siblings),
            parent_median=[parent.p50] * len(siblings),
            parent_low=[parent.median_ci_low] * len(siblings),
            parent_high=[parent.median_ci_high] * len(siblings),
            parent_n=[parent.n] * len(siblings),
        )
        step = MONEY_STEPS[Metric(parent.metric)]
        for index, cell in enumerate(siblings):
            if cell.n < 50 and result.pooled[index]:
                expected[cell.pk] = tuple(
                    int(round_money(np.array([values[index]]), step=step)[0])
                    for values in (result.median, result.low, result.high)
                )
    stored = {
        cell.pk: (cell.smoothed_p50, cell.smoothed_p50_low, cell.smoothed_p50_high)
        for cell in cells
        if cell.smoothed_p50 is not None
    }
    assert len(expected) >= 20
    assert stored == expected


def _thin_cell(snapshot: Snapshot) -> tuple[Cell, Cell, str]:
    """A smoothed two-filter salary cell, its parent (n >= 50) and the dimension it splits."""
    cells = Cell.objects.filter(
        snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, mission=ALL
    )
    by_key = {_key(cell): cell for cell in cells}
    for thin in cells:
        filtered = [d for d in DIMENSIONS if getattr(thin, d) != ALL]
        if thin.smoothed_p50 is None or len(filtered) != 2:
            continue
        found = _parent_key(thin)
        assert found is not None
        parent = by_key[found[0]]
        if parent.n >= 50:
            return thin, parent, filtered[-1]
    raise AssertionError("the fixture has no smoothed cell under a cohort of 50 or more")


def test_the_explorer_labels_the_smoothed_median_where_n_is_under_50(
    client: Client, snapshot: Snapshot
) -> None:
    thin, parent, by = _thin_cell(snapshot)
    kept = next(d for d in DIMENSIONS if d != by and getattr(thin, d) != ALL)

    html = client.get("/en/benchmarks/", {kept: getattr(thin, kept), "by": by}).content.decode()

    total = re.search(r'<tr class="total-row">.*?</tr>', html, re.S)
    assert total is not None and f"€{parent.p50:,}" in total.group(0)
    assert "smoothed" not in total.group(0)  # n >= 50: raw figures only
    rows = re.findall(r'<tr><th scope="row">.*?</tr>', html, re.S)
    thin_rows = [row for row in rows if f"€{thin.p50:,}" in row and f"<td>{thin.n}<" in row]
    assert thin_rows
    assert (
        f"smoothed: €{thin.smoothed_p50:,} (€{thin.smoothed_p50_low:,} – "
        f"€{thin.smoothed_p50_high:,})" in thin_rows[0]
    )
    for row in rows:
        counts = re.search(r"<td>([\d,]+)<span", row)
        assert counts is not None
        if int(counts.group(1).replace(",", "")) >= 50:
            assert "smoothed" not in row
    assert "Smoothed: where a group has fewer than 50 answers" in html

    # The thin cohort itself: its smoothed median beside its raw one, among the key figures.
    own = client.get(
        "/en/benchmarks/", {kept: getattr(thin, kept), by: getattr(thin, by)}
    ).content.decode()
    assert "Smoothed median" in own
    assert f"95% interval: €{thin.smoothed_p50_low:,} to €{thin.smoothed_p50_high:,}" in own


def test_a_cohort_of_50_or_more_shows_no_smoothed_median(
    client: Client, snapshot: Snapshot
) -> None:
    thin, parent, by = _thin_cell(snapshot)
    kept = next(d for d in DIMENSIONS if d != by and getattr(thin, d) != ALL)

    html = client.get("/en/benchmarks/", {kept: getattr(thin, kept), "by": by}).content.decode()

    assert parent.n >= 50 and parent.smoothed_p50 is None
    assert "Smoothed median" not in html
    assert "Smoothed median" not in client.get("/en/benchmarks/").content.decode()


def test_the_salary_check_gives_a_thin_groups_smoothed_median_beside_its_band(
    client: Client, snapshot: Snapshot
) -> None:
    others = [d for d in DIMENSIONS if d not in ("role", "experience")]
    thin = next(
        cell
        for cell in Cell.objects.filter(
            snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, mission=ALL
        ).exclude(role=ALL, experience=ALL)
        if cell.role != ALL
        and cell.experience != ALL
        and all(getattr(cell, d) == ALL for d in others)
        and cell.smoothed_p50 is not None
    )
    assert thin.n < 50

    html = client.get(
        "/en/benchmarks/salary-check/",
        {"salary": thin.p50, "role": thin.role, "experience": thin.experience},
    ).content.decode()

    assert "Between the " in html  # n < 50: the position is a band
    assert (
        f"its smoothed median is also given: €{thin.smoothed_p50:,} "
        f"(€{thin.smoothed_p50_low:,} – €{thin.smoothed_p50_high:,})" in html
    )
