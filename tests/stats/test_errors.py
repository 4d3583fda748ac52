from __future__ import annotations

import pytest

from benchmarks.stats import (
    CubeError,
    InsufficientDataError,
    RankDeficientError,
    StatsError,
    median_ci,
)


@pytest.mark.parametrize("error", [InsufficientDataError, RankDeficientError, CubeError])
def test_every_stats_error_is_a_value_error(error: type[StatsError]) -> None:
    assert issubclass(error, StatsError)
    assert issubclass(error, ValueError)


def test_an_empty_sample_raises_with_a_clear_message() -> None:
    with pytest.raises(InsufficientDataError, match="values is empty"):
        median_ci([])
