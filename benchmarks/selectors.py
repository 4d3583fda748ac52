"""Reads: the one place where the ORM meets pandas, and where public figures are looked up.

Two kinds of read live here. The snapshot build reads raw accepted answers
(`responses_frame`); everything public — API, pages, guides, CSV, a
respondent's own position — reads the published snapshot only
(`current_snapshot`, `cell_lookup`, `cells_of`), never raw rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count

from benchmarks.models import ALL, DIMENSIONS, Cell, Snapshot
from surveys.models import SurveyResponse

# What the snapshot reads of an answer; money as integers, never Decimal.
FRAME_COLUMNS = (
    "year",
    "source",
    "status",
    "country",
    "region",
    "experience_years",
    "education",
    "employer_size",
    "employer_type",
    "role",
    "total_fte",
    "base_fte",
    "day_rate",
    "missions_mask",
    "kpis_mask",
)
_SELECT = """
    SELECT e.year, r.source, r.status, r.country, r.region, r.experience_years,
           r.education, r.employer_size, r.employer_type, r.role,
           r.total_fte, r.base_fte, r.day_rate, r.missions_mask, r.kpis_mask
    FROM surveys_surveyresponse r
    JOIN surveys_edition e ON e.id = r.edition_id
    WHERE r.state = %s {years}
"""
_DTYPES = {
    "year": "int64",
    "source": "object",
    "status": "object",
    "country": "object",
    "region": "object",
    "experience_years": "int64",
    "education": "object",
    "employer_size": "object",
    "employer_type": "object",
    "role": "object",
    "total_fte": "float64",
    "base_fte": "float64",
    "day_rate": "float64",
    "missions_mask": "int64",
    "kpis_mask": "int64",
}


def responses_frame(*, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Accepted answers as a DataFrame with FRAME_COLUMNS (money as float64, NaN when absent).

    On PostgreSQL the rows stream through `COPY ... TO STDOUT` (CSV), read by
    pandas in C: a million answers load in a few seconds, with no Python object
    per row. Elsewhere, one cursor fetch.
    """
    year_list = sorted(set(years)) if years is not None else None
    accepted = SurveyResponse.State.ACCEPTED
    if connection.vendor == "postgresql":
        years_sql = (
            f"AND e.year IN ({','.join(str(int(y)) for y in year_list)})" if year_list else ""
        )
        if year_list == []:
            years_sql = "AND FALSE"
        query = _SELECT.format(years=years_sql).replace("%s", "'" + accepted + "'")
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            names=list(FRAME_COLUMNS),
            dtype={k: v for k, v in _DTYPES.items() if v != "int64"} | {"year": "int64"},
            keep_default_na=False,
            na_values={"total_fte": [""], "base_fte": [""], "day_rate": [""]},
        )
    else:
        params: list[Any] = [str(accepted)]
        years_sql = ""
        if year_list is not None:
            years_sql = (
                "AND e.year IN (" + ",".join(["%s"] * len(year_list)) + ")"
                if year_list
                else "AND 1=0"
            )
            params += year_list
        with connection.cursor() as cursor:
            cursor.execute(_SELECT.format(years=years_sql), params)
            rows = cursor.fetchall()
        frame = pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS))
    for column, dtype in _DTYPES.items():
        if dtype == "object":
            frame[column] = frame[column].fillna("").astype(object)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def state_counts() -> pd.DataFrame:
    """How many answers each (year, country, status, state) holds: the snapshot's notes."""
    rows = (
        SurveyResponse.objects.values("edition__year", "country", "status", "state")
        .annotate(count=Count("id"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["edition__year", "country", "status", "state", "count"]
    )
    return frame.rename(columns={"edition__year": "year"})


def current_snapshot() -> Snapshot | None:
    """The published snapshot readers see (one query), or None before the first one."""
    return Snapshot.objects.current().first()


def cell_lookup(
    *,
    snapshot: Snapshot,
    metric: str,
    country: str,
    year: int,
    filters: Mapping[str, str] | None = None,
    mission: str = "",
    mission_done: bool = True,
) -> Cell | None:
    """The published cell of one cohort (one query), or None: suppressed and empty look alike."""
    filters = filters or {}
    lookup = {dimension: filters.get(dimension) or ALL for dimension in DIMENSIONS}
    return Cell.objects.filter(
        snapshot=snapshot,
        metric=metric,
        country=country,
        year=year,
        mission=mission,
        mission_done=mission_done,
        **lookup,
    ).first()


def breakdown_cells(
    *,
    snapshot: Snapshot,
    metric: str,
    country: str,
    year: int,
    filters: Mapping[str, str] | None = None,
    by: str,
) -> list[Cell]:
    """The published children of a cohort along one dimension, in the vocabulary's order.

    `by="mission"` gives the mission breakdown: for each mission, those who do it
    and those who do not (published only where the snapshot computed it).
    """
    filters = filters or {}
    lookup = {dimension: filters.get(dimension) or ALL for dimension in DIMENSIONS}
    queryset = Cell.objects.filter(snapshot=snapshot, metric=metric, country=country, year=year)
    if by == "mission":
        return list(queryset.filter(**lookup).exclude(mission=ALL))
    lookup.pop(by)
    return list(queryset.filter(mission=ALL, **lookup).exclude(**{by: ALL}))


def trend_cells(
    *, snapshot: Snapshot, metric: str, country: str, filters: Mapping[str, str] | None = None
) -> list[Cell]:
    """The cohort's published cell in every edition of the snapshot, oldest first."""
    filters = filters or {}
    lookup = {dimension: filters.get(dimension) or ALL for dimension in DIMENSIONS}
    return list(
        Cell.objects.filter(
            snapshot=snapshot, metric=metric, country=country, mission=ALL, **lookup
        ).order_by("year")
    )


def position_in_cell(cell: Cell, value: float) -> dict[str, Any]:
    """Where a value stands in a published cell, from its published percentiles only.

    Linear interpolation between the points (p10, 10), (p25, 25), (p50, 50),
    (p75, 75), (p90, 90) — those the cell publishes — rounded to a whole
    percentile. Outside the outermost published point the answer is a bound
    ("below", 10) rather than a number, so probing cannot rebuild raw values
    (DESIGN.md privacy rule 3).
    """
    points = [
        (getattr(cell, name), rank)
        for name, rank in (("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90))
        if getattr(cell, name) is not None
    ]
    values = np.array([v for v, _ in points], dtype=float)
    ranks = np.array([r for _, r in points], dtype=float)
    if value < values[0]:
        return {"percentile": None, "below": int(ranks[0]), "above": None}
    if value > values[-1]:
        return {"percentile": None, "below": None, "above": int(ranks[-1])}
    # np.interp needs increasing x; equal percentiles (ties) collapse to their middle rank.
    unique_values, inverse = np.unique(values, return_inverse=True)
    unique_ranks = np.array([ranks[inverse == i].mean() for i in range(unique_values.size)])
    percentile = float(np.interp(value, unique_values, unique_ranks))
    return {"percentile": int(np.floor(percentile + 0.5)), "below": None, "above": None}
