"""Median salaries weighted to a reference distribution, per country and edition (the build).

The survey is self-selected (DESIGN.md, Who answered). Where editors stored a
reference distribution for a country (`surveys.ReferenceShare`: say the share
of salaried employment by employer size, from INSEE), the build weights that
country's employees so the sample's mix matches it and stores the weighted
median beside the unweighted one (`benchmarks.models.WeightedMedian`):
post-stratification on one reference dimension, raking on several
(`benchmarks.stats.weighting`, where the weights, Kish's effective sample
size and the type-7-compatible weighted quantile are defined). Salaries only
(gross annual full-time equivalent, base + variable), on exactly the answers
the cells use (accepted, stage-3 fences applied).

Privacy (DESIGN.md "Privacy rules"):
- rule 1: published only when the country-edition's true count and every
  stratum's true count (a reference level, after merging the codes the
  source does not split) reach MIN_COHORT; otherwise no figure, and the
  reason stored. Every country with a reference gets a row in every edition
  built, even with no answer at all, so a missing row tells nothing;
- rule 4: both medians rounded to 100; the effective sample size rounded to
  a whole number (it is not a count of people, and is never shown as one);
- rule 8: where the last published weighted median of the country-edition
  was computed on a true count 1 to MIN_COHORT - 1 away, its figures are
  carried, as a cell's are.
The reference year used is the latest at or before the edition (else the
earliest stored): a reference describes the workforce, not the sample.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from benchmarks.models import MONEY_STEPS, Metric, Snapshot, WeightedMedian
from benchmarks.stats import MIN_COHORT, StatsError
from benchmarks.stats.perturbation import round_money
from benchmarks.stats.weighting import rake_weights, weighted_median_summary
from surveys.models import ReferenceShare

logger = logging.getLogger(__name__)

STEP = MONEY_STEPS[Metric.SALARY]


@dataclass(frozen=True)
class Reference:
    """One dimension's reference for one country: levels (code groups) and their shares."""

    dimension: str
    year: int
    levels: dict[str, tuple[str, ...]]  # level -> the vocabulary codes it covers
    shares: dict[str, float]  # level -> share (relative to their sum)
    source: str
    url: str

    def level_of(self, codes: pd.Series) -> pd.Series:
        """Each answer's level on this dimension (NaN where no level covers its code)."""
        mapping = {code: level for level, group in self.levels.items() for code in group}
        return codes.map(mapping)


def references_for(country: str, year: int) -> list[Reference]:
    """The country's stored references, one per dimension, the year chosen as above."""
    rows = list(ReferenceShare.objects.filter(country=country).order_by("dimension", "year"))
    references = []
    for dimension in sorted({row.dimension for row in rows}):
        years = sorted({row.year for row in rows if row.dimension == dimension})
        at_or_before = [ref_year for ref_year in years if ref_year <= year]
        chosen = at_or_before[-1] if at_or_before else years[0]
        chosen_rows = [row for row in rows if row.dimension == dimension and row.year == chosen]
        references.append(
            Reference(
                dimension=dimension,
                year=chosen,
                levels={row.level: row.codes() for row in chosen_rows},
                shares={row.level: float(row.share) for row in chosen_rows},
                source=chosen_rows[0].source,
                url=chosen_rows[0].source_url,
            )
        )
    return references


@dataclass(frozen=True)
class WeightedRelease:
    """A weighted median as a snapshot stores it (before the snapshot exists)."""

    country: str
    year: int
    dimensions: str
    published: bool
    reason: str
    unweighted_p50: int | None
    weighted_p50: int | None
    effective_n: int | None
    reference_source: str
    reference_url: str
    reference_year: int | None
    true_n: int
    carried: bool = False


def _last_published(country: str, year: int) -> WeightedMedian | None:
    return (
        WeightedMedian.objects.filter(
            country=country,
            year=year,
            metric=Metric.SALARY,
            published=True,
            snapshot__status=Snapshot.Status.PUBLISHED,
        )
        .order_by("-snapshot__published_at", "-pk")
        .first()
    )


