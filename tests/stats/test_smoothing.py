from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from benchmarks.stats import StatsError, group_starts, grouped_median_ci, grouped_quantiles
from benchmarks.stats.smoothing import Z_95, shrink_log_medians, smooth_published_medians

# Noise of the cell key method for n >= 12: -2..+2 with 38, 64, 52, 64, 38 keys of 256.
NOISE = np.array([-2, -1, 0, 1, 2])
NOISE_P = np.array([38, 64, 52, 64, 38]) / 256


def published(
    rng: np.random.Generator, logs: NDArray[np.float64], group: NDArray[np.int64], groups: int
) -> tuple[NDArray[np.float64], ...]:
    """What a snapshot publishes per group: median, its exact interval (both rounded to 100)
    and a perturbed n (never under 10)."""
    counts = np.bincount(group, minlength=groups)
    order = np.lexsort((logs, group))
    values = np.exp(logs[order])
    starts = group_starts(counts)
    median = grouped_quantiles(values, starts, counts, [0.5], check_sorted=False)[:, 0]
    interval = grouped_median_ci(values, starts, counts, check_sorted=False)
    n = np.maximum(counts + rng.choice(NOISE, size=groups, p=NOISE_P), 10)

    def rounded(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.floor(x / 100 + 0.5) * 100

    return rounded(median), rounded(interval[:, 0]), rounded(interval[:, 1]), n


@dataclass(frozen=True)
class Hierarchy:
    true_log_median: NDArray[np.float64]
    raw_log_median: NDArray[np.float64]
    n: NDArray[np.int64]
    tau: NDArray[np.float64]
    siblings: NDArray[np.int64]
    smoothed_log: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


def simulate(seed: int, *, parents: int) -> Hierarchy:
    """Known hierarchy: parent log medians, tau ~ U(0, 0.25) per parent, 2-10 published
    siblings of 10-49 answers, within-cell sigma 0.35 e^(0.2 N(0,1)), log-normal answers;
    each parent also holds 0-40 answers of unpublished cells. Then smoothing from the
    published (rounded, perturbed) figures only."""
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 11, parents)
    tau = rng.uniform(0.0, 0.25, parents)
    mu = np.log(45_000) + 0.3 * rng.standard_normal(parents)
    parent = np.repeat(np.arange(parents), k)
    cells = parent.size
    theta = mu[parent] + tau[parent] * rng.standard_normal(cells)
    sigma = 0.35 * np.exp(0.2 * rng.standard_normal(cells))
    n = rng.integers(10, 50, cells)
    cell = np.repeat(np.arange(cells), n)
    logs = theta[cell] + sigma[cell] * rng.standard_normal(cell.size)
    median, low, high, n_published = published(rng, logs, cell, cells)

    extra = rng.integers(0, 41, parents)
    extra_parent = np.repeat(np.arange(parents), extra)
    extra_logs = (
        mu[extra_parent]
        + tau[extra_parent] * rng.standard_normal(extra_parent.size)
        + 0.35 * rng.standard_normal(extra_parent.size)
    )
    parent_logs = np.concatenate((logs, extra_logs))
    parent_group = np.concatenate((parent[cell], extra_parent))
    p_median, p_low, p_high, p_n = published(rng, parent_logs, parent_group, parents)

    smoothed = smooth_published_medians(
        median=median,
        low=low,
        high=high,
        n=n_published,
        parent=parent,
        parent_median=p_median[parent],
        parent_low=p_low[parent],
        parent_high=p_high[parent],
        parent_n=p_n[parent],
    )
    return Hierarchy(
        true_log_median=theta,
        raw_log_median=np.log(median),
        n=n,
        tau=tau[parent],
        siblings=k[parent],
        smoothed_log=smoothed.log_median,
        low=smoothed.low,
        high=smoothed.high,
    )


def rmse(errors: NDArray[np.float64]) -> float:
    return float(np.sqrt(np.mean(errors**2)))


