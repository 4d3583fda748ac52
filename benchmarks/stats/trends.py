"""Change between two editions' published medians, with its interval, in nominal and constant money.

Built from the published figures only (median, its 95 % interval, the perturbed
n), never from raw rows (DESIGN.md privacy rule 7): a trend is a post-processing
of what is already public, so it discloses nothing new.

Standard error of a published median. The interval [x_(l), x_(u)] is the exact
order-statistic interval of :func:`~benchmarks.stats.intervals.median_ci_ranks`
(ranks reused, not re-derived); its exact coverage c = P(l <= K <= u - 1),
K ~ Binomial(n, 1/2) (:func:`median_interval_coverage`), lies between 0.950 and
0.988 rather than at 0.95 (0.979 at n = 10), so the equivalent normal half-width
is z_c = Phi^-1((1 + c) / 2):

    SE = (hi - lo) / (2 z_c)                  (money)
    SE_log = (log hi - log lo) / (2 z_c)      (log money; the log of the interval is
                                               the same order statistics of the logs)

Traps, measured (20,000 simulated cells per size, normal logs): at small n the
formula overstates the SE of the sample median (x 1.17 at n = 10, x 1.07 at 20,
x 1.01 from 50 on) and it is noisy (coefficient of variation 0.29 at n = 10,
0.24 at 49): two order statistics hold little information on the spread. The n
is the published, perturbed one (+-2), which may pick other ranks than the
build did: e.g. true n = 12 (c = 0.961) read as 11 (c = 0.988). Both effects
are in the coverage figures below.

Change (later minus earlier), with f = later price index / earlier price index
(f = 1 for nominal money; e.g. CPI 2025 = 100, 2026 = 101.8 gives f = 1.018):

    change = m2 - f m1                         (later edition's money)
    SE     = sqrt(se2^2 + f^2 se1^2)           (independent samples; one person answering
                                                both years would make it conservative)
    r      = log m2 - log(f m1),  SE_r = sqrt(se_log1^2 + se_log2^2)
    percent = 100 (e^r - 1), interval 100 (e^(r -+ z SE_r) - 1), delta-method SE 100 e^r SE_r

Measured coverage of the 95 % change interval (the simulation of
tests/stats/test_trends.py: true medians known, log-normal pay with sigma 0.35,
a real change ~ N(3 %, 5 %) and prices up 1.8 %, published medians and
intervals rounded to 100, n perturbed by the cell key noise; 60,000 pairs per
line), money / percent: n 10–200 in each edition 0.947 / 0.946; n 10–49
0.955 / 0.954; n 20–49 0.953 / 0.951; n 50–200 0.948 / 0.947; n 200–1000
0.948 / 0.948; n 10–19 only 0.964 / 0.963 (conservative: the SE overstatement
above).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats._checks import confidence_level
from benchmarks.stats.errors import StatsError
from benchmarks.stats.intervals import median_ci_ranks

# scipy.stats is imported by the functions that use it: it takes 0.4 s to import, which
# a process that only imports this module (the build's main process, the web) would pay
# for nothing. The build's workers have it preloaded (build.worker_boot).

__all__ = [
    "MedianChange",
    "constant_money",
    "interval_critical_value",
    "interval_standard_error",
    "median_change",
    "median_interval_coverage",
]


def _numbers(values: ArrayLike, *, name: str) -> NDArray[np.float64]:
    """``values`` as a finite float64 array of any shape."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must be numbers: {exc}") from exc
    if not np.isfinite(array).all():
        raise StatsError(f"{name} contains NaN or infinite entries")
    return array


def _whole(values: ArrayLike, *, name: str, minimum: int) -> NDArray[np.int64]:
    """``values`` as an int64 array of whole numbers >= ``minimum``."""
    array = _numbers(values, name=name)
    if (array != np.round(array)).any():
        raise StatsError(f"{name} must hold whole numbers")
    if (array < minimum).any():
        raise StatsError(f"{name} must be at least {minimum}")
    return array.astype(np.int64)


