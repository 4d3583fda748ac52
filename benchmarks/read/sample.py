"""Who answered: the make-up of one edition's sample, from the published snapshot only.

The survey is self-selected (people choose to answer), so readers need to see
who is behind the figures (DESIGN.md, Who answered). Every count here is a
published cell's n: perturbed by the cell key method (privacy rule 3), read
from the one-filter cells of the current snapshot (privacy rule 7), never from
raw answers. A level whose cell is not published has `n = None`: it may be
empty, smaller than MIN_COHORT or withheld by secondary suppression, and
nothing here tells which (rule 1). Counts of different cells are never added
up: a sum of perturbed counts is no published figure.

    status          employees (the salary cells) and freelancers (the day-rate cells)
    region, experience, employer_size
                    employees, from the salary cells (`by_dimension`)
    region, experience
                    freelancers, from the day-rate cells (`freelance_by_dimension`)

Where editors stored a reference distribution for the country, `weighted`
carries the median salary weighted to it beside the unweighted one
(`benchmarks.models.WeightedMedian`, computed by the build), or why there is none.

Two queries: the cells, then the weighted medians. No pandas, no scipy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from benchmarks.layout import ALL, DIMENSIONS
from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.models import WeightedMedian as StoredWeightedMedian
from benchmarks.read.lookup import PublishedSnapshot
from surveys import vocabulary as vocab

# The dimensions shown, in this order, and those freelancers have (no employer).
EMPLOYEE_DIMENSIONS = ("region", "experience", "employer_size")
FREELANCE_DIMENSIONS = ("region", "experience")
STATUSES = (("employee", Metric.SALARY), ("freelance", Metric.DAY_RATE))

# (code, published perturbed n or None where the cell is not published)
LevelCount = tuple[str, int | None]


@dataclass(frozen=True)
class WeightedMedian:
    """The median salary (gross annual FTE, whole units, rounded to 100) weighted to a
    reference distribution, beside the unweighted one, for one country and edition.

    `published` False: no figure (all amounts None) and `reason` says why
    ("thin_cohort": the country-edition has fewer than MIN_COHORT answers;
    "thin_stratum": a reference group has fewer). `effective_n` is Kish's
    effective sample size of the weights, (sum w)^2 / sum w^2, rounded: how
    many equally weighted answers would be as precise, not a count of people.
    """

    published: bool
    reason: str
    dimensions: tuple[str, ...]
    unweighted_p50: int | None
    weighted_p50: int | None
    effective_n: int | None
    reference_source: str
    reference_url: str
    reference_year: int | None


@dataclass(frozen=True)
class CountrySample:
    """One country's published sample in one edition.

    `by_dimension` maps "status", "region", "experience" and "employer_size" to
    (code, n) pairs in the vocabulary's order, every level listed (n None when
    not published): status from the overall salary (employee) and day-rate
    (freelance) cells, the others employees' one-filter salary cells.
    `freelance_by_dimension` gives freelancers' "region" and "experience".
    """

    country: str
    currency: str
    by_dimension: Mapping[str, tuple[LevelCount, ...]]
    freelance_by_dimension: Mapping[str, tuple[LevelCount, ...]]
    weighted: WeightedMedian | None = None

    def n_of(self, dimension: str, code: str) -> int | None:
        """The published n of one level of a dimension (employees; status for both)."""
        return dict(self.by_dimension.get(dimension, ())).get(code)


@dataclass(frozen=True)
class SampleMakeup:
    """Every country of one edition with a published overall cell, in the vocabulary's order."""

    year: int
    countries: tuple[CountrySample, ...]

    def country(self, code: str) -> CountrySample | None:
        return next((sample for sample in self.countries if sample.country == code), None)


def _one_filter_q(dimensions: tuple[str, ...]) -> Q:
    """The overall cell and the one-filter cells along `dimensions` (mission at "all")."""
    overall = {dimension: ALL for dimension in DIMENSIONS}
    condition = Q(**overall)
    for dimension in dimensions:
        others = {other: ALL for other in DIMENSIONS if other != dimension}
        condition |= Q(**others) & ~Q(**{dimension: ALL})
    return condition


def _levels(country: str, dimension: str) -> tuple[str, ...]:
    if dimension == "region":
        return vocab.REGIONS_BY_COUNTRY[country].codes
    return vocab.ALL[dimension].codes


def _weighted(row: StoredWeightedMedian) -> WeightedMedian:
    return WeightedMedian(
        published=row.published,
        reason=row.reason,
        dimensions=tuple(part for part in row.dimensions.split(",") if part),
        unweighted_p50=row.unweighted_p50 if row.published else None,
        weighted_p50=row.weighted_p50 if row.published else None,
        effective_n=row.effective_n if row.published else None,
        reference_source=row.reference_source,
        reference_url=row.reference_url,
        reference_year=row.reference_year,
    )


def sample_makeup(snapshot: Snapshot | PublishedSnapshot, *, year: int) -> SampleMakeup:
    """Who answered edition `year`, per country, read from the snapshot's published cells."""
    if isinstance(snapshot, PublishedSnapshot):
        snapshot = snapshot.snapshot
    rows = (
        Cell.objects.filter(
            _one_filter_q(EMPLOYEE_DIMENSIONS),
            snapshot=snapshot,
            year=year,
            metric__in=[Metric.SALARY, Metric.DAY_RATE],
            mission=ALL,
            mission_done=True,
        )
        .order_by()
        .values_list("metric", "country", "currency", "n", *EMPLOYEE_DIMENSIONS)
    )
    # (metric, country) -> {(dimension or "", code): n}
    counts: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    currencies: dict[str, str] = {}
    for metric, country, currency, n, *levels in rows:
        currencies[country] = currency
        key = ("", "")
        for dimension, code in zip(EMPLOYEE_DIMENSIONS, levels, strict=True):
            if code != ALL:
                key = (dimension, code)
        counts.setdefault((metric, country), {})[key] = int(n)
    weighted = {
        row.country: _weighted(row)
        for row in StoredWeightedMedian.objects.filter(
            snapshot=snapshot, year=year, metric=Metric.SALARY
        )
    }
    countries = []
    for country in vocab.COUNTRY.codes:
        if country not in currencies:
            continue
        employees = counts.get((Metric.SALARY, country), {})
        freelancers = counts.get((Metric.DAY_RATE, country), {})
        by_dimension: dict[str, tuple[LevelCount, ...]] = {
            "status": tuple(
                (status, counts.get((metric, country), {}).get(("", "")))
                for status, metric in STATUSES
            )
        }
        for dimension in EMPLOYEE_DIMENSIONS:
            by_dimension[dimension] = tuple(
                (code, employees.get((dimension, code))) for code in _levels(country, dimension)
            )
        freelance_by_dimension = {
            dimension: tuple(
                (code, freelancers.get((dimension, code))) for code in _levels(country, dimension)
            )
            for dimension in FREELANCE_DIMENSIONS
        }
        countries.append(
            CountrySample(
                country=country,
                currency=currencies[country],
                by_dimension=by_dimension,
                freelance_by_dimension=freelance_by_dimension,
                weighted=weighted.get(country),
            )
        )
    return SampleMakeup(year=year, countries=tuple(countries))
