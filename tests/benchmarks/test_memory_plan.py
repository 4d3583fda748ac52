"""Privacy rule 8's memory is written by probing the new cells, whatever the statistics said.

A second build stores its cells a moment before it writes the memory; the
statistics PostgreSQL sampled after the first build (autovacuum's) count no
cell of the new snapshot, and with them the planner compared every old cell
with every new one (a nested loop filtering on the cohort: over nine minutes at
372,757 cells a snapshot). `store.store_memory` refreshes the statistics of
the snapshot column first; this test makes them stale the same way, writes the
memory, and reads the plan the same statement gets.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.db import connection

from benchmarks.build import store
from benchmarks.layout import DIMENSIONS
from benchmarks.models import Cell, PastPublication, Snapshot

pytestmark = pytest.mark.django_db

COHORTS = 4_000
DROPPED = 25  # cohorts the second snapshot no longer publishes: remembered


def _cells(count: int) -> pd.DataFrame:
    """`count` distinct cohorts (by region and role) as the build hands them over."""
    cells = pd.DataFrame(
        {
            "metric": "salary",
            "country": "FR",
            "year": 2026,
            "mission": "",
            "mission_done": True,
            "carried": False,
            "currency": "EUR",
            "confidence": "high",
            "published_n": 40,
            "n": 41,
            "p10": 30_000.0,
            "p25": 33_000.0,
            "p50": 36_000.0,
            "p75": 40_000.0,
            "p90": 45_000.0,
            "median_ci_low": 35_000.0,
            "median_ci_high": 37_000.0,
            "smoothed_p50": float("nan"),
            "smoothed_p50_low": float("nan"),
            "smoothed_p50_high": float("nan"),
            "extras": "{}",
        },
        index=range(count),
    )
    for dimension in DIMENSIONS:
        cells[dimension] = ""
    cells["region"] = [f"r{i // 1000}" for i in range(count)]
    cells["role"] = [f"role{i % 1000}" for i in range(count)]
    return cells


def _plan(sql: str, params: list[int]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_memory_probes_the_new_cells_by_their_whole_key_after_stale_statistics(
    postgres: None,
) -> None:
    first = Snapshot.objects.create(status=Snapshot.Status.PUBLISHED)
    second = Snapshot.objects.create()
    store.store_cells(first, _cells(COHORTS))
    # Statistics sampled when only the first snapshot had cells, as after a build.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Cell._meta.db_table}")
    store.store_cells(second, _cells(COHORTS).iloc[DROPPED:])

    remembered = store.store_memory(second, first)

    assert remembered == DROPPED
    kept = PastPublication.objects.filter(snapshot=second)
    assert sorted(kept.values_list("role", flat=True)) == sorted(f"role{i}" for i in range(DROPPED))
    plan = _plan(store.memory_query(Cell), [second.pk, first.pk, second.pk])
    # The quadratic plan filters each pair of cells on the cohort ("Join Filter");
    # the probe looks each old cell's whole cohort up in the unique index.
    assert "Join Filter" not in plan, plan
    assert "Anti Join" in plan, plan
