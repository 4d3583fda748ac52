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
_COUNT_BITS = 22
_COUNT_MASK = (1 << _COUNT_BITS) - 1


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


def _group_slices(
    keys: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Stable order by key, then (order, start, count) of each run of equal keys.

    Small keys are sorted as int16, for which numpy's stable sort is a radix
    sort (linear time): most patterns have a few hundred groups at most.
    """
    if keys.size and keys.max() < np.iinfo(np.int16).max:
        order = np.argsort(keys.astype(np.int16), kind="stable")
    else:
        order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    boundaries = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate(([0], boundaries)).astype(np.int64)
    counts = np.diff(np.concatenate((starts, [keys.size]))).astype(np.int64)
    return order, starts, counts


def _pattern_key(
    cube: CubeInput, codes: Mapping[str, NDArray[np.int64]], pattern: Sequence[str], size: int
) -> NDArray[np.int64]:
    """One integer per row (or finest cell) naming its cell of `pattern`, in the codes' order."""
    key = np.zeros(size, dtype=np.int64)
    for dim in pattern:
        key = key * (len(cube.levels[dim]) + 1) + codes[dim] + 1
    return key


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
    value_order = np.argsort(cube.values, kind="stable")
    values = cube.values[value_order]
    codes = {dim: cube.codes[dim][value_order] for dim in cube.dims}
    # For each share: the rows (in value order) under the threshold / with the code.
    flags: list[tuple[str, str, NDArray[np.int64]]] = [
        ("under", str(t), np.flatnonzero(values < t)) for t in cube.thresholds
    ]
    for name, (mask, mask_codes) in cube.masks.items():
        ordered_mask = mask[value_order]
        flags += [
            (name, code, np.flatnonzero(ordered_mask >> bit & 1))
            for bit, code in enumerate(mask_codes)
        ]

    parts: dict[str, list[NDArray[Any]]] = {
        name: [] for name in (*cube.dims, "n", *PERCENTILE_NAMES, "median_ci_low", "median_ci_high")
    }
    flag_sums: list[list[NDArray[np.int64]]] = [[] for _ in flags]
    record_keys = None if cube.record_keys is None else cube.record_keys[value_order]
    if record_keys is not None:
        if n_rows >= 1 << _COUNT_BITS:
            raise ValueError(f"at most {1 << _COUNT_BITS} rows per cube")
        packed_weights = (np.mod(record_keys, KEY_RANGE) << _COUNT_BITS) + 1
    key_parts: list[NDArray[np.float64]] = []
    flag_keys: list[list[NDArray[np.int64]]] = [[] for _ in flags]
    # Share counts and key sums add up: each is summed over the rows once, into
    # the finest cells (every dimension filtered), then each pattern's cells
    # sum their finest cells — a pass over a few thousand cells, not the rows.
    # Float64 sums stay exact: under 2^22 rows per cell, packed keys < 2^8.
    summing = bool(flags) or record_keys is not None
    fine_codes: dict[str, NDArray[np.int64]] = {}
    fine_count = 0
    fine_sums: list[NDArray[np.float64]] = []
    fine_key_sums = None
    if summing:
        fine_key = _pattern_key(cube, codes, cube.dims, n_rows)
        fine_order, fine_starts, fine_counts = _group_slices(fine_key)
        fine_of_row = np.empty(n_rows, dtype=np.int64)
        fine_of_row[fine_order] = np.repeat(np.arange(fine_counts.size), fine_counts)
        fine_codes = {dim: codes[dim][fine_order[fine_starts]] for dim in cube.dims}
        fine_count = fine_counts.size
        for _family, _code, rows in flags:
            weights = None if record_keys is None else packed_weights[rows]
            fine_sums.append(
                np.bincount(fine_of_row[rows], weights=weights, minlength=fine_counts.size)
            )
        if record_keys is not None:
            fine_key_sums = np.bincount(
                fine_of_row, weights=record_keys, minlength=fine_counts.size
            )
    for pattern in patterns(cube.dims) if only is None else only:
        key = _pattern_key(cube, codes, pattern, n_rows)
        order, starts, counts = _group_slices(key)
        first_rows = order[starts]
        parts["n"].append(counts)
        for dim in cube.dims:
            if dim in pattern:
                level_names = np.asarray(cube.levels[dim], dtype=object)
                parts[dim].append(level_names[codes[dim][first_rows]])
            else:
                parts[dim].append(np.full(counts.size, ALL, dtype=object))
        big = counts >= MIN_COHORT
        sorted_values = values[order]
        quantiles = np.full((counts.size, len(PERCENTILES)), np.nan)
        interval = np.full((counts.size, 2), np.nan)
        if big.any():
            # Sorted by construction (value order, then a stable sort by key): skip the check.
            quantiles[big] = grouped_quantiles(
                sorted_values, starts[big], counts[big], PERCENTILES, check_sorted=False
            )
            interval[big] = grouped_median_ci(
                sorted_values, starts[big], counts[big], check_sorted=False
            )
        tails = counts >= TAILS_COMPUTED_FROM
        for index, name in enumerate(PERCENTILE_NAMES):
            column = quantiles[:, index]
            if name in ("p10", "p90"):
                column = np.where(tails, column, np.nan)
            parts[name].append(column)
        parts["median_ci_low"].append(interval[:, 0])
        parts["median_ci_high"].append(interval[:, 1])
        if not summing:
            continue
        # The pattern's cell of each finest cell: its key among the cells' sorted keys.
        cell_of_fine = np.searchsorted(
            key[first_rows], _pattern_key(cube, fine_codes, pattern, fine_count)
        )
        if fine_key_sums is not None:
            key_parts.append(
                np.bincount(cell_of_fine, weights=fine_key_sums, minlength=counts.size)
            )
        for position, sums in enumerate(fine_sums):
            summed = np.bincount(cell_of_fine, weights=sums, minlength=counts.size).astype(np.int64)
            if record_keys is None:
                flag_sums[position].append(summed)
                continue
            flag_sums[position].append(summed & _COUNT_MASK)
            flag_keys[position].append(summed >> _COUNT_BITS)

    cells = pd.DataFrame({name: np.concatenate(arrays) for name, arrays in parts.items()})
    # Cell keys from the key sums: once per column rather than once per pattern.
    if record_keys is not None:
        cells["key"] = cell_keys(np.concatenate(key_parts))
    for (family, code, _flag), sums, keys in zip(flags, flag_sums, flag_keys, strict=True):
        column = share_column(family, code)
        cells[column] = np.concatenate(sums)
        if record_keys is not None:
            cells[key_column(column)] = cell_keys(np.concatenate(keys))
    return cells


def share_column(family: str, code: str) -> str:
    """The column of build_cells' output counting a cell's rows with that flag."""
    return f"k:{family}:{code}"


def key_column(share: str) -> str:
    """The column of build_cells' output holding the cell key of a share's numerator."""
    return f"key:{share}"
