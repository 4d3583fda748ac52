from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from benchmarks.stats import (
    StatsError,
    group_starts,
    grouped_median_ci,
    grouped_quantiles,
    median_ci_ranks,
)
from benchmarks.stats.trends import (
    constant_money,
    interval_critical_value,
    interval_standard_error,
    median_change,
    median_interval_coverage,
)

# Noise of the cell key method for n >= 12: -2..+2 with 38, 64, 52, 64, 38 keys of 256.
NOISE = np.array([-2, -1, 0, 1, 2])
NOISE_P = np.array([38, 64, 52, 64, 38]) / 256


def test_coverage_of_order_statistic_intervals_by_hand() -> None:
    coverage = median_interval_coverage([10, 5, 4, 20], lower=[2, 1, 2, 6], upper=[9, 5, 3, 15])
    # n = 10, ranks 2..9: P(2 <= K <= 8) = 1 - 2 * 11/1024 = 0.978515625
    # n = 5, ranks 1..5: 1 - 2/32 = 0.9375
    # n = 4, ranks 2..3: P(K = 2) = 6/16 = 0.375
    # n = 20, ranks 6..15: 1 - 2 * 21_700 / 2^20 = 0.958610...
    assert coverage == pytest.approx([0.978515625, 0.9375, 0.375, 1 - 43_400 / 2**20])


def test_coverage_agrees_with_the_published_ranks_and_allows_asymmetric_pairs() -> None:
    sizes = np.arange(2, 301)
    ranks = median_ci_ranks(sizes)
    assert median_interval_coverage(sizes, lower=ranks.lower, upper=ranks.upper) == pytest.approx(
        ranks.coverage, abs=1e-12
    )
    # n = 10, ranks 3..9: P(3 <= K <= 8) = (1013 - 56) / 1024
    assert median_interval_coverage(10, lower=3, upper=9) == pytest.approx(957 / 1024)


@pytest.mark.parametrize(
    ("n", "lower", "upper"), [(10, 0, 9), (10, 5, 4), (10, 2, 11), (10.5, 2, 9)]
)
def test_coverage_rejects_impossible_ranks(n: float, lower: int, upper: int) -> None:
    with pytest.raises(StatsError):
        median_interval_coverage(n, lower=lower, upper=upper)


def test_critical_values_by_hand() -> None:
    # Phi^-1((1 + 0.978515625) / 2) = Phi^-1(0.9892578) = 2.29936;
    # Phi^-1((1 + 0.958610) / 2) = Phi^-1(0.979305) = 2.03961
    assert interval_critical_value([10, 20]) == pytest.approx([2.29936, 2.03961], abs=1e-5)
    with pytest.raises(StatsError):
        interval_critical_value([1])


def test_standard_error_from_a_published_interval_by_hand() -> None:
    # n = 10: 2 z_c = 4.59872. [30_000, 40_000] -> 10_000 / 4.59872 = 2_174.52;
    # on logs: log(4/3) / 4.59872 = 0.287682 / 4.59872 = 0.062557
    assert interval_standard_error(30_000, 40_000, 10) == pytest.approx(2_174.52, abs=0.01)
    assert interval_standard_error(30_000, 40_000, 10, log=True) == pytest.approx(
        0.062557, abs=1e-6
    )
    # A zero-width interval (ties) has SE 0, as published.
    assert interval_standard_error([400.0], [400.0], [12]).tolist() == [0.0]
    with pytest.raises(StatsError, match="low <= high"):
        interval_standard_error(2.0, 1.0, 10)
    with pytest.raises(StatsError, match="positive"):
        interval_standard_error(0.0, 1.0, 10, log=True)


def test_constant_money_by_hand() -> None:
    # 40_000 of 2025 (CPI 100) in 2026 money (CPI 101.8): 40_000 * 1.018 = 40_720
    assert constant_money(40_000, price_index=100, target_index=101.8) == pytest.approx(40_720)
    with pytest.raises(StatsError):
        constant_money(40_000, price_index=0, target_index=101.8)


