"""The put-back pass of secondary suppression: the result is safe *and* maximal."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats import (
    MIN_COHORT,
    check_subtraction_rules,
    secondary_suppression,
    secondary_suppression_report,
)
from tests.stats.test_privacy import build_cube, published_cells

ALL = "*"

# (x, u) 12, (x, v) 5, (y, u) 15, (y, v) 20, and 3 rows with no level on a, in v.
TWO_BY_TWO = build_cube(
    [("x", "u")] * 12
    + [("x", "v")] * 5
    + [("y", "u")] * 15
    + [("y", "v")] * 20
    + [(None, "v")] * 3,
    ["a", "b"],
)


def test_the_greedy_leaves_a_cell_that_the_put_back_publishes_again() -> None:
    # Cells: (*,*) 55, (x,*) 17, (y,*) 35, (*,u) 27, (*,v) 28, (x,u) 12, (x,v) 5,
    # (y,u) 15, (y,v) 20. Greedy, round 1:
    #   rule 1: (x,v) 5 out;
    #   (a) (x,*) 17 - (x,u) 12 = 5 -> (x,u) out; (*,v) 28 - (y,v) 20 = 8 -> (y,v) out;
    #   (b) (*,*) along a: 55 - 17 - 35 = 3 (the rows with no level) -> (x,*), the
    #       smallest child, out.
    # Round 2 changes nothing: published (*,*), (y,*), (*,u), (*,v), (y,u): 5 cells.
    # (x,u) was suppressed only because of (x,*), which is now out: alone it gives
    # (*,*) - 12 = 43, (*,u) 27 - 12 = 15, and (*,u) along a: 27 - 15 - 12 = 0.
    # (x,*) stays out (55 - 35 - 17 = 3), so does (y,v) ((*,v) 28 - 20 = 8).
    greedy = secondary_suppression(TWO_BY_TWO, dims=["a", "b"], put_back=False)
    assert published_cells(TWO_BY_TWO, greedy) == {
        ("*", "*"): 55,
        ("y", "*"): 35,
        ("*", "u"): 27,
        ("*", "v"): 28,
        ("y", "u"): 15,
    }
    report = secondary_suppression_report(TWO_BY_TWO, dims=["a", "b"])
    assert published_cells(TWO_BY_TWO, report.published) == {
        **published_cells(TWO_BY_TWO, greedy),
        ("x", "u"): 12,
    }
    assert (report.published_before_put_back, report.published_after_put_back) == (5, 6)
    assert check_subtraction_rules(TWO_BY_TWO, dims=["a", "b"], published=report.published) == []


def test_the_put_back_can_be_turned_off() -> None:
    report = secondary_suppression_report(TWO_BY_TWO, dims=["a", "b"], put_back=False)
    assert (report.published_before_put_back, report.published_after_put_back) == (5, 5)
    assert report.published.tolist() == (
        secondary_suppression(TWO_BY_TWO, dims=["a", "b"], put_back=False).tolist()
    )


def test_a_forced_cell_is_never_put_back() -> None:
    forced = (TWO_BY_TWO.a == "x") & (TWO_BY_TWO.b == "u")
    report = secondary_suppression_report(TWO_BY_TWO, dims=["a", "b"], suppressed=forced)
    # (x,u) is the only cell the put-back would publish (test above): nothing to add.
    assert not report.published[forced].any()
    assert (report.published_before_put_back, report.published_after_put_back) == (5, 5)


def test_two_siblings_safe_alone_but_not_together_are_not_both_put_back() -> None:
    rows = (
        [("x0", "y0")] * 13
        + [("x0", "y1")] * 19
        + [("x0", "y2")] * 20
        + [("x1", "y0")] * 15
        + [("x1", "y1")] * 17
        + [("x1", "y2")] * 9
        + [("x2", "y2")]
        + [(None, "y0")]
    )
    cube = build_cube(rows, ["a", "b"])
    # (*,*) 95, (x0,*) 52, (x1,*) 41, (x2,*) 1, (*,y0) 29, (*,y1) 36, (*,y2) 30.
    # Greedy, (b) in round 1: (*,*) along a: 95 - 52 - 41 = 2 -> (x1,*) out;
    # (x1,*) along b: 41 - 15 - 17 = 9 -> (x1,y0) 15 out; (*,y0) along a:
    # 29 - 13 - 15 = 1 -> (x0,y0) 13 out. Round 2: 95 - 52 = 43, fine: 8 cells.
    greedy = secondary_suppression(cube, dims=["a", "b"], put_back=False)
    assert int(greedy.sum()) == 8
    x0_y0 = (cube.a == "x0") & (cube.b == "y0")
    x1_y0 = (cube.a == "x1") & (cube.b == "y0")
    # Each alone is safe: (*,y0) along a leaves 29 - 15 = 14 or 29 - 13 = 16 ...
    for sibling in (x0_y0, x1_y0):
        assert check_subtraction_rules(cube, dims=["a", "b"], published=greedy | sibling) == []
    # ... but not both: 29 - 15 - 13 = 1.
    both = greedy | x0_y0 | x1_y0
    assert check_subtraction_rules(cube, dims=["a", "b"], published=both) != []
    # The larger one, (x1,y0) 15, goes first; (x0,y0) is then re-tested and stays out.
    published = secondary_suppression(cube, dims=["a", "b"])
    assert published.tolist() == (greedy | x1_y0).tolist()


def test_the_result_does_not_depend_on_the_order_of_the_rows() -> None:
    shuffled = TWO_BY_TWO.sample(frac=1.0, random_state=3)
    assert (
        secondary_suppression(shuffled, dims=["a", "b"]).reindex(TWO_BY_TWO.index).tolist()
        == secondary_suppression(TWO_BY_TWO, dims=["a", "b"]).tolist()
    )


def full_cube(
    counts: dict[tuple[str | None, ...], int], levels: list[list[str]], dims: list[str]
) -> pd.DataFrame:
    """Every cell of every pattern (zeros included) counted from weighted rows; None =
    no level on that dim (counted in 'all' only)."""
    records = []
    for cell in itertools.product(*([ALL, *dim_levels] for dim_levels in levels)):
        n = sum(
            weight
            for row, weight in counts.items()
            if all(c in (ALL, v) for c, v in zip(cell, row, strict=True))
        )
        records.append((*cell, n))
    return pd.DataFrame(records, columns=[*dims, "n"])


@st.composite
def small_cubes(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str], list[str], bool]:
    """2-3 dims of 2-3 levels, finest counts 0-40, sometimes rows without a level;
    sometimes two countries (by=); sometimes a few counts overwritten so the cube
    disagrees with itself (strict=False)."""
    dims = ["a", "b", "c"][: draw(st.integers(2, 3))]
    grouped = draw(st.booleans())
    strict = draw(st.booleans())
    frames = []
    for country in ("FR", "BE") if grouped else ("FR",):
        levels = [[f"{dim}{i}" for i in range(draw(st.integers(2, 3)))] for dim in dims]
        counts: dict[tuple[str | None, ...], int] = {
            combo: draw(st.integers(0, 40)) for combo in itertools.product(*levels)
        }
        if draw(st.booleans()):
            for position in range(len(dims)):
                row = tuple(None if i == position else lv[0] for i, lv in enumerate(levels))
                counts[row] = draw(st.integers(0, 9))
        cube = full_cube(counts, levels, dims)
        if not strict:
            for row in draw(st.sets(st.integers(0, len(cube) - 1), min_size=1, max_size=3)):
                cube.loc[row, "n"] = draw(st.integers(0, 40))
        frames.append(cube.assign(country=country))
    cells = pd.concat(frames, ignore_index=True)
    return cells, dims, ["country"] if grouped else [], strict


@settings(max_examples=60, deadline=None)
@given(small_cubes(), st.data())
def test_the_result_is_safe_maximal_and_never_below_the_greedy(
    cube_case: tuple[pd.DataFrame, list[str], list[str], bool], data: st.DataObject
) -> None:
    cells, dims, by, strict = cube_case
    forced = np.zeros(len(cells), dtype=bool)
    forced[list(data.draw(st.sets(st.integers(0, len(cells) - 1), max_size=4)))] = True
    options = {"dims": dims, "by": by, "strict": strict, "suppressed": forced}
    report = secondary_suppression_report(cells, **options)
    published = report.published.to_numpy()
    greedy = secondary_suppression(cells, **options, put_back=False).to_numpy()

    assert check_subtraction_rules(cells, dims=dims, by=by, published=published) == []
    assert not (published & forced).any()
    assert (published >= greedy).all()  # the put-back only adds cells
    assert report.published_before_put_back == greedy.sum()
    assert report.published_after_put_back == published.sum()
    # Maximal: publishing any one more eligible cell makes the attacker win (checked
    # within its country: the others cannot interact with it).
    eligible = ~published & ~forced & (cells.n.to_numpy() >= MIN_COHORT)
    country = cells.country.to_numpy()
    for row in np.flatnonzero(eligible):
        one_more = published & (country == country[row])
        one_more[row] = True
        assert check_subtraction_rules(cells[one_more], dims=dims, by=by) != [], (
            f"row {row} could be published too"
        )
    if by:  # the countries are independent cubes: one call = one call per country
        for country, part in cells.groupby("country", sort=False):
            alone = secondary_suppression(
                part.drop(columns="country"),
                dims=dims,
                strict=strict,
                suppressed=forced[part.index.to_numpy()],
            )
            assert alone.tolist() == published[part.index.to_numpy()].tolist(), country
