"""Shares of a cohort and their 95% Wilson score intervals, as fractions and whole percents.

numpy only (no scipy, no pandas): the web process derives the shares of every
cell it serves (missions, KPIs, freelancers under a day-rate threshold), and
loading scipy would cost it memory and start-up time for one normal quantile.
That quantile is a constant for the published level (95%); other levels read
scipy, imported then.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats._checks import confidence_level
from benchmarks.stats.errors import StatsError

__all__ = [
    "SharePercent",
    "WilsonInterval",
    "interleaved_share_percent",
    "share_percent",
    "wilson_interval",
]

# Phi^-1(0.975) exactly as scipy.stats.norm.ppf gives it (repr round-trips), so that
# intervals stay identical to the bit with those computed before this constant.
_Z_BY_PROBABILITY = {0.975: 1.959963984540054}


@lru_cache(maxsize=8)
def _normal_quantile(probability: float) -> float:
    """Phi^-1(probability): a constant at 0.975 (95% intervals), scipy's ppf otherwise."""
    if probability in _Z_BY_PROBABILITY:
        return _Z_BY_PROBABILITY[probability]
    from scipy import stats  # only for a level nothing publishes (tests, notebooks)

    return float(stats.norm.ppf(probability))


@dataclass(frozen=True, eq=False)
class WilsonInterval:
    """A share and its Wilson score interval, as fractions in [0, 1] (arrays, broadcast shape)."""

    share: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    level: float


def _counts(successes: ArrayLike, n: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    try:
        x, total = np.broadcast_arrays(
            np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64)
        )
    except (TypeError, ValueError) as exc:
        raise StatsError(f"successes and n must be numbers of one shape: {exc}") from exc
    if not (np.isfinite(x).all() and np.isfinite(total).all()):
        raise StatsError("successes and n must be finite")
    if (x != np.round(x)).any() or (total != np.round(total)).any():
        raise StatsError("successes and n must be whole counts")
    if (total < 1).any():
        raise StatsError("n must be at least 1 for a share")
    if (x < 0).any() or (x > total).any():
        raise StatsError("successes must lie between 0 and n")
    return x, total


def wilson_interval(successes: ArrayLike, n: ArrayLike, *, level: float = 0.95) -> WilsonInterval:
    """Wilson score interval of a binomial share, vectorized over arrays of counts.

    With p = x / n and z = Phi^-1((1 + level) / 2):

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
        [low, high] = [centre - half, centre + half]   (always contains p; clipped to [0, 1])

    Unit: fraction of the cohort (0 to 1). Same as statsmodels'
    ``proportion_confint(method="wilson")``. Raises :class:`StatsError` unless
    0 <= successes <= n, n >= 1, all whole numbers.
    """
    x, total = _counts(successes, n)
    z = _normal_quantile(0.5 + confidence_level(level) / 2.0)
    share = x / total
    z2_over_n = z * z / total
    centre = (share + z2_over_n / 2.0) / (1.0 + z2_over_n)
    half = (
        z / (1.0 + z2_over_n) * np.sqrt(share * (1.0 - share) / total + z2_over_n / (4.0 * total))
    )
    # The interval always contains p; min/max only undo rounding (x = 0 or n gives
    # centre - half = 1e-17 instead of 0).
    low = np.clip(np.minimum(centre - half, share), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, share), 0.0, 1.0)
    return WilsonInterval(share=share, low=low, high=high, level=float(level))


@dataclass(frozen=True, eq=False)
class SharePercent:
    """A share and its Wilson interval in whole percents (int64 arrays, broadcast shape)."""

    percent: NDArray[np.int64]
    low: NDArray[np.int64]
    high: NDArray[np.int64]
    level: float


def share_percent(successes: ArrayLike, n: ArrayLike, *, level: float = 0.95) -> SharePercent:
    """The share x / n and its Wilson interval (:func:`wilson_interval`) as whole percents.

    Each of share, low and high is 100 * fraction rounded with ``numpy.round``
    (round half to even: 12.5 -> 12, 13.5 -> 14), each on its own, so the rounded
    bounds still bracket the rounded share. E.g. 44 of 100 -> 44 % [35 %, 54 %].
    """
    interval = wilson_interval(successes, n, level=level)
    return SharePercent(
        percent=np.round(interval.share * 100.0).astype(np.int64),
        low=np.round(interval.low * 100.0).astype(np.int64),
        high=np.round(interval.high * 100.0).astype(np.int64),
        level=interval.level,
    )


def interleaved_share_percent(counts: ArrayLike, n: ArrayLike) -> NDArray[np.int64]:
    """Rows of shares as whole percents: for each code, percent, low, high side by side.

    `counts` is (rows, codes), `n` is (rows,): the cohort size of each row. The
    answer is (rows, 3 * codes), in the order of the published table's columns
    (`<code>_percent, <code>_ci95_low, <code>_ci95_high`); each value is
    :func:`share_percent`'s, so a table and a JSON answer agree to the percent.
    """
    x = np.asarray(counts, dtype=np.int64)
    if x.ndim != 2:
        raise StatsError("counts must be a (rows, codes) table")
    share = share_percent(x, np.asarray(n, dtype=np.int64)[:, None])
    table = np.empty((x.shape[0], 3 * x.shape[1]), dtype=np.int64)
    table[:, 0::3] = share.percent
    table[:, 1::3] = share.low
    table[:, 2::3] = share.high
    return table
