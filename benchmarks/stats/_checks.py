"""Private input checks shared by the statistics modules."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import InsufficientDataError, StatsError


def finite_values(values: ArrayLike, *, name: str = "values") -> NDArray[np.float64]:
    """Return ``values`` as a 1-d float64 array; raise on NaN, infinity or a bad shape."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numbers: {exc}") from exc
    if array.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise StatsError(f"{name} contains NaN or infinite entries")
    return array


def non_empty(values: NDArray[np.float64], *, name: str = "values") -> NDArray[np.float64]:
    """Raise :class:`InsufficientDataError` when ``values`` is empty."""
    if values.size == 0:
        raise InsufficientDataError(f"{name} is empty")
    return values


def probabilities(probs: ArrayLike, *, name: str = "probs") -> NDArray[np.float64]:
    """Return ``probs`` as float64 (any shape); raise unless every entry is in [0, 1]."""
    try:
        array = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numbers in [0, 1]: {exc}") from exc
    if np.isnan(array).any() or (array < 0).any() or (array > 1).any():
        raise StatsError(f"{name} must lie in [0, 1], got {array.tolist()}")
    return array


def confidence_level(level: float, *, name: str = "level") -> float:
    """Return ``level`` as a float; raise unless 0 < level < 1."""
    try:
        value = float(level)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be a number strictly between 0 and 1") from exc
    if not 0.0 < value < 1.0:
        raise StatsError(f"{name} must lie strictly between 0 and 1, got {level!r}")
    return value


def group_bounds(
    n_values: int, starts: ArrayLike, counts: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Check group slices ``[start, start + count)`` of an array of ``n_values`` entries."""
    try:
        start_array = np.asarray(starts)
        count_array = np.asarray(counts)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"starts and counts must be integer arrays: {exc}") from exc
    for name, array in (("starts", start_array), ("counts", count_array)):
        if array.ndim != 1:
            raise StatsError(f"{name} must be one-dimensional, got shape {array.shape}")
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise StatsError(f"{name} must hold integers, got dtype {array.dtype}")
    if start_array.shape != count_array.shape:
        raise StatsError(
            f"starts and counts must have the same length, got {start_array.size} "
            f"and {count_array.size}"
        )
    start_int = start_array.astype(np.int64)
    count_int = count_array.astype(np.int64)
    if (start_int < 0).any() or (count_int < 0).any():
        raise StatsError("starts and counts must be non-negative")
    if (start_int + count_int > n_values).any():
        raise StatsError(f"a group runs past the end of the {n_values} values")
    return start_int, count_int


def sorted_within_groups(
    sorted_values: NDArray[np.float64], starts: NDArray[np.int64], counts: NDArray[np.int64]
) -> None:
    """Raise unless every slice ``sorted_values[start:start + count]`` is ascending.

    O(n + groups): one cumulative count of descents, read at each group's ends.
    """
    if sorted_values.size < 2:
        return
    descents = np.concatenate(([0], np.cumsum(np.diff(sorted_values) < 0)))
    filled = counts > 0
    first = starts[filled]
    last = first + counts[filled] - 1
    if (descents[last] - descents[first] > 0).any():
        raise StatsError("each group's slice of sorted_values must be sorted ascending")
