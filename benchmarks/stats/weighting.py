"""Survey weights toward a reference distribution, and weighted quantiles (numpy only).

The survey is self-selected: its mix of employer sizes (say) is not the
workforce's. Weighting each answer so that the sample's mix matches a
reference distribution gives a figure closer to "as if the sample had the
workforce's mix", for the reference dimensions only; it corrects nothing else.

Post-stratification (one dimension). With n answers, n_h in stratum h and a
reference share P_h (sum 1), every answer of stratum h gets

    w_h = P_h / (n_h / n) = n P_h / n_h

so the weights sum to n and the weighted share of stratum h is exactly P_h.

Raking (several dimensions; iterative proportional fitting): start from
w = 1, then for each dimension in turn multiply every weight of level l by
n P_l / (sum of the weights in l), until every margin matches within
`tolerance`. On one dimension it is post-stratification after one pass.

Kish's effective sample size, ESS = (sum w)^2 / sum w^2: how many equally
weighted answers would estimate a mean as precisely. It equals n for equal
weights and falls as weights spread out. Not a count of people.

Weighted quantile, type-7 compatible. Weights are frequency weights on the
scale of answers (a weight of 1 counts as one answer; post-stratified and
raked weights sum to n). Sort the values x_1 <= ... <= x_n with weights w_i,
cumulative S_0 = 0, S_k = w_1 + ... + w_k, W = S_n, and let y(t) = x_k for
S_{k-1} <= t < S_k: each answer spread over its weight. Then

    h = p (W - 1),      Q(p) = integral of y(t) over [h, h + 1]

the mean of y over a window of one unit of weight starting at rank h. With
every weight 1 it is numpy's type 7 (x_j + g (x_{j+1} - x_j), h = j + g);
with integer weights it is type 7 on the sample where each value is repeated
w_i times; it moves continuously with the weights. W must exceed 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import InsufficientDataError, StatsError
from benchmarks.stats.quantiles import quantile_type7

__all__ = [
    "WeightedQuantiles",
    "effective_sample_size",
    "post_stratification_weights",
    "rake_weights",
    "weighted_median_summary",
    "weighted_quantile",
]


def _weights(weights: ArrayLike, size: int) -> NDArray[np.float64]:
    array = np.asarray(weights, dtype=np.float64)
    if array.ndim != 1 or array.size != size:
        raise StatsError(f"Expected {size} weights, got shape {array.shape}.")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise StatsError("Weights must be finite and non-negative.")
    return array


def effective_sample_size(weights: ArrayLike) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 (a size, not a count of people)."""
    array = np.asarray(weights, dtype=np.float64)
    w = _weights(array, array.size)
    total_square = float(np.sum(w * w))
    if total_square <= 0:
        raise InsufficientDataError("No positive weight.")
    return float(np.sum(w)) ** 2 / total_square


