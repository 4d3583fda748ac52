"""The thresholds of DESIGN.md privacy rules 1 and 11: minimum cohort, tails, confidence tiers.

Constants and one scalar function, with no pandas: the pages and the API read
them on every request (`stats.privacy` applies them to whole cubes).
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np

from benchmarks.stats.errors import StatsError

__all__ = [
    "MIN_COHORT",
    "MIN_TAILS",
    "TIER_HIGH_FROM",
    "TIER_MEDIUM_FROM",
    "Tier",
    "confidence_tier",
]

MIN_COHORT: Final = 10
"""Nothing is published about a cohort of fewer responses (rule 1)."""
MIN_TAILS: Final = 20
"""p10 and p90 are published only from this many responses (rule 1)."""
TIER_MEDIUM_FROM: Final = 20
TIER_HIGH_FROM: Final = 50

Tier = Literal["low", "medium", "high"]


def confidence_tier(n: int) -> Tier:
    """Confidence tier of a published cell (rule 7): low 10–19, medium 20–49, high 50+.

    Raises :class:`StatsError` for n < MIN_COHORT: such a cell is not published,
    so asking for its tier is a bug.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise StatsError(f"n must be an integer, got {n!r}")
    if n < MIN_COHORT:
        raise StatsError(f"a cohort of {n} < {MIN_COHORT} is not published and has no tier")
    if n < TIER_MEDIUM_FROM:
        return "low"
    if n < TIER_HIGH_FROM:
        return "medium"
    return "high"
