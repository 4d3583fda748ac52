"""Thin countries' cells pooled over their last three editions (DESIGN.md, Thin data).

A country whose latest edition publishes fewer than `layout.POOL_THRESHOLD`
main-table salary cells is *thin*: beside its ordinary cells, the snapshot
publishes the cube of its answers of the last three editions (the latest
included), each amount brought to the latest edition's money with the
country's consumer price index (`surveys.PriceIndex`, data with its source):

    amount in latest money = amount * index(latest) / index(edition of the answer)

The pooled answers then go through exactly the machinery of an ordinary
edition (`snapshots._metric_published`): the cube with type-7 quantiles and
the median's exact interval, thresholds and secondary suppression on true
counts (rules 1, 2), perturbed counts from the record keys of the pooled
responses (rule 3: record keys are per response, so a pooled cell's key is
the sum of its responses' keys, as for any cell), money rounded when stored
(rule 4), comparisons on the answers behind published children (rule 6).
Stage-3 fences were applied per edition beforehand; a fence on log values is
unchanged by multiplying an edition's amounts by one factor.

Pooled cells are stored with `Cell.pooled_from` = the first pooled edition and
`year` = the latest; their extras carry "pooled": the editions, each
edition's price factor and the index's source. Ordinary reads never see them
(`Cell.objects` leaves them out). Privacy rule 8 holds for them as for any
cell: a pooled cohort is compared with its last publication over the same
editions (the previous snapshot's pooled cells and the memory,
`PastPublication.pooled_from`), and carried when its true n moved by 1 to 9.
When the latest edition changes, the window slides (2024-2026, then
2025-2027): those are different cohorts, each with its own memory. No smoothed
median for pooled cells. A country misses its pooled view when one of the three
editions has no price index: no constant money, never a guess.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.build import inputs
from benchmarks.layout import ALL, DIMENSIONS, POOL_THRESHOLD, SMOOTHED_CELL_COLUMNS
from benchmarks.models import Metric, Snapshot
from benchmarks.stats import MIN_COHORT
from surveys.models import Edition, PriceIndex, SurveyResponse

logger = logging.getLogger(__name__)

# How many editions a thin country's view pools, the latest included.
POOLED_EDITIONS = 3
# The amounts of an answer that a price factor brings to the latest edition's money.
MONEY_COLUMNS = ("total_fte", "base_fte", "day_rate")


def latest_edition() -> int | None:
    """The latest edition with accepted answers: the one readers see by default."""
    years = SurveyResponse.objects.accepted().values_list("edition__year", flat=True)
    latest = years.order_by("-edition__year").first()
    return int(latest) if latest is not None else None


def pooled_years(latest: int) -> list[int]:
    """The last POOLED_EDITIONS editions of the survey, up to `latest` included, oldest first."""
    years = (
        Edition.objects.filter(year__lte=latest)
        .order_by("-year")
        .values_list("year", flat=True)[:POOLED_EDITIONS]
    )
    return sorted(int(year) for year in years)


def salary_cell_counts(cells: pd.DataFrame, *, year: int) -> dict[str, int]:
    """How many main-table salary cells each country publishes in edition `year`."""
    if cells.empty:
        return {}
    main = cells[
        (cells["metric"] == Metric.SALARY) & (cells["year"] == year) & (cells["mission"] == ALL)
    ]
    return {str(country): int(count) for country, count in main.groupby("country").size().items()}


def thin_countries(cells: pd.DataFrame, *, year: int, countries: Sequence[str]) -> list[str]:
    """The countries among `countries` publishing fewer than POOL_THRESHOLD salary cells."""
    counts = salary_cell_counts(cells, year=year)
    return sorted(country for country in countries if counts.get(country, 0) < POOL_THRESHOLD)


def price_factors(*, country: str, years: Sequence[int]) -> tuple[dict[int, float], str] | None:
    """{edition: index(latest) / index(edition)} and the index's source, or None if one is missing.

    The latest edition is the last of `years` (factor 1). Sources of several
    years are joined when they differ.
    """
    rows = {
        row.year: row for row in PriceIndex.objects.filter(country=country, year__in=list(years))
    }
    if any(year not in rows for year in years):
        return None
    latest = float(rows[years[-1]].value)
    factors = {year: latest / float(rows[year].value) for year in years}
    sources = list(dict.fromkeys(rows[year].source for year in years))
    return factors, "; ".join(sources)


def deflated(rows: pd.DataFrame, factors: dict[int, float]) -> pd.DataFrame:
    """The answers with every amount brought to the latest edition's money (unrounded)."""
    rows = rows.copy()
    factor = rows["year"].map(factors).to_numpy(dtype=np.float64)
    for column in MONEY_COLUMNS:
        rows[column] = rows[column].to_numpy(dtype=np.float64) * factor
    return rows