EXAMPLE = {
    # 2025: n = 10, 30_000 [27_000, 33_000]; 2026: n = 20, 32_000 [30_000, 35_000]
    "earlier_median": 30_000,
    "earlier_low": 27_000,
    "earlier_high": 33_000,
    "earlier_n": 10,
    "later_median": 32_000,
    "later_low": 30_000,
    "later_high": 35_000,
    "later_n": 20,
}


def test_nominal_change_by_hand() -> None:
    change = median_change(**EXAMPLE)
    # se1 = 6_000 / 4.59872 = 1_304.71, se2 = 5_000 / (2 * 2.03961) = 1_225.73,
    # se = sqrt(1_304.71^2 + 1_225.73^2) = 1_790.16; 1.95996 * 1_790.16 = 3_508.65
    assert change.change == pytest.approx(2_000)
    assert change.se == pytest.approx(1_790.16, abs=0.01)
    assert change.low == pytest.approx(-1_508.65, abs=0.01)
    assert change.high == pytest.approx(5_508.65, abs=0.01)
    # r = log(32/30) = 0.064539; se_log1 = log(33/27) / 4.59872 = 0.043636,
    # se_log2 = log(35/30) / 4.07921 = 0.037789, se_r = 0.057725;
    # 100 (e^r - 1) = 6.667 %, 100 (e^(r -+ 1.95996 se_r) - 1) = -4.744 %, +19.444 %,
    # delta method: 100 * (32/30) * 0.057725 = 6.157 points
    assert change.percent == pytest.approx(6.6667, abs=1e-4)
    assert change.percent_low == pytest.approx(-4.744, abs=1e-3)
    assert change.percent_high == pytest.approx(19.444, abs=1e-3)
    assert change.percent_se == pytest.approx(6.157, abs=1e-3)
    assert change.price_factor == pytest.approx(1.0)


def test_real_change_brings_the_earlier_edition_to_the_later_money() -> None:
    change = median_change(**EXAMPLE, earlier_price_index=100, later_price_index=101.8)
    # f = 1.018: 32_000 - 1.018 * 30_000 = 32_000 - 30_540 = 1_460;
    # se = sqrt(1_225.73^2 + (1.018 * 1_304.71)^2) = sqrt(1_502_414 + 1_328.20^2) = 1_807.35
    assert change.change == pytest.approx(1_460)
    assert change.se == pytest.approx(1_807.35, abs=0.01)
    # r = log(32_000 / 30_540) = 0.046699 -> 4.781 %; the log SE does not change with f
    assert change.percent == pytest.approx(4.7806, abs=1e-4)
    assert change.percent_high == pytest.approx(
        100 * np.expm1(0.046699 + 1.959964 * 0.057725), abs=1e-2
    )


def test_change_matches_an_independent_computation_over_many_cells() -> None:
    rng = np.random.default_rng(5)
    n1, n2 = rng.integers(10, 300, 50), rng.integers(10, 300, 50)
    m1, m2 = rng.uniform(20_000, 60_000, 50), rng.uniform(20_000, 60_000, 50)
    lo1, hi1 = m1 * rng.uniform(0.8, 1.0, 50), m1 * rng.uniform(1.0, 1.25, 50)
    lo2, hi2 = m2 * rng.uniform(0.8, 1.0, 50), m2 * rng.uniform(1.0, 1.25, 50)
    change = median_change(
        earlier_median=m1,
        earlier_low=lo1,
        earlier_high=hi1,
        earlier_n=n1,
        later_median=m2,
        later_low=lo2,
        later_high=hi2,
        later_n=n2,
        earlier_price_index=98.0,
        later_price_index=100.0,
    )

    def z_of(n: NDArray[np.int64]) -> NDArray[np.float64]:
        # Brute force: the largest l with P(K <= l - 1) <= 0.025, then its exact coverage.
        out = []
        for size in n:
            cdf = stats.binom.cdf(np.arange(size), size, 0.5)
            lower = int(np.flatnonzero(cdf <= 0.025).max()) + 1
            coverage = 1 - 2 * stats.binom.cdf(lower - 1, size, 0.5)
            out.append(stats.norm.ppf((1 + coverage) / 2))
        return np.array(out)

    f = 100.0 / 98.0
    se = np.sqrt(((hi2 - lo2) / (2 * z_of(n2))) ** 2 + (f * (hi1 - lo1) / (2 * z_of(n1))) ** 2)
    np.testing.assert_allclose(change.change, m2 - f * m1)
    np.testing.assert_allclose(change.se, se)
    np.testing.assert_allclose(change.high - change.change, 1.959964 * se, rtol=1e-6)


