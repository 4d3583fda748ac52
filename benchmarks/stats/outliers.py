"""Snapshot-time outlier fences: 3 x IQR on log values, per sample or per group.

On the log scale the fences are multiplicative, which suits pay: with k = 3 a
salary is kept between Q1 / (Q3/Q1)^3 and Q3 (Q3/Q1)^3, where Q1 = exp(q1) and
Q3 = exp(q3) are the exponentials of the type-7 quartiles q1, q3 of the logs
(close to, but not exactly, the quartiles of the salaries: the interpolation
between two order statistics is geometric instead of linear).

Floor on the spread. Pay clusters on round amounts, and in a small group ties
collapse the IQR: with 12 day rates 350, 390, 400 (x7), 420, 500, 600 the log
quartiles are log 400 and log 404.9 (IQR 0.012), so 3 IQR fences keep only
386–420 and lose 350, 500 and 600; 11 salaries 28,000, 32,000, 35,000 (x6),
36,000, 42,000, 48,000 keep only 33,552–37,029 and lose four (IQR 0.014); with
8 of 12 (or 7 of 11) tied the IQR is exactly 0 and every untied answer goes.
Ties say the answers were rounded, not that the cohort is that narrow. So the
fences use

    spread = max(q3 - q1, min_log_iqr),   default MIN_LOG_IQR = log(1.25) = 0.2231

i.e. a group is never fenced as if it were narrower than Q3/Q1 = 1.25, about the
narrowest pay distribution a real cohort shows (a single pay grid with
seniority steps). With k = 3 a tied group keeps everything within a factor
1.25^3 = 1.95 of its quartiles (about 205–790 around day rates of 400, 17,900–
69,300 around salaries of 35,000), and still fences the errors stage 3 is for:
an extra or missing zero (x 10), a monthly amount typed as annual (/ 12), a day
rate typed as a salary. The floor is relative (on logs), so the same in every
currency. It binds only where q3 / q1 < 1.25; ``min_log_iqr=0`` gives back the
plain 3 IQR fences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import StatsError
from benchmarks.stats.quantiles import group_starts, grouped_quantiles

__all__ = ["MIN_LOG_IQR", "grouped_iqr_fence_mask", "iqr_fence_mask"]

MIN_LOG_IQR: Final = float(np.log(1.25))
"""Default floor on the log-IQR of the fences: log(1.25) = 0.2231 (see the module doc)."""


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


def _check_floor(min_log_iqr: float) -> float:
    if not np.isfinite(min_log_iqr) or min_log_iqr < 0:
        raise StatsError(f"min_log_iqr must be a finite number >= 0, got {min_log_iqr!r}")
    return float(min_log_iqr)


def iqr_fence_mask(
    values: ArrayLike, *, k: float = 3.0, min_log_iqr: float = MIN_LOG_IQR
) -> NDArray[np.bool_]:
    """True where a value is kept by the log-IQR fences (same unit as the values, any).

    With q1, q3 the type-7 quartiles of log(x) over the positive values and
    s = max(q3 - q1, min_log_iqr) (the floor against ties, module doc):

        keep x  iff  x > 0  and  q1 - k s <= log(x) <= q3 + k s

    Values <= 0 and NaN are never kept (and do not enter the quartiles).
    Raises :class:`StatsError` on infinite values, a negative k or a negative floor.
    """
    fence_width = _check_k(k)
    floor = _check_floor(min_log_iqr)
    logs, positive = _positive_logs(values, name="values")
    kept = np.zeros(logs.shape, dtype=np.bool_)
    if not positive.any():
        return kept
    positive_logs = np.sort(logs[positive])
    q1, q3 = grouped_quantiles(
        positive_logs, np.array([0]), np.array([positive_logs.size]), [0.25, 0.75]
    )[0]
    spread = fence_width * max(q3 - q1, floor)
    kept[positive] = (logs[positive] >= q1 - spread) & (logs[positive] <= q3 + spread)
    return kept


def grouped_iqr_fence_mask(
    frame: pd.DataFrame,
    *,
    value: str,
    by: Sequence[str],
    k: float = 3.0,
    min_log_iqr: float = MIN_LOG_IQR,
) -> pd.Series:
    """:func:`iqr_fence_mask` within each group of ``by``: a bool Series on ``frame.index``.

    E.g. ``by=["country", "edition", "status"]`` for DESIGN.md's third stage.
    Vectorized: one lexsort by (group, log value), then type-7 quartiles of every
    group with :func:`~benchmarks.stats.quantiles.grouped_quantiles`. Missing
    group keys form their own group. Values <= 0 or NaN are not kept. With an
    empty ``by`` the whole frame is one group. ``min_log_iqr`` floors each group's
    log-IQR as in :func:`iqr_fence_mask`.
    """
    fence_width = _check_k(k)
    floor = _check_floor(min_log_iqr)
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
        spread = fence_width * np.maximum(q3 - q1, floor)
        kept[rows] = (logs[rows] >= q1 - spread) & (logs[rows] <= q3 + spread)
    return pd.Series(kept, index=frame.index, name="kept", dtype=bool)
