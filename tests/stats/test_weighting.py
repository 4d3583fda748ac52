"""Survey weights and weighted quantiles, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats.errors import StatsError
from benchmarks.stats.weighting import (
    effective_sample_size,
    post_stratification_weights,
    rake_weights,
    weighted_median_summary,
    weighted_quantile,
)

PROBABILITIES = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])


def test_equal_weights_give_numpys_type_7() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(10.5, 0.3, size=37)
    expected = np.percentile(values, PROBABILITIES * 100)  # numpy's default is type 7
    got = weighted_quantile(values, np.ones(values.size), PROBABILITIES)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(20_000, 80_000), st.integers(0, 5)), min_size=1, max_size=15
    ).filter(lambda rows: sum(weight for _value, weight in rows) >= 2),
    st.floats(0, 1),
)
def test_integer_weights_equal_type_7_on_the_repeated_values(
    rows: list[tuple[int, int]], probability: float
) -> None:
    values = np.array([value for value, _weight in rows], dtype=float)
    weights = np.array([weight for _value, weight in rows], dtype=float)
    expanded = np.repeat(values, weights.astype(int))
    expected = np.percentile(expanded, probability * 100)
    got = float(weighted_quantile(values, weights, probability))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_a_hand_computed_weighted_median() -> None:
    # Values 10, 20, 30 with weights 0.5, 1.5, 1 (W = 3): h = 0.5 * (3 - 1) = 1, so
    # the median is the mean of y over [1, 2]; y = 10 on [0, 0.5), 20 on [0.5, 2),
    # 30 on [2, 3) -> 20. At p = 0.75: h = 1.5, window [1.5, 2.5] = half 20, half 30 -> 25.
    got = weighted_quantile([30, 10, 20], [1.0, 0.5, 1.5], [0.5, 0.75])
    np.testing.assert_allclose(got, [20.0, 25.0])


def test_kish_effective_sample_size() -> None:
    # (1 + 1 + 2 + 4)^2 / (1 + 1 + 4 + 16) = 64 / 22
    assert effective_sample_size([1, 1, 2, 4]) == pytest.approx(64 / 22)
    assert effective_sample_size(np.full(12, 0.7)) == pytest.approx(12)


def test_post_stratification_weights_sum_to_n_and_reproduce_the_reference() -> None:
    strata = np.array(["micro"] * 10 + ["sme"] * 30 + ["large"] * 20)
    reference = {"micro": 0.19, "sme": 0.30, "large": 0.51}
    weights = post_stratification_weights(strata, reference)
    assert weights.sum() == pytest.approx(60)
    for code, share in reference.items():
        assert weights[strata == code].sum() / 60 == pytest.approx(share)
    # micro: 60 * 0.19 / 10 = 1.14
    assert weights[0] == pytest.approx(1.14)


def test_post_stratification_reads_shares_relative_to_their_sum() -> None:
    strata = ["a", "a", "b", "b", "b", "b"]
    halves = post_stratification_weights(strata, {"a": 0.5, "b": 0.5})
    scaled = post_stratification_weights(strata, {"a": 26, "b": 26})
    np.testing.assert_allclose(halves, scaled)
    np.testing.assert_allclose(halves, [1.5, 1.5, 0.75, 0.75, 0.75, 0.75])


def test_a_stratum_without_answers_or_without_a_share_is_refused() -> None:
    with pytest.raises(StatsError, match="No answer in stratum"):
        post_stratification_weights(["a", "a"], {"a": 0.5, "b": 0.5})
    with pytest.raises(StatsError, match="No reference share"):
        post_stratification_weights(["a", "c"], {"a": 1.0})


def test_raking_on_one_dimension_is_post_stratification() -> None:
    strata = np.array(["x"] * 3 + ["y"] * 9)
    reference = {"x": 0.4, "y": 0.6}
    np.testing.assert_allclose(
        rake_weights([strata], [reference]), post_stratification_weights(strata, reference)
    )


def test_raking_matches_every_margin() -> None:
    rng = np.random.default_rng(3)
    size = rng.choice(["micro", "sme", "large"], size=200, p=[0.1, 0.3, 0.6])
    region = rng.choice(["idf", "other"], size=200, p=[0.7, 0.3])
    targets = ({"micro": 0.2, "sme": 0.3, "large": 0.5}, {"idf": 0.35, "other": 0.65})
    weights = rake_weights([size, region], list(targets))
    assert weights.sum() == pytest.approx(200)
    for column, target in zip((size, region), targets, strict=True):
        for code, share in target.items():
            assert weights[column == code].sum() / 200 == pytest.approx(share, abs=1e-8)


def test_the_summary_puts_the_weighted_median_beside_the_unweighted_one() -> None:
    values = np.array([30_000, 32_000, 34_000, 50_000, 60_000, 70_000], dtype=float)
    strata = np.array(["small"] * 3 + ["large"] * 3)
    # large: 6 * 0.25 / 3 = 0.5, small: 6 * 0.75 / 3 = 1.5
    weights = post_stratification_weights(strata, {"small": 0.75, "large": 0.25})
    summary = weighted_median_summary(values, weights)
    assert summary.unweighted == np.median(values)
    # sorted y: 30k on [0,1.5), 32k on [1.5,3), 34k on [3,4.5), 50k on [4.5,5), ...
    # W = 6, h = 2.5, window [2.5, 3.5]: half 32k, half 34k -> 33k.
    assert summary.weighted == pytest.approx(33_000)
    # (0.5*3 + 1.5*3)^2 / (0.25*3 + 2.25*3) = 36 / 7.5 = 4.8
    assert summary.effective_n == pytest.approx(4.8)
