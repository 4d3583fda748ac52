from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from benchmarks.stats import (
    InsufficientDataError,
    StatsError,
    epsilon_squared_unclipped,
    holm_adjust,
    kruskal_wallis,
    pairwise_mann_whitney,
)


def test_kruskal_wallis_matches_a_hand_computed_case() -> None:
    result = kruskal_wallis([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])])
    # rank sums 6 and 15, n = 6: H = 12/42 * (36/3 + 225/3) - 3*7 = 24.857 - 21 = 3.857143
    assert result.h == pytest.approx(27 / 7)
    assert result.df == 1
    assert result.n == 6
    # bias-corrected: (H - k + 1) / (n - k) = (27/7 - 1) / (6 - 2) = (20/7) / 4 = 5/7 = 0.714286
    assert result.epsilon_squared == pytest.approx(5 / 7)
    assert result.p_value == pytest.approx(stats.chi2.sf(27 / 7, 1))  # 0.0495


def test_kruskal_wallis_matches_scipy_with_ties() -> None:
    rng = np.random.default_rng(3)
    groups = [np.round(rng.lognormal(10.4 + 0.05 * i, 0.3, 30 + 7 * i), -3) for i in range(5)]
    result = kruskal_wallis(groups)
    expected = stats.kruskal(*groups)
    assert result.h == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    n, k = sum(g.size for g in groups), len(groups)
    assert result.epsilon_squared == pytest.approx(max(0.0, (expected.statistic - k + 1) / (n - k)))


def test_epsilon_squared_is_clipped_at_zero_when_groups_differ_less_than_chance() -> None:
    result = kruskal_wallis([np.array([1.0, 4.0]), np.array([2.0, 3.0])])
    # rank sums 5 and 5: H = 12/20 * (25/2 + 25/2) - 3*5 = 0; (0 - 2 + 1) / (4 - 2) = -0.5
    assert result.h == pytest.approx(0.0, abs=1e-12)
    assert epsilon_squared_unclipped(result.h, n=4, k=2) == pytest.approx(-0.5)
    assert result.epsilon_squared == 0.0


def test_epsilon_squared_is_unbiased_with_no_effect() -> None:
    # 2,000 draws of 4 groups of 10 from one distribution: H ~ chi2_3, so the plain
    # H / (n - 1) averages about 3 / 39 = 0.077; (H - 3) / 36 averages about 0
    # (standard error of the mean ~ 0.07 / sqrt(2000) = 0.0016).
    rng = np.random.default_rng(2026)
    unclipped, clipped, plain = [], [], []
    for _ in range(2_000):
        result = kruskal_wallis(list(rng.lognormal(10.4, 0.3, (4, 10))))
        unclipped.append(epsilon_squared_unclipped(result.h, n=40, k=4))
        clipped.append(result.epsilon_squared)
        plain.append(result.h / 39)
    assert abs(np.mean(unclipped)) < 0.01
    assert np.mean(plain) == pytest.approx(3 / 39, abs=0.01)  # the old, biased scale
    assert np.mean(clipped) < 0.04  # clipping at 0 keeps a small upward bias
    assert min(clipped) == 0.0


@pytest.mark.parametrize(
    ("groups", "error"),
    [
        ([np.array([1.0, 2.0])], InsufficientDataError),
        ([np.array([1.0, 2.0]), np.array([])], InsufficientDataError),
        ([np.array([5.0, 5.0]), np.array([5.0])], StatsError),
        ([np.array([1.0, np.nan]), np.array([2.0])], StatsError),
    ],
)
def test_kruskal_wallis_rejects_degenerate_groups(
    groups: list[np.ndarray], error: type[Exception]
) -> None:
    with pytest.raises(error):
        kruskal_wallis(groups)


def test_holm_matches_a_hand_computed_case() -> None:
    adjusted = holm_adjust([0.01, 0.04, 0.03])
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06])


def test_holm_matches_statsmodels() -> None:
    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 40):
        p = rng.uniform(0, 0.2, size) ** 2
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(holm_adjust(p), expected, rtol=1e-12)


def test_holm_rejects_a_probability_outside_the_unit_interval() -> None:
    with pytest.raises(StatsError):
        holm_adjust([0.5, 1.2])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_holm_never_lowers_a_p_value_and_keeps_their_order(p_values: list[float]) -> None:
    p = np.array(p_values)
    adjusted = holm_adjust(p)
    assert (adjusted >= p).all() and (adjusted <= 1.0).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(adjusted[order]) >= 0).all()


def test_pairwise_mann_whitney_matches_scipy() -> None:
    rng = np.random.default_rng(11)
    groups = {
        "micro": np.round(rng.lognormal(10.3, 0.3, 25), -2),
        "small": np.round(rng.lognormal(10.4, 0.3, 40), -2),
        "large": np.round(rng.lognormal(10.6, 0.3, 33), -2),
    }
    table = pairwise_mann_whitney(groups)
    assert list(table.columns) == [
        "group_a",
        "group_b",
        "n_a",
        "n_b",
        "u",
        "p_value",
        "p_holm",
        "rank_biserial",
        "prob_a_higher",
    ]
    assert list(zip(table.group_a, table.group_b, strict=True)) == [
        ("micro", "small"),
        ("micro", "large"),
        ("small", "large"),
    ]
    for row in table.itertuples():
        expected = stats.mannwhitneyu(
            groups[row.group_a],
            groups[row.group_b],
            alternative="two-sided",
            method="asymptotic",
            use_continuity=True,
        )
        assert row.u == pytest.approx(expected.statistic)
        assert row.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    np.testing.assert_allclose(table.p_holm, multipletests(table.p_value, method="holm")[1])


def test_rank_biserial_is_positive_when_group_a_is_higher() -> None:
    table = pairwise_mann_whitney({"seniors": [4.0, 5.0, 6.0], "juniors": [1.0, 2.0, 3.0]})
    row = table.iloc[0]
    assert row.u == 9  # every one of the 3*3 pairs has a > b
    assert row.rank_biserial == 1.0  # 2*9/9 - 1
    assert row.prob_a_higher == 1.0


def test_all_tied_values_give_p_one() -> None:
    table = pairwise_mann_whitney({"a": [3.0, 3.0], "b": [3.0]})
    assert table.p_value.iloc[0] == 1.0
    assert table.rank_biserial.iloc[0] == 0.0


def test_pairwise_mann_whitney_rejects_an_empty_group() -> None:
    with pytest.raises(InsufficientDataError, match="'b'"):
        pairwise_mann_whitney({"a": [1.0], "b": []})
    with pytest.raises(InsufficientDataError):
        pairwise_mann_whitney({"a": [1.0]})
