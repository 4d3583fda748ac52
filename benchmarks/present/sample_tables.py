"""Who answered, as tables for a page: labels in the page's language, figures written once.

Dresses `benchmarks.read.sample.SampleMakeup` (published, perturbed counts;
weighted medians) for the methodology page: every count and amount through
`benchmarks.present.formatting`, a level that is not published written as
such, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benchmarks.present.formatting import count_text, money_text
from benchmarks.read.sample import CountrySample, LevelCount, SampleMakeup
from surveys import vocabulary as vocab

# Regions shown per country: the largest published ones (the others are counted as hidden).
TOP_REGIONS = 8

DIMENSION_TITLES = {
    "status": _("Status"),
    "experience": _("Experience in community roles"),
    "region": _("Region (largest published)"),
    "employer_size": _("Employer size (employees)"),
}
# What a weighting matches, inside "Weighted so that the sample's ... matches".
WEIGHTED_DIMENSIONS = {"employer_size": _("mix of employer sizes")}
REASONS = {
    "thin_cohort": _(
        "No weighted median: fewer than 10 employees answered in this country and edition."
    ),
    "thin_stratum": _(
        "No weighted median: at least one group of the reference has fewer than 10 answers, "
        "too few to be weighted up."
    ),
}


@dataclass(frozen=True)
class SampleRow:
    """One line of a table: a label and its written counts (one per column)."""

    label: str
    counts: tuple[str, ...]


@dataclass(frozen=True)
class SampleTable:
    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[SampleRow, ...]
    note: str = ""


@dataclass(frozen=True)
class WeightedText:
    """The weighted and unweighted medians, written, with the reference they follow."""

    published: bool
    unweighted: str
    weighted: str
    effective_n: str
    dimensions: str
    reason: str
    source: str
    url: str
    year: str


@dataclass(frozen=True)
class CountryTables:
    country: str
    name: str
    tables: tuple[SampleTable, ...]
    weighted: WeightedText | None


def _count(value: int | None) -> str:
    return gettext("not published") if value is None else count_text(value)


def _label(dimension: str, code: str) -> str:
    if dimension == "region":
        return vocab.REGION.label(code)
    return vocab.ALL[dimension].label(code)


def _table(sample: CountrySample, dimension: str, employees: tuple[LevelCount, ...]) -> SampleTable:
    freelancers = dict(sample.freelance_by_dimension.get(dimension, ()))
    with_freelancers = dimension in sample.freelance_by_dimension
    columns = (gettext("Employees"), gettext("Freelancers")) if with_freelancers else ()
    columns = columns or (gettext("Employees"),)
    lines = [(code, n, freelancers.get(code)) for code, n in employees]
    note = ""
    if dimension == "region":
        published = [line for line in lines if line[1] is not None or line[2] is not None]
        published.sort(key=lambda line: -max(line[1] or 0, line[2] or 0))
        hidden = len(lines) - min(len(published), TOP_REGIONS)
        lines = published[:TOP_REGIONS]
        if hidden:
            note = gettext("Other regions: not shown or not published.")
    rows = tuple(
        SampleRow(
            label=_label(dimension, code),
            counts=(_count(n), _count(freelance)) if with_freelancers else (_count(n),),
        )
        for code, n, freelance in lines
    )
    return SampleTable(
        id=f"{sample.country.lower()}-{dimension}",
        title=str(DIMENSION_TITLES[dimension]),
        columns=columns,
        rows=rows,
        note=note,
    )


def _weighted(sample: CountrySample) -> WeightedText | None:
    weighted = sample.weighted
    if weighted is None:
        return None
    dimensions = ", ".join(
        str(WEIGHTED_DIMENSIONS.get(dimension, dimension)) for dimension in weighted.dimensions
    )
    return WeightedText(
        published=weighted.published,
        unweighted=money_text(weighted.unweighted_p50, sample.currency),
        weighted=money_text(weighted.weighted_p50, sample.currency),
        effective_n=count_text(weighted.effective_n),
        dimensions=dimensions,
        reason=str(REASONS.get(weighted.reason, "")),
        source=weighted.reference_source,
        url=weighted.reference_url,
        year=str(weighted.reference_year or ""),
    )


def sample_tables(makeup: SampleMakeup) -> list[CountryTables]:
    """Each country's tables (status, experience, region, employer size) and weighted medians."""
    countries = []
    for sample in makeup.countries:
        status = SampleTable(
            id=f"{sample.country.lower()}-status",
            title=str(DIMENSION_TITLES["status"]),
            columns=(gettext("Answers"),),
            rows=tuple(
                SampleRow(label=vocab.STATUS.label(code), counts=(_count(n),))
                for code, n in sample.by_dimension["status"]
            ),
        )
        tables = [status]
        for dimension in ("experience", "region", "employer_size"):
            tables.append(_table(sample, dimension, sample.by_dimension[dimension]))
        countries.append(
            CountryTables(
                country=sample.country,
                name=vocab.COUNTRY.label(sample.country),
                tables=tuple(tables),
                weighted=_weighted(sample),
            )
        )
    return countries
