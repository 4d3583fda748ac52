"""Group comparisons: Kruskal–Wallis across groups, pairwise Mann–Whitney with Holm correction.

Rank tests, so they compare whole distributions of salaries or day rates without
assuming normality, and a few extreme values cannot drive the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from benchmarks.stats._checks import finite_values
from benchmarks.stats.errors import InsufficientDataError, StatsError

# scipy.stats is imported by the functions that use it: it takes 0.4 s to import,
# which a process that only imports this module (the build's main process) would
# pay for nothing. The build's workers have it preloaded (build.worker_boot).

__all__ = [
    "KruskalResult",
    "epsilon_squared_unclipped",
    "holm_adjust",
    "kruskal_wallis",
    "pairwise_mann_whitney",
]


@dataclass(frozen=True)
class KruskalResult:
    """Kruskal–Wallis H test across k groups of n observations in all.

    ``h`` is tie-corrected, ``df`` = k - 1, ``p_value`` from chi-squared(df),
    ``epsilon_squared`` the bias-corrected effect size max(0, (H - k + 1) / (n - k)),
    in [0, 1] (see :func:`epsilon_squared_unclipped`).
    """

    h: float
    df: int
    p_value: float
    epsilon_squared: float
    n: int


def epsilon_squared_unclipped(h: float, *, n: int, k: int) -> float:
    """Bias-corrected epsilon squared of a Kruskal–Wallis H over k groups of n values in all.

        epsilon^2 = (H - (k - 1)) / (n - k)

    Unitless. Under no effect E[H] ~ k - 1 (H ~ chi2_{k-1}), so this is about 0 on
    average, whereas the plain H / (n - 1) averages about (k - 1) / (n - 1) (0.077
    for 4 groups of 10). It is the rank analogue of the ANOVA's adjusted R^2,
    negative when the groups differ less than chance would make them; at most 1
    (H <= n - 1). n = k (one value per group): H = k - 1 exactly, 0/0, taken as 0.
    :class:`KruskalResult` reports it clipped at 0, since a share of variance
    explained cannot be negative; this unclipped value is for checking its bias.
    """
    if n <= k:
        return 0.0
    return (h - (k - 1.0)) / (n - k)


def _tie_correction(ranks_sorted_values: NDArray[np.float64]) -> float:
    """1 - sum(t^3 - t) / (n^3 - n) over the tie groups t of a sorted sample."""
    n = ranks_sorted_values.size
    _, tie_sizes = np.unique(ranks_sorted_values, return_counts=True)
    t = tie_sizes.astype(np.float64)
    return float(1.0 - (t**3 - t).sum() / (float(n) ** 3 - n))


def kruskal_wallis(groups: Sequence[ArrayLike]) -> KruskalResult:
    """Kruskal–Wallis test that k >= 2 groups come from one distribution, with epsilon squared.

    Pooling all n values and ranking them (mid-ranks for ties), with R_i the rank
    sum and n_i the size of group i:

        H = [12 / (n (n + 1)) sum_i R_i^2 / n_i - 3 (n + 1)] / C,
        C = 1 - sum_t (t^3 - t) / (n^3 - n)    (t: sizes of the tie groups)

    p = P(chi2_{k-1} >= H). Effect size: the bias-corrected epsilon squared,
    max(0, (H - k + 1) / (n - k)), unitless in [0, 1], clipped at 0 from below
    (:func:`epsilon_squared_unclipped`; not Tomczak & Tomczak's H / (n - 1), which
    is biased upward: about 0.077 with no effect over 4 groups of 10).
    Same H and p as ``scipy.stats.kruskal``.

    Raises :class:`StatsError` with fewer than two groups, an empty group,
    NaN values, or when every value is identical (H undefined).
    """
    if len(groups) < 2:
        raise InsufficientDataError(f"Kruskal–Wallis needs at least two groups, got {len(groups)}")
    samples = [finite_values(group, name=f"group {index}") for index, group in enumerate(groups)]
    sizes = np.array([sample.size for sample in samples], dtype=np.int64)
    if (sizes == 0).any():
        raise InsufficientDataError("every group must hold at least one value")
    from scipy import stats

    pooled = np.concatenate(samples)
    n = pooled.size
    ranks = stats.rankdata(pooled)
    labels = np.repeat(np.arange(sizes.size), sizes)
    rank_sums = np.bincount(labels, weights=ranks, minlength=sizes.size)
    correction = _tie_correction(np.sort(pooled))
    if correction <= 0.0:
        raise StatsError("all values are identical: Kruskal–Wallis H is undefined")
    h = 12.0 / (n * (n + 1.0)) * float((rank_sums**2 / sizes).sum()) - 3.0 * (n + 1.0)
    h /= correction
    h = max(h, 0.0)
    df = int(sizes.size - 1)
    return KruskalResult(
        h=h,
        df=df,
        p_value=float(stats.chi2.sf(h, df)),
        epsilon_squared=max(0.0, epsilon_squared_unclipped(h, n=int(n), k=int(sizes.size))),
        n=int(n),
    )


def _chi2_sf(h: float, df: int) -> float:
    """P(chi2_df >= h): `scipy.stats.chi2.sf`'s value, without its per-call argument handling.

    The build compares groups a few thousand times, and the distribution
    object's checks cost more than the function it calls, `special.chdtrc`.
    That function gives NaN below 0 where chi2.sf gives 1, so H, which can
    fall a rounding error below 0, is clamped there.
    """
    return float(special.chdtrc(df, max(h, 0.0)))


def holm_adjust(p_values: ArrayLike) -> NDArray[np.float64]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    With the m p-values sorted ascending, p_(1) <= ... <= p_(m):

        adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))

    Reject H_(i) at family-wise level a iff adj_(i) <= a. Same as statsmodels'
    ``multipletests(method="holm")``. Raises :class:`StatsError` on NaN or a
    p outside [0, 1].
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise StatsError(f"p_values must be one-dimensional, got shape {p.shape}")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise StatsError("p_values must lie in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    multipliers = np.arange(m, 0, -1, dtype=np.float64)
    adjusted_sorted = np.minimum(np.maximum.accumulate(multipliers * p[order]), 1.0)
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = adjusted_sorted
    return adjusted


def _mann_whitney(a: NDArray[np.float64], b: NDArray[np.float64]) -> tuple[float, float]:
    """U of sample ``a`` and the two-sided asymptotic p with continuity correction.

    U_a = R_a - n_a (n_a + 1) / 2; mu = n_a n_b / 2;
    sigma^2 = n_a n_b / 12 [(n + 1) - sum_t (t^3 - t) / (n (n - 1))];
    z = (max(U_a, U_b) - mu - 1/2) / sigma; p = min(1, 2 P(Z >= z)).
    All values tied (sigma = 0): p = 1.
    """
    from scipy import stats

    n_a, n_b = a.size, b.size
    pooled = np.concatenate((a, b))
    ranks = stats.rankdata(pooled)
    u_a = float(ranks[:n_a].sum()) - n_a * (n_a + 1) / 2.0
    u_b = n_a * n_b - u_a
    n = n_a + n_b
    _, tie_sizes = np.unique(pooled, return_counts=True)
    t = tie_sizes.astype(np.float64)
    variance = n_a * n_b / 12.0 * ((n + 1.0) - float((t**3 - t).sum()) / (n * (n - 1.0)))
    if variance <= 0.0:
        return u_a, 1.0
    z = (max(u_a, u_b) - n_a * n_b / 2.0 - 0.5) / np.sqrt(variance)
    return u_a, float(min(1.0, 2.0 * stats.norm.sf(z)))


def pairwise_mann_whitney(groups: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """Two-sided Mann–Whitney U test for every pair of groups, with Holm-adjusted p-values.

    One row per pair (group_a, group_b) in the mapping's order, columns:
    ``group_a, group_b, n_a, n_b, u, p_value, p_holm, rank_biserial, prob_a_higher``.

    - ``u``: U of group_a = number of pairs (a, b) with a > b, ties counting 1/2.
    - ``p_value``: normal approximation with tie-corrected variance and continuity
      correction (scipy's ``mannwhitneyu(method="asymptotic", use_continuity=True)``);
      deterministic and O(n log n) whatever the sizes.
    - ``p_holm``: :func:`holm_adjust` over all pairs of this call.
    - ``prob_a_higher`` = U / (n_a n_b) = P(a > b) + P(a = b) / 2, the common-language
      effect size; ``rank_biserial`` = 2 U / (n_a n_b) - 1 = P(a > b) - P(a < b), in
      [-1, 1], **positive when group_a tends to be higher** than group_b.

    Raises :class:`StatsError` with fewer than two groups, an empty group or NaN.
    """
    if len(groups) < 2:
        raise InsufficientDataError(f"pairwise comparisons need two groups, got {len(groups)}")
    samples = {
        str(name): finite_values(values, name=f"group {name!r}") for name, values in groups.items()
    }
    if len(samples) != len(groups):
        raise StatsError("group names must stay distinct as strings")
    for name, sample in samples.items():
        if sample.size == 0:
            raise InsufficientDataError(f"group {name!r} is empty")
    rows: list[dict[str, object]] = []
    for name_a, name_b in combinations(samples, 2):
        a, b = samples[name_a], samples[name_b]
        u, p = _mann_whitney(a, b)
        pairs = float(a.size * b.size)
        rows.append(
            {
                "group_a": name_a,
                "group_b": name_b,
                "n_a": a.size,
                "n_b": b.size,
                "u": u,
                "p_value": p,
                "rank_biserial": 2.0 * u / pairs - 1.0,
                "prob_a_higher": u / pairs,
            }
        )
    table = pd.DataFrame(rows)
    table.insert(6, "p_holm", holm_adjust(table["p_value"].to_numpy(dtype=np.float64)))
    return table.astype({"n_a": np.int64, "n_b": np.int64})


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Kruskal–Wallis across groups and Mann–Whitney between every pair, from one pass.

    ``pairs`` holds the pairwise table's columns (as :func:`pairwise_mann_whitney`
    names them), one entry per pair; ``pairwise`` is that table as a DataFrame,
    made when asked for: the build reads the columns a few thousand times per
    snapshot, and a DataFrame cost more to make than the statistics in it.
    """

    kruskal: KruskalResult
    pairs: Mapping[str, NDArray[Any]]

    @cached_property
    def pairwise(self) -> pd.DataFrame:
        return pd.DataFrame(dict(self.pairs))


def compare_sorted_groups(
    sorted_values: ArrayLike, groups: ArrayLike, *, names: Sequence[str]
) -> GroupComparison:
    """:func:`kruskal_wallis` and :func:`pairwise_mann_whitney` of labelled, pre-sorted values.

    ``sorted_values`` is ascending; ``groups[i]`` is the index into ``names`` of
    value i, or -1 to leave it out. Same statistics, same formulas, as the two
    functions above (a test holds them equal), computed without re-sorting:
    with C[r, g] the count of group g among the r-th run of equal values,
    - pooled average rank of run r = B(r) + (t_r + 1) / 2, with B(r) the values
      before it and t_r its size; R_g = sum_r C[r, g] * rank_r; H as usual,
      divided by 1 - sum (t^3 - t) / (N^3 - N); epsilon squared
      max(0, (H - k + 1) / (N - k)), as in :func:`kruskal_wallis`;
    - U of the pair (i, j) = sum_r C[r, i] * (B_j(r) + C[r, j] / 2), B_j(r) the
      values of j before run r: all pairs at once as a matrix product, and
      likewise the pairs' tie terms sum_r (C_i + C_j)^3 - (C_i + C_j).
    Cost: one pass over the values plus O(runs x groups^2): fast for a million
    values and a few dozen groups.
    """
    values = finite_values(sorted_values, name="sorted_values")
    labels = np.asarray(groups, dtype=np.int64)
    if labels.shape != values.shape:
        raise StatsError("sorted_values and groups must have the same length")
    if values.size > 1 and (np.diff(values) < 0).any():
        raise StatsError("sorted_values must be sorted ascending")
    g_count = len(names)
    if g_count < 2:
        raise InsufficientDataError(f"a comparison needs two groups, got {g_count}")
    kept = labels >= 0
    # np.compress: several times faster than indexing by the booleans on long arrays.
    values, labels = np.compress(kept, values), np.compress(kept, labels)
    if (labels >= g_count).any():
        raise StatsError("a group index is beyond the names given")
    n_g = np.bincount(labels, minlength=g_count).astype(np.float64)
    if (n_g == 0).any():
        raise InsufficientDataError(f"group {names[int(np.flatnonzero(n_g == 0)[0])]!r} is empty")
    n = float(values.size)
    run_start = np.concatenate(([True], values[1:] != values[:-1]))
    run = np.cumsum(run_start) - 1
    runs = int(run[-1]) + 1
    counts = (
        np.bincount(run * g_count + labels, minlength=runs * g_count)
        .reshape(runs, g_count)
        .astype(np.float64)
    )
    run_sizes = counts.sum(axis=1)
    before = np.concatenate(([0.0], np.cumsum(run_sizes)[:-1]))
    average_rank = before + (run_sizes + 1.0) / 2.0
    rank_sums = counts.T @ average_rank
    h = 12.0 / (n * (n + 1.0)) * float((rank_sums**2 / n_g).sum()) - 3.0 * (n + 1.0)
    ties = float((run_sizes**3 - run_sizes).sum())
    correction = 1.0 - ties / (n**3 - n) if n > 1 else 0.0
    if correction <= 0.0:
        raise StatsError("all values are identical: Kruskal–Wallis H is undefined")
    h = h / correction
    df = g_count - 1
    kruskal = KruskalResult(
        h=h,
        df=df,
        p_value=_chi2_sf(h, df),
        epsilon_squared=max(0.0, epsilon_squared_unclipped(h, n=int(n), k=g_count)),
        n=int(n),
    )

    before_by_group = np.cumsum(counts, axis=0) - counts
    u = counts.T @ (before_by_group + counts / 2.0)  # u[i, j]: U of i against j
    cubes = (counts**3).sum(axis=0)
    cross = (counts**2).T @ counts  # cross[i, j] = sum_r C_i^2 C_j
    i, j = np.triu_indices(g_count, k=1)
    n_i, n_j = n_g[i], n_g[j]
    pair_n = n_i + n_j
    pair_ties = cubes[i] + cubes[j] + 3.0 * (cross[i, j] + cross[j, i]) - pair_n
    variance = n_i * n_j / 12.0 * ((pair_n + 1.0) - pair_ties / (pair_n * (pair_n - 1.0)))
    u_a = u[i, j]
    spread = np.sqrt(np.where(variance > 0.0, variance, 1.0))
    z = (np.maximum(u_a, n_i * n_j - u_a) - n_i * n_j / 2.0 - 0.5) / spread
    p_value = np.where(variance > 0.0, np.minimum(1.0, 2.0 * special.ndtr(-z)), 1.0)
    pairs = {
        "group_a": np.asarray(names, dtype=object)[i],
        "group_b": np.asarray(names, dtype=object)[j],
        "n_a": n_i.astype(np.int64),
        "n_b": n_j.astype(np.int64),
        "u": u_a,
        "p_value": p_value,
        "p_holm": holm_adjust(p_value),
        "rank_biserial": 2.0 * u_a / (n_i * n_j) - 1.0,
        "prob_a_higher": u_a / (n_i * n_j),
    }
    return GroupComparison(kruskal=kruskal, pairs=pairs)
