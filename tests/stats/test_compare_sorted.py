"""The one-pass comparison equals the reference functions (and so scipy) on the same groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from benchmarks.stats import StatsError, kruskal_wallis, pairwise_mann_whitney
from benchmarks.stats.comparisons import compare_sorted_groups


def reference(values: np.ndarray, labels: np.ndarray, names: list[str]):
    groups = {name: values[labels == g] for g, name in enumerate(names)}
    return kruskal_wallis(list(groups.values())), pairwise_mann_whitney(groups)


def test_a_hand_computed_example() -> None:
    # a = [1, 2, 3], b = [3, 4]: pooled ranks 1, 2, 3.5 | 3.5, 5; R_a = 6.5, R_b = 8.5.
    # U_a = #(a > b) + ties/2 = 0.5 (the 3 = 3 tie).
    values = np.array([1.0, 2.0, 3.0, 3.0, 4.0])
    labels = np.array([0, 0, 0, 1, 1])
    result = compare_sorted_groups(values, labels, names=["a", "b"])
    assert result.pairwise.loc[0, "u"] == 0.5
    # H = 12/(5*6) * (6.5^2/3 + 8.5^2/2) - 3*6 = 2.9 ; tie correction 1 - 6/120 = 0.95
    assert result.kruskal.h == pytest.approx((0.4 * (6.5**2 / 3 + 8.5**2 / 2) - 18) / 0.95)
    assert result.kruskal.h == pytest.approx(stats.kruskal([1, 2, 3], [3, 4]).statistic)
    # H = 2.083333 / 0.95 = 2.192982; epsilon^2 = (H - k + 1) / (n - k) = 1.192982 / 3 = 0.397661
    assert result.kruskal.epsilon_squared == pytest.approx(0.397661, abs=1e-6)


def test_its_epsilon_squared_is_clipped_at_zero_like_the_reference() -> None:
    # a = [1, 4], b = [2, 3]: equal rank sums, H = 0, (0 - 1) / 2 = -0.5, reported 0.
    values = np.array([1.0, 2.0, 3.0, 4.0])
    result = compare_sorted_groups(values, np.array([0, 1, 1, 0]), names=["a", "b"])
    assert result.kruskal.h == pytest.approx(0.0, abs=1e-12)
    assert result.kruskal.epsilon_squared == 0.0


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30)), min_size=8, max_size=120))
def test_it_agrees_with_the_reference_functions(data: list[tuple[int, int]]) -> None:
    labels = np.array([g for g, _ in data])
    values = np.array([float(v) for _, v in data])
    present = sorted(set(labels.tolist()))
    if len(present) < 2:
        return
    remap = {g: k for k, g in enumerate(present)}
    labels = np.array([remap[g] for g in labels])
    names = [f"g{g}" for g in present]
    order = np.argsort(values, kind="stable")
    if np.ptp(values) == 0:
        with pytest.raises(StatsError):
            compare_sorted_groups(values[order], labels[order], names=names)
        return
    result = compare_sorted_groups(values[order], labels[order], names=names)
    kruskal, pairwise = reference(values, labels, names)
    assert result.kruskal.h == pytest.approx(kruskal.h, rel=1e-9, abs=1e-9)
    assert result.kruskal.epsilon_squared == pytest.approx(kruskal.epsilon_squared, abs=1e-12)
    pd.testing.assert_frame_equal(
        result.pairwise.reset_index(drop=True),
        pairwise.reset_index(drop=True),
        check_exact=False,
        rtol=1e-9,
        atol=1e-12,
    )


def test_left_out_values_do_not_count_and_bad_input_is_refused() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    labels = np.array([0, -1, 0, 1, -1, 1])
    result = compare_sorted_groups(values, labels, names=["a", "b"])
    assert result.kruskal.n == 4
    with pytest.raises(StatsError):
        compare_sorted_groups(values[::-1], labels, names=["a", "b"])
    with pytest.raises(StatsError):
        compare_sorted_groups(values, np.array([0, 0, 0, 0, 0, 0]), names=["a", "b"])
