"""Snapshot builds on a real worker: `manage.py db_worker` in a subprocess, as production runs it.

The test process and the worker share one database, so both must reach it and
see only committed rows: on PostgreSQL the test database itself (transactional
tests, flushed after each), on SQLite a file (the suite's in-memory database is
invisible to another process), migrated once per module and copied for each
test. The editor works through the admin's URLs with the test client; the
worker takes the queued build from the database backend's queue table.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import TaskResultStatus
from django.test import Client
from django.urls import reverse as django_reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from benchmarks import tasks
from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Snapshot, SnapshotBuild
from tests.answers import store_answers
from tests.factories import EditorFactory

# Transactional: the worker sees only committed rows. On SQLite the marker's
# database is the suite's in-memory one, and `shared_db` swaps in a file.
pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parent.parent
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
# Seconds: generous bounds for a loaded 2-core machine; a build here takes 2-5 s.
WORKER_DEADLINE = 90
# Enough answers that the build's cube takes a few seconds after its first stage,
# so that a kill lands mid-build (`test_a_worker_killed_mid_build_...` checks it did).
ANSWERS = 400


def reverse(name: str, *, args: list[object] | None = None) -> str:
    """The English admin's URLs, so that messages read in English."""
    with translation.override("en"):
        return django_reverse(name, args=args)


@dataclass
class SharedDatabase:
    """The database the test and the worker both use, and how a process or thread reaches it."""

    url: str
    wrapper: Callable[[], BaseDatabaseWrapper | None]

    def connect_this_thread(self) -> None:
        """Point a new thread's default connection at the shared database (SQLite only)."""
        if (made := self.wrapper()) is not None:
            connections["default"] = made


def _sqlite_wrapper(original: BaseDatabaseWrapper, path: Path) -> BaseDatabaseWrapper:
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict["NAME"] = str(path)
    return type(original)(settings_dict, alias="default")


