"""Snapshot builds as tasks (benchmarks.tasks): requests, states, refusals and lost workers.

Run with the immediate backend (the default: the build runs inside `enqueue()`)
unless a test switches to the database backend to look at its queue; a real
worker process is in tests/test_worker.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from benchmarks import tasks
from benchmarks.models import Snapshot, SnapshotBuild
from benchmarks.tasks import (
    LOST_AFTER,
    BuildInProgress,
    publish_snapshot,
    snapshot_build_request,
    snapshot_build_scheduled,
    snapshot_builds_recover,
)
from tests.benchmarks.conftest import MakeAnswers
from tests.factories import EditionFactory

State = SnapshotBuild.State
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_requested_build_publishes_a_snapshot_and_records_how_it_went(
    make_answers: MakeAnswers,
) -> None:
    make_answers(60, year=2026)

    build = snapshot_build_request(requested_by="editor1")

    current = Snapshot.objects.current().get()
    assert (build.state, build.in_progress, build.snapshot) == (State.PUBLISHED, False, current)
    assert build.requested_by == "editor1"
    assert build.editions is None
    assert build.started_at <= build.finished_at
    assert build.stage == f"snapshot #{current.pk} published: {current.cell_count} cells"
    assert build.task_id
    assert build.error == ""


def test_the_task_returns_the_snapshot_its_cells_and_timings(make_answers: MakeAnswers) -> None:
    make_answers(60, year=2026)
    build = SnapshotBuild.objects.create()

    result = publish_snapshot.enqueue(build.pk)

    current = Snapshot.objects.current().get()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["build"] == build.pk
    assert result.return_value["snapshot"] == current.pk
    assert result.return_value["cells"] == current.cell_count == current.cells.count()
    assert set(result.return_value["timings"]) >= {"read", "cells", "store"}


def test_a_builds_seconds_add_its_stages_once_not_the_reading_inside_them() -> None:
    # The groups read their answers inside "cells", on several processes at once:
    # the admin's and the command's seconds leave that sum out.
    snapshot = Snapshot(timings={"read": 5.5, "cells": 20.0, "pooling": 0.25, "store": 1.5})

    assert snapshot.build_seconds == 21.75


def test_a_build_rebuilds_only_the_editions_asked(make_answers: MakeAnswers) -> None:
    make_answers(60, year=2025, seed=1)
    make_answers(60, year=2026, seed=2)
    first = snapshot_build_request().snapshot

    build = snapshot_build_request(years=[2026, 2026])

    assert build.editions == [2026]
    assert build.snapshot.parameters["editions"] == [2026]
    assert build.snapshot.parameters["previous_snapshot"] == first.pk
    assert set(build.snapshot.cells.values_list("year", flat=True)) == {2025, 2026}


def test_a_failed_build_records_the_error_and_leaves_the_snapshot_in_place(
    make_answers: MakeAnswers,
) -> None:
    make_answers(60, year=2026)
    published = snapshot_build_request().snapshot

    build = snapshot_build_request(years=[1999])

    assert (build.state, build.in_progress, build.snapshot) == (State.FAILED, False, None)
    assert build.error.startswith("Unknown edition(s): 1999.")
    assert Snapshot.objects.current().get() == published


def test_a_failed_build_is_a_failed_task_result(make_answers: MakeAnswers) -> None:
    make_answers(60, year=2026)
    build = SnapshotBuild.objects.create(editions=[1999])

    result = publish_snapshot.enqueue(build.pk)

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "benchmarks.build.snapshots.SnapshotError"


def test_the_database_refuses_a_second_build_in_progress(db: None) -> None:
    SnapshotBuild.objects.create(state=State.RUNNING)

    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotBuild.objects.create()


def test_the_database_refuses_a_state_that_contradicts_in_progress(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotBuild.objects.create(state=State.PUBLISHED, in_progress=True)


def test_a_second_request_while_one_is_queued_is_refused_and_enqueues_nothing(
    db: None, settings: Any
) -> None:
    settings.TASKS = DATABASE_BACKEND
    queued = snapshot_build_request()

    with pytest.raises(BuildInProgress) as refused:
        snapshot_build_request()

    assert refused.value.build == queued
    assert str(refused.value) == f"Snapshot build #{queued.pk} is already queued."
    assert SnapshotBuild.objects.get() == queued
    assert str(DBTaskResult.objects.get().id) == queued.task_id


def test_with_the_database_backend_a_request_only_queues_the_build(
    make_answers: MakeAnswers, settings: Any
) -> None:
    settings.TASKS = DATABASE_BACKEND
    make_answers(60, year=2026)

    build = snapshot_build_request(years=[2026])

    task = DBTaskResult.objects.get(id=build.task_id)
    assert (build.state, build.in_progress) == (State.QUEUED, True)
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs == {"args": [build.pk], "kwargs": {}}
    assert not Snapshot.objects.exists()


def test_a_task_given_a_build_that_is_not_queued_does_not_build(
    make_answers: MakeAnswers,
) -> None:
    make_answers(60, year=2026)
    build = SnapshotBuild.objects.create(state=State.FAILED, in_progress=False)

    result = publish_snapshot.enqueue(build.pk)

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "benchmarks.tasks.BuildNotQueued"
    assert not Snapshot.objects.exists()


def test_a_build_that_cannot_be_enqueued_is_failed_and_blocks_nothing(
    make_answers: MakeAnswers, monkeypatch: Any
) -> None:
    make_answers(60, year=2026)

    class Unreachable:
        def enqueue(self, *args: Any) -> None:
            raise ConnectionError("queue unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(tasks, "publish_snapshot", Unreachable())
        with pytest.raises(ConnectionError):
            snapshot_build_request()

    failed = SnapshotBuild.objects.get()
    assert (failed.state, failed.error) == (
        State.FAILED,
        "Not queued: ConnectionError: queue unreachable",
    )
    assert snapshot_build_request().state == State.PUBLISHED


def test_the_schedule_queues_a_build_of_the_open_edition(db: None, settings: Any) -> None:
    settings.TASKS = DATABASE_BACKEND
    EditionFactory(year=2025, closed=True)
    EditionFactory(year=2026)

    build = snapshot_build_scheduled()

    assert build is not None
    assert (build.state, build.editions, build.requested_by) == (State.QUEUED, [2026], "schedule")


def test_the_schedule_skips_when_no_edition_is_open_or_a_build_is_active(
    db: None, settings: Any
) -> None:
    settings.TASKS = DATABASE_BACKEND
    EditionFactory(year=2026, closed=True)
    assert snapshot_build_scheduled() is None
    assert not SnapshotBuild.objects.exists()

    EditionFactory(year=2027)
    queued = snapshot_build_scheduled()

    assert snapshot_build_scheduled() is None
    assert SnapshotBuild.objects.get() == queued


# --- Lost workers ------------------------------------------------------------------------


def running_build(*, heard_from: timedelta, settings: Any) -> SnapshotBuild:
    """A build queued on the database backend, its worker last heard from `heard_from` ago."""
    settings.TASKS = DATABASE_BACKEND
    build = snapshot_build_request()
    DBTaskResult.objects.get(id=build.task_id).claim("worker-1")
    seen = timezone.now() - heard_from
    SnapshotBuild.objects.filter(pk=build.pk).update(
        state=State.RUNNING, started_at=seen, heartbeat_at=seen, stage="FR 2026: cells computed"
    )
    return build


def test_a_running_build_not_heard_from_is_failed_with_its_task(db: None, settings: Any) -> None:
    build = running_build(heard_from=LOST_AFTER + timedelta(seconds=1), settings=settings)

    lost = snapshot_builds_recover()

    build.refresh_from_db()
    task = DBTaskResult.objects.get(id=build.task_id)
    assert lost == [build]
    assert (build.state, build.in_progress) == (State.FAILED, False)
    assert build.error.startswith("The worker stopped during the build (last heard from at ")
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "benchmarks.tasks.WorkerLost"
    assert task.task_result.errors[0].exception_class is tasks.WorkerLost
    # Not requeued: the next request starts a new build.
    assert snapshot_build_request().pk != build.pk


def test_a_running_build_with_a_recent_heartbeat_is_left_alone(db: None, settings: Any) -> None:
    build = running_build(heard_from=LOST_AFTER - timedelta(seconds=5), settings=settings)

    assert snapshot_builds_recover() == []

    build.refresh_from_db()
    assert build.state == State.RUNNING
    assert DBTaskResult.objects.get(id=build.task_id).status == TaskResultStatus.RUNNING
    with pytest.raises(BuildInProgress):
        snapshot_build_request()


def test_a_queued_build_waits_for_a_worker_however_long(db: None, settings: Any) -> None:
    settings.TASKS = DATABASE_BACKEND
    build = snapshot_build_request()
    SnapshotBuild.objects.filter(pk=build.pk).update(requested_at=timezone.now() - 10 * LOST_AFTER)

    assert snapshot_builds_recover() == []


def test_a_queued_build_without_a_task_is_failed(db: None) -> None:
    build = SnapshotBuild.objects.create()
    SnapshotBuild.objects.filter(pk=build.pk).update(
        requested_at=timezone.now() - LOST_AFTER - timedelta(seconds=1)
    )

    assert snapshot_builds_recover() == [build]

    build.refresh_from_db()
    assert build.state == State.FAILED
    assert build.error.startswith("The build was never queued")


def test_a_queued_build_whose_task_a_worker_took_long_ago_is_failed(
    db: None, settings: Any
) -> None:
    settings.TASKS = DATABASE_BACKEND
    build = snapshot_build_request()
    long_ago = timezone.now() - LOST_AFTER - timedelta(seconds=1)
    SnapshotBuild.objects.filter(pk=build.pk).update(requested_at=long_ago)
    task = DBTaskResult.objects.get(id=build.task_id)
    task.claim("worker-1")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=long_ago)

    assert snapshot_builds_recover() == [build]

    build.refresh_from_db()
    assert build.error == "Its task is running but the build never started."
    assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.FAILED