def test_smoothed_intervals_cover_the_true_cell_median_in_a_known_hierarchy() -> None:
    # 1,500 sibling groups, about 9,000 cells: coverage has a Monte Carlo SE of 0.0025.
    result = simulate(20_260, parents=1_500)
    truth = np.exp(result.true_log_median)
    covered = (result.low <= truth) & (truth <= result.high)
    assert covered.mean() >= 0.93
    # No slice of the hierarchy falls far behind: few siblings, or a tau near 0.1
    # (as large as the SE of a small cell: the hardest to estimate).
    assert covered[result.siblings <= 3].mean() >= 0.91
    assert covered[(result.tau > 0.07) & (result.tau < 0.13)].mean() >= 0.90


def test_smoothing_cuts_the_error_of_small_cells() -> None:
    result = simulate(20_261, parents=1_500)
    small = result.n < 20
    raw = rmse(result.raw_log_median[small] - result.true_log_median[small])
    smoothed = rmse(result.smoothed_log[small] - result.true_log_median[small])
    assert smoothed < 0.85 * raw
    # Pooling never makes the large cells much worse either.
    large = ~small
    assert rmse(result.smoothed_log[large] - result.true_log_median[large]) < rmse(
        result.raw_log_median[large] - result.true_log_median[large]
    )


def test_three_siblings_by_hand() -> None:
    # y = 0, 0.2, 0.4, se 0.1 (w = 100 each), parent mu = 0.2 with se 0.
    # ybar = 0.2, Q = 100 (0.04 + 0 + 0.04) = 8, a = 300 - 30_000 / 300 = 200,
    # tau^2 = (8 - 2) / 200 = 0.03, weight = 0.03 / (0.03 + 0.01) = 0.75.
    result = shrink_log_medians(
        [0.0, 0.2, 0.4],
        [0.1, 0.1, 0.1],
        ["a", "a", "a"],
        parent_log_median=0.2,
        parent_log_se=0.0,
    )
    assert result.tau2 == pytest.approx([0.03] * 3)
    assert result.weight == pytest.approx([0.75] * 3)
    # 0.75 * 0 + 0.25 * 0.2 = 0.05; 0.2; 0.75 * 0.4 + 0.05 = 0.35
    assert result.log_median == pytest.approx([0.05, 0.2, 0.35])
    # Var(tau^2) = [2*2 + 4*200*0.03 + 2*(S2 - 2 S3/S1 + S2^2/S1^2)*0.03^2] / 200^2 with
    # S1 = 300, S2 = 30_000, S3 = 3e6: S2 - 2 S3 / S1 + (S2 / S1)^2 = 30_000 - 20_000 + 10_000,
    # so [4 + 24 + 36] / 40_000 = 0.0016. d theta / d tau^2 = (y - mu) 0.01 / 0.04^2
    # = -1.25 for the first cell: v = 0.75 * 0.01 + 0 + 1.5625 * 0.0016 = 0.01.
    assert result.log_se == pytest.approx([0.1, np.sqrt(0.0075), 0.1])
    assert result.median == pytest.approx(np.exp([0.05, 0.2, 0.35]))
    assert result.low[0] == pytest.approx(np.exp(0.05 - Z_95 * 0.1))
    assert result.siblings.tolist() == [3, 3, 3]
    assert result.pooled.all()


