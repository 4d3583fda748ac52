from __future__ import annotations

from scipy import stats

from benchmarks.stats import shares, wilson_interval


def test_the_95_percent_quantile_is_scipys_to_the_bit() -> None:
    # The web process reads it as a constant so as not to load scipy.
    assert shares._normal_quantile(0.975) == float(stats.norm.ppf(0.975))


def test_other_levels_still_read_scipy() -> None:
    assert shares._normal_quantile(0.95) == float(stats.norm.ppf(0.95))
    interval = wilson_interval(44, 100, level=0.90)
    assert interval.low[()] < 0.44 < interval.high[()]
