from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats import (
    MIN_COHORT,
    MIN_TAILS,
    CubeError,
    StatsError,
    check_subtraction_rules,
    confidence_tier,
    confidence_tiers,
    privacy,
    secondary_suppression,
    tails_published,
)

ALL = "*"


def build_cube(rows: Sequence[tuple[str | None, ...]], dims: Sequence[str]) -> pd.DataFrame:
    """Count every pattern of the cube from the rows; None = no level on that dim."""
    counts: Counter[tuple[str, ...]] = Counter({(ALL,) * len(dims): 0})
    for filtered in itertools.product([False, True], repeat=len(dims)):
        for row in rows:
            if any(f and v is None for f, v in zip(filtered, row, strict=True)):
                continue
            counts[tuple(v if f else ALL for f, v in zip(filtered, row, strict=True))] += 1
    return pd.DataFrame(
        [(*key, n) for key, n in sorted(counts.items(), key=lambda item: str(item[0]))],
        columns=[*dims, "n"],
    )


def published_cells(cube: pd.DataFrame, published: pd.Series) -> dict[tuple[str, ...], int]:
    dims = [c for c in cube.columns if c != "n"]
    return {tuple(row[dims]): int(row.n) for _, row in cube[published].iterrows()}


def test_tiers_follow_rule_seven() -> None:
    assert [confidence_tier(n) for n in (10, 19, 20, 49, 50, 5_000)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    with pytest.raises(StatsError):
        confidence_tier(9)
    assert confidence_tiers(np.array([0, 9, 10, 25, 50])).tolist() == [
        None,
        None,
        "low",
        "medium",
        "high",
    ]
    assert tails_published([19, 20]).tolist() == [False, True]
    assert (MIN_COHORT, MIN_TAILS) == (10, 20)


def test_children_of_fifteen_and_ten_are_all_published() -> None:
    cube = build_cube([("x",)] * 15 + [("y",)] * 10, ["role"])
    assert secondary_suppression(cube, dims=["role"]).all()


def test_a_sibling_that_would_reveal_a_suppressed_one_is_suppressed_too() -> None:
    cube = build_cube([("x",)] * 16 + [("y",)] * 9, ["role"])
    # y (9) is suppressed by rule 1; then 25 - 16 = 9 would reveal it: x goes too.
    assert check_subtraction_rules(cube, dims=["role"], published=cube.n >= 10) != []
    published = secondary_suppression(cube, dims=["role"])
    assert published_cells(cube, published) == {("*",): 25}


def test_refinements_across_several_dimensions_are_checked() -> None:
    rows = [("x", "u")] * 25 + [("y", "v")] * 5
    cube = build_cube(rows, ["a", "b"])
    primary = cube.n >= 10
    violations = check_subtraction_rules(cube, dims=["a", "b"], published=primary)
    assert any("a='x', b='u'" in v and "(a='*', b='*') minus" in v for v in violations)
    published = secondary_suppression(cube, dims=["a", "b"])
    # 30 - 25 = 5 reveals (y, v) through (x, *), (*, u) and the two-dim cell (x, u).
    assert published_cells(cube, published) == {("*", "*"): 30}


def test_the_smallest_child_goes_when_the_remainder_is_too_small() -> None:
    cube = build_cube([("x",)] * 12 + [("y",)] * 13 + [("z",)] * 6, ["role"])
    # 31 - 12 - 13 = 6 uncovered: rule (a) is fine (31-12 = 19, 31-13 = 18) but the
    # remainder rule suppresses x, the smallest child; then 31 - 13 = 18 is fine.
    published = secondary_suppression(cube, dims=["role"])
    assert published_cells(cube, published) == {("*",): 31, ("y",): 13}


def test_rows_without_a_level_count_in_the_remainder() -> None:
    cube = build_cube([("x",)] * 12 + [(None,)] * 4, ["employer_size"])
    # 16 responses, 12 with a size: publishing x would reveal the 4 without one.
    published = secondary_suppression(cube, dims=["employer_size"])
    assert published_cells(cube, published) == {("*",): 16}


def test_zero_cells_may_be_given_or_left_out() -> None:
    cube = build_cube([("x", "u")] * 12 + [("y", "v")] * 11, ["a", "b"])
    zeros = pd.DataFrame({"a": ["x", "y"], "b": ["v", "u"], "n": [0, 0]})
    with_zeros = pd.concat([cube, zeros], ignore_index=True)
    published = secondary_suppression(with_zeros, dims=["a", "b"])
    assert (
        published.iloc[: len(cube)].tolist()
        == secondary_suppression(cube, dims=["a", "b"]).tolist()
    )
    assert not published.iloc[len(cube) :].any()


def test_independent_cubes_can_share_one_call() -> None:
    first = build_cube([("x", "u")] * 16 + [("y", "u")] * 9 + [("y", "v")] * 30, ["a", "b"])
    second = build_cube([("x", "v")] * 40 + [("y", "u")] * 12, ["a", "b"])
    stacked = pd.concat(
        [first.assign(country="FR"), second.assign(country="BE")], ignore_index=True
    )
    together = secondary_suppression(stacked, dims=["a", "b"], by=["country"])
    expected = pd.concat(
        [
            secondary_suppression(first, dims=["a", "b"]),
            secondary_suppression(second, dims=["a", "b"]),
        ],
        ignore_index=True,
    )
    assert together.tolist() == expected.tolist()
    assert (
        check_subtraction_rules(stacked, dims=["a", "b"], by=["country"], published=together) == []
    )


def test_the_result_is_aligned_on_the_input_index() -> None:
    cube = build_cube([("x",)] * 15 + [("y",)] * 10, ["role"])
    cube.index = pd.Index([7, 3, 5])
    published = secondary_suppression(cube, dims=["role"])
    assert published.index.tolist() == [7, 3, 5]
    assert published.name == "published"


def test_an_empty_cube_publishes_nothing() -> None:
    cube = build_cube([], ["role"])
    assert not secondary_suppression(cube, dims=["role"]).any()
    assert not secondary_suppression(cube.iloc[:0], dims=["role"]).any()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"a": ["*", "x", "x"], "n": [20, 10, 10]}, "twice"),
        ({"a": ["x"], "n": [12]}, "not full"),
        ({"a": ["*", "x"], "n": [12, 15]}, "more responses"),
        ({"a": ["*", None], "n": [12, 5]}, "missing values"),
        ({"a": ["*", "x"], "n": [12, 2.5]}, "whole"),
        ({"b": ["*"], "n": [12]}, "lack the columns"),
    ],
)
def test_it_rejects_a_malformed_cube(cells: dict[str, list[object]], message: str) -> None:
    with (
        pytest.raises(CubeError, match=message) if message != "whole" else pytest.raises(StatsError)
    ):
        secondary_suppression(pd.DataFrame(cells), dims=["a"])