def test_groups_are_pooled_separately_and_in_any_order() -> None:
    # Group b: y = 1 and 1.1, se 0.1: Q = 100 * (0.05^2 * 2) = 0.5 < k - 1 = 1 -> tau^2 = 0,
    # weight 0: both go to b's parent median 1.05 (se 0.02): v = 0.0004 + slope^2 Var(tau^2)
    # with slope = (y - mu) se^2 / se^4 = -+5 and Var(tau^2) = 2 / a^2 = 2 / 100^2:
    # v = 0.0004 + 25 * 0.0002 = 0.0054.
    result = shrink_log_medians(
        [0.0, 1.0, 0.2, 1.1, 0.4],
        [0.1] * 5,
        [7, 9, 7, 9, 7],
        parent_log_median=[0.2, 1.05, 0.2, 1.05, 0.2],
        parent_log_se=[0.0, 0.02, 0.0, 0.02, 0.0],
    )
    assert result.log_median == pytest.approx([0.05, 1.05, 0.2, 1.05, 0.35])
    assert result.weight[[1, 3]] == pytest.approx([0.0, 0.0])
    assert result.tau2[[1, 3]] == pytest.approx([0.0, 0.0])
    assert result.log_se[[1, 3]] == pytest.approx([np.sqrt(0.0054)] * 2)


def test_a_lone_sibling_is_not_pooled() -> None:
    # tau^2 needs two siblings; one cell keeps its raw median and interval y -+ z se.
    result = shrink_log_medians([0.3], [0.1], ["p"], parent_log_median=0.0, parent_log_se=0.01)
    assert result.weight.tolist() == [1.0]
    assert not result.pooled[0]
    assert np.isnan(result.tau2[0])
    assert result.log_median == pytest.approx([0.3])
    assert result.log_se == pytest.approx([0.1])
    assert result.high == pytest.approx([np.exp(0.3 + Z_95 * 0.1)])


def test_min_siblings_raises_the_bar_for_pooling() -> None:
    result = shrink_log_medians(
        [0.0, 0.4], [0.1, 0.1], [1, 1], parent_log_median=0.2, parent_log_se=0.0, min_siblings=3
    )
    assert result.weight.tolist() == [1.0, 1.0]
    with pytest.raises(StatsError, match="min_siblings"):
        shrink_log_medians(
            [0.0], [0.1], [1], parent_log_median=0.0, parent_log_se=0.0, min_siblings=1
        )


def test_a_zero_width_interval_stands_and_leaves_its_siblings_alone() -> None:
    # Day rates tied at 400: published interval [400, 400], se 0. It keeps its median
    # and zero-width interval; its two siblings pool between themselves only:
    # y = 0, 0.4, se 0.1: ybar 0.2, Q = 100 * 0.08 = 8, a = 200 - 20_000 / 200 = 100,
    # tau^2 = (8 - 1) / 100 = 0.07, weight 0.07 / 0.08 = 0.875.
    result = shrink_log_medians(
        [np.log(400.0), 0.0, 0.4],
        [0.0, 0.1, 0.1],
        ["g"] * 3,
        parent_log_median=0.2,
        parent_log_se=0.0,
    )
    assert result.median[0] == pytest.approx(400.0)
    assert result.low[0] == pytest.approx(400.0) and result.high[0] == pytest.approx(400.0)
    assert result.weight.tolist()[0] == 1.0 and not result.pooled[0]
    assert result.tau2[1:] == pytest.approx([0.07, 0.07])
    assert result.weight[1:] == pytest.approx([0.875, 0.875])
    assert result.siblings.tolist() == [0, 2, 2]


def test_no_heterogeneity_pulls_every_sibling_to_the_parent() -> None:
    # Identical siblings: Q = 0 -> tau^2 = 0, weight 0, the parent's median; with y = mu
    # the tau^2 term vanishes and the SE is the parent's.
    result = shrink_log_medians(
        [0.5, 0.5, 0.5], [0.1, 0.2, 0.3], [0, 0, 0], parent_log_median=0.5, parent_log_se=0.03
    )
    assert result.weight == pytest.approx([0.0, 0.0, 0.0])
    assert result.log_median == pytest.approx([0.5] * 3)
    assert result.log_se == pytest.approx([0.03] * 3)