def weighted_quantile(
    values: ArrayLike, weights: ArrayLike, q: float | ArrayLike
) -> NDArray[np.float64]:
    """The type-7-compatible weighted quantile(s) of `values` (module docstring), in their unit.

    `q` in [0, 1], scalar or array; returns an array of q's shape. Weights are
    frequency weights (1 = one answer); their sum must exceed 1.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise InsufficientDataError("Expected a non-empty one-dimensional sample.")
    if not np.all(np.isfinite(x)):
        raise StatsError("Values must be finite.")
    w = _weights(weights, x.size)
    probabilities = np.asarray(q, dtype=np.float64)
    if np.any((probabilities < 0) | (probabilities > 1)) or not np.all(np.isfinite(probabilities)):
        raise StatsError("Probabilities must lie in [0, 1].")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    keep = w > 0
    x, w = x[keep], w[keep]
    cumulative = np.concatenate(([0.0], np.cumsum(w)))
    total = float(cumulative[-1])
    if total <= 1.0:
        raise InsufficientDataError("The weights must sum to more than 1 (one answer).")
    # G(t) = integral of y over [0, t]: piecewise linear between the S_k, so np.interp is exact.
    integral = np.concatenate(([0.0], np.cumsum(w * x)))
    start = probabilities * (total - 1.0)
    window = np.interp(start + 1.0, cumulative, integral) - np.interp(start, cumulative, integral)
    # Rounding in the cumulative sums must not step outside [min, max].
    return np.asarray(np.clip(window, x[0], x[-1]), dtype=np.float64)


def _codes(strata: ArrayLike) -> NDArray[np.str_]:
    return np.asarray(strata).astype(str)


def post_stratification_weights(
    strata: ArrayLike, reference: Mapping[str, float]
) -> NDArray[np.float64]:
    """Each answer's weight n P_h / n_h (module docstring); the weights sum to n.

    `strata` holds each answer's stratum code; `reference` maps every stratum
    to its share (read relative to their sum). A stratum with answers but no
    reference share, or with a reference share but no answer, is an error:
    the caller decides how to merge levels, never this function.
    """
    codes = _codes(strata)
    n = codes.size
    if n == 0:
        raise InsufficientDataError("No answer to weight.")
    shares = {str(code): float(share) for code, share in reference.items()}
    if any(not np.isfinite(share) or share <= 0 for share in shares.values()):
        raise StatsError("Reference shares must be positive.")
    total = sum(shares.values())
    present, counts = np.unique(codes, return_counts=True)
    if missing := sorted(set(present.tolist()) - set(shares)):
        raise StatsError(f"No reference share for stratum {', '.join(missing)}.")
    if empty := sorted(set(shares) - set(present.tolist())):
        raise StatsError(f"No answer in stratum {', '.join(empty)}: it cannot be weighted up.")
    per_stratum = {
        str(code): n * shares[str(code)] / total / int(count)
        for code, count in zip(present, counts, strict=True)
    }
    return np.array([per_stratum[code] for code in codes.tolist()], dtype=np.float64)


def rake_weights(
    strata: Sequence[ArrayLike],
    references: Sequence[Mapping[str, float]],
    *,
    tolerance: float = 1e-9,
    max_iterations: int = 1000,
) -> NDArray[np.float64]:
    """Raking (iterative proportional fitting) to several margins; the weights sum to n.

    `strata[d]` holds each answer's level on dimension d and `references[d]`
    that dimension's shares (relative to their sum). Stops when every
    margin's weighted share is within `tolerance` of its target; raises
    StatsError if it has not after `max_iterations` passes (margins that
    cannot all hold at once).
    """
    if len(strata) != len(references) or not strata:
        raise StatsError("Give one reference per dimension, at least one dimension.")
    columns = [_codes(column) for column in strata]
    n = columns[0].size
    if n == 0 or any(column.size != n for column in columns):
        raise InsufficientDataError("Every dimension needs one code per answer.")
    targets = []
    for column, reference in zip(columns, references, strict=True):
        # Checks the codes and shares exactly as post-stratification does.
        post_stratification_weights(column, reference)
        total = sum(float(share) for share in reference.values())
        targets.append({str(code): float(share) / total for code, share in reference.items()})
    weights = np.ones(n, dtype=np.float64)
    for _iteration in range(max_iterations):
        for column, target in zip(columns, targets, strict=True):
            for code, share in target.items():
                members = column == code
                weights[members] *= n * share / float(np.sum(weights[members]))
        worst = max(
            abs(float(np.sum(weights[column == code])) / n - share)
            for column, target in zip(columns, targets, strict=True)
            for code, share in target.items()
        )
        if worst <= tolerance:
            return weights
    raise StatsError(f"Raking did not converge in {max_iterations} passes.")


@dataclass(frozen=True)
class WeightedQuantiles:
    """An unweighted and a weighted quantile of one sample, with the weights' Kish ESS."""

    unweighted: float
    weighted: float
    effective_n: float


def weighted_median_summary(values: ArrayLike, weights: ArrayLike) -> WeightedQuantiles:
    """The type-7 median (`quantile_type7`, as the cells compute it), the weighted
    median (`weighted_quantile` with these weights) and the weights' Kish ESS."""
    x = np.asarray(values, dtype=np.float64)
    w = _weights(weights, x.size)
    return WeightedQuantiles(
        unweighted=float(quantile_type7(x, 0.5)),
        weighted=float(weighted_quantile(x, w, 0.5)),
        effective_n=effective_sample_size(w),
    )
