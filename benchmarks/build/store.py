"""Storing a snapshot: cells, privacy rule 8's memory and profile models, in bulk.

Called by `snapshots.snapshot_publish` inside the transaction that makes the
snapshot current. Cells go in through `cmbench.db`'s one COPY helper (a COPY
on PostgreSQL, one executemany elsewhere), in key order; every amount is
rounded to its metric's step here, where it becomes public (DESIGN.md privacy
rule 4), and the true count is stored beside the published one for rule 8,
never to be published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db import connection

from benchmarks.layout import (
    COHORT_KEY_FIELDS,
    DIMENSIONS,
    PUBLIC_CELL_COLUMNS,
    SMOOTHED_CELL_COLUMNS,
)
from benchmarks.models import MONEY_STEPS, Cell, PastPublication, ProfileModel, Snapshot
from benchmarks.stats.perturbation import round_money
from cmbench.db import Table, TableWriter

if TYPE_CHECKING:
    from benchmarks.build.snapshots import ModelRelease

MONEY_COLUMNS = (
    *("p10", "p25", "p50", "p75", "p90", "median_ci_low", "median_ci_high"),
    *SMOOTHED_CELL_COLUMNS,
)
# Where privacy rule 8's memory comes from: published cells and the earlier memory.
SOURCES = {"cell": Cell, "past": PastPublication}


def published_money(values: pd.Series, metrics: pd.Series) -> pd.Series:
    """Amounts rounded to their metric's step (privacy rule 4); missing where not published."""
    amounts = values.to_numpy(dtype=np.float64, na_value=np.nan)
    # A few metrics over many cells: each metric's step is looked up once.
    codes, names = pd.factorize(metrics)
    step_of = {str(metric): step for metric, step in MONEY_STEPS.items()}
    steps = np.array([step_of[str(name)] for name in names], dtype=np.int64)[codes]
    rounded = np.full(amounts.shape, np.nan)
    for step in np.unique(steps).tolist():
        chosen = steps == step
        rounded[chosen] = round_money(amounts[chosen], step=int(step))
    return pd.Series(rounded, index=values.index).astype("Int64")


CELL_COLUMNS = (
    "snapshot_id",
    *PUBLIC_CELL_COLUMNS,
    *SMOOTHED_CELL_COLUMNS,
    "true_n",
    "carried",
    "pooled_from",
)
CELL_TABLE = Table(Cell, CELL_COLUMNS)
# Rows per COPY chunk: a chunk is rendered as Python strings (a few hundred bytes a
# row), so a smaller chunk bounds the build's peak memory at no measurable cost.
STORE_CHUNK = 10_000


def cell_table(snapshot: Snapshot, cells: pd.DataFrame) -> pd.DataFrame:
    """The rows a snapshot stores: published n, true n, money rounded (privacy rule 4)."""
    table = pd.DataFrame({"snapshot_id": snapshot.pk}, index=cells.index)
    for column in ("metric", "country", "year", *DIMENSIONS, "mission", "currency", "confidence"):
        table[column] = cells[column]
    table["mission_done"] = cells["mission_done"].astype(bool)
    table["carried"] = cells["carried"].fillna(False).astype(bool)
    table["n"] = cells["published_n"].astype(np.int64)
    table["true_n"] = cells["n"].astype(np.int64)
    for column in MONEY_COLUMNS:
        table[column] = published_money(cells[column], cells["metric"])
    table["extras"] = cells["extras"]
    # 0 for an ordinary cell; a thin country's pooled cell: its first edition (build.pooling).
    pooled_from = cells["pooled_from"] if "pooled_from" in cells.columns else 0
    table["pooled_from"] = pd.Series(pooled_from, index=cells.index).astype(np.int64)
    return table[list(CELL_COLUMNS)]


