"""The benchmark cube: every combination of filters of one country, edition and metric.

Pure numpy/pandas (nothing from Django), so that it is tested and measured on
its own. The rows are sorted by value once; each of the 2^d grouping patterns
(a dimension either filtered on or left at "all") is then one stable sort by an
integer group key, after which every group is a contiguous, sorted slice and
its quantiles, median interval and shares are read off by fancy indexing
(benchmarks.stats) — no Python loop over cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from benchmarks.stats import grouped_median_ci, grouped_quantiles
from benchmarks.stats.perturbation import KEY_RANGE, NOISE_BOUND, cell_keys
from benchmarks.stats.privacy import MIN_COHORT, MIN_TAILS

# p10 and p90 are published where the *published* count reaches MIN_TAILS
# (DESIGN.md privacy rule 3), which a true count NOISE_BOUND lower can reach.
TAILS_COMPUTED_FROM = MIN_TAILS - NOISE_BOUND

ALL = ""
PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
PERCENTILE_NAMES = ("p10", "p25", "p50", "p75", "p90")
# A cell's figures, in build_cells' columns: the percentiles, then the median's interval.
FIGURE_NAMES = (*PERCENTILE_NAMES, "median_ci_low", "median_ci_high")
_COUNT_BITS = 22
_COUNT_MASK = (1 << _COUNT_BITS) - 1
# `_groups` sorts keys by digits of 15 bits: int16's, whose stable sort is a radix sort.
_DIGIT_BITS = 15
_DIGIT_MASK = (1 << _DIGIT_BITS) - 1


@dataclass(frozen=True)
class CubeInput:
    """One country, edition and metric: values and the level of each row in each dimension.

    `levels[d]` lists dimension d's codes in display order; `codes[d]` gives each
    row's index into it. `masks` holds bit masks (missions, KPIs) with their
    code lists, for the shares published with each cell. `record_keys` holds
    each row's random record key (privacy rule 3), summed into cell keys.
    """

    values: NDArray[np.float64]
    dims: tuple[str, ...]
    levels: Mapping[str, Sequence[str]]
    codes: Mapping[str, NDArray[np.int64]]
    masks: Mapping[str, tuple[NDArray[np.int64], Sequence[str]]]
    thresholds: tuple[int, ...] = ()
    record_keys: NDArray[np.int64] | None = None
    # Whether the rows are already in value order (`in_value_order`): cubes over
    # the same rows (a metric's mission breakdowns) sort them once.
    sorted_by_value: bool = False

    def in_value_order(self) -> CubeInput:
        """The same cube, its rows sorted by value (stable): build_cells' order."""
        if self.sorted_by_value:
            return self
        order = np.argsort(self.values, kind="stable")
        return CubeInput(
            values=self.values[order],
            dims=self.dims,
            levels=self.levels,
            codes={dim: codes[order] for dim, codes in self.codes.items()},
            masks={name: (mask[order], codes) for name, (mask, codes) in self.masks.items()},
            thresholds=self.thresholds,
            record_keys=None if self.record_keys is None else self.record_keys[order],
            sorted_by_value=True,
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        value: str,
        dims: Sequence[str],
        levels: Mapping[str, Sequence[str]],
        masks: Mapping[str, Sequence[str]],
        thresholds: Sequence[int] = (),
        record_key: str | None = None,
    ) -> CubeInput:
        """Encode a frame: a column per dimension holding codes, one per mask holding ints."""
        codes: dict[str, NDArray[np.int64]] = {}
        for dim in dims:
            categorical = pd.Categorical(frame[dim], categories=list(levels[dim]))
            if (categorical.codes < 0).any():
                unknown = sorted(set(frame[dim][categorical.codes < 0].astype(str)))
                raise ValueError(f"{dim}: levels {unknown} are not in the vocabulary")
            codes[dim] = categorical.codes.astype(np.int64)
        return cls(
            values=frame[value].to_numpy(dtype=np.float64),
            dims=tuple(dims),
            levels={dim: tuple(levels[dim]) for dim in dims},
            codes=codes,
            masks={
                name: (frame[name].to_numpy(dtype=np.int64), tuple(mask_codes))
                for name, mask_codes in masks.items()
            },
            thresholds=tuple(thresholds),
            record_keys=frame[record_key].to_numpy(dtype=np.int64) if record_key else None,
        )


def patterns(dims: Sequence[str], *, max_filters: int | None = None) -> list[tuple[str, ...]]:
    """Every subset of dims (the filtered ones), smallest first: (), (d1,), ..., (d1..dk)."""
    top = len(dims) if max_filters is None else max_filters
    return [combo for k in range(top + 1) for combo in combinations(dims, k)]


