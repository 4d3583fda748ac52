"""The position band where n < 50: a Wilson interval of the interpolated rank (positions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from benchmarks.stats import StatsError, percentile_interval, percentile_position

POINTS = ((27_000, 10), (30_000, 25), (34_000, 50), (38_000, 75), (45_000, 90))


def test_the_band_is_the_wilson_interval_of_the_interpolated_rank_rounded_outward() -> None:
    # p = (25 + 25 * 2000 / 4000) / 100 = 0.375, n = 12, z = 1.959964:
    # centre = (0.375 + z^2/24) / (1 + z^2/12) = 0.405312
    # half = z / (1 + z^2/12) * sqrt(0.375 * 0.625 / 12 + z^2 / 576) = 0.240319
    # [0.164993, 0.645631] -> floor 16, ceil 65
    assert percentile_interval(POINTS, 32_000, n=12) == (16, 65)


def test_the_band_narrows_as_n_grows() -> None:
    # p = 0.375, n = 40: centre = 0.385953, half = 0.143723 -> [24.22, 52.97] -> (24, 53)
    assert percentile_interval(POINTS, 32_000, n=40) == (24, 53)


def test_the_band_agrees_with_statsmodels_wilson_on_a_whole_count() -> None:
    # value on p50: p = 0.5 exactly; with n = 20, 10 successes out of 20 is a whole count.
    low, high = proportion_confint(10, 20, alpha=0.05, method="wilson")
    assert percentile_interval(POINTS, 34_000, n=20) == (
        math.floor(100 * low),
        math.ceil(100 * high),
    )


def test_the_band_is_clipped_to_the_published_range() -> None:
    # p = 0.10 + 0.15 * 500 / 3000 = 0.125 at n = 10: Wilson [0.0261, 0.4320] -> 2, 44,
    # clipped to the lowest published rank, 10.
    assert percentile_interval(POINTS, 27_500, n=10) == (10, 44)
    without_tails = ((None, 10), (30_000, 25), (34_000, 50), (38_000, 75), (None, 90))
    # p = (50 + 25 * 3200 / 4000) / 100 = 0.70 at n = 12: Wilson [0.4207, 0.8823] -> 42, 89,
    # clipped to the highest published rank, p75: (42, 75)
    assert percentile_interval(without_tails, 37_200, n=12) == (42, 75)


def test_outside_the_published_percentiles_there_is_no_band() -> None:
    assert percentile_interval(POINTS, 20_000, n=12) is None
    assert percentile_interval(POINTS, 60_000, n=12) is None


def test_a_band_needs_a_count_and_a_percentile() -> None:
    with pytest.raises(StatsError):
        percentile_interval(POINTS, 32_000, n=0)
    with pytest.raises(StatsError):
        percentile_interval(((None, 10), (None, 25)), 32_000, n=12)


@given(
    value=st.floats(min_value=27_000, max_value=45_000),
    n=st.integers(min_value=10, max_value=49),
)
def test_the_band_contains_the_rounded_position_and_the_wilson_interval(
    value: float, n: int
) -> None:
    band = percentile_interval(POINTS, value, n=n)
    assert band is not None
    rank = percentile_position(POINTS, value).percentile
    assert rank is not None
    assert 10 <= band[0] <= rank <= band[1] <= 90
    share = float(np.interp(value, [p for p, _ in POINTS], [r for _, r in POINTS])) / 100
    z = 1.959963984540054
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    assert band[0] <= max(10, 100 * (centre - half)) + 1e-6
    assert band[1] >= min(90, 100 * (centre + half)) - 1e-6