def test_published_figures_give_the_log_inputs() -> None:
    # n = 10 (z_c = 2.2994, 2 z_c = 4.5987): [30_000, 40_000] -> se = log(4/3) / 4.5987 = 0.06256.
    # Alone in its group, so the raw median with z_c se on each side: back to the interval's
    # width (geometric: 35_000 * (4/3)^(-+1/2) = 30_311 and 40_415).
    result = smooth_published_medians(
        median=[35_000.0],
        low=[30_000.0],
        high=[40_000.0],
        n=[10],
        parent=["p"],
        parent_median=[36_000.0],
        parent_low=[34_000.0],
        parent_high=[38_000.0],
        parent_n=[200],
    )
    assert result.log_se == pytest.approx([0.06256], abs=1e-5)
    assert result.median == pytest.approx([35_000.0])
    assert result.low == pytest.approx([35_000 / np.sqrt(4 / 3)])
    assert result.high == pytest.approx([35_000 * np.sqrt(4 / 3)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"log_se": [0.1, -0.1]}, "standard errors"),
        ({"log_se": [0.1, np.nan]}, "NaN"),
        ({"log_median": [0.0]}, "entries"),
        ({"parent_log_median": [0.0, 0.1]}, "same for every cell"),
        ({"parent": ["a", None]}, "missing"),
        ({"z": -1.0}, "z must"),
    ],
)
def test_it_rejects_bad_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "log_median": [0.0, 0.1],
        "log_se": [0.1, 0.1],
        "parent": ["a", "a"],
        "parent_log_median": 0.0,
        "parent_log_se": 0.0,
    }
    arguments.update(kwargs)
    with pytest.raises(StatsError, match=message):
        shrink_log_medians(
            arguments["log_median"],  # type: ignore[arg-type]
            arguments["log_se"],  # type: ignore[arg-type]
            arguments["parent"],  # type: ignore[arg-type]
            parent_log_median=arguments["parent_log_median"],  # type: ignore[arg-type]
            parent_log_se=arguments["parent_log_se"],  # type: ignore[arg-type]
            z=arguments.get("z", Z_95),  # type: ignore[arg-type]
        )


def test_empty_input_gives_empty_results() -> None:
    result = shrink_log_medians([], [], [], parent_log_median=[], parent_log_se=[])
    assert result.median.size == 0 and result.weight.size == 0


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.integers(0, 3),  # parent
            st.floats(-1.0, 1.0),  # log median
            st.one_of(st.just(0.0), st.floats(0.01, 0.5)),  # its SE
        ),
        min_size=1,
        max_size=30,
    ),
    seed=st.integers(0, 2**16),
)
def test_smoothing_stays_between_cell_and_parent_whatever_the_order(
    cells: list[tuple[int, float, float]], seed: int
) -> None:
    parent = np.array([c[0] for c in cells])
    y = np.array([c[1] for c in cells])
    se = np.array([c[2] for c in cells])
    mu = 0.1 * parent - 0.15  # one log median and SE per parent
    se_mu = 0.01 * (parent + 1)
    result = shrink_log_medians(y, se, parent, parent_log_median=mu, parent_log_se=se_mu)
    assert ((result.weight >= 0) & (result.weight <= 1)).all()
    low_end, high_end = np.minimum(y, mu) - 1e-12, np.maximum(y, mu) + 1e-12
    assert ((result.log_median >= low_end) & (result.log_median <= high_end)).all()
    assert ((result.low <= result.median) & (result.median <= result.high)).all()
    # Cells are grouped, not ordered: any shuffle gives each cell the same figures,
    # up to the rounding of sums taken in another order (a between-cell variance
    # is a difference of sums: 1e-11 apart was seen; published figures keep 3 digits).
    order = np.random.default_rng(seed).permutation(y.size)
    shuffled = shrink_log_medians(
        y[order], se[order], parent[order], parent_log_median=mu[order], parent_log_se=se_mu[order]
    )
    np.testing.assert_allclose(shuffled.log_median, result.log_median[order], rtol=1e-9)
    np.testing.assert_allclose(shuffled.log_se, result.log_se[order], rtol=1e-9)
