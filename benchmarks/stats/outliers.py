"""Snapshot-time outlier fences: 3 x IQR on log values, per sample or per group.

On the log scale the fences are multiplicative, which suits pay: with k = 3 a
salary is kept between Q1 / (Q3/Q1)^3 and Q3 (Q3/Q1)^3, where Q1 = exp(q1) and
Q3 = exp(q3) are the exponentials of the type-7 quartiles q1, q3 of the logs
(close to, but not exactly, the quartiles of the salaries: the interpolation
between two order statistics is geometric instead of linear).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import StatsError
from benchmarks.stats.quantiles import group_starts, grouped_quantiles

__all__ = ["grouped_iqr_fence_mask", "iqr_fence_mask"]


def _positive_logs(
    values: ArrayLike, *, name: str
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """log(values) where values > 0 (NaN elsewhere) and the mask of those positive entries."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numbers: {exc}") from exc
    if array.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional, got shape {array.shape}")
    if np.isinf(array).any():
        raise StatsError(f"{name} contains infinite entries")
    positive = array > 0  # False for NaN
    logs = np.full(array.shape, np.nan)
    np.log(array, out=logs, where=positive)
    return logs, positive


def _check_k(k: float) -> float:
    if not np.isfinite(k) or k < 0:
        raise StatsError(f"k must be a finite number >= 0, got {k!r}")
    return float(k)


def iqr_fence_mask(values: ArrayLike, *, k: float = 3.0) -> NDArray[np.bool_]:
    """True where a value is kept by the log-IQR fences (same unit as the values, any).

    With q1, q3 the type-7 quartiles of log(x) over the positive values:

        keep x  iff  x > 0  and  q1 - k (q3 - q1) <= log(x) <= q3 + k (q3 - q1)

    Values <= 0 and NaN are never kept (and do not enter the quartiles).
    Raises :class:`StatsError` on infinite values or a negative k.
    """
    fence_width = _check_k(k)
    logs, positive = _positive_logs(values, name="values")
    kept = np.zeros(logs.shape, dtype=np.bool_)
    if not positive.any():
        return kept
    positive_logs = np.sort(logs[positive])
    q1, q3 = grouped_quantiles(
        positive_logs, np.array([0]), np.array([positive_logs.size]), [0.25, 0.75]
    )[0]
    spread = fence_width * (q3 - q1)
    kept[positive] = (logs[positive] >= q1 - spread) & (logs[positive] <= q3 + spread)
    return kept


def grouped_iqr_fence_mask(
    frame: pd.DataFrame, *, value: str, by: Sequence[str], k: float = 3.0
) -> pd.Series:
    """:func:`iqr_fence_mask` within each group of ``by``: a bool Series on ``frame.index``.

    E.g. ``by=["country", "edition", "status"]`` for DESIGN.md's third stage.
    Vectorized: one lexsort by (group, log value), then type-7 quartiles of every
    group with :func:`~benchmarks.stats.quantiles.grouped_quantiles`. Missing
    group keys form their own group. Values <= 0 or NaN are not kept. With an
    empty ``by`` the whole frame is one group.
    """
    fence_width = _check_k(k)
    missing = [column for column in (value, *by) if column not in frame.columns]
    if missing:
        raise StatsError(f"frame lacks the columns {missing}")
    logs, positive = _positive_logs(
        frame[value].to_numpy(dtype=np.float64, na_value=np.nan), name=value
    )
    if by:
        group = frame.groupby(list(by), dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)
    else:
        group = np.zeros(len(frame), dtype=np.int64)
    n_groups = int(group.max()) + 1 if group.size else 0
    kept = np.zeros(len(frame), dtype=np.bool_)
    if positive.any():
        rows = np.flatnonzero(positive)
        order = rows[np.lexsort((logs[rows], group[rows]))]
        counts = np.bincount(group[rows], minlength=n_groups)
        quartiles = grouped_quantiles(logs[order], group_starts(counts), counts, [0.25, 0.75])
        q1 = quartiles[group[rows], 0]
        q3 = quartiles[group[rows], 1]
        spread = fence_width * (q3 - q1)
        kept[rows] = (logs[rows] >= q1 - spread) & (logs[rows] <= q3 + spread)
    return pd.Series(kept, index=frame.index, name="kept", dtype=bool)
