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
from benchmarks.stats.privacy import MIN_COHORT, MIN_TAILS, confidence_tiers

ALL = ""
PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
PERCENTILE_NAMES = ("p10", "p25", "p50", "p75", "p90")


@dataclass(frozen=True)
class CubeInput:
    """One country, edition and metric: values and the level of each row in each dimension.

    `levels[d]` lists dimension d's codes in display order; `codes[d]` gives each
    row's index into it. `masks` holds bit masks (missions, KPIs) with their
    code lists, for the shares published with each cell.
    """

    values: NDArray[np.float64]
    dims: tuple[str, ...]
    levels: Mapping[str, Sequence[str]]
    codes: Mapping[str, NDArray[np.int64]]
    masks: Mapping[str, tuple[NDArray[np.int64], Sequence[str]]]
    thresholds: tuple[int, ...] = ()

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


def build_cells(cube: CubeInput, *, only: Sequence[tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Every non-empty cell of the cube with its figures; one row per cell.

    Columns: the dimensions (a code, or "" for all), n, and — for cells with
    n >= MIN_COHORT only, NaN elsewhere — p10..p90 (p10, p90 from MIN_TAILS),
    median_ci_low/high, confidence; and for every threshold and mask code, the
    count of the cell's rows under it / with it (`share_column`). Cells below
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
    for pattern in patterns(cube.dims) if only is None else only:
        key = np.zeros(n_rows, dtype=np.int64)
        for dim in pattern:
            key = key * (len(cube.levels[dim]) + 1) + codes[dim] + 1
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
        tails = counts >= MIN_TAILS
        for index, name in enumerate(PERCENTILE_NAMES):
            column = quantiles[:, index]
            if name in ("p10", "p90"):
                column = np.where(tails, column, np.nan)
            parts[name].append(column)
        parts["median_ci_low"].append(interval[:, 0])
        parts["median_ci_high"].append(interval[:, 1])
        if flags:
            # Each row's group, then per share one bincount over the rows that have it.
            group_of_row = np.empty(n_rows, dtype=np.int64)
            group_of_row[order] = np.repeat(np.arange(counts.size), counts)
            for position, (_family, _code, rows) in enumerate(flags):
                flag_sums[position].append(
                    np.bincount(group_of_row[rows], minlength=counts.size).astype(np.int64)
                )

    cells = pd.DataFrame({name: np.concatenate(arrays) for name, arrays in parts.items()})
    n = cells["n"].to_numpy()
    big = n >= MIN_COHORT
    confidence = np.full(n.size, None, dtype=object)
    confidence[big] = confidence_tiers(n[big])
    cells["confidence"] = confidence
    for (family, code, _flag), sums in zip(flags, flag_sums, strict=True):
        cells[share_column(family, code)] = np.concatenate(sums)
    return cells


def share_column(family: str, code: str) -> str:
    """The column of build_cells' output counting a cell's rows with that flag."""
    return f"k:{family}:{code}"
