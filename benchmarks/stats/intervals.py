"""Confidence intervals of the median (binomial order statistics); shares: `stats.shares`.

Closed-form and deterministic: no resampling, so pages, API and CSV
agree to the cent and a snapshot rebuilt from the same rows is identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from benchmarks.stats._checks import (
    confidence_level,
    finite_values,
    group_bounds,
    non_empty,
    sorted_within_groups,
)
from benchmarks.stats.errors import StatsError

# scipy.stats is imported by the functions that use it (binom): it takes 0.4 s to
# import, which a process that only imports this module (the build's main process)
# would pay for nothing. The build's workers have it preloaded (build.worker_boot).

__all__ = [
    "MedianCiRanks",
    "grouped_median_ci",
    "median_ci",
    "median_ci_ranks",
]


@dataclass(frozen=True, eq=False)
class MedianCiRanks:
    """Order-statistic ranks of the median CI, per sample size (arrays of one shape).

    ``lower`` and ``upper`` are 1-based ranks l and u = n - l + 1; ``coverage`` is
    the exact P(x_(l) <= median < x_(u)) = 1 - 2 P(K <= l - 1), K ~ Binomial(n, 1/2);
    ``reaches_level`` is False where no pair of order statistics reaches the level
    (then l = 1, u = n, the full range).
    """

    lower: NDArray[np.int64]
    upper: NDArray[np.int64]
    coverage: NDArray[np.float64]
    reaches_level: NDArray[np.bool_]


def median_ci_ranks(n: ArrayLike, *, level: float = 0.95) -> MedianCiRanks:
    """Ranks (1-based) of the exact distribution-free CI of the median for sample sizes ``n``.

    With K ~ Binomial(n, 1/2) the number of observations below the population
    median, the interval [x_(l), x_(u)] with u = n - l + 1 covers the median with
    probability P(l <= K <= u - 1) = 1 - 2 P(K <= l - 1). We take the largest l
    such that P(K <= l - 1) <= (1 - level) / 2, i.e. the shortest symmetric pair
    whose coverage is at least ``level`` (conservative: coverage >= level, e.g.
    n = 10 gives l = 2, u = 9, coverage 1 - 22/1024 = 0.9785 at level 0.95).

    When even P(K <= 0) = 2^-n exceeds (1 - level) / 2 (n <= 5 at 0.95), no interval
    reaches the level: we return l = 1, u = n, the full sample range, whose coverage
    1 - 2^(1-n) is below the level; ``reaches_level`` is False there.

    ``n`` must hold integers >= 1 (any shape); the result arrays have its shape.
    """
    alpha_half = (1.0 - confidence_level(level)) / 2.0
    sizes = np.asarray(n)
    if sizes.size and not np.issubdtype(sizes.dtype, np.integer):
        raise StatsError(f"n must hold integers, got dtype {sizes.dtype}")
    sizes = sizes.astype(np.int64)
    if (sizes < 1).any():
        raise StatsError("n must be at least 1 for a median interval")
    from scipy import stats

    unique_sizes, inverse = np.unique(sizes, return_inverse=True)
    largest = _largest_tail_index(unique_sizes, alpha_half)
    reaches = largest >= 0
    lower = np.where(reaches, largest + 1, 1)
    upper = unique_sizes - lower + 1
    tail = np.asarray(stats.binom.cdf(lower - 1, unique_sizes, 0.5), dtype=np.float64)
    coverage = np.maximum(1.0 - 2.0 * tail, 0.0)
    return MedianCiRanks(
        lower=lower[inverse].reshape(sizes.shape),
        upper=upper[inverse].reshape(sizes.shape),
        coverage=coverage[inverse].reshape(sizes.shape),
        reaches_level=reaches[inverse].reshape(sizes.shape),
    )


# Where the search for the largest j with P(K <= j) <= alpha/2 starts, from the
# normal approximation with continuity correction: j0 = floor(n/2 + z sqrt(n)/2 - 1/2),
# z the alpha/2 quantile of the standard normal. At 95 % the answer is j0, j0 + 1 or
# j0 + 2 for every n checked (1 to 1,000,000): the window j0 .. j0 + 2 holds it, and
# proves it unless it is j0 + 2 (about one size in a thousand), where binom.ppf finds
# the window (below).
_WINDOW = np.arange(3, dtype=np.int64)


def _largest_tail_index(sizes: NDArray[np.int64], alpha_half: float) -> NDArray[np.int64]:
    """For each n of `sizes`, the largest j >= 0 with P(K <= j) <= alpha_half, K ~ Binomial(n,
    1/2), or -1 where there is none (P(K <= 0) = 2^-n is already above it).

    Exact: each candidate is checked against binom.cdf, and a window is accepted only
    where its lowest value passes and its highest fails (the cdf grows with j, so the
    answer is then inside). The window comes from the normal approximation, which
    costs nothing; binom.ppf, which costs about as much as 1.5 cdf evaluations, only
    finds the window of the few sizes where it missed. About 3 us a size instead of 9.
    """
    start = np.floor(sizes / 2 + special.ndtri(alpha_half) * np.sqrt(sizes) / 2 - 0.5)
    largest = _largest_in_window(sizes, start.astype(np.int64), alpha_half)
    missed = largest == _MISSED
    if missed.any():
        from scipy import stats

        # ppf gives the smallest j with P(K <= j) >= alpha/2: the answer is j or j - 1.
        guess = np.asarray(stats.binom.ppf(alpha_half, sizes[missed], 0.5), dtype=np.float64)
        guess = np.nan_to_num(guess, nan=0.0).astype(np.int64)
        largest[missed] = _largest_in_window(sizes[missed], guess - 1, alpha_half)
    if (largest == _MISSED).any():  # pragma: no cover - the cdf is monotone in j
        raise StatsError("no order statistic found for the median interval")
    return largest


_MISSED = np.iinfo(np.int64).min


def _largest_in_window(
    sizes: NDArray[np.int64], start: NDArray[np.int64], alpha_half: float
) -> NDArray[np.int64]:
    """The largest j in the window max(start, 0) + _WINDOW with P(K <= j) <= alpha_half;
    -1 where even j = 0 fails; _MISSED where the window cannot tell (its lowest j,
    above 0, fails, or its highest passes)."""
    from scipy import stats

    candidates = np.maximum(start, 0)[:, None] + _WINDOW[None, :]
    cdf = np.asarray(stats.binom.cdf(candidates, sizes[:, None], 0.5), dtype=np.float64)
    allowed = cdf <= alpha_half
    largest = np.where(allowed, candidates, -1).max(axis=1)
    inside = (allowed[:, 0] | (candidates[:, 0] == 0)) & ~allowed[:, -1]
    return np.where(inside, largest, _MISSED)


# median_ci_ranks(n).lower by n (0 where not computed yet), per level. A snapshot
# asks for the same sample sizes tens of thousands of times: each is computed once.
_LOWER_RANKS: dict[float, NDArray[np.int64]] = {}


def _lower_ranks(level: float, sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """`median_ci_ranks(sizes).lower`, memoized by sample size."""
    table = _LOWER_RANKS.get(level, np.zeros(0, dtype=np.int64))
    top = int(sizes.max())
    if top >= table.size:
        grown = np.zeros(max(top + 1, 2 * table.size, 1024), dtype=np.int64)
        grown[: table.size] = table
        table = grown
    missing = np.unique(sizes[table[sizes] == 0])
    if missing.size:
        # median_ci_ranks' lower rank, without its coverage (one cdf less a size).
        largest = _largest_tail_index(missing, (1.0 - level) / 2.0)
        table[missing] = np.where(largest >= 0, largest + 1, 1)
    _LOWER_RANKS[level] = table
    return table[sizes]


def median_ci(values: ArrayLike, *, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free CI of the median from binomial order statistics, unit of ``values``.

    Returns (x_(l), x_(u)) of the sorted sample, with the ranks of
    :func:`median_ci_ranks` (u = n - l + 1, largest l with P(K < l) <= (1 - level)/2,
    K ~ Binomial(n, 1/2); coverage >= level). For n too small to reach the level
    (n <= 5 at 0.95) it returns the full range (min, max).

    Deterministic: no resampling, so pages, API and CSV agree to the cent.
    Raises :class:`StatsError` on an empty sample or NaN / infinite values.
    """
    sample = np.sort(non_empty(finite_values(values)))
    ranks = median_ci_ranks(np.array([sample.size]), level=level)
    return float(sample[ranks.lower[0] - 1]), float(sample[ranks.upper[0] - 1])


def grouped_median_ci(
    sorted_values: ArrayLike,
    starts: ArrayLike,
    counts: ArrayLike,
    *,
    level: float = 0.95,
    check_sorted: bool = True,
) -> NDArray[np.float64]:
    """:func:`median_ci` for many sorted groups at once: shape (n_groups, 2), [low, high].

    Group g is ``sorted_values[starts[g] : starts[g] + counts[g]]``, sorted ascending
    (as for :func:`~benchmarks.stats.quantiles.grouped_quantiles`). Ranks are computed
    once per distinct group size. A group with count 0 gets [NaN, NaN].
    """
    values = finite_values(sorted_values, name="sorted_values")
    group_start, group_count = group_bounds(values.size, starts, counts)
    if check_sorted:  # O(n); callers that sorted the slices themselves may skip it
        sorted_within_groups(values, group_start, group_count)
    result = np.full((group_count.size, 2), np.nan, dtype=np.float64)
    filled = group_count > 0
    if not filled.any():
        return result
    sizes = group_count[filled]
    lower = _lower_ranks(confidence_level(level), sizes)
    start = group_start[filled]
    result[filled, 0] = values[start + lower - 1]
    result[filled, 1] = values[start + (sizes - lower + 1) - 1]
    return result
