"""Cells stored through `cmbench.db`'s one COPY helper read back exactly as built.

Booleans, money left empty (NULL), a dimension left empty ("all": "", never
NULL) and the JSON `extras` column, on whichever database the suite runs on
(a COPY in text format on PostgreSQL, executemany elsewhere).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.build.store import store_cells
from benchmarks.layout import DIMENSIONS
from benchmarks.models import Cell, Snapshot

pytestmark = pytest.mark.django_db

# Characters COPY's text format must escape (tab, newline, carriage return,
# backslash, and the backslash of JSON's \u00e9 for "é") and CSV must quote.
EXTRAS = {
    "under": [3, 5, 8, 9],
    "note": 'tab\there, new\nline, re\rturn, "é", quote " and backslash \\ kept',
}


def _built_cells() -> pd.DataFrame:
    """Two cells as the build hands them over: one thin and carried, one with tails."""
    extras = [EXTRAS, {}]
    cells = pd.DataFrame(
        {
            "metric": ["salary", "day_rate"],
            "country": ["FR", "FR"],
            "year": [2026, 2026],
            "mission": ["moderation", ""],
            "mission_done": [np.True_, np.False_],
            "carried": [True, False],
            "currency": ["EUR", "EUR"],
            "confidence": ["low", "high"],
            "published_n": [12, 240],
            "n": [11, 241],
            "p10": [np.nan, 301.0],
            "p25": [30_049.0, 352.0],
            "p50": [32_551.0, 400.0],
            "p75": [35_020.0, 452.0],
            "p90": [np.nan, 551.0],
            "median_ci_low": [31_000.0, 390.0],
            "median_ci_high": [34_000.0, 410.0],
            "smoothed_p50": [32_449.0, np.nan],
            "smoothed_p50_low": [31_550.0, np.nan],
            "smoothed_p50_high": [33_350.0, np.nan],
            "extras": [json.dumps(extra, separators=(",", ":")) for extra in extras],
        }
    )
    for dimension in DIMENSIONS:
        cells[dimension] = ""
    cells.loc[0, "role"] = "moderator"
    cells.loc[1, "region"] = np.nan  # an empty level reaches the store as NA too
    return cells


def test_cells_round_trip_booleans_null_money_empty_dimensions_and_json() -> None:
    snapshot = Snapshot.objects.create()

    assert store_cells(snapshot, _built_cells()) == 2

    stored = {cell.metric: cell for cell in Cell.objects.filter(snapshot=snapshot)}
    thin, wide = stored["salary"], stored["day_rate"]
    assert (thin.mission_done, thin.carried) == (True, True)
    assert (wide.mission_done, wide.carried) == (False, False)
    assert (thin.n, thin.true_n, wide.n, wide.true_n) == (12, 11, 240, 241)
    # Rounded where they become public (privacy rule 4): salaries to 100, day rates to 5.
    assert (thin.p10, thin.p25, thin.p50, thin.p75, thin.p90) == (
        None,
        30_000,
        32_600,
        35_000,
        None,
    )
    assert (wide.p10, wide.p50, wide.p90) == (300, 400, 550)
    assert (thin.smoothed_p50, wide.smoothed_p50, wide.smoothed_p50_high) == (32_400, None, None)
    assert thin.role == "moderator" and thin.region == "" and wide.region == ""
    assert all(
        getattr(cell, dimension) is not None for cell in (thin, wide) for dimension in DIMENSIONS
    )
    assert (thin.mission, wide.mission) == ("moderation", "")
    assert thin.extras == EXTRAS
    assert wide.extras == {}


def test_extras_written_and_read_through_the_orm_as_a_document() -> None:
    """`extras` (DocumentField) takes and gives back a dict through the ORM as through
    COPY: written compact, read parsed, whatever the column's type."""
    snapshot = Snapshot.objects.create()
    figures = {"n": 60, "confidence": "high", "currency": "EUR", "median_ci_low": 1}
    figures |= {"p25": 1, "p50": 2, "p75": 3, "median_ci_high": 3}
    cell = Cell.objects.create(
        snapshot=snapshot, metric="salary", country="FR", year=2026, extras=EXTRAS, **figures
    )
    cell.refresh_from_db()
    assert cell.extras == EXTRAS
    Cell.objects.filter(pk=cell.pk).update(extras={"kpis": [1, 2]})
    assert Cell.objects.values_list("extras", flat=True).get(pk=cell.pk) == {"kpis": [1, 2]}


def test_extras_column_is_text_on_postgresql() -> None:
    """On PostgreSQL `extras` is plain text: storing a snapshot parses no JSON on the server
    (jsonb's parse was a third of a snapshot's storing time)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the column's type is PostgreSQL's choice only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, data_type FROM information_schema.columns "
            "WHERE column_name = 'extras' AND table_name IN (%s, %s)",
            [Cell._meta.db_table, "benchmarks_pastpublication"],
        )
        types = dict(cursor.fetchall())
    assert types == {Cell._meta.db_table: "text", "benchmarks_pastpublication": "text"}
    snapshot = Snapshot.objects.create()
    assert store_cells(snapshot, _built_cells()) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT extras FROM {Cell._meta.db_table} WHERE snapshot_id = %s AND metric = %s",
            [snapshot.pk, "salary"],
        )
        (stored,) = cursor.fetchone()
    assert stored == json.dumps(EXTRAS, separators=(",", ":"))
