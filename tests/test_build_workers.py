"""A build's groups on several processes (benchmarks.build.workers): the same snapshot.

The processes read the previous snapshot over their own connections, so these
tests commit their rows (transaction=True) and need a database other processes
can open: PostgreSQL (SQLite's in-memory test database builds in one process).
They put back what the migrations seeded (serialized_rollback: the price
indices). Such tests flush the database when they end, without the
post-migrate signal (no content types until the next one restores them), so
this module sits with the other transactional ones at the end of the run,
after the browser tests.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from django.db import transaction
from django.test import override_settings

from benchmarks.build import workers
from benchmarks.build.snapshots import snapshot_build, snapshot_publish
from benchmarks.models import Cell, Snapshot
from benchmarks.stats import StatsError
from surveys.models import SurveyResponse
from tests.answers import store_answers


def process_of(*, number: int) -> tuple[int, int]:
    """A task for workers.run: which process computed it."""
    return number, os.getpid()


def refuse(*, number: int) -> None:
    raise StatsError(f"task {number} refused")


def tasks(count: int) -> list[tuple[int, int, object]]:
    return [(number, number, lambda number=number: {"number": number}) for number in range(count)]


@pytest.mark.django_db
def test_a_build_inside_a_transaction_stays_in_its_process() -> None:
    # Other processes would not see the transaction's rows.
    assert transaction.get_connection().in_atomic_block
    assert workers.worker_count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_setting_says_how_many_processes(postgres: None) -> None:
    with override_settings(BENCHMARKS_BUILD_WORKERS=2):
        assert workers.worker_count() == 2
    with override_settings(BENCHMARKS_BUILD_WORKERS=1):
        assert workers.worker_count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tasks_run_in_other_processes_and_each_result_comes_back_with_its_key(
    postgres: None,
) -> None:
    results = dict(workers.run(process_of, tasks(6), workers=2))

    assert sorted(results) == list(range(6))
    assert all(number == key for key, (number, _pid) in results.items())
    processes = {pid for _number, pid in results.values()}
    assert os.getpid() not in processes
    assert 1 <= len(processes) <= 2
    # One process: all here.
    alone = dict(workers.run(process_of, tasks(3), workers=1))
    assert {pid for _number, pid in alone.values()} == {os.getpid()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_error_in_a_worker_fails_the_run_with_that_error(postgres: None) -> None:
    with pytest.raises(StatsError, match="refused"):
        list(workers.run(refuse, tasks(4), workers=2))


def built(previous: Snapshot | None, processes: int) -> tuple[pd.DataFrame, list[dict]]:
    with override_settings(BENCHMARKS_BUILD_WORKERS=processes):
        assert workers.worker_count() == processes
        result = snapshot_build(previous=previous, progress=None)
    return result.cells, [vars(model) for model in result.models]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_snapshot_built_on_two_processes_is_the_one_built_on_one(postgres: None) -> None:
    for year in (2025, 2026):
        store_answers(700, seed=year, year=year, country="FR")
    store_answers(300, seed=3, country="BE")
    with override_settings(BENCHMARKS_BUILD_WORKERS=1):
        first = snapshot_publish()
    # A few answers more: cohorts 1 to 9 answers away carry their figures
    # (privacy rule 8), read from the previous snapshot by each process.
    store_answers(4, seed=99, year=2026, country="FR")

    alone_cells, alone_models = built(first, 1)
    shared_cells, shared_models = built(first, 2)

    assert alone_cells["carried"].sum() > 0
    assert {"FR", "BE"} <= set(alone_cells["country"])
    pd.testing.assert_frame_equal(shared_cells, alone_cells, check_exact=True)
    assert shared_models == alone_models


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_group_failing_on_its_process_fails_the_build_and_leaves_no_cell(
    postgres: None,
) -> None:
    store_answers(700, seed=5, country="FR")
    store_answers(200, seed=6, country="BE")
    with override_settings(BENCHMARKS_BUILD_WORKERS=1):
        first = snapshot_publish()
    # A Belgian answer with a level outside the vocabulary (no validation on
    # this path): Belgium's group fails on its process, France's stores its cells.
    SurveyResponse.objects.filter(country="BE", status="employee").update(region="zz")

    with override_settings(BENCHMARKS_BUILD_WORKERS=2), pytest.raises(ValueError, match="zz"):
        snapshot_publish()

    failed = Snapshot.objects.exclude(pk=first.pk).get()
    assert failed.status == Snapshot.Status.FAILED and "zz" in failed.error
    assert not Cell._base_manager.filter(snapshot=failed).exists()
    assert Snapshot.objects.current().get() == first