def pooled_cells(
    *,
    cells: pd.DataFrame,
    years: Sequence[int] | None,
    read_years: Sequence[int],
    countries: Sequence[str],
    previous: Snapshot | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The published pooled cells of every thin country, and what the notes say about them.

    `cells` holds the build's ordinary published cells, `years` the editions it
    rebuilds (None: all), `read_years` the editions it read answers of and
    `countries` the countries it read, `previous` the snapshot whose pooled
    cells privacy rule 8 compares with. Nothing is pooled unless the build
    rebuilds the latest edition (otherwise the previous snapshot's pooled cells
    are kept with that edition's cells). The thin countries' answers of the
    pooled editions are read and fenced here, as each group's are.
    """
    # Imported here: the snapshot build imports this module.
    from benchmarks.build.snapshots import STATUSES, _fence, experience_bands, metrics_published

    # A whole build read every accepted answer: its latest year is the latest edition.
    latest = max(read_years) if years is None and read_years else latest_edition()
    if latest is None or (years is not None and latest not in years):
        return pd.DataFrame(), {}
    editions = pooled_years(latest)
    thin = thin_countries(cells, year=latest, countries=countries)
    if not thin:
        return pd.DataFrame(), {}
    rows = inputs.responses_frame(years=editions, countries=thin)
    if not rows.empty:
        rows["experience"] = experience_bands(rows["experience_years"])
        rows, _fenced = _fence(rows)
    notes: dict[str, Any] = {}
    frames = []
    for country in thin:
        prices = price_factors(country=country, years=editions)
        if prices is None:
            logger.warning(
                "No pooled view for %s: a price index is missing for %s", country, editions
            )
            notes[country] = {"editions": editions, "skipped": "price index missing"}
            continue
        factors, source = prices
        answered = sorted(rows.loc[rows["country"] == country, "year"].unique().tolist())
        if len(answered) < 2:
            # One edition only: the pooled view would repeat the edition's own cells.
            notes[country] = {"editions": editions, "skipped": "answers in one edition only"}
            continue
        country_rows = deflated(rows[rows["country"] == country], factors)
        pooled_info = {
            "editions": editions,
            "price_factors": {str(year): round(factors[year], 4) for year in editions},
            "index_source": source,
        }
        published_count = 0
        for status in STATUSES:
            subset = country_rows[country_rows["status"] == status]
            if len(subset) < MIN_COHORT:
                continue
            for _spec, published in metrics_published(
                subset,
                status=status,
                country=country,
                year=latest,
                previous=previous,
                pooled_from=editions[0],
            ):
                if published.empty:
                    continue
                published["extras"] = [
                    json.dumps({**json.loads(extras), "pooled": pooled_info}, separators=(",", ":"))
                    for extras in published["extras"]
                ]
                published["pooled_from"] = editions[0]
                frames.append(published)
                published_count += len(published)
        notes[country] = {**pooled_info, "cells": published_count}
    if not frames:
        return pd.DataFrame(), notes
    pooled = pd.concat(frames, ignore_index=True)
    for column in DIMENSIONS:
        if column not in pooled.columns:
            pooled[column] = ALL
    for column in SMOOTHED_CELL_COLUMNS:
        pooled[column] = np.nan
    return pooled, notes
