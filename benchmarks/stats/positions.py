"""Where an amount stands among a cohort's published percentiles (DESIGN.md privacy rule 7).

Only the published, rounded percentiles are read, never answers: a position
says nothing a cohort's published figures do not already say. numpy only.

    points  (p10, 10), (p25, 25), (p50, 50), (p75, 75), (p90, 90): those published
    inside  percentile = round_half_up(interp(value, amounts, ranks))
    outside below = lowest published rank, or above = highest published rank

E.g. p25 = 30 000, p50 = 34 000 and a salary of 32 000: 25 + 25 * 2 000 / 4 000
= 37.5, published as the 38th percentile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PercentilePosition", "percentile_band", "percentile_position"]

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
    unique_amounts, inverse = np.unique(amounts, return_inverse=True)
    unique_ranks = np.array([ranks[inverse == i].mean() for i in range(unique_amounts.size)])
    percentile = float(np.interp(value, unique_amounts, unique_ranks))
    return PercentilePosition(percentile=int(np.floor(percentile + 0.5)))


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
