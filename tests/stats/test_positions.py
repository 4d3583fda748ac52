from __future__ import annotations

import numpy as np

from benchmarks.stats import (
    PercentilePosition,
    interleaved_share_percent,
    percentile_band,
    percentile_position,
    share_percent,
)

POINTS = ((27_000, 10), (30_000, 25), (34_000, 50), (38_000, 75), (45_000, 90))


def test_a_position_interpolates_between_published_percentiles() -> None:
    position = percentile_position(POINTS, 32_000)
    assert position == PercentilePosition(percentile=38)  # 25 + 25 * 2000/4000 = 37.5 -> 38


def test_outside_the_published_percentiles_a_position_is_only_a_bound() -> None:
    assert percentile_position(POINTS, 20_000) == PercentilePosition(below=10)
    assert percentile_position(POINTS, 60_000) == PercentilePosition(above=90)


def test_without_tails_the_bounds_are_p25_and_p75() -> None:
    points = ((None, 10), (30_000, 25), (34_000, 50), (38_000, 75), (None, 90))
    assert percentile_position(points, 29_000) == PercentilePosition(below=25)
    assert percentile_position(points, 36_000) == PercentilePosition(percentile=63)  # 62.5 -> 63


def test_tied_percentiles_collapse_to_their_middle_rank() -> None:
    points = ((30_000, 25), (30_000, 50), (38_000, 75))
    assert percentile_position(points, 30_000) == PercentilePosition(percentile=38)  # (25+50)/2


def test_a_band_names_the_published_ranks_around_the_amount() -> None:
    assert percentile_band(POINTS, 32_000) == (25, 50)
    assert percentile_band(POINTS, 34_000) == (50, 50)
    assert percentile_band(POINTS, 20_000) == (None, 10)


def test_interleaved_shares_match_share_percent_code_by_code() -> None:
    counts = np.array([[44, 10], [0, 100]])
    table = interleaved_share_percent(counts, np.array([100, 100]))
    first = share_percent(44, 100)  # 44 % [35 %, 54 %]
    assert table[0, :3].tolist() == [int(first.percent), int(first.low), int(first.high)]
    assert table[0, :3].tolist() == [44, 35, 54]
    assert table[1, 3] == 100