def median_interval_coverage(
    n: ArrayLike, *, lower: ArrayLike, upper: ArrayLike
) -> NDArray[np.float64]:
    """Exact coverage of [x_(lower), x_(upper)] for the median of a continuous distribution.

    With K ~ Binomial(n, 1/2) the number of observations below the median, the
    interval covers it iff lower <= K <= upper - 1:

        coverage = F(upper - 1) - F(lower - 1),   F the Binomial(n, 1/2) cdf

    e.g. n = 10, ranks 2 and 9: F(8) - F(1) = (1013 - 11) / 1024 = 0.978515625.
    Ranks are 1-based with 1 <= lower <= upper <= n (any broadcastable shapes).
    For :func:`~benchmarks.stats.intervals.median_ci_ranks`' symmetric pair it
    equals that function's ``coverage``. Unit: probability (0 to 1).
    """
    sizes = _whole(n, name="n", minimum=1)
    low_rank = _whole(lower, name="lower", minimum=1)
    high_rank = _whole(upper, name="upper", minimum=1)
    try:
        sizes, low_rank, high_rank = np.broadcast_arrays(sizes, low_rank, high_rank)
    except ValueError as exc:
        raise StatsError(f"n, lower and upper must broadcast to one shape: {exc}") from exc
    if (low_rank > high_rank).any() or (high_rank > sizes).any():
        raise StatsError("ranks must satisfy 1 <= lower <= upper <= n")
    from scipy import stats

    inside = stats.binom.cdf(high_rank - 1, sizes, 0.5) - stats.binom.cdf(low_rank - 1, sizes, 0.5)
    return np.clip(np.asarray(inside, dtype=np.float64), 0.0, 1.0)


def interval_critical_value(n: ArrayLike, *, level: float = 0.95) -> NDArray[np.float64]:
    """z_c = Phi^-1((1 + c) / 2), c the exact coverage of the published median interval.

    The ranks are :func:`~benchmarks.stats.intervals.median_ci_ranks`' at ``level``
    (those the build publishes), so the interval is x_(l) .. x_(n-l+1) and
    c = 1 - 2 F(l - 1). E.g. n = 10: l = 2, c = 0.978515625, z_c = 2.2994;
    n = 20: l = 6, c = 0.958610, z_c = 2.0396. ``n`` must be whole numbers >= 2
    (at n = 1 the "interval" is one point and covers with probability 0).
    """
    sizes = _whole(n, name="n", minimum=2)
    # Computed once per distinct n (a build asks for many cells of few sizes).
    distinct, back = np.unique(sizes, return_inverse=True)
    ranks = median_ci_ranks(distinct, level=level)
    coverage = median_interval_coverage(distinct, lower=ranks.lower, upper=ranks.upper)
    from scipy import stats

    critical = np.asarray(stats.norm.ppf(0.5 + coverage / 2.0), dtype=np.float64)
    return critical[back].reshape(sizes.shape)


def interval_standard_error(
    low: ArrayLike, high: ArrayLike, n: ArrayLike, *, level: float = 0.95, log: bool = False
) -> NDArray[np.float64]:
    """Standard error of a published median from its published interval and n.

        SE = (high - low) / (2 z_c)           unit of the amounts (log=False)
        SE = (log high - log low) / (2 z_c)   log money, i.e. a relative SE (log=True)

    with z_c from :func:`interval_critical_value` (the interval's exact coverage).
    E.g. n = 10, [30_000, 40_000]: 10_000 / (2 * 2.2994) = 2_174.5 (money) and
    log(4/3) / 4.5987 = 0.06256 (log). A zero-width interval (heavy ties) gives
    SE 0, as published. Raises :class:`StatsError` unless low <= high (both > 0
    when ``log``) and n is whole and >= 2.
    """
    lows = _numbers(low, name="low")
    highs = _numbers(high, name="high")
    z = interval_critical_value(n, level=level)
    try:
        lows, highs, z = np.broadcast_arrays(lows, highs, z)
    except ValueError as exc:
        raise StatsError(f"low, high and n must broadcast to one shape: {exc}") from exc
    if (lows > highs).any():
        raise StatsError("each interval needs low <= high")
    if log:
        if (lows <= 0).any():
            raise StatsError("a log standard error needs positive interval bounds")
        return np.asarray((np.log(highs) - np.log(lows)) / (2.0 * z), dtype=np.float64)
    return np.asarray((highs - lows) / (2.0 * z), dtype=np.float64)


