from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from benchmarks.stats import StatsError, group_starts, grouped_quantiles, quantile_type7

SALARIES = [32_500, 28_000, 40_000, 30_000]  # sorted: 28_000 30_000 32_500 40_000

finite_floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
samples = arrays(np.float64, st.integers(1, 60), elements=finite_floats)
probabilities = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8)


def test_it_matches_hand_computed_type7_values() -> None:
    q = quantile_type7(SALARIES, [0.0, 0.25, 0.5, 0.75, 1.0])
    assert q[0] == 28_000  # h = 0 -> x0
    assert q[1] == 29_500  # h = 3*0.25 = 0.75 -> 28_000 + 0.75*(30_000-28_000)
    assert q[2] == 31_250  # h = (4-1)*0.5 = 1.5 -> 30_000 + 0.5*(32_500-30_000)
    assert q[3] == 34_375  # h = 2.25 -> 32_500 + 0.25*(40_000-32_500)
    assert q[4] == 40_000  # h = 3 -> x3


def test_a_scalar_probability_gives_a_scalar_shaped_result() -> None:
    q = quantile_type7([10.0, 20.0], 0.1)
    assert q.shape == ()
    assert float(q) == pytest.approx(11.0)  # h = 0.1 -> 10 + 0.1*10


def test_a_single_value_is_every_quantile() -> None:
    assert quantile_type7([42.0], [0.0, 0.3, 1.0]).tolist() == [42.0, 42.0, 42.0]


def test_it_equals_numpy_linear_to_the_bit() -> None:
    rng = np.random.default_rng(7)
    probs = np.linspace(0, 1, 101)
    for size in (1, 2, 3, 10, 57, 1_000):
        values = np.round(rng.lognormal(10.5, 0.4, size), 0)
        expected = np.quantile(values, probs, method="linear")
        np.testing.assert_array_equal(quantile_type7(values, probs), expected)


@pytest.mark.parametrize(
    ("values", "probs", "message"),
    [
        ([], [0.5], "empty"),
        ([1.0, float("nan")], [0.5], "NaN"),
        ([1.0, float("inf")], [0.5], "infinite"),
        ([1.0, 2.0], [1.5], r"\[0, 1\]"),
        ([1.0, 2.0], [-0.1], r"\[0, 1\]"),
        ([1.0, 2.0], [float("nan")], r"\[0, 1\]"),
        ([[1.0, 2.0]], [0.5], "one-dimensional"),
    ],
)
def test_it_rejects_bad_input(values: list[float], probs: list[float], message: str) -> None:
    with pytest.raises(StatsError, match=message):
        quantile_type7(values, probs)


def test_grouped_quantiles_read_each_sorted_slice() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 5.0])
    starts = np.array([0, 4, 6, 7])
    counts = np.array([4, 2, 1, 0])
    q = grouped_quantiles(values, starts, counts, [0.5, 0.25])
    assert q[0].tolist() == [2.5, 1.75]  # h = 1.5 -> 2 + 0.5; h = 0.75 -> 1 + 0.75
    assert q[1].tolist() == [15.0, 12.5]  # h = 0.5 -> 10 + 0.5*10; h = 0.25 -> 10 + 2.5
    assert q[2].tolist() == [5.0, 5.0]
    assert np.isnan(q[3]).all()  # an empty group has no quantiles


def test_group_starts_lays_groups_end_to_end() -> None:
    assert group_starts(np.array([3, 0, 2, 5])).tolist() == [0, 3, 3, 5]
    assert group_starts(np.array([], dtype=np.int64)).tolist() == []


def test_grouped_quantiles_refuse_an_unsorted_group() -> None:
    with pytest.raises(StatsError, match="sorted"):
        grouped_quantiles(np.array([1.0, 3.0, 2.0]), np.array([0]), np.array([3]), [0.5])


def test_grouped_quantiles_ignore_descents_between_groups() -> None:
    q = grouped_quantiles(np.array([5.0, 6.0, 1.0, 2.0]), np.array([0, 2]), np.array([2, 2]), 0.5)
    assert q[:, 0].tolist() == [5.5, 1.5]


@pytest.mark.parametrize(
    ("starts", "counts", "message"),
    [
        ([0, 2], [2, 2], "past the end"),
        ([-1], [1], "non-negative"),
        ([0], [1, 2], "same length"),
        ([0.0], [1.0], "integers"),
    ],
)
def test_grouped_quantiles_reject_bad_bounds(
    starts: list[float], counts: list[float], message: str
) -> None:
    with pytest.raises(StatsError, match=message):
        grouped_quantiles(np.array([1.0, 2.0, 3.0]), np.array(starts), np.array(counts), [0.5])


@settings(max_examples=150, deadline=None)
@given(values=samples, probs=probabilities)
def test_quantiles_are_monotone_in_p_and_stay_in_range(
    values: np.ndarray, probs: list[float]
) -> None:
    ordered_probs = np.sort(np.array(probs))
    q = quantile_type7(values, ordered_probs)
    assert (np.diff(q) >= 0).all()
    assert (q >= values.min()).all() and (q <= values.max()).all()
    np.testing.assert_allclose(q, np.quantile(values, ordered_probs), rtol=1e-12, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    groups=st.lists(arrays(np.float64, st.integers(0, 30), elements=finite_floats), max_size=8),
    probs=probabilities,
)
def test_grouped_quantiles_equal_the_per_group_ones(
    groups: list[np.ndarray], probs: list[float]
) -> None:
    counts = np.array([g.size for g in groups], dtype=np.int64)
    values = np.concatenate([np.sort(g) for g in groups]) if groups else np.zeros(0)
    q = grouped_quantiles(values, group_starts(counts), counts, probs)
    assert q.shape == (len(groups), len(probs))
    for row, group in zip(q, groups, strict=True):
        if group.size:
            np.testing.assert_array_equal(row, quantile_type7(group, probs))
        else:
            assert np.isnan(row).all()
