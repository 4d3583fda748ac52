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

from benchmarks.stats import grouped_median_ci, grouped_quantiles, share_percent
from benchmarks.stats.privacy import MIN_COHORT, MIN_TAILS, confidence_tiers

ALL = ""
PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
PERCENTILE_NAMES = ("p10", "p25", "p50", "p75", "p90")
DAY_RATE_THRESHOLDS = (200, 300, 400, 500)


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
    median_ci_low/high, confidence, and `extras` (shares under thresholds and
    mask shares, whole percents with Wilson intervals) as dicts. Cells below
    MIN_COHORT keep their n: the suppression rules need it, and they are never
    stored. `only` restricts the patterns computed.
    """
    n_rows = cube.values.size
    value_order = np.argsort(cube.values, kind="stable")
    values = cube.values[value_order]
    codes = {dim: cube.codes[dim][value_order] for dim in cube.dims}
    flags: list[tuple[str, str, NDArray[np.bool_]]] = [
        ("under", str(t), values < t) for t in cube.thresholds
    ]
    for name, (mask, mask_codes) in cube.masks.items():
        ordered_mask = mask[value_order]
        flags += [
            (name, code, (ordered_mask >> bit & 1).astype(bool))
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
            quantiles[big] = grouped_quantiles(sorted_values, starts[big], counts[big], PERCENTILES)
            interval[big] = grouped_median_ci(sorted_values, starts[big], counts[big])
        tails = counts >= MIN_TAILS
        for index, name in enumerate(PERCENTILE_NAMES):
            column = quantiles[:, index]
            if name in ("p10", "p90"):
                column = np.where(tails, column, np.nan)
            parts[name].append(column)
        parts["median_ci_low"].append(interval[:, 0])
        parts["median_ci_high"].append(interval[:, 1])
        for position, (_family, _code, flag) in enumerate(flags):
            cumulative = np.concatenate(([0], np.cumsum(flag[order], dtype=np.int64)))
            flag_sums[position].append(cumulative[starts + counts] - cumulative[starts])

    cells = pd.DataFrame({name: np.concatenate(arrays) for name, arrays in parts.items()})
    n = cells["n"].to_numpy()
    big = n >= MIN_COHORT
    confidence = np.full(n.size, None, dtype=object)
    confidence[big] = confidence_tiers(n[big])
    cells["confidence"] = confidence
    shares = [
        (family, code, share_percent(np.concatenate(sums)[big], n[big]))
        for (family, code, _flag), sums in zip(flags, flag_sums, strict=True)
    ]
    extras = np.full(n.size, None, dtype=object)
    extras[big] = [_extras_of(shares, index) for index in range(int(big.sum()))]
    cells["extras"] = extras
    return cells


def _extras_of(
    shares: Sequence[tuple[str, str, Any]], index: int
) -> dict[str, dict[str, list[int]]]:
    """One cell's shares: {family: {code: [percent, low, high]}}."""
    extras: dict[str, dict[str, list[int]]] = {}
    for family, code, share in shares:
        extras.setdefault(family, {})[code] = [
            int(share.percent[index]),
            int(share.low[index]),
            int(share.high[index]),
        ]
    return extras