@pytest.fixture(scope="module")
def sqlite_template(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Path | None:
    """An SQLite file with every migration applied, copied by each test; None on PostgreSQL."""
    if connections["default"].vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("worker-db") / "template.sqlite3"
    original = connections["default"]
    migrated = _sqlite_wrapper(original, path)
    with django_db_blocker.unblock():
        connections["default"] = migrated
        try:
            call_command("migrate", verbosity=0, interactive=False)
        finally:
            migrated.close()
            connections["default"] = original
    return path


@pytest.fixture
def shared_db(
    sqlite_template: Path | None,
    tmp_path: Path,
    django_db_blocker: Any,
    settings: Any,
) -> Iterator[SharedDatabase]:
    """The test's database, reachable by a worker subprocess, with the database task backend."""
    settings.TASKS = {"default": {"BACKEND": DATABASE_BACKEND}}
    if sqlite_template is None:
        params = connection.settings_dict
        url = (
            f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
            f"{params['PORT'] or 5432}/{params['NAME']}"
        )
        yield SharedDatabase(url=url, wrapper=lambda: None)
        return
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(sqlite_template, path)
    original = connections["default"]

    def wrapper() -> BaseDatabaseWrapper:
        # Each thread closes its own (a connection belongs to the thread that made it).
        return _sqlite_wrapper(original, path)

    with django_db_blocker.unblock():
        shared = connections["default"] = wrapper()
        try:
            yield SharedDatabase(url=f"sqlite:///{path}", wrapper=wrapper)
        finally:
            shared.close()
            connections["default"] = original


def processes_writing_to(log: Path) -> list[int]:
    """The processes whose standard output is `log`: a worker and whatever it started."""
    found = []
    for output in Path("/proc").glob("[0-9]*/fd/1"):
        try:
            if Path(os.readlink(output)) == log:
                found.append(int(output.parent.parent.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


@dataclass
class Worker:
    """`manage.py db_worker` in a subprocess, its output in a log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM: the worker finishes its task, if any, and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture
def start_worker(shared_db: SharedDatabase, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    """Start a worker on the shared database; every one started is stopped afterwards."""
    started: list[Worker] = []
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DJANGO_", "REDIS_", "DATABASE_", "TASKS_"))
        },
        "DATABASE_URL": shared_db.url,
        "TASKS_BACKEND": DATABASE_BACKEND,
        "DJANGO_SETTINGS_MODULE": "cmbench.settings",
        "SECRET_KEY": "worker-" + "k" * 50,
        "CMBENCH_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }

    def start() -> Worker:
        log = tmp_path / f"worker-{len(started) + 1}.log"
        process = subprocess.Popen(
            [
                sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
                "--interval", "0.1", "--worker-id", f"test-worker-{len(started) + 1}",
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(Worker(process=process, log=log))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def wait_for(
    condition: Callable[[], bool], *, what: str, worker: Worker, seconds: float = WORKER_DEADLINE
) -> None:
    """Poll `condition` every 0.05 s; fail with `what` and the worker's log after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}) before {what}\n"
                        f"{worker.tail()}")  # fmt: skip
        time.sleep(0.05)
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}\n{worker.tail()}")


def editor_client() -> Client:
    client = Client()
    client.force_login(EditorFactory())
    return client


def the_build() -> SnapshotBuild:
    return SnapshotBuild.objects.select_related("snapshot").get()


def test_a_worker_builds_and_publishes_the_snapshot_an_editor_asked_for(
    shared_db: SharedDatabase, start_worker: Callable[[], Worker]
) -> None:
    store_answers(ANSWERS, seed=31)
    editor = editor_client()

    response = editor.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)

    # The request only queued the build: no worker runs yet, nothing was built.
    build = the_build()
    page = response.content.decode()
    assert f"Snapshot build #{build.pk} queued" in page
    assert "Queued: waiting for a worker." in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert build.state == SnapshotBuild.State.QUEUED
    assert not Snapshot.objects.exists()
    task = DBTaskResult.objects.get(id=build.task_id)
    assert task.status == TaskResultStatus.READY
    assert task.task_path == "benchmarks.tasks.publish_snapshot"

    worker = start_worker()
    states_seen: list[str] = []

    def published() -> bool:
        state = SnapshotBuild.objects.values_list("state", flat=True).get(pk=build.pk)
        if not states_seen or states_seen[-1] != state:
            states_seen.append(state)
        return state in (SnapshotBuild.State.PUBLISHED, SnapshotBuild.State.FAILED)

    wait_for(published, what="the build to finish", worker=worker)

    build = the_build()
    assert build.state == SnapshotBuild.State.PUBLISHED, build.error
    assert states_seen[0] == SnapshotBuild.State.QUEUED
    assert states_seen[-1] == SnapshotBuild.State.PUBLISHED
    assert build.stage.startswith(f"snapshot #{build.snapshot_id} published")
    assert Snapshot.objects.current().get() == build.snapshot
    assert build.snapshot.cell_count > 0
    task = DBTaskResult.objects.get(id=build.task_id)
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["test-worker-1"]
    assert task.return_value["snapshot"] == build.snapshot_id
    listing = editor.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()
    snapshot_url = reverse("admin:benchmarks_snapshot_change", args=[build.snapshot_id])
    assert f'<a href="{snapshot_url}">snapshot #{build.snapshot_id}</a>' in listing
    assert '<meta http-equiv="refresh"' not in listing