def _groups(
    keys: NDArray[np.int64], bound: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Stable order by key (keys in [0, bound)), then each distinct key in ascending
    order with the start and count of its run.

    Keys are sorted 15 bits at a time as int16, for which numpy's stable sort
    is a radix sort (linear time), least significant digits first: most
    patterns have a few hundred cells and take one pass; the finest, over
    100,000 possible keys, take two (about 5 ms for 236,000 rows, where a
    stable sort of the int64 keys takes 25). The runs are counted, not found
    in the sorted keys (a count per key).
    """
    order = np.argsort((keys & _DIGIT_MASK).astype(np.int16), kind="stable")
    shift = _DIGIT_BITS
    while bound > 1 << shift:
        digit = ((keys[order] >> shift) & _DIGIT_MASK).astype(np.int16)
        order = order[np.argsort(digit, kind="stable")]
        shift += _DIGIT_BITS
    histogram = np.bincount(keys, minlength=bound)
    present = np.flatnonzero(histogram)
    counts = histogram[present]
    starts = np.cumsum(counts) - counts
    return order, present, starts, counts


def _figures(
    sorted_values: NDArray[np.float64], starts: NDArray[np.int64], counts: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Each group's FIGURE_NAMES, one row per group: NaN below MIN_COHORT, and p10 and
    p90 below TAILS_COMPUTED_FROM. Group g is `sorted_values[starts[g]:][:counts[g]]`,
    sorted by construction (value order, then a stable grouping): not checked."""
    figures = np.full((counts.size, len(FIGURE_NAMES)), np.nan)
    big = counts >= MIN_COHORT
    if big.any():
        figures[big, : len(PERCENTILES)] = grouped_quantiles(
            sorted_values, starts[big], counts[big], PERCENTILES, check_sorted=False
        )
        figures[big, len(PERCENTILES) :] = grouped_median_ci(
            sorted_values, starts[big], counts[big], check_sorted=False
        )
    thin_tails = counts < TAILS_COMPUTED_FROM
    for tail in ("p10", "p90"):
        figures[thin_tails, FIGURE_NAMES.index(tail)] = np.nan
    return figures


def _pattern_key(
    cube: CubeInput, codes: Mapping[str, NDArray[np.int64]], pattern: Sequence[str], size: int
) -> NDArray[np.int64]:
    """One integer per row (or finest cell) naming its cell of `pattern`, in the codes' order:
    each dimension's code + 1 (0 for none) as one digit of a mixed-radix number."""
    key = np.zeros(size, dtype=np.int64)
    for dim in pattern:
        key *= len(cube.levels[dim]) + 1
        key += codes[dim]
        key += 1
    return key


def _key_bound(cube: CubeInput, pattern: Sequence[str]) -> int:
    """One more than the largest key of `pattern`."""
    return int(np.prod([len(cube.levels[dim]) + 1 for dim in pattern], dtype=np.int64))


def _decoded(
    cube: CubeInput, keys: NDArray[np.int64], pattern: Sequence[str]
) -> dict[str, NDArray[np.int64]]:
    """Each dimension's code in `keys` of `pattern` (_pattern_key read back)."""
    codes = {}
    rest = keys.copy()
    for dim in reversed(pattern):
        radix = len(cube.levels[dim]) + 1
        codes[dim] = rest % radix - 1
        rest //= radix
    return codes


def build_cells(cube: CubeInput, *, only: Sequence[tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Every non-empty cell of the cube with its figures; one row per cell.

    Columns: the dimensions (a code, or "" for all), n, and — for cells with
    n >= MIN_COHORT only, NaN elsewhere — p10..p90 (p10, p90 from
    TAILS_COMPUTED_FROM: whether they are published depends on the perturbed
    count, decided later), median_ci_low/high; and for every threshold and mask
    code, the count of the cell's rows under it / with it (`share_column`).
    With record keys, "key" holds each cell's cell key and `key_column(share)`
    the cell key of each share's numerator (privacy rule 3). Cells below
    MIN_COHORT keep their n: the suppression rules need it, and they are never
    stored. `only` restricts the patterns computed.
    """
    n_rows = cube.values.size
    cube = cube.in_value_order()
    values, codes = cube.values, cube.codes
    # For each share: the rows (in value order) under the threshold / with the code.
    flags: list[tuple[str, str, NDArray[np.int64]]] = [
        ("under", str(t), np.flatnonzero(values < t)) for t in cube.thresholds
    ]
    for name, (mask, mask_codes) in cube.masks.items():
        flags += [
            (name, code, np.flatnonzero(mask >> bit & 1)) for bit, code in enumerate(mask_codes)
        ]

    parts: dict[str, list[NDArray[Any]]] = {name: [] for name in (*cube.dims, "n", *FIGURE_NAMES)}
    record_keys = cube.record_keys
    # Share counts and key sums add up: each is summed over the rows once, into
    # the finest cells (every dimension filtered), then each pattern's cells
    # sum their finest cells: a pass over a few thousand cells per column
    # rather than over the rows. With record keys, the first sum is theirs and
    # each share's packs its count and its key sum (key * 2^22 + 1 a row).
    # Float64 sums stay exact: under 2^22 rows per cell, keys under 2^8.
    # Each row's finest cell, numbered as first met (a hash, no sort needed).
    fine_of_row, fine_keys = pd.factorize(_pattern_key(cube, codes, cube.dims, n_rows))
    fine_codes = _decoded(cube, fine_keys, cube.dims)
    fine_count = fine_keys.size
    fine_sums: list[NDArray[Any]] = []
    if record_keys is not None:
        if n_rows >= 1 << _COUNT_BITS:
            raise ValueError(f"at most {1 << _COUNT_BITS} rows per cube")
        packed_weights = (np.mod(record_keys, KEY_RANGE) << _COUNT_BITS) + 1
        fine_sums.append(np.bincount(fine_of_row, weights=record_keys, minlength=fine_count))
    for _family, _code, rows in flags:
        weights = None if record_keys is None else packed_weights[rows]
        fine_sums.append(np.bincount(fine_of_row[rows], weights=weights, minlength=fine_count))
    sums_parts: list[list[NDArray[np.float64]]] = [[] for _ in fine_sums]
    for pattern in patterns(cube.dims) if only is None else only:
        key = _pattern_key(cube, codes, pattern, n_rows)
        bound = _key_bound(cube, pattern)
        order, cell_keys_sorted, starts, counts = _groups(key, bound)
        parts["n"].append(counts)
        levels_of_cells = _decoded(cube, cell_keys_sorted, pattern)
        for dim in cube.dims:
            if dim in pattern:
                level_names = np.asarray(cube.levels[dim], dtype=object)
                parts[dim].append(level_names[levels_of_cells[dim]])
            else:
                parts[dim].append(np.full(counts.size, ALL, dtype=object))
        figures = _figures(values[order], starts, counts)
        for index, name in enumerate(FIGURE_NAMES):
            parts[name].append(figures[:, index])
        # The pattern's cell of each finest cell, looked up in a table by key (keys are
        # below `bound`): 0.1-0.5 ms for 100,000 finest cells, where a binary search in
        # the sorted keys took 1-2.3 ms.
        cell_of_key = np.zeros(bound, dtype=np.int64)
        cell_of_key[cell_keys_sorted] = np.arange(counts.size)
        cell_of_fine = cell_of_key[_pattern_key(cube, fine_codes, pattern, fine_count)]
        for column, fine in zip(sums_parts, fine_sums, strict=True):
            column.append(np.bincount(cell_of_fine, weights=fine, minlength=counts.size))

    cells = pd.DataFrame({name: np.concatenate(arrays) for name, arrays in parts.items()})
    del parts
    # Whole numbers in float64 (bincount's weights): cast as they are joined, each
    # column's parts let go as soon as it is whole (France's employees: 24 columns of
    # 150,000 cells each).
    sums = []
    while sums_parts:
        sums.append(np.concatenate(sums_parts.pop(0), dtype=np.int64, casting="unsafe"))
    if record_keys is None:
        for (family, code, _rows), column in zip(flags, sums, strict=True):
            cells[share_column(family, code)] = column
        return cells
    # Cell keys from the key sums: once per column rather than once per pattern.
    cells["key"] = cell_keys(sums[0])
    for (family, code, _rows), packed in zip(flags, sums[1:], strict=True):
        column = share_column(family, code)
        cells[column] = packed & _COUNT_MASK
        cells[key_column(column)] = cell_keys(packed >> _COUNT_BITS)
    return cells


def build_split_cells(
    cube: CubeInput,
    splits: Mapping[str, NDArray[np.integer[Any]]],
    *,
    name: str,
    levels: tuple[str, str],
    max_filters: int,
) -> dict[str, pd.DataFrame]:
    """Each split's cells: what `build_cells` returns for the cube with one more
    dimension, `name`, whose two `levels` the split codes 0 and 1 row by row (in
    the cube's row order), on the patterns of at most `max_filters` of the
    cube's dimensions, each with `name` filtered too.

    The mission breakdowns: twelve splits of the same rows. Each pattern's rows
    are grouped once; a split then divides every group in two, keeping value
    order (a boolean selection), so no split sorts or encodes anything. The
    cube's masks take no part (build_cells' callers give the split cubes none);
    thresholds and record keys do, as in build_cells.
    """
    if cube.sorted_by_value:
        by_value = None
    else:
        by_value = np.argsort(cube.values, kind="stable")
        cube = cube.in_value_order()
    codes_of = {
        split: np.asarray(codes if by_value is None else codes[by_value], dtype=np.int8)
        for split, codes in splits.items()
    }
    values, n_rows = cube.values, cube.values.size
    record_keys = cube.record_keys
    level_names = np.asarray(levels, dtype=object)
    columns = (*cube.dims, name, "n", *FIGURE_NAMES)
    parts: dict[str, dict[str, list[NDArray[Any]]]] = {
        split: {column: [] for column in columns} for split in splits
    }
    sums_parts: dict[str, list[list[NDArray[np.float64]]]] = {split: [] for split in splits}
    for pattern in patterns(cube.dims, max_filters=max_filters):
        key = _pattern_key(cube, cube.codes, pattern, n_rows)
        order, cell_keys_sorted, _starts, counts = _groups(key, _key_bound(cube, pattern))
        cells = counts.size
        # Each row's (pattern cell, split level) as one index, in the split cells' key order.
        doubled_cell = np.repeat(np.arange(0, 2 * cells, 2), counts)
        sorted_values = values[order]
        # The sums build_cells makes per cell: record keys, then each threshold's
        # count and numerator key sum.
        weights: list[NDArray[np.float64] | None] = []
        if record_keys is not None:
            weights.append(record_keys[order].astype(np.float64))
        for threshold in cube.thresholds:
            under = sorted_values < threshold
            weights.append(under.astype(np.float64))
            if record_keys is not None:
                weights.append(np.where(under, np.mod(record_keys[order], KEY_RANGE), 0.0))
        decoded = _decoded(cube, cell_keys_sorted, pattern)
        dimension_names = {
            dim: np.asarray(cube.levels[dim], dtype=object)[decoded[dim]] for dim in pattern
        }
        for split, split_codes in codes_of.items():
            second = split_codes[order].astype(bool)
            split_cell = doubled_cell + second
            both = np.bincount(split_cell, minlength=2 * cells)
            present = both > 0
            figures = np.empty((2 * cells, len(FIGURE_NAMES)))
            # Each level's rows, pattern cell by pattern cell, still in value order
            # (np.compress: a quarter of the time of indexing by the booleans).
            sides = (np.compress(~second, sorted_values), np.compress(second, sorted_values))
            for level, side in enumerate(sides):
                side_counts = both[level::2]
                figures[level::2] = _figures(
                    side, np.cumsum(side_counts) - side_counts, side_counts
                )
            counts_present = both[present]
            part = parts[split]
            part["n"].append(counts_present)
            for dim in cube.dims:
                if dim in pattern:
                    part[dim].append(np.repeat(dimension_names[dim], 2)[present])
                else:
                    part[dim].append(np.full(counts_present.size, ALL, dtype=object))
            part[name].append(level_names[np.tile([0, 1], cells)[present]])
            for index, figure in enumerate(FIGURE_NAMES):
                part[figure].append(figures[present, index])
            sums = sums_parts[split]
            if not sums:
                sums.extend([] for _ in weights)
            for column_parts, weight in zip(sums, weights, strict=True):
                column_parts.append(
                    np.bincount(split_cell, weights=weight, minlength=2 * cells)[present]
                )
    return {split: _split_frame(parts[split], sums_parts[split], cube) for split in splits}


def _split_frame(
    parts: dict[str, list[NDArray[Any]]],
    sums_parts: list[list[NDArray[np.float64]]],
    cube: CubeInput,
) -> pd.DataFrame:
    """One split's cells as build_cells lays them out: its columns, then the sums' columns."""
    cells = pd.DataFrame({column: np.concatenate(arrays) for column, arrays in parts.items()})
    sums = [np.concatenate(column, dtype=np.int64, casting="unsafe") for column in sums_parts]
    if cube.record_keys is None:
        for threshold, column in zip(cube.thresholds, sums, strict=True):
            cells[share_column("under", str(threshold))] = column
        return cells
    cells["key"] = cell_keys(sums[0])
    for index, threshold in enumerate(cube.thresholds):
        column = share_column("under", str(threshold))
        cells[column] = sums[1 + 2 * index]
        cells[key_column(column)] = cell_keys(sums[2 + 2 * index])
    return cells


def share_column(family: str, code: str) -> str:
    """The column of build_cells' output counting a cell's rows with that flag."""
    return f"k:{family}:{code}"


def key_column(share: str) -> str:
    """The column of build_cells' output holding the cell key of a share's numerator."""
    return f"key:{share}"