@st.composite
def datasets(draw: st.DrawFn) -> tuple[list[tuple[str | None, ...]], list[str]]:
    """0-200 rows over 3 dims of 2-4 levels, with skewed level shares (so that small
    cells sit next to large ones) and, on some dims, rows without a level."""
    dims = ["a", "b", "c"]
    size = draw(st.integers(0, 200))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns = []
    for dim in dims:
        levels = [f"{dim}{i}" for i in range(draw(st.integers(2, 4)))]
        shares = rng.dirichlet(np.full(len(levels), 0.7))
        values: list[str | None] = list(rng.choice(levels, size=size, p=shares))
        if draw(st.booleans()):
            values = [None if rng.random() < 0.08 else v for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True)), dims


@settings(max_examples=120, deadline=None)
@given(datasets())
def test_no_published_subtraction_reveals_a_small_cohort(
    dataset: tuple[list[tuple[str | None, ...]], list[str]],
) -> None:
    rows, dims = dataset
    cube = build_cube(rows, dims)
    published = secondary_suppression(cube, dims=dims)
    assert (cube.n[published] >= MIN_COHORT).all()
    assert check_subtraction_rules(cube, dims=dims, published=published) == []
    if len(rows) >= MIN_COHORT:
        assert published.iloc[0]  # the grand total (sorted first) is never suppressed


def test_cells_forced_out_stay_out_and_their_siblings_follow() -> None:
    cube = build_cube([("x",)] * 15 + [("y",)] * 12, ["role"])  # *: 27, x: 15, y: 12
    forced = pd.Series(cube.role == "y", index=cube.index)
    published = secondary_suppression(cube, dims=["role"], suppressed=forced)
    # y is out; 27 - 15 = 12 >= 10 keeps x, and the remainder 12 is fine.
    assert published_cells(cube, published) == {("*",): 27, ("x",): 15}
    positional = secondary_suppression(cube, dims=["role"], suppressed=forced.to_numpy())
    assert positional.tolist() == published.tolist()
    with pytest.raises(StatsError, match="flags"):
        secondary_suppression(cube, dims=["role"], suppressed=[True])


def test_the_checker_audits_every_row_when_no_flags_are_given() -> None:
    cube = build_cube([("x",)] * 16 + [("y",)] * 9, ["role"])
    published_only = cube[secondary_suppression(cube, dims=["role"])]
    assert check_subtraction_rules(published_only, dims=["role"]) == []
    assert len(check_subtraction_rules(cube, dims=["role"])) >= 2  # n = 9 and 25 - 16
    flagged = cube.assign(published=cube.n >= 10)
    assert check_subtraction_rules(flagged, dims=["role"]) != []


@settings(max_examples=60, deadline=None)
@given(datasets(), st.booleans())
def test_cells_are_found_alike_by_table_and_by_binary_search(
    dataset: tuple[list[tuple[str | None, ...]], list[str]], drop_empty: bool
) -> None:
    # A cube's cells are looked up in a table of its key space when it is small
    # enough (privacy.TABLE_KEYS_PER_CELL), by binary search otherwise: the same
    # decisions either way, with cells of n = 0 given or left out (keys not found).
    rows, dims = dataset
    cube = build_cube(rows, dims)
    if drop_empty:
        cube = cube[cube.n > 0].reset_index(drop=True)
    by_table = secondary_suppression(cube, dims=dims)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(privacy, "TABLE_KEYS_PER_CELL", 0)
        by_search = secondary_suppression(cube, dims=dims)
    pd.testing.assert_series_equal(by_table, by_search)