def test_a_worker_killed_mid_build_leaves_the_published_snapshot_and_a_failed_build(
    shared_db: SharedDatabase, start_worker: Callable[[], Worker], monkeypatch: Any
) -> None:
    store_answers(ANSWERS, seed=32)
    previous = snapshot_publish()
    editor = editor_client()
    editor.post(reverse("admin:benchmarks_snapshot_publish"))
    build = the_build()
    worker = start_worker()

    def building() -> bool:
        return SnapshotBuild.objects.filter(pk=build.pk).exclude(stage="").exists()

    wait_for(building, what="the build's first stage", worker=worker)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=30)

    # Killed mid-build: the row still says running, with the stage it had reached.
    build = the_build()
    assert worker.process.returncode == -signal.SIGKILL
    assert build.state == SnapshotBuild.State.RUNNING, "the build ended before it was killed"
    # The build's own processes (benchmarks.build.workers) leave with it.
    deadline = time.monotonic() + 30
    while processes_writing_to(worker.log) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_writing_to(worker.log) == []
    assert Snapshot.objects.current().get() == previous
    assert Snapshot.objects.filter(status=Snapshot.Status.BUILDING).count() == 1
    listing = editor.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()
    started = timezone.localtime(build.started_at).strftime("%H:%M:%S")
    assert f"Running since {started}: {build.stage}" in listing

    # Another publish meanwhile is refused: the build still counts as running.
    refused = editor.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)
    assert f"Snapshot build #{build.pk} is already running" in refused.content.decode()
    assert SnapshotBuild.objects.count() == 1

    # No heartbeat for LOST_AFTER: the build and its task are failed, not requeued.
    monkeypatch.setattr(tasks, "LOST_AFTER", timedelta(seconds=1))
    time.sleep(1.5)
    listing = editor.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()
    build = the_build()
    assert build.state == SnapshotBuild.State.FAILED
    assert build.error.startswith("The worker stopped during the build")
    assert f"Failed: {build.error}" in listing
    task = DBTaskResult.objects.get(id=build.task_id)
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "benchmarks.tasks.WorkerLost"
    assert Snapshot.objects.current().get() == previous

    # A new worker publishes the next build cleanly.
    editor.post(reverse("admin:benchmarks_snapshot_publish"))
    retry = SnapshotBuild.objects.latest("pk")
    worker = start_worker()
    wait_for(
        lambda: not SnapshotBuild.objects.filter(pk=retry.pk, in_progress=True).exists(),
        what="the next build to finish",
        worker=worker,
    )
    retry.refresh_from_db()
    assert retry.state == SnapshotBuild.State.PUBLISHED, retry.error
    assert Snapshot.objects.current().get() == retry.snapshot != previous
    killed = Snapshot.objects.exclude(pk__in=[previous.pk, retry.snapshot_id]).get()
    assert (killed.status, killed.error) == (
        Snapshot.Status.FAILED,
        "interrupted before it was published",
    )
    assert DBTaskResult.objects.get(id=retry.task_id).status == TaskResultStatus.SUCCESSFUL


def test_of_editors_publishing_at_once_one_gets_a_build_and_the_others_a_refusal(
    shared_db: SharedDatabase,
) -> None:
    editors = 6
    barrier = threading.Barrier(editors)
    outcomes: list[str] = []

    def publish() -> None:
        shared_db.connect_this_thread()
        try:
            barrier.wait(timeout=30)
            tasks.snapshot_build_request(requested_by="editor")
            outcomes.append("queued")
        except tasks.BuildInProgress:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["queued"] + ["refused"] * (editors - 1)
    build = the_build()
    assert build.state == SnapshotBuild.State.QUEUED
    assert str(DBTaskResult.objects.get().id) == build.task_id


def test_the_heartbeat_keeps_a_running_build_alive_until_stopped() -> None:
    # On the suite's own database: the heartbeat's thread reaches it as the task's does.
    long_ago = timezone.now() - timedelta(hours=1)
    build = SnapshotBuild.objects.create(
        state=SnapshotBuild.State.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    heartbeat = tasks.Heartbeat(build.pk, every=0.05)

    heartbeat.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and build.heartbeat_at == long_ago:
            time.sleep(0.05)
            build.refresh_from_db()
    finally:
        heartbeat.stop()

    assert not heartbeat.is_alive()
    assert build.heartbeat_at > long_ago
    assert tasks.snapshot_builds_recover() == []