def store_cells(snapshot: Snapshot, cells: pd.DataFrame) -> int:
    """Insert the cells: one COPY on PostgreSQL, one executemany elsewhere."""
    if cells.empty:
        return 0
    # In key order, the unique index grows at its right edge: about twice as fast to fill.
    table = cell_table(snapshot, cells).sort_values(
        ["metric", "country", "year", *DIMENSIONS, "mission", "mission_done"], kind="stable"
    )
    # cmbench.db's one COPY encoder: text format on PostgreSQL, executemany elsewhere;
    # an empty dimension is "" ("all"), missing money NULL, `extras` JSON text as built.
    with TableWriter(CELL_TABLE, chunk_size=STORE_CHUNK) as writer:
        writer.write(table)
    return len(table)


def store_memory(snapshot: Snapshot, previous: Snapshot | None) -> int:
    """Privacy rule 8's memory: every cohort published before and not in this snapshot.

    The previous snapshot's cells and memory whose cohort this snapshot does not
    publish, with the figures they were last published with. One INSERT ...
    SELECT per source, probing the new cells through their unique index.

    On PostgreSQL the cells' `snapshot_id` statistics are refreshed first: the
    new snapshot's cells were stored a moment ago, and statistics sampled
    before them (autovacuum's, after the previous build) put them at one row,
    for which the planner materialises them and compares every pair of old and
    new cells (372,757 cells each: over nine minutes, where the probe takes 1.7 s).
    Sampling one column takes about 0.15 s there.
    """
    if previous is None:
        return 0
    stored = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {Cell._meta.db_table} (snapshot_id)")
        for model in SOURCES.values():
            cursor.execute(memory_query(model), [snapshot.pk, previous.pk, snapshot.pk])
            stored += max(cursor.rowcount, 0)
    return stored


def memory_query(source: type[Cell] | type[PastPublication]) -> str:
    """store_memory's INSERT ... SELECT from one source; parameters: the new snapshot,
    the previous one, the new one again."""
    columns = ", ".join(
        f'"{field.column}"'
        for field in PastPublication._meta.concrete_fields
        if field.name not in ("id", "snapshot")
    )
    # A pooled cell (build.pooling) is remembered like any other, under its own key:
    # the same cohort pooled over the same editions (pooled_from).
    same_cohort = " AND ".join(
        f'now."{Cell._meta.get_field(name).column}" = past."{name}"'
        for name in (*COHORT_KEY_FIELDS, "pooled_from")
    )
    return (
        f"INSERT INTO {PastPublication._meta.db_table} (snapshot_id, {columns}) "
        f"SELECT %s, {columns} FROM {source._meta.db_table} past "
        "WHERE past.snapshot_id = %s "
        "AND NOT EXISTS ("
        f"SELECT 1 FROM {Cell._meta.db_table} now "
        f"WHERE now.snapshot_id = %s AND {same_cohort})"
    )


def stored_model(snapshot: Snapshot, release: ModelRelease | ProfileModel) -> ProfileModel:
    """A model release (fresh, or an earlier snapshot's model kept) stored with ``snapshot``."""
    return ProfileModel(
        snapshot=snapshot,
        country=release.country,
        year=release.year,
        fitted=release.fitted,
        fitted_on=release.fitted_on,
        fitted_rows=release.fitted_rows,
        carried=release.carried,
    )


def copy_other_editions(snapshot: Snapshot, previous: Snapshot, years: Sequence[int]) -> int:
    """Editions not rebuilt keep the previous snapshot's cells and models unchanged."""
    columns = ", ".join(f'"{c}"' for c in CELL_COLUMNS if c != "snapshot_id")
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(years))
        cursor.execute(
            f"INSERT INTO {Cell._meta.db_table} (snapshot_id, {columns}) "
            f"SELECT %s, {columns} FROM {Cell._meta.db_table} "
            f"WHERE snapshot_id = %s AND year NOT IN ({placeholders})",
            [snapshot.pk, previous.pk, *years],
        )
        copied = cursor.rowcount
    # The count is of ordinary cells (Snapshot.cell_count); pooled ones copied are not in it.
    copied -= Cell.pooled.filter(snapshot=snapshot).count()
    ProfileModel.objects.bulk_create(
        [stored_model(snapshot, model) for model in previous.models.exclude(year__in=years)]
    )
    return copied
