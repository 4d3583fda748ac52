"""Where an amount stands among a cohort's published percentiles (DESIGN.md privacy rule 7).

Only the published, rounded percentiles are read, never answers: a position
says nothing a cohort's published figures do not already say. numpy only.

    points  (p10, 10), (p25, 25), (p50, 50), (p75, 75), (p90, 90): those published
    inside  percentile = round_half_up(interp(value, amounts, ranks))
    outside below = lowest published rank, or above = highest published rank

E.g. p25 = 30 000, p50 = 34 000 and a salary of 32 000: 25 + 25 * 2 000 / 4 000
= 37.5, published as the 38th percentile.

Where the cohort has fewer than 50 answers the position is a band
(`percentile_interval`): the 95% Wilson interval of the interpolated rank at
the published n, rounded outward and clipped to the published ranks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.stats._checks import confidence_level
from benchmarks.stats.errors import StatsError
from benchmarks.stats.shares import _normal_quantile

__all__ = [
    "PercentilePosition",
    "percentile_band",
    "percentile_interval",
    "percentile_position",
]

# (amount, rank) of each published percentile, lowest first; absent ones are None.
Points = Sequence[tuple[float | None, int]]


@dataclass(frozen=True)
class PercentilePosition:
    """Exactly one is set: `percentile` (0-100, whole), `below` or `above` (a published rank)."""

    percentile: int | None = None
    below: int | None = None
    above: int | None = None


def percentile_position(points: Points, value: float) -> PercentilePosition:
    """Linear interpolation between published (amount, rank) points, rounded half up.

    Outside the outermost published point the answer is a bound (`below=10`)
    rather than a number, so probing with amounts cannot rebuild raw values.
    Equal amounts (ties) collapse to the mean of their ranks: np.interp needs
    increasing x. Needs at least one published point.
    """
    published = [(amount, rank) for amount, rank in points if amount is not None]
    amounts = np.array([amount for amount, _ in published], dtype=float)
    ranks = np.array([rank for _, rank in published], dtype=float)
    if value < amounts[0]:
        return PercentilePosition(below=int(ranks[0]))
    if value > amounts[-1]:
        return PercentilePosition(above=int(ranks[-1]))
    percentile = _interpolated_rank(amounts, ranks, value)
    return PercentilePosition(percentile=int(np.floor(percentile + 0.5)))


def _interpolated_rank(amounts: np.ndarray, ranks: np.ndarray, value: float) -> float:
    """The unrounded rank of `value` (0-100) between published points; ties share their mean."""
    unique_amounts, inverse = np.unique(amounts, return_inverse=True)
    unique_ranks = np.array([ranks[inverse == i].mean() for i in range(unique_amounts.size)])
    return float(np.interp(value, unique_amounts, unique_ranks))


def percentile_interval(
    points: Points, value: float, *, n: int, level: float = 0.95
) -> tuple[int, int] | None:
    """The band of whole percentiles where `value` stands, given the cohort's published n.

    The interpolated rank p = interp(value, amounts, ranks) / 100 estimates the
    fraction of the cohort under `value`, a binomial share of n answers: its
    Wilson score interval, with z = Phi^-1((1 + level) / 2),

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

    is rounded outward to whole percentiles, floor(100 (centre - half)) and
    ceil(100 (centre + half)), then clipped to the published ranks (p10 or p25 to
    p75 or p90): nothing is said beyond the published range. E.g. p = 0.375,
    n = 12: centre = 0.4053, half = 0.2403, the band runs from the 16th to the
    65th percentile. Unit: percentile ranks (0-100).

    None when `value` lies outside the published percentiles (a bound, not a
    band: `percentile_position`). Uses the published (perturbed) n, never a
    true count, and the published (rounded) percentiles only. Raises
    StatsError when n < 1 or no percentile is published.
    """
    if n < 1:
        raise StatsError("n must be at least 1 for a percentile band")
    z = _normal_quantile(0.5 + confidence_level(level) / 2.0)
    published = [(amount, rank) for amount, rank in points if amount is not None]
    if not published:
        raise StatsError("a percentile band needs at least one published percentile")
    amounts = np.array([amount for amount, _ in published], dtype=float)
    ranks = np.array([rank for _, rank in published], dtype=float)
    if value < amounts[0] or value > amounts[-1]:
        return None
    share = _interpolated_rank(amounts, ranks, value) / 100.0
    z2_over_n = z * z / n
    centre = (share + z2_over_n / 2.0) / (1.0 + z2_over_n)
    half = z / (1.0 + z2_over_n) * math.sqrt(share * (1.0 - share) / n + z2_over_n / (4.0 * n))
    # A hair of tolerance so that 100 * 0.29 = 28.999999999999996 floors to 29, not 28.
    low = math.floor(100.0 * (centre - half) + 1e-9)
    high = math.ceil(100.0 * (centre + half) - 1e-9)
    lowest, highest = int(ranks.min()), int(ranks.max())
    return (min(max(low, lowest), highest), max(min(high, highest), lowest))


def percentile_band(points: Points, value: float) -> tuple[int | None, int | None]:
    """The published ranks around `value`: (25, 50) between p25 and the median.

    (None, 10) below the lowest published percentile, (90, None) above the
    highest; (50, 50) on the median itself. Equal percentiles (ties) widen the
    band to every rank they share. A position is a band where n < 50 (DESIGN.md).
    """
    published = [(amount, rank) for amount, rank in points if amount is not None]
    lower = [rank for amount, rank in published if amount <= value]
    upper = [rank for amount, rank in published if amount >= value]
    return (max(lower) if lower else None, min(upper) if upper else None)
