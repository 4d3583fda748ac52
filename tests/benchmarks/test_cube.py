"""The cube (benchmarks.build.cube) against a plain pandas groupby of the same rows.

build_cells groups each pattern by counting and radix-sorting mixed-radix keys,
and sums share counts and cell keys through the finest cells; here every
cell is recomputed the obvious way, one pandas group at a time: its rows,
numpy's type-7 percentiles, the binomial median interval's ranks, each
share's count, and the record keys summed mod KEY_RANGE.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from benchmarks.build import cube
from benchmarks.build.cube import (
    ALL,
    PERCENTILE_NAMES,
    PERCENTILES,
    TAILS_COMPUTED_FROM,
    CubeInput,
    build_cells,
    key_column,
    share_column,
)
from benchmarks.stats import MIN_COHORT, median_ci
from benchmarks.stats.perturbation import KEY_RANGE

LEVELS = {
    "region": ("north", "south", "east"),
    "role": ("cm", "smm"),
    "size": ("s", "m", "l", "xl"),
}
MISSIONS = ("animation", "content", "moderation")


def rows(seed: int, count: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {dim: rng.choice(levels, size=count) for dim, levels in LEVELS.items()}
        | {
            # Ties on purpose: rounded to 500, so stable orders matter.
            "value": np.round(rng.lognormal(np.log(34_000), 0.3, size=count) / 500) * 500,
            "missions_mask": rng.integers(0, 1 << len(MISSIONS), size=count),
            "record_key": rng.integers(0, KEY_RANGE, size=count),
        }
    )
    # A level nobody has, and a thin corner.
    return frame[~((frame["region"] == "east") & (frame["size"] == "xl"))]


def expected(frame: pd.DataFrame, pattern: tuple[str, ...]) -> pd.DataFrame:
    """Every non-empty cell of one pattern, one pandas group at a time."""
    groups = frame.groupby(list(pattern), sort=False) if pattern else [((), frame)]
    records = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        values = np.sort(group["value"].to_numpy())
        n = values.size
        record = {dim: ALL for dim in LEVELS} | dict(zip(pattern, key, strict=True)) | {"n": n}
        big = n >= MIN_COHORT
        for name, q in zip(PERCENTILE_NAMES, PERCENTILES, strict=True):
            tail = name in ("p10", "p90")
            shown = big and (n >= TAILS_COMPUTED_FROM if tail else True)
            record[name] = float(np.percentile(values, q * 100)) if shown else np.nan
        low, high = median_ci(values) if big else (np.nan, np.nan)
        record["median_ci_low"], record["median_ci_high"] = low, high
        keys = group["record_key"].to_numpy()
        record["key"] = int(keys.sum()) % KEY_RANGE
        shares = {("under", "30000"): group["value"].to_numpy() < 30_000}
        for bit, mission in enumerate(MISSIONS):
            shares["missions_mask", mission] = (group["missions_mask"].to_numpy() >> bit & 1) == 1
        for (family, code), has in shares.items():
            column = share_column(family, code)
            record[column] = int(has.sum())
            record[key_column(column)] = int(keys[has].sum()) % KEY_RANGE
        records.append(record)
    return pd.DataFrame(records)


def cube_of(frame: pd.DataFrame) -> CubeInput:
    return CubeInput.from_frame(
        frame,
        value="value",
        dims=tuple(LEVELS),
        levels=LEVELS,
        masks={"missions_mask": MISSIONS},
        thresholds=(30_000,),
        record_key="record_key",
    )


def by_cell(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.set_index(list(LEVELS)).sort_index()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_cell_of_every_pattern_is_its_groups(seed: int) -> None:
    frame = rows(seed)

    cells = build_cells(cube_of(frame))

    patterns = [p for k in range(len(LEVELS) + 1) for p in combinations(LEVELS, k)]
    wanted = pd.concat([expected(frame, pattern) for pattern in patterns], ignore_index=True)
    got = by_cell(cells)[by_cell(wanted).columns]
    assert len(cells) == len(wanted) == len(got.index.unique())
    pd.testing.assert_frame_equal(got, by_cell(wanted), check_dtype=False, rtol=1e-12)


def test_patterns_come_in_order_and_cells_in_level_order_within_each() -> None:
    cells = build_cells(cube_of(rows(4)), only=[("size",), ("region", "role")])

    assert cells["size"].iloc[:4].tolist() == ["s", "m", "l", "xl"]
    pairs = list(zip(cells["region"].iloc[4:], cells["role"].iloc[4:], strict=True))
    assert pairs == [(r, o) for r in LEVELS["region"] for o in LEVELS["role"]]


def test_the_rows_order_does_not_change_a_cell() -> None:
    frame = rows(5)
    shuffled = frame.sample(frac=1.0, random_state=7)

    one = by_cell(build_cells(cube_of(frame)))
    other = by_cell(build_cells(cube_of(shuffled)))

    pd.testing.assert_frame_equal(one, other, check_exact=True)
    # Sorted first or not: the same cells.
    pd.testing.assert_frame_equal(
        by_cell(build_cells(cube_of(frame).in_value_order())), one, check_exact=True
    )


@pytest.mark.parametrize("bound", [1, 300, 1 << 15, (1 << 15) + 1, 136_080, 1 << 24])
def test_groups_sort_keys_as_numpy_stable_sort_does(bound: int) -> None:
    # Over 2^15 possible keys the radix sort takes a second 15-bit digit (cube._groups).
    keys = np.random.default_rng(bound).integers(0, bound, 20_000)

    order, present, starts, counts = cube._groups(keys, bound)

    np.testing.assert_array_equal(order, np.argsort(keys, kind="stable"))
    distinct, sizes = np.unique(keys, return_counts=True)
    np.testing.assert_array_equal(present, distinct)
    np.testing.assert_array_equal(counts, sizes)
    np.testing.assert_array_equal(keys[order][starts], distinct)


def test_a_cube_sorted_several_digits_at_a_time_has_the_same_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Digits of 2 bits: every pattern of this small cube takes several radix passes.
    frame = rows(6)
    wanted = by_cell(build_cells(cube_of(frame)))
    monkeypatch.setattr(cube, "_DIGIT_BITS", 2)
    monkeypatch.setattr(cube, "_DIGIT_MASK", 3)

    pd.testing.assert_frame_equal(by_cell(build_cells(cube_of(frame))), wanted, check_exact=True)


def _split_cube(whole: CubeInput, flag: np.ndarray) -> CubeInput:
    """The cube build_cells would take for one split: its rows with "flag" as a dimension."""
    return CubeInput(
        values=whole.values,
        dims=(*whole.dims, "flag"),
        levels={**whole.levels, "flag": ("yes", "no")},
        codes={**whole.codes, "flag": flag.astype(np.int64)},
        masks={},
        thresholds=whole.thresholds,
        record_keys=whole.record_keys,
        sorted_by_value=whole.sorted_by_value,
    )


@pytest.mark.parametrize("max_filters", [0, 1, 2, 3])
@pytest.mark.parametrize("with_keys", [True, False])
@pytest.mark.parametrize("in_value_order", [True, False])
def test_split_cells_are_build_cells_of_each_split_cube(
    max_filters: int, with_keys: bool, in_value_order: bool
) -> None:
    # Three splits of the same rows (the missions' flags): one that leaves a level
    # of a pattern cell empty, and a split with a thin side in every cell.
    frame = rows(8, count=1_500)
    whole = cube_of(frame)
    if not with_keys:
        whole = CubeInput(**{**whole.__dict__, "record_keys": None})
    if in_value_order:
        whole = whole.in_value_order()
    masks, _codes = whole.masks["missions_mask"]
    splits = {mission: 1 - (masks >> bit & 1) for bit, mission in enumerate(MISSIONS)}
    splits["empty_side"] = np.where(whole.codes["region"] == 0, 0, 1)
    splits["thin_side"] = (np.arange(whole.values.size) % 200 != 0).astype(np.int64)
    only = [(*p, "flag") for k in range(max_filters + 1) for p in combinations(LEVELS, k)]

    got = cube.build_split_cells(
        whole, splits, name="flag", levels=("yes", "no"), max_filters=max_filters
    )

    assert list(got) == list(splits)
    for split, flag in splits.items():
        wanted = build_cells(_split_cube(whole, flag), only=only)
        pd.testing.assert_frame_equal(got[split], wanted, check_exact=True)
    sizes = pd.concat([got[split]["n"] for split in splits])
    assert (sizes >= MIN_COHORT).any() and (sizes < MIN_COHORT).any()