def weighted_release(employees: pd.DataFrame, *, country: str, year: int) -> WeightedRelease | None:
    """One country-edition's weighted median, or None when the country has no reference."""
    references = references_for(country, year)
    if not references:
        return None
    first = references[0]
    base = WeightedRelease(
        country=country,
        year=year,
        dimensions=",".join(reference.dimension for reference in references),
        published=False,
        reason="",
        unweighted_p50=None,
        weighted_p50=None,
        effective_n=None,
        reference_source="; ".join(reference.source for reference in references)[:300],
        reference_url=first.url,
        reference_year=max(reference.year for reference in references),
        true_n=len(employees),
    )
    if len(employees) < MIN_COHORT:
        return replace(base, reason="thin_cohort")
    strata = [reference.level_of(employees[reference.dimension]) for reference in references]
    if any(column.isna().any() for column in strata):
        logger.warning("Reference of %s does not cover every answer's code: no weighting", country)
        return None
    for reference, column in zip(references, strata, strict=True):
        counts = column.value_counts()
        if any(int(counts.get(level, 0)) < MIN_COHORT for level in reference.levels):
            return replace(base, reason="thin_stratum")
    last = _last_published(country, year)
    if last is not None and 0 < abs(last.true_n - len(employees)) < MIN_COHORT:
        return WeightedRelease(
            country=country,
            year=year,
            dimensions=last.dimensions,
            published=True,
            reason="",
            unweighted_p50=last.unweighted_p50,
            weighted_p50=last.weighted_p50,
            effective_n=last.effective_n,
            reference_source=last.reference_source,
            reference_url=last.reference_url,
            reference_year=last.reference_year,
            true_n=last.true_n,
            carried=True,
        )
    try:
        weights = rake_weights(
            [column.to_numpy() for column in strata],
            [reference.shares for reference in references],
        )
        summary = weighted_median_summary(employees["total_fte"].to_numpy(dtype=float), weights)
    except StatsError as error:
        logger.warning("No weighted median for %s %s: %s", country, year, error)
        return None
    unweighted, weighted = round_money([summary.unweighted, summary.weighted], step=STEP)
    return replace(
        base,
        published=True,
        unweighted_p50=int(unweighted),
        weighted_p50=int(weighted),
        effective_n=round(summary.effective_n),
    )


def reference_countries() -> list[str]:
    """The countries with a reference distribution: their salary medians are weighted."""
    return sorted(set(ReferenceShare.objects.values_list("country", flat=True)))


def weighted_medians(kept: pd.DataFrame) -> list[WeightedRelease]:
    """Every country with a reference, in every edition of `kept` (the fenced answers).

    The build computes each country-edition's release on the process of its
    employees' group (`weighted_release`); this is the same over one frame.
    """
    countries = reference_countries()
    years = sorted(int(year) for year in np.unique(kept["year"].to_numpy()))
    employees = kept[(kept["status"] == "employee").to_numpy()]
    releases = []
    for year in years:
        for country in countries:
            rows = employees[(employees["year"] == year) & (employees["country"] == country)]
            release = weighted_release(rows, country=country, year=year)
            if release is not None:
                releases.append(release)
    return releases


def store_weighted_medians(
    snapshot: Snapshot,
    releases: Sequence[WeightedRelease],
    *,
    previous: Snapshot | None,
    years: Sequence[int] | None,
) -> int:
    """Store the build's weighted medians; an edition not rebuilt keeps the previous ones."""
    rows = [
        WeightedMedian(snapshot=snapshot, metric=Metric.SALARY, **release.__dict__)
        for release in releases
    ]
    if years is not None and previous is not None:
        for kept in WeightedMedian.objects.filter(snapshot=previous).exclude(year__in=years):
            kept.pk = None
            kept.snapshot = snapshot
            rows.append(kept)
    WeightedMedian.objects.bulk_create(rows)
    return len(rows)
