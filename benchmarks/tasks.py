"""Snapshot builds as background tasks: requested by an editor or a schedule, run by a worker.

`snapshot_build_request()` records a `SnapshotBuild` (queued) and enqueues the
`publish_snapshot` task, which runs `snapshot_publish` and writes the build's
state on that row: running with its current stage (the build's progress
messages), then published with its snapshot or failed with the error.

Which process runs it is a setting (TASKS in cmbench/settings.py): production
uses django_tasks_db's DatabaseBackend, and one `manage.py db_worker` on the
job host takes the queued builds (docs/operations.md); the default immediate
backend runs the build inside `enqueue()`, in the process that asked (`make
run`, the tests).

One build at a time, decided by the database: the partial unique index
`one_snapshot_build_in_progress` refuses a second queued-or-running row, so of
two editors clicking at once one gets a build and the other a refusal
(a check-then-insert would let both through).

A worker that dies mid-build (SIGKILL, the OOM killer, a machine lost) cannot
say so, and its build would block every later one. So while it builds, a
thread writes a heartbeat every HEARTBEAT_SECONDS, and `snapshot_builds_recover()`
(run by the admin and before every request) fails a running build not heard
from for LOST_AFTER, and its task result with it. Failed, never requeued: a
build that killed its worker by exhausting memory would kill the next one too.
The snapshot it was writing was never made current (snapshot_publish publishes
in one transaction at the end); the next build marks it failed.

The build lane (`benchmarks.build`, with pandas and scipy) is imported by the
task when it runs, never with this module: the admin imports it to queue a
build, and a web process that only queues one stays free of them. This module
stays at `benchmarks.tasks`: queued tasks and their results name it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.tasks import TaskResultStatus, task
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from benchmarks.models import SnapshotBuild
from surveys.models import Edition

logger = logging.getLogger(__name__)

# Seconds between two heartbeats of a running build, and how long without one
# before the build is declared lost. The margin covers a worker slowed by a
# loaded machine or a database briefly out of reach: a heartbeat is one UPDATE.
HEARTBEAT_SECONDS = 10.0
LOST_AFTER = timedelta(seconds=60)

State = SnapshotBuild.State


class BuildInProgress(Exception):
    """A build is already queued or running: a second one is not started."""

    def __init__(self, build: SnapshotBuild | None) -> None:
        super().__init__(
            f"Snapshot build #{build.pk} is already {build.state}."
            if build
            else "A snapshot build is already in progress."
        )
        self.build = build


class WorkerLost(Exception):
    """The worker running a build stopped without finishing it (the error its task records)."""


class BuildNotQueued(Exception):
    """The task was given a build that is not queued (already run, or declared lost)."""


def snapshot_build_request(
    *, years: Sequence[int] | None = None, requested_by: str = ""
) -> SnapshotBuild:
    """Record a build and enqueue its task; raise BuildInProgress while another one is active.

    `years`: the editions to rebuild (default every edition). With the immediate
    backend the build has run, published or failed, when this returns.
    """
    snapshot_builds_recover()
    try:
        # A savepoint of its own: the refused INSERT must not spoil a caller's transaction.
        with transaction.atomic():
            build = SnapshotBuild.objects.create(
                editions=sorted(set(years)) if years is not None else None,
                requested_by=requested_by,
            )
    except IntegrityError:
        raise BuildInProgress(SnapshotBuild.objects.in_progress().first()) from None
    try:
        result = publish_snapshot.enqueue(build.pk)
    except Exception as error:
        _finish(build.pk, state=State.FAILED, error=f"Not queued: {_describe(error)}")
        raise
    # A worker may already be running it: set the task id alone, not the whole row.
    SnapshotBuild.objects.filter(pk=build.pk).update(task_id=result.id)
    build.refresh_from_db()
    return build


def snapshot_build_scheduled() -> SnapshotBuild | None:
    """The schedule's build (docs/operations.md): the open edition, unless a build is active.

    Returns the build, or None when no edition is open or a build is already
    queued or running; the schedule's next run tries again.
    """
    years = list(Edition.objects.open().values_list("year", flat=True))
    if not years:
        logger.info("scheduled snapshot build skipped: no edition is open")
        return None
    try:
        return snapshot_build_request(years=years, requested_by="schedule")
    except BuildInProgress as busy:
        logger.warning("scheduled snapshot build skipped: %s", busy)
        return None


@task
def publish_snapshot(build_id: int) -> dict[str, Any]:
    """Build and publish a snapshot for the queued build `build_id`; record how it goes.

    Returns what a task result can carry (JSON): the build's and the snapshot's
    ids, the number of published cells and the build's timings in seconds. A
    failure raises, the backend records it, the build is marked failed and the
    previous snapshot stays current.
    """
    now = timezone.now()
    started = SnapshotBuild.objects.filter(pk=build_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now, heartbeat_at=now
    )
    if not started:
        raise BuildNotQueued(f"Snapshot build #{build_id} is not queued: not run again.")
    years = SnapshotBuild.objects.values_list("editions", flat=True).get(pk=build_id)
    from benchmarks.build.snapshots import snapshot_publish

    heartbeat = Heartbeat(build_id)
    heartbeat.start()
    try:
        snapshot = snapshot_publish(years=years, progress=lambda stage: _record(build_id, stage))
    except BaseException as error:
        # BaseException: the worker's second SIGTERM exits through here too.
        _finish(build_id, state=State.FAILED, error=_describe(error))
        raise
    finally:
        heartbeat.stop()
    _finish(build_id, state=State.PUBLISHED, snapshot_id=snapshot.pk)
    return {
        "build": build_id,
        "snapshot": snapshot.pk,
        "cells": snapshot.cell_count,
        "timings": snapshot.timings,
    }


class Heartbeat(threading.Thread):
    """Writes `heartbeat_at` on a running build every HEARTBEAT_SECONDS until stopped.

    A thread, because a build spends long stretches in pandas and in one
    transaction without a progress message. It has its own database
    connection (Django's are per thread), closed when it stops.
    """

    def __init__(self, build_id: int, *, every: float | None = None) -> None:
        super().__init__(name=f"snapshot-build-{build_id}-heartbeat", daemon=True)
        self.build_id = build_id
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.every):
                try:
                    SnapshotBuild.objects.filter(pk=self.build_id, state=State.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError as error:
                    # SQLite locked by the build's own store, or the database away a moment.
                    logger.warning("snapshot build #%s: no heartbeat: %s", self.build_id, error)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopping.set()
        # Not waited for long: a heartbeat stuck on a lock must not hold the task.
        self.join(timeout=2)


def snapshot_builds_recover(*, now: datetime | None = None) -> list[SnapshotBuild]:
    """Fail every build whose worker is gone; return them.

    Lost: running with no heartbeat for LOST_AFTER; or queued for LOST_AFTER
    with no task (its requester died before enqueueing), or with a task that a
    worker took or finished without the build ever starting.
    """
    now = now or timezone.now()
    since = now - LOST_AFTER
    lost = [
        (build, reason)
        for build in SnapshotBuild.objects.in_progress()
        if (reason := _lost_because(build, since=since))
    ]
    failed = []
    for build, reason in lost:
        with transaction.atomic():
            # Only if nothing moved since it was read: a late heartbeat keeps the build alive.
            marked = SnapshotBuild.objects.filter(
                pk=build.pk, state=build.state, heartbeat_at=build.heartbeat_at
            ).update(state=State.FAILED, in_progress=False, finished_at=now, error=reason)
            if marked and build.task_id:
                _fail_task_result(build.task_id, reason, now=now)
        if marked:
            logger.error("snapshot build #%s lost: %s", build.pk, reason)
            build.refresh_from_db()
            failed.append(build)
    return failed


def _lost_because(build: SnapshotBuild, *, since: datetime) -> str:
    """Why a build in progress will never finish, or "" while it still may."""
    if build.state == State.RUNNING:
        if build.heartbeat_at is not None and build.heartbeat_at >= since:
            return ""
        seen = timezone.localtime(build.heartbeat_at or build.started_at or since)
        return (
            f"The worker stopped during the build (last heard from at {seen:%Y-%m-%d %H:%M:%S}); "
            "the published snapshot was not changed."
        )
    if build.requested_at >= since:
        return ""
    if not build.task_id:
        return "The build was never queued (its request stopped before enqueueing it)."
    backend = publish_snapshot.get_backend()
    if not backend.supports_get_result:
        return ""
    try:
        result = backend.get_result(build.task_id)
    except TaskResultDoesNotExist:
        return "Its task no longer exists in the queue."
    if result.status == TaskResultStatus.READY:
        return ""  # waiting for a worker: not lost, only slow (the admin says so)
    if result.status == TaskResultStatus.RUNNING and (result.started_at or since) >= since:
        return ""  # taken a moment ago: the task is about to mark it running
    return f"Its task is {result.status.lower()} but the build never started."


def _fail_task_result(task_id: str, reason: str, *, now: datetime) -> None:
    """Mark a dead build's task result failed, for the backend that keeps results in the database.

    The backend cannot do it: only the worker that took a task finishes it.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(publish_snapshot.get_backend(), DatabaseBackend):
        return
    DBTaskResult.objects.filter(
        id=task_id, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=f"{WorkerLost.__qualname__}: {reason}",
    )


def _record(build_id: int, stage: str) -> None:
    """The build's progress message: logged, and stored as its current stage."""
    logger.info("snapshot build #%s: %s", build_id, stage)
    try:
        with transaction.atomic():
            SnapshotBuild.objects.filter(pk=build_id).update(
                stage=stage[:300], heartbeat_at=timezone.now()
            )
    except DatabaseError as error:
        # The stage is for the editor's eyes: never a reason to fail a build.
        logger.warning("snapshot build #%s: stage not recorded: %s", build_id, error)


def _finish(build_id: int, *, state: str, error: str = "", snapshot_id: int | None = None) -> None:
    """Record how the build ended (published or failed); it no longer blocks another."""
    SnapshotBuild.objects.filter(pk=build_id).update(
        state=state,
        in_progress=False,
        finished_at=timezone.now(),
        error=error[:4000],
        snapshot_id=snapshot_id,
    )


def _describe(error: BaseException) -> str:
    """What an editor reads: SnapshotError's message as written, the class name otherwise."""
    from benchmarks.build.snapshots import SnapshotError

    if isinstance(error, SnapshotError):
        return str(error)
    if isinstance(error, SystemExit | KeyboardInterrupt):
        # The worker's second SIGTERM or SIGINT (the first lets a build finish).
        return "Interrupted: the worker was stopped during the build."
    return f"{type(error).__name__}: {error}"
