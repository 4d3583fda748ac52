from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from benchmarks.stats import (
    StatsError,
    group_starts,
    grouped_median_ci,
    median_ci,
    median_ci_ranks,
    quantile_type7,
    share_percent,
    wilson_interval,
)


def brute_force_ranks(n: int, level: float) -> tuple[int, int, float]:
    """Largest l whose symmetric pair [x_(l), x_(n-l+1)] covers the median with P >= level."""
    best = None
    for lower in range(1, (n + 1) // 2 + 1):
        upper = n - lower + 1
        coverage = stats.binom.cdf(upper - 1, n, 0.5) - stats.binom.cdf(lower - 1, n, 0.5)
        if coverage >= level:
            best = (lower, upper, float(coverage))
    if best is None:
        return 1, n, float(1.0 - 2.0 * 0.5**n)
    return best


@pytest.mark.parametrize("level", [0.95, 0.90, 0.99, 0.5])
def test_median_ranks_match_a_brute_force_binomial_search(level: float) -> None:
    sizes = np.arange(1, 201)
    ranks = median_ci_ranks(sizes, level=level)
    for n, lower, upper, coverage in zip(
        sizes, ranks.lower, ranks.upper, ranks.coverage, strict=True
    ):
        expected = brute_force_ranks(int(n), level)
        assert (int(lower), int(upper)) == expected[:2], n
        assert coverage == pytest.approx(expected[2], abs=1e-12)


@pytest.mark.parametrize("level", [0.95, 0.5])
def test_median_ranks_of_large_samples_hold_their_definition(level: float) -> None:
    """Beyond the brute force's reach: l - 1 is the largest j with P(K <= j) <= alpha/2,
    checked with binom.cdf on each side. The sizes include those whose first window (the
    normal approximation's) misses at 50 %, found by binom.ppf instead."""
    rng = np.random.default_rng(7)
    sizes = np.unique(
        np.concatenate(
            [
                rng.integers(200, 1_000_000, 3_000),
                np.arange(999_900, 1_000_001),
                [178, 2_541, 20_682, 95_099, 288_049],  # missed by the window at 50 %
            ]
        )
    )
    alpha_half = (1 - level) / 2
    lower = median_ci_ranks(sizes, level=level).lower
    assert (stats.binom.cdf(lower - 1, sizes, 0.5) <= alpha_half).all()
    assert (stats.binom.cdf(lower, sizes, 0.5) > alpha_half).all()
    # The memoized lower ranks of grouped_median_ci (on groups of 200 to 21,000 values,
    # in any order): the same ranks.
    small = sizes < 21_000
    groups = rng.permutation(sizes[small])
    ranks = dict(zip(sizes[small].tolist(), lower[small].tolist(), strict=True))
    starts = np.cumsum(groups) - groups
    values = np.arange(int(groups.sum()), dtype=np.float64)
    bounds = grouped_median_ci(values, starts, groups, level=level)
    assert bounds[:, 0].tolist() == [
        float(start + ranks[size] - 1) for start, size in zip(starts, groups.tolist(), strict=True)
    ]


def test_median_ranks_match_hand_computed_values() -> None:
    ranks = median_ci_ranks(np.array([10, 20, 5, 6]))
    # n = 10: P(K <= 1) = 11/1024 = 0.0107 <= 0.025 < P(K <= 2) = 56/1024
    #   -> l = 2, u = 9, coverage 1 - 22/1024 = 0.978515625
    # n = 20: P(K <= 5) = 21_700/2^20 = 0.0207 <= 0.025 < P(K <= 6) = 60_460/2^20
    #   -> l = 6, u = 15, coverage 1 - 43_400/2^20 = 0.958610...
    # n = 5: P(K <= 0) = 1/32 = 0.031 > 0.025: no pair reaches 95 %, full range
    # n = 6: P(K <= 0) = 1/64 = 0.0156 -> l = 1, u = 6, coverage 62/64
    assert ranks.lower.tolist() == [2, 6, 1, 1]
    assert ranks.upper.tolist() == [9, 15, 5, 6]
    assert ranks.coverage[0] == pytest.approx(0.978515625)
    assert ranks.coverage[1] == pytest.approx(1 - 43_400 / 2**20)
    assert ranks.coverage[2] == pytest.approx(0.9375)  # 1 - 2/32, below the level
    assert ranks.coverage[3] == pytest.approx(0.96875)
    assert ranks.reaches_level.tolist() == [True, True, False, True]


def test_median_ci_reads_the_order_statistics() -> None:
    salaries = [31_000 + 1_000 * i for i in range(10)][::-1]  # 31_000 .. 40_000, shuffled
    assert median_ci(salaries) == (32_000, 39_000)  # x_(2), x_(9)


def test_a_tiny_sample_gets_its_full_range() -> None:
    assert median_ci([3.0, 1.0, 2.0]) == (1.0, 3.0)
    assert median_ci([7.0]) == (7.0, 7.0)


@pytest.mark.parametrize(
    ("values", "level"),
    [([], 0.95), ([1.0, float("nan")], 0.95), ([1.0, 2.0], 1.0), ([1.0, 2.0], 0.0)],
)
def test_median_ci_rejects_bad_input(values: list[float], level: float) -> None:
    with pytest.raises(StatsError):
        median_ci(values, level=level)


def test_median_ranks_reject_a_zero_or_fractional_size() -> None:
    with pytest.raises(StatsError):
        median_ci_ranks(np.array([0]))
    with pytest.raises(StatsError):
        median_ci_ranks(np.array([2.5]))


def test_grouped_median_ci_gives_nan_for_an_empty_group() -> None:
    result = grouped_median_ci(np.arange(1.0, 11.0), np.array([0, 10]), np.array([10, 0]))
    assert result[0].tolist() == [2.0, 9.0]
    assert np.isnan(result[1]).all()


finite_floats = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(
    groups=st.lists(
        arrays(np.float64, st.integers(1, 80), elements=finite_floats), min_size=1, max_size=6
    )
)
def test_grouped_median_ci_equals_the_per_group_one_and_contains_the_median(
    groups: list[np.ndarray],
) -> None:
    counts = np.array([g.size for g in groups], dtype=np.int64)
    values = np.concatenate([np.sort(g) for g in groups])
    result = grouped_median_ci(values, group_starts(counts), counts)
    for (low, high), group in zip(result, groups, strict=True):
        assert (low, high) == median_ci(group)
        assert low <= float(quantile_type7(group, 0.5)) <= high


def test_wilson_matches_a_hand_computed_case() -> None:
    interval = wilson_interval(44, 100)
    # z = 1.959964, z^2/n = 0.0384146; centre = (0.44 + 0.0192073)/1.0384146 = 0.442220
    # half = z/1.0384146 * sqrt(0.44*0.56/100 + z^2/40_000) = 0.0954996
    assert float(interval.low) == pytest.approx(0.346720, abs=1e-6)
    assert float(interval.high) == pytest.approx(0.537719, abs=1e-6)
    shown = share_percent(44, 100)
    assert (int(shown.percent), int(shown.low), int(shown.high)) == (44, 35, 54)


def test_wilson_matches_statsmodels_over_arrays() -> None:
    n = np.array([1, 5, 10, 10, 37, 100, 250, 1_000, 12])
    successes = np.array([0, 5, 3, 10, 20, 44, 1, 999, 6])
    for level in (0.95, 0.80):
        interval = wilson_interval(successes, n, level=level)
        low, high = proportion_confint(successes, n, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(interval.low, low, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(interval.high, high, rtol=1e-12, atol=1e-15)


def test_share_percent_rounds_half_to_even() -> None:
    shown = share_percent(np.array([1, 3]), np.array([8, 8]))
    assert shown.percent.tolist() == [12, 38]  # 12.5 -> 12, 37.5 -> 38 (numpy.round)


@pytest.mark.parametrize(
    ("successes", "n"), [(1, 0), (11, 10), (-1, 10), (1.5, 10), (float("nan"), 10)]
)
def test_wilson_rejects_impossible_counts(successes: float, n: float) -> None:
    with pytest.raises(StatsError):
        wilson_interval(successes, n)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 5_000), level=st.floats(0.5, 0.999))
def test_wilson_contains_the_share_and_stays_in_the_unit_interval(
    data: st.DataObject, n: int, level: float
) -> None:
    successes = data.draw(st.integers(0, n))
    interval = wilson_interval(successes, n, level=level)
    assert 0.0 <= interval.low <= interval.share <= interval.high <= 1.0
    shown = share_percent(successes, n, level=level)
    assert 0 <= shown.low <= shown.percent <= shown.high <= 100