@pytest.mark.parametrize(
    "bad",
    [
        {"earlier_median": 40_000},  # outside [27_000, 33_000]
        {"later_low": -1},
        {"later_n": 1},
        {"earlier_high": float("nan")},
        {"later_price_index": 0},
    ],
)
def test_change_rejects_bad_published_figures(bad: dict[str, float]) -> None:
    with pytest.raises(StatsError):
        median_change(**{**EXAMPLE, **bad})


def published(
    rng: np.random.Generator, n: NDArray[np.int64], log_median: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    """Sample log-normal salaries (sigma 0.35) per cell and publish: median and exact interval
    rounded to 100, n perturbed by the cell key method's noise (never under 10)."""
    cell = np.repeat(np.arange(n.size), n)
    values = np.exp(log_median[cell] + 0.35 * rng.standard_normal(cell.size))
    values = values[np.lexsort((values, cell))]
    starts = group_starts(n)
    median = grouped_quantiles(values, starts, n, [0.5], check_sorted=False)[:, 0]
    interval = grouped_median_ci(values, starts, n, check_sorted=False)
    noisy_n = np.maximum(n + rng.choice(NOISE, size=n.size, p=NOISE_P), 10)

    def rounded(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.floor(x / 100 + 0.5) * 100

    return rounded(median), rounded(interval[:, 0]), rounded(interval[:, 1]), noisy_n


def test_the_change_interval_covers_the_true_change_near_95_percent() -> None:
    # 8,000 pairs of editions, n 10-200 each, true medians 40_000 then a real change
    # ~ N(3 %, 5 %), prices up 1.8 %; Monte Carlo SE of a coverage 0.0024.
    # Here 0.948 (money) and 0.949 (percent); over 60,000 pairs 0.947 and 0.946; by n
    # (both editions): 10-19 0.964, 20-49 0.953, 50-200 0.948.
    rng = np.random.default_rng(2_026)
    pairs = 8_000
    n1, n2 = rng.integers(10, 201, pairs), rng.integers(10, 201, pairs)
    mu1 = np.full(pairs, np.log(40_000.0))
    mu2 = mu1 + np.log(1.018) + rng.normal(0.03, 0.05, pairs)
    m1, lo1, hi1, p1 = published(rng, n1, mu1)
    m2, lo2, hi2, p2 = published(rng, n2, mu2)
    change = median_change(
        earlier_median=m1,
        earlier_low=lo1,
        earlier_high=hi1,
        earlier_n=p1,
        later_median=m2,
        later_low=lo2,
        later_high=hi2,
        later_n=p2,
        earlier_price_index=100.0,
        later_price_index=101.8,
    )
    true_change = np.exp(mu2) - 1.018 * np.exp(mu1)
    covered = (change.low <= true_change) & (true_change <= change.high)
    assert 0.94 <= covered.mean() <= 0.96
    true_percent = 100 * (np.exp(mu2) / (1.018 * np.exp(mu1)) - 1)
    covered_percent = (change.percent_low <= true_percent) & (true_percent <= change.percent_high)
    assert 0.94 <= covered_percent.mean() <= 0.96
