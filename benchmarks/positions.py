"""Where an amount stands in the most specific published cohort: the pay checks' reading.

A pay check (a salary, or a freelance day rate) is placed in the narrowest
published cohort of a profile, trying role × experience × region first, then
wider ones (`COHORT_LADDER`), and says which one it used. Everything comes
from the published snapshot (DESIGN.md privacy rule 7): the cohort is a
published cell, and the position is `selectors.position_in_cell`, the same
interpolation between the cell's published (rounded) percentiles that the
API's position endpoints give. Where the cohort's published n is under
TIER_HIGH_FROM (50), the position is given as a band, between the two
published percentiles around the amount (DESIGN.md, "Statistics": a position
is a band where n < 50), rather than as one percentile.

A cohort that is not published is skipped whether it is small or empty: the
caller may say that the narrower groups have "too few answers", which is what
it says of an empty one too (privacy rule 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks import selectors
from benchmarks.models import Cell, Snapshot
from benchmarks.stats import TIER_HIGH_FROM

# The dimensions a profile is placed by, and the cohorts tried, narrowest first.
# Region goes first when widening: it splits answers the most thinly.
PROFILE_DIMENSIONS = ("role", "experience", "region")
COHORT_LADDER: tuple[tuple[str, ...], ...] = (
    ("role", "experience", "region"),
    ("role", "experience"),
    ("experience", "region"),
    ("experience",),
    ("role",),
    (),
)
# The percentiles a cell may publish, with their ranks.
PERCENTILE_RANKS = (("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90))


def cohort_ladder(profile: Mapping[str, str | None]) -> list[dict[str, str]]:
    """The cohorts to try for a profile, narrowest first, each once (unset dimensions drop out).

    >>> cohort_ladder({"role": "moderator", "experience": "3-5", "region": None})
    [{'role': 'moderator', 'experience': '3-5'}, {'experience': '3-5'}, {'role': 'moderator'}, {}]
    """
    ladder: list[dict[str, str]] = []
    for dimensions in COHORT_LADDER:
        filters = {name: str(profile[name]) for name in dimensions if profile.get(name)}
        if filters not in ladder:
            ladder.append(filters)
    return ladder


def position_band(cell: Cell, value: float) -> tuple[int | None, int | None]:
    """The published percentile ranks around `value`: (25, 50) between p25 and the median.

    (None, 10) below the lowest published percentile, (90, None) above the
    highest; (50, 50) on the median itself. Equal percentiles (ties) widen the
    band to every rank they share.
    """
    points = [
        (getattr(cell, name), rank)
        for name, rank in PERCENTILE_RANKS
        if getattr(cell, name) is not None
    ]
    lower = [rank for amount, rank in points if amount <= value]
    upper = [rank for amount, rank in points if amount >= value]
    return (max(lower) if lower else None, min(upper) if upper else None)


@dataclass(frozen=True)
class CohortPosition:
    """An amount placed in the narrowest published cohort of a profile.

    `filters` is the cohort used (besides country and edition), `narrower` the
    cohorts tried before it that are not published. Exactly one reading is set:
    `percentile` (0-100, n >= TIER_HIGH_FROM), `band` (two published ranks,
    either of which may be None below or above the published ones, n <
    TIER_HIGH_FROM), or `below` / `above` (the amount lies outside the published
    percentiles, whatever n).
    """

    cell: Cell
    filters: dict[str, str]
    value: float
    narrower: list[dict[str, str]] = field(default_factory=list)
    percentile: int | None = None
    band: tuple[int | None, int | None] | None = None
    below: int | None = None
    above: int | None = None

    @property
    def as_band(self) -> bool:
        return self.band is not None


def pay_position(
    *,
    snapshot: Snapshot,
    metric: str,
    country: str,
    year: int,
    profile: Mapping[str, str | None],
    value: float,
) -> CohortPosition | None:
    """Place `value` in the narrowest published cohort of `profile` (one query per cohort tried).

    None when not even the country's whole cohort is published for that metric
    and edition.
    """
    narrower: list[dict[str, str]] = []
    for filters in cohort_ladder(profile):
        cell = selectors.cell_lookup(
            snapshot=snapshot, metric=metric, country=country, year=year, filters=filters
        )
        if cell is None:
            narrower.append(filters)
            continue
        return _placed(cell, filters, value, narrower)
    return None


def _placed(
    cell: Cell, filters: dict[str, str], value: float, narrower: list[dict[str, str]]
) -> CohortPosition:
    position: dict[str, Any] = selectors.position_in_cell(cell, value)
    common = {"cell": cell, "filters": filters, "value": value, "narrower": narrower}
    if position["below"] is not None:
        return CohortPosition(**common, below=position["below"])
    if position["above"] is not None:
        return CohortPosition(**common, above=position["above"])
    if cell.n < TIER_HIGH_FROM:
        return CohortPosition(**common, band=position_band(cell, value))
    return CohortPosition(**common, percentile=position["percentile"])