def constant_money(
    amounts: ArrayLike, *, price_index: ArrayLike, target_index: ArrayLike
) -> NDArray[np.float64]:
    """Amounts brought to another period's money: amount * target_index / price_index.

    ``price_index`` is the index of the amounts' own period, ``target_index`` the
    one of the period whose money we want (any base, e.g. CPI 2025 = 100). E.g.
    40_000 in 2025 (100) in 2026 money (101.8): 40_000 * 1.018 = 40_720.
    Raises :class:`StatsError` unless both indices are positive.
    """
    values = _numbers(amounts, name="amounts")
    index_from = _numbers(price_index, name="price_index")
    index_to = _numbers(target_index, name="target_index")
    if (index_from <= 0).any() or (index_to <= 0).any():
        raise StatsError("price indices must be positive")
    return np.asarray(values * (index_to / index_from), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class MedianChange:
    """Change of a median between two editions (arrays of the inputs' broadcast shape).

    ``change``, ``low``, ``high``, ``se``: later minus earlier median, in the later
    edition's money (constant money when price indices were given), with its
    interval change -+ z se. ``percent``, ``percent_low``, ``percent_high``:
    100 (ratio - 1) and the exponentiated log-ratio interval (asymmetric, never
    below -100); ``percent_se`` its delta-method SE. ``price_factor`` is the
    later / earlier price index applied to the earlier edition (1 for nominal).
    """

    change: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    se: NDArray[np.float64]
    percent: NDArray[np.float64]
    percent_low: NDArray[np.float64]
    percent_high: NDArray[np.float64]
    percent_se: NDArray[np.float64]
    price_factor: NDArray[np.float64]
    level: float


def _published_median(
    median: ArrayLike, low: ArrayLike, high: ArrayLike, *, name: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    middle = _numbers(median, name=f"{name}_median")
    lows = _numbers(low, name=f"{name}_low")
    highs = _numbers(high, name=f"{name}_high")
    try:
        middle, lows, highs = np.broadcast_arrays(middle, lows, highs)
    except ValueError as exc:
        raise StatsError(f"the {name} edition's figures must broadcast: {exc}") from exc
    if (lows <= 0).any():
        raise StatsError(f"the {name} edition's amounts must be positive")
    if ((middle < lows) | (middle > highs)).any():
        raise StatsError(f"each {name} median must lie in its interval (low <= median <= high)")
    return middle, lows, highs


def median_change(
    *,
    earlier_median: ArrayLike,
    earlier_low: ArrayLike,
    earlier_high: ArrayLike,
    earlier_n: ArrayLike,
    later_median: ArrayLike,
    later_low: ArrayLike,
    later_high: ArrayLike,
    later_n: ArrayLike,
    earlier_price_index: ArrayLike = 1.0,
    later_price_index: ArrayLike = 1.0,
    level: float = 0.95,
    published_level: float = 0.95,
) -> MedianChange:
    """Change between two editions' published medians with its interval (see the module doc).

    Inputs are published figures: medians and their ``published_level`` order-statistic
    intervals (money, > 0) and perturbed counts n (whole, >= 2). With the default
    price indices the change is nominal; pass both editions' indices (e.g. 100 and
    101.8) for the real change in the later edition's money.

    Example (hand-computed in tests): 2025 n = 10, 30_000 [27_000, 33_000]; 2026
    n = 20, 32_000 [30_000, 35_000]: se1 = 6_000 / 4.5987 = 1_304.7, se2 = 5_000 /
    4.0792 = 1_225.7, change 2_000 -+ 1.96 * 1_790.2 = [-1_509, 5_509].
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence_level(level) / 2.0))
    m1, lo1, hi1 = _published_median(earlier_median, earlier_low, earlier_high, name="earlier")
    m2, lo2, hi2 = _published_median(later_median, later_low, later_high, name="later")
    factor = constant_money(1.0, price_index=earlier_price_index, target_index=later_price_index)
    se1 = interval_standard_error(lo1, hi1, earlier_n, level=published_level)
    se2 = interval_standard_error(lo2, hi2, later_n, level=published_level)
    se_log1 = interval_standard_error(lo1, hi1, earlier_n, level=published_level, log=True)
    se_log2 = interval_standard_error(lo2, hi2, later_n, level=published_level, log=True)
    try:
        arrays = np.broadcast_arrays(m1, m2, factor, se1, se2, se_log1, se_log2)
    except ValueError as exc:
        raise StatsError(f"the two editions' figures must broadcast to one shape: {exc}") from exc
    m1, m2, factor, se1, se2, se_log1, se_log2 = arrays
    change = m2 - factor * m1
    se = np.hypot(se2, factor * se1)
    log_ratio = np.log(m2) - np.log(factor * m1)
    se_log = np.hypot(se_log1, se_log2)
    ratio = np.exp(log_ratio)
    return MedianChange(
        change=np.asarray(change, dtype=np.float64),
        low=np.asarray(change - z * se, dtype=np.float64),
        high=np.asarray(change + z * se, dtype=np.float64),
        se=np.asarray(se, dtype=np.float64),
        percent=np.asarray(100.0 * np.expm1(log_ratio), dtype=np.float64),
        percent_low=np.asarray(100.0 * np.expm1(log_ratio - z * se_log), dtype=np.float64),
        percent_high=np.asarray(100.0 * np.expm1(log_ratio + z * se_log), dtype=np.float64),
        percent_se=np.asarray(100.0 * ratio * se_log, dtype=np.float64),
        price_factor=np.asarray(factor, dtype=np.float64),
        level=float(level),
    )
