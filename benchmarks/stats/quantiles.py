"""Sample quantiles: Hyndman–Fan type 7, for one sample or many sorted groups at once.

Type 7 is numpy's default (``method="linear"``), R's default and PostgreSQL's
``percentile_cont``. For a sorted sample x_0 <= ... <= x_{n-1} (0-based) and a
probability p:

    h = (n - 1) p,   j = floor(h),   g = h - j
    Q(p) = x_j + g (x_{j+1} - x_j)          (x_{j+1} := x_{n-1} when j = n - 1)

The interpolation is written as numpy writes it (from the upper point when
g >= 0.5), so results equal ``numpy.quantile`` to the last bit and pages, API
and CSV agree with anyone who recomputes them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats._checks import (
    finite_values,
    group_bounds,
    non_empty,
    probabilities,
    sorted_within_groups,
)
from benchmarks.stats.errors import StatsError

__all__ = ["group_starts", "grouped_quantiles", "quantile_type7"]


def _lerp(
    lower: NDArray[np.float64], upper: NDArray[np.float64], weight: NDArray[np.float64]
) -> NDArray[np.float64]:
    """lower + weight (upper - lower), computed from the nearer end (numpy's ``_lerp``)."""
    gap = upper - lower
    result = np.asarray(lower + gap * weight, dtype=np.float64)
    np.subtract(upper, gap * (1.0 - weight), out=result, where=weight >= 0.5)
    return result


def quantile_type7(values: ArrayLike, probs: ArrayLike) -> NDArray[np.float64]:
    """Hyndman–Fan type 7 quantiles of one sample, in the unit of ``values``.

    Formula: with the sample sorted ascending, x_0 <= ... <= x_{n-1},
    h = (n - 1) p and Q(p) = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).

    ``values`` need not be sorted. The result has the shape of ``probs``
    (a 0-d array for a scalar p). Raises :class:`StatsError` on an empty sample,
    NaN or infinite values, or a p outside [0, 1].
    """
    sample = non_empty(finite_values(values))
    p = probabilities(probs)
    ordered = np.sort(sample)
    position = (ordered.size - 1) * p
    lower_index = np.floor(position).astype(np.int64)
    upper_index = np.minimum(lower_index + 1, ordered.size - 1)
    weight = position - lower_index
    return _lerp(ordered[lower_index], ordered[upper_index], weight)


def grouped_quantiles(
    sorted_values: ArrayLike,
    starts: ArrayLike,
    counts: ArrayLike,
    probs: ArrayLike,
    *,
    check_sorted: bool = True,
) -> NDArray[np.float64]:
    """Type 7 quantiles of many groups at once, shape (n_groups, n_probs), unit of the values.

    Group g is the contiguous slice ``sorted_values[starts[g] : starts[g] + counts[g]]``,
    already sorted ascending (sort once, e.g. ``np.lexsort((value, group))``, then
    pass each group's first row and size). Same formula as :func:`quantile_type7`,
    evaluated with one fancy-indexing pass over all groups and probabilities.

    A group with ``counts[g] == 0`` gets NaN in its row (it has no quantiles).
    Raises :class:`StatsError` when the values contain NaN or infinity, a slice
    runs past the array or is not sorted, or a p is outside [0, 1].
    """
    values = finite_values(sorted_values, name="sorted_values")
    group_start, group_count = group_bounds(values.size, starts, counts)
    if check_sorted:  # O(n); callers that sorted the slices themselves may skip it
        sorted_within_groups(values, group_start, group_count)
    p = probabilities(probs).reshape(-1)
    result = np.full((group_count.size, p.size), np.nan, dtype=np.float64)
    filled = group_count > 0
    if not filled.any() or p.size == 0:
        return result
    start = group_start[filled][:, None]
    count = group_count[filled][:, None]
    position = (count - 1) * p[None, :]
    lower_offset = np.floor(position).astype(np.int64)
    upper_offset = np.minimum(lower_offset + 1, count - 1)
    weight = position - lower_offset
    result[filled] = _lerp(values[start + lower_offset], values[start + upper_offset], weight)
    return result


def group_starts(counts: ArrayLike) -> NDArray[np.int64]:
    """First index of each group in an array laid out group after group: [0, c0, c0+c1, ...].

    Helper for :func:`grouped_quantiles` callers holding group sizes only.
    """
    count_array = np.asarray(counts)
    if count_array.ndim != 1 or (
        count_array.size and not np.issubdtype(count_array.dtype, np.integer)
    ):
        raise StatsError("counts must be a one-dimensional integer array")
    if (count_array < 0).any():
        raise StatsError("counts must be non-negative")
    starts = np.zeros(count_array.size, dtype=np.int64)
    np.cumsum(count_array[:-1], out=starts[1:])
    return starts
