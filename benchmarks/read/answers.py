"""The answers every reader gets, one of each: cohort, breakdown, trend, estimate, position.

Pages, the API, the guides and the survey's thank-you page build their output
from these frozen dataclasses, so the same question cannot get two answers.
Everything comes from the published snapshot (`benchmarks.read.lookup`,
DESIGN.md privacy rule 7): published cells, whose counts are perturbed
(rule 3) and whose money is rounded (rule 4); a profile estimate rounded like
every published salary (rules 4 and 5). A cohort that is not published gets
the same answer whether it is small or empty (rule 1): `cell is None`.

    cohort      CohortAnswer   one published cell, or None
    breakdown   Breakdown      a cohort's cell and its published children, compared
    trend       Trend          the cohort's median in every edition, and each change
    estimate    Estimate       the log-salary model's prediction for a profile
    position    CohortPosition an amount placed in the narrowest published cohort
                (and `position_in_cell`, the interpolation they all use)

`Figures` is what one published cell says (counts, percentiles, interval,
shares), derived once per cell (`lookup.cell_memo`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.layout import DIMENSIONS, PERCENTILE_RANKS, SHARE_FAMILIES
from benchmarks.models import MONEY_STEPS, Cell, Metric, Snapshot
from benchmarks.read import lookup
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.stats.perturbation import round_money
from benchmarks.stats.positions import (
    PercentilePosition,
    percentile_band,
    percentile_interval,
    percentile_position,
)
from benchmarks.stats.shares import share_percent
from benchmarks.stats.tiers import TIER_HIGH_FROM
from surveys import vocabulary as vocab

if TYPE_CHECKING:
    from benchmarks.stats.trends import MedianChange

# The profile estimate's prediction interval (DESIGN.md, Statistics).
ESTIMATE_LEVEL = 0.80


# --- A cohort ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """A validated cohort: one country, one edition (None for trends) and its filters.

    `filters` holds the dimensions that are set, in the order of DIMENSIONS.
    """

    country: str
    year: int | None
    filters: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str | int]:
        """The cohort as the API echoes it: {"country": "FR", "year": 2026, "experience": ...}."""
        echo: dict[str, str | int] = {"country": self.country}
        if self.year is not None:
            echo["year"] = self.year
        echo.update(self.filters)
        return echo

    def lookup(self) -> dict[str, Any]:
        """Keyword arguments of `lookup.cell_lookup` and its siblings."""
        arguments: dict[str, Any] = {"country": self.country, "filters": self.filters}
        if self.year is not None:
            arguments["year"] = self.year
        return arguments


@dataclass(frozen=True)
class Figures:
    """What one published cell says; money in whole units of `currency`, rounded (rule 4).

    `percentiles` holds the published ones only ({"p25": ..., "p50": ..., "p75": ...},
    p10 and p90 from n = 20); `shares` maps a family ("under", "missions",
    "kpis") to {code: (percent, ci95 low, ci95 high)}, whole percents.
    """

    n: int
    confidence: str
    currency: str
    percentiles: dict[str, int]
    median_ci: tuple[int, int]
    shares: dict[str, dict[str, tuple[int, int, int]]]


def cell_shares(cell: Cell) -> dict[str, dict[str, tuple[int, int, int]]]:
    """A cell's shares as whole percents with their 95% Wilson interval, by family and code.

    {"under": {"200": (44, 38, 50), ...}, "missions": {"animation": (...), ...}, "kpis": {...}}:
    "under" for day rates only (billing strictly under each threshold), missions
    and KPIs for cells of the main table. Derived from the perturbed counts the
    snapshot stores (`layout.SHARE_FAMILIES`) with `stats.share_percent`, the
    same way wherever a share is shown (the CSV's columns included).
    """
    families = [
        (family, codes[: len(cell.extras[family])], cell.extras[family])
        for family, codes in SHARE_FAMILIES
        # A list of counts; anything else is a snapshot from before counts were stored.
        if isinstance(cell.extras.get(family), list) and cell.extras[family]
    ]
    if not families:
        return {}
    # One call for every family: the API derives these on each request.
    share = share_percent(
        np.fromiter((k for *_, counts in families for k in counts), dtype=np.int64), cell.n
    )
    percent, low, high = share.percent.tolist(), share.low.tolist(), share.high.tolist()
    shares: dict[str, dict[str, tuple[int, int, int]]] = {}
    at = 0
    for family, codes, _counts in families:
        shares[family] = {
            code: (percent[at + i], low[at + i], high[at + i]) for i, code in enumerate(codes)
        }
        at += len(codes)
    return shares


def _figures(cell: Cell) -> Figures:
    return Figures(
        n=cell.n,
        confidence=cell.confidence,
        currency=cell.currency,
        percentiles={
            name: value
            for name, _rank in PERCENTILE_RANKS
            if (value := getattr(cell, name)) is not None
        },
        median_ci=(cell.median_ci_low, cell.median_ci_high),
        shares=cell_shares(cell),
    )


def figures_of(cell: Cell) -> Figures:
    """The figures of a published cell, derived once per cell (`lookup.cell_memo`)."""
    return lookup.cell_memo.remember(cell, "figures", lambda: _figures(cell))


@dataclass(frozen=True)
class CohortAnswer:
    """One cohort's published cell for a metric, or None: suppressed and empty look alike."""

    cohort: Cohort
    metric: str
    cell: Cell | None


def cohort_answer(published: PublishedSnapshot, *, metric: str, cohort: Cohort) -> CohortAnswer:
    """The cohort's cell in the published snapshot (one query, or none from the memo)."""
    cell = lookup.cell_lookup(snapshot=published.snapshot, metric=metric, **cohort.lookup())
    return CohortAnswer(cohort=cohort, metric=metric, cell=cell)


# --- A thin country's cohort pooled over editions ---------------------------------------------


@dataclass(frozen=True)
class PooledCohort:
    """A thin country's cohort pooled over its last editions, in the latest edition's money.

    `cell` holds published figures like any cell (perturbed n, rounded money,
    the same privacy rules: `build.pooling`); every amount of an earlier
    edition was multiplied by ``price_factors[year]`` = index(latest) /
    index(year), the country's consumer price index from ``index_source``.
    """

    cell: Cell
    editions: tuple[int, ...]
    price_factors: dict[int, float]
    index_source: str

    @property
    def first_year(self) -> int:
        return self.editions[0]

    @property
    def last_year(self) -> int:
        return self.editions[-1]


def pooled_cohort(
    published: PublishedSnapshot, *, metric: str, cohort: Cohort
) -> PooledCohort | None:
    """The cohort pooled over editions where its country is thin, else None.

    No query unless the country is thin (`PublishedSnapshot.pooled_countries`)
    and the cohort's edition is the latest (pooled cells live there); then one.
    """
    if (
        cohort.country not in published.pooled_countries
        or cohort.year is None
        or cohort.year != published.latest_year
    ):
        return None
    cell = lookup.pooled_cell_lookup(
        snapshot=published.snapshot,
        metric=metric,
        country=cohort.country,
        year=cohort.year,
        filters=cohort.filters,
    )
    if cell is None:
        return None
    about = (cell.extras or {}).get("pooled", {})
    return PooledCohort(
        cell=cell,
        editions=tuple(int(year) for year in about.get("editions", [cell.pooled_from, cell.year])),
        price_factors={int(year): float(f) for year, f in about.get("price_factors", {}).items()},
        index_source=str(about.get("index_source", "")),
    )


# --- A breakdown ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """A cohort's own cell (None if unpublished) and its published children along `by`.

    Children come in the vocabulary's order; for `by="mission"`, each mission's
    "done" cell before its "not done" one.
    """

    cohort: Cohort
    metric: str
    by: str
    parent: Cell | None
    children: tuple[Cell, ...]

    @property
    def comparison(self) -> dict[str, Any] | None:
        """The snapshot's Kruskal-Wallis test across the children, where it computed one.

        Computed for the overall and one-filter cohorts along each dimension
        (never for missions): {"test", "groups", "h", "df", "p_value",
        "epsilon_squared", "pairwise"}.
        """
        if self.parent is None or self.by == "mission":
            return None
        comparison: dict[str, Any] | None = (
            (self.parent.extras or {}).get("comparisons", {}).get(self.by)
        )
        return comparison

    def level_of(self, cell: Cell) -> str:
        """The code of a child's level: its mission, or its value of `by`."""
        return str(cell.mission if self.by == "mission" else getattr(cell, self.by))


def breakdown(
    published: PublishedSnapshot, *, metric: str, cohort: Cohort, by: str, year: int
) -> Breakdown:
    """The cohort broken down along `by` in edition `year` (one query)."""
    parent, children = lookup.breakdown_with_parent(
        snapshot=published.snapshot,
        metric=metric,
        country=cohort.country,
        year=year,
        filters=cohort.filters,
        by=by,
    )
    return Breakdown(cohort=cohort, metric=metric, by=by, parent=parent, children=tuple(children))


# --- A trend ----------------------------------------------------------------------------------


# The change between editions carries a 95 % interval (DESIGN.md, Statistics: Trends).
TREND_LEVEL = 0.95


@dataclass(frozen=True)
class ChangeInterval:
    """A change of the median with its interval, in the later edition's money.

    Money in whole units rounded like every published amount (rule 4:
    `MONEY_STEPS`), percents to one decimal. ``clear`` is False when the
    published interval reaches 0: no clear change, the difference may be noise.
    """

    absolute: int
    low: int
    high: int
    percent: float
    percent_low: float
    percent_high: float

    @property
    def clear(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class TrendChange:
    """The change of the median between two consecutive editions, both published.

    absolute = p50(to_year) - p50(from_year), in currency units (nominal);
    percent  = round(100 * absolute / p50(from_year), 1); ``nominal`` adds the
    95 % interval built from the published figures only (medians, their
    intervals, perturbed n: `stats.trends.median_change`). ``constant`` is the
    same in constant money, from_year's median brought to to_year's money by the
    country's consumer price index (x ``price_factor`` = index(to) / index(from));
    None (and ``price_factor`` None) when either year has no index.
    """

    from_year: int
    to_year: int
    absolute: int
    percent: float
    nominal: ChangeInterval
    constant: ChangeInterval | None = None
    price_factor: float | None = None
    level: float = TREND_LEVEL


@dataclass(frozen=True)
class TrendEdition:
    """One edition of the snapshot: the cohort's cell in it (None if unpublished) and the
    change since the previous edition (None unless both are published)."""

    year: int
    cell: Cell | None
    change: TrendChange | None = None


@dataclass(frozen=True)
class Trend:
    """A cohort's median in every edition of the snapshot, oldest first."""

    cohort: Cohort
    metric: str
    editions: tuple[TrendEdition, ...]
    cells: tuple[Cell, ...]

    @property
    def published(self) -> bool:
        return bool(self.cells)

    @property
    def changes(self) -> list[TrendChange]:
        return [edition.change for edition in self.editions if edition.change is not None]


def trend(published: PublishedSnapshot, *, metric: str, cohort: Cohort) -> Trend:
    """The cohort in every edition of the published snapshot, each change with its interval.

    Two queries: the cells, then the country's price indices for the editions.
    """
    cells = lookup.trend_cells(
        snapshot=published.snapshot, metric=metric, country=cohort.country, filters=cohort.filters
    )
    by_year = {cell.year: cell for cell in cells}
    editions = [TrendEdition(year=year, cell=by_year.get(year)) for year in published.years]
    pairs = [
        (index, before.cell, after.cell)
        for index, (before, after) in enumerate(pairwise(editions), start=1)
        if before.cell is not None and after.cell is not None
    ]
    if pairs:
        prices = lookup.price_indices(country=cohort.country, years=published.years)
        for (index, _before, after), change in zip(
            pairs,
            _trend_changes(pairs, prices=prices, step=MONEY_STEPS[Metric(metric)]),
            strict=True,
        ):
            editions[index] = TrendEdition(year=after.year, cell=after, change=change)
    return Trend(cohort=cohort, metric=metric, editions=tuple(editions), cells=tuple(cells))


def _trend_changes(
    pairs: list[tuple[int, Cell, Cell]], *, prices: Mapping[int, float], step: int
) -> list[TrendChange]:
    """Every change of `pairs` (index, earlier cell, later cell), nominal and constant.

    One vectorized `median_change` call per money (pure statistics, from the
    published figures only, so the change discloses nothing new: rule 7).
    """
    earlier = [before for _index, before, _after in pairs]
    later = [after for _index, _before, after in pairs]
    nominal = _median_change(earlier, later)
    indexed = [
        position
        for position, (before, after) in enumerate(zip(earlier, later, strict=True))
        if before.year in prices and after.year in prices
    ]
    constant = None
    if indexed:
        constant = _median_change(
            [earlier[i] for i in indexed], [later[i] for i in indexed], prices=prices
        )
    constant_at = {position: at for at, position in enumerate(indexed)}
    changes = []
    for position, (before, after) in enumerate(zip(earlier, later, strict=True)):
        absolute = after.p50 - before.p50
        at = constant_at.get(position)
        in_constant: ChangeInterval | None = None
        price_factor: float | None = None
        if constant is not None and at is not None:
            in_constant = _change_interval(constant, at, step=step)
            price_factor = round(float(constant.price_factor[at]), 4)
        changes.append(
            TrendChange(
                from_year=before.year,
                to_year=after.year,
                absolute=absolute,
                percent=round(100 * absolute / before.p50, 1),
                nominal=_change_interval(nominal, position, step=step),
                constant=in_constant,
                price_factor=price_factor,
            )
        )
    return changes


def _median_change(
    earlier: list[Cell], later: list[Cell], *, prices: Mapping[int, float] | None = None
) -> MedianChange:
    """`stats.trends.median_change` over pairs of cells; constant money when `prices` is given."""
    # scipy (binomial and normal quantiles of the intervals' coverage) loads with the
    # first change asked for, never when a web process starts (tests/test_architecture.py).
    from benchmarks.stats.trends import median_change

    return median_change(
        earlier_median=[cell.p50 for cell in earlier],
        earlier_low=[cell.median_ci_low for cell in earlier],
        earlier_high=[cell.median_ci_high for cell in earlier],
        earlier_n=[cell.n for cell in earlier],
        later_median=[cell.p50 for cell in later],
        later_low=[cell.median_ci_low for cell in later],
        later_high=[cell.median_ci_high for cell in later],
        later_n=[cell.n for cell in later],
        earlier_price_index=[prices[cell.year] for cell in earlier] if prices else 1.0,
        later_price_index=[prices[cell.year] for cell in later] if prices else 1.0,
        level=TREND_LEVEL,
    )


def _change_interval(change: MedianChange, at: int, *, step: int) -> ChangeInterval:
    """Item `at` of a `stats.trends.MedianChange`, rounded for publication (rule 4)."""
    money = round_money([change.change[at], change.low[at], change.high[at]], step=step)
    absolute, low, high = (int(amount) for amount in money)
    return ChangeInterval(
        absolute=absolute,
        low=low,
        high=high,
        percent=round(float(change.percent[at]), 1),
        percent_low=round(float(change.percent_low[at]), 1),
        percent_high=round(float(change.percent_high[at]), 1),
    )


# --- An estimate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A rounded profile estimate: amounts in whole units of ``currency``, gross per year.

    ``fitted_on`` is the perturbed number of answers the model was fitted on;
    ``levels_used`` maps each factor to the model level read for it.
    """

    estimate: int
    low: int
    high: int
    level: float
    currency: str
    fitted_on: int
    levels_used: Mapping[str, str]

    @property
    def level_percent(self) -> int:
        """The prediction interval's level in whole percents (80)."""
        return round(self.level * 100)


def salary_amount(value: float) -> int:
    """A salary as published: rounded to the salary step (privacy rule 4)."""
    return int(round_money([value], step=MONEY_STEPS[Metric.SALARY])[0])


def profile_estimate(
    *, snapshot: Snapshot, country: str, year: int, profile: Mapping[str, object]
) -> Estimate | None:
    """The estimate of a profile in one country and edition, or None without a model.

    Read from the stored log-salary model of the country and edition, with its
    perturbed row count (rule 5); a factor the reader leaves open is averaged
    over its mix in the fitted data (a predictive margin, DESIGN.md
    "Statistics"), never read at one level.
    """
    stored = lookup.profile_model(snapshot=snapshot, country=country, year=year)
    if stored is None:
        return None
    prediction = stored.model.predict(profile, level=ESTIMATE_LEVEL)
    return Estimate(
        estimate=salary_amount(prediction.estimate),
        low=salary_amount(prediction.low),
        high=salary_amount(prediction.high),
        level=prediction.level,
        currency=vocab.CURRENCY_BY_COUNTRY[country],
        fitted_on=stored.fitted_on,
        levels_used=dict(prediction.levels_used),
    )


# --- A position -------------------------------------------------------------------------------


def _points(cell: Cell) -> list[tuple[float | None, int]]:
    return [(getattr(cell, name), rank) for name, rank in PERCENTILE_RANKS]


def position_in_cell(cell: Cell, value: float) -> PercentilePosition:
    """Where a value stands in a published cell, from its published percentiles only.

    `stats.percentile_position`: linear interpolation between (p10, 10), (p25,
    25), (p50, 50), (p75, 75), (p90, 90) — those the cell publishes — rounded
    to a whole percentile; outside them, only `below` or `above` the outermost
    published rank, so probing cannot rebuild raw values (DESIGN.md rule 7).
    """
    return percentile_position(_points(cell), value)


def position_band(cell: Cell, value: float) -> tuple[int | None, int | None]:
    """The published percentile ranks around `value` (`stats.percentile_band`)."""
    return percentile_band(_points(cell), value)


def position_interval(cell: Cell, value: float) -> tuple[int, int] | None:
    """The band of whole percentiles around `value` at the cell's published n, or None.

    `stats.percentile_interval`: the 95% Wilson interval of the interpolated
    rank, from the published percentiles and the published (perturbed) n only.
    """
    return percentile_interval(_points(cell), value, n=cell.n)


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
assert all(dimension in DIMENSIONS for dimension in PROFILE_DIMENSIONS)


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


@dataclass(frozen=True)
class CohortPosition:
    """An amount placed in the narrowest published cohort of a profile (the pay checks).

    `filters` is the cohort used (besides country and edition), `narrower` the
    cohorts tried before it that are not published. Exactly one reading is set:
    `percentile` (0-100, n >= TIER_HIGH_FROM), `band` (two published ranks,
    either of which may be None below or above the published ones, n <
    TIER_HIGH_FROM: DESIGN.md, a position is a band where n < 50), or `below` /
    `above` (the amount lies outside the published percentiles, whatever n).

    With `band`, `percentile_band` is the band shown in words ("between the 16th
    and the 65th percentile"): the 95% Wilson interval of the interpolated rank
    at the published n, rounded outward and clipped to the published ranks
    (`stats.percentile_interval`). None where n >= 50 or outside the range.
    """

    cell: Cell
    filters: dict[str, str]
    value: float
    narrower: list[dict[str, str]] = field(default_factory=list)
    percentile: int | None = None
    band: tuple[int | None, int | None] | None = None
    below: int | None = None
    above: int | None = None
    percentile_band: tuple[int, int] | None = None

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

    A cohort that is not published is skipped whether it is small or empty
    (rule 1). None when not even the country's whole cohort is published for
    that metric and edition.
    """
    narrower: list[dict[str, str]] = []
    for filters in cohort_ladder(profile):
        cell = lookup.cell_lookup(
            snapshot=snapshot, metric=metric, country=country, year=year, filters=filters
        )
        if cell is None:
            narrower.append(filters)
            continue
        return place_in_cell(cell, filters, value, narrower)
    return None


def place_in_cell(
    cell: Cell, filters: dict[str, str], value: float, narrower: list[dict[str, str]]
) -> CohortPosition:
    """`value` placed in one published cell: a percentile, a band where n < 50, or a bound."""
    position = position_in_cell(cell, value)
    common: dict[str, Any] = {
        "cell": cell,
        "filters": filters,
        "value": value,
        "narrower": narrower,
    }
    if position.below is not None:
        return CohortPosition(**common, below=position.below)
    if position.above is not None:
        return CohortPosition(**common, above=position.above)
    if cell.n < TIER_HIGH_FROM:
        return CohortPosition(
            **common,
            band=position_band(cell, value),
            percentile_band=position_interval(cell, value),
        )
    return CohortPosition(**common, percentile=position.percentile)
