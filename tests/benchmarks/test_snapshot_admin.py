"""Editors publish and list snapshots in the admin, and follow the builds they asked for.

With the immediate tasks backend (the default) the build runs within the
request; with the database backend the request only queues it (a real worker
runs it in tests/test_worker.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse as django_reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from benchmarks.models import Snapshot, SnapshotBuild

State = SnapshotBuild.State


def reverse(name: str, *, args: list[object] | None = None) -> str:
    """The English admin's URLs, so that messages read in English."""
    with translation.override("en"):
        return django_reverse(name, args=args)


def test_an_editor_publishes_a_snapshot_from_the_admin_and_sees_it_listed(
    admin_client, make_answers
) -> None:
    make_answers(120, seed=21)

    response = admin_client.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)

    snapshot = Snapshot.objects.current().get()
    assert response.status_code == 200
    assert f"Snapshot #{snapshot.pk} published" in response.content.decode()
    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist"))
    assert f">{snapshot.pk}<" in listing.content.decode()
    detail = admin_client.get(reverse("admin:benchmarks_snapshot_change", args=[snapshot.pk]))
    assert "stage3_fenced" in detail.content.decode()


def test_publishing_with_no_answers_tells_the_editor_why(admin_client) -> None:
    response = admin_client.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)
    assert "No accepted answer to publish" in response.content.decode()
    assert not Snapshot.objects.current().exists()


def test_a_visitor_cannot_publish(client, db) -> None:
    response = client.post(reverse("admin:benchmarks_snapshot_publish"))
    assert response.status_code == 302 and "login" in response["Location"]
    french = client.get(django_reverse("admin:benchmarks_snapshot_changelist"))
    assert french.status_code == 302
    assert not Snapshot.objects.exists()


def test_the_list_shows_the_build_and_its_outcome(admin_client, make_answers) -> None:
    make_answers(120, seed=22)
    admin_client.post(reverse("admin:benchmarks_snapshot_publish"))
    build = SnapshotBuild.objects.get()

    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()

    snapshot_url = reverse("admin:benchmarks_snapshot_change", args=[build.snapshot_id])
    assert build.requested_by == "admin"
    assert f'id="snapshot-build-{build.pk}" data-state="published"' in listing
    assert f'<a href="{snapshot_url}">snapshot #{build.snapshot_id}</a>' in listing
    # Nothing in progress: the page does not refresh itself.
    assert 'http-equiv="refresh"' not in listing


def test_a_failed_build_shows_its_error(admin_client) -> None:
    admin_client.post(reverse("admin:benchmarks_snapshot_publish"))

    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()

    build = SnapshotBuild.objects.get()
    assert build.state == State.FAILED
    assert f"Failed: {build.error}" in listing


def test_a_running_build_shows_its_stage_and_the_page_follows_it(admin_client) -> None:
    started = timezone.now()
    SnapshotBuild.objects.create(
        state=State.RUNNING,
        started_at=started,
        heartbeat_at=started,
        stage="FR 2026: cells computed",
    )

    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()

    at = timezone.localtime(started).strftime("%H:%M:%S")
    assert f"Running since {at}: FR 2026: cells computed" in listing
    assert '<meta http-equiv="refresh" content="5">' in listing


def test_a_build_queued_for_long_asks_whether_the_worker_runs(admin_client) -> None:
    build = SnapshotBuild.objects.create(task_id="not-yet-taken")
    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()
    assert "Queued: waiting for a worker." in listing
    assert "No worker has taken it yet" not in listing

    SnapshotBuild.objects.filter(pk=build.pk).update(
        requested_at=timezone.now() - timedelta(minutes=2)
    )
    listing = admin_client.get(reverse("admin:benchmarks_snapshot_changelist")).content.decode()

    assert "No worker has taken it yet: is the worker (manage.py db_worker) running?" in listing


def test_a_second_publish_while_a_build_runs_is_refused(admin_client, make_answers) -> None:
    make_answers(120, seed=23)
    now = timezone.now()
    running = SnapshotBuild.objects.create(state=State.RUNNING, started_at=now, heartbeat_at=now)

    response = admin_client.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)

    assert (
        f"Snapshot build #{running.pk} is already running: no second build was started."
        in response.content.decode()
    )
    assert SnapshotBuild.objects.get() == running
    assert not Snapshot.objects.exists()


def test_with_a_worker_configured_publishing_only_queues_the_build(
    admin_client, make_answers, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_answers(120, seed=24)

    response = admin_client.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)

    build = SnapshotBuild.objects.get()
    page = response.content.decode()
    assert f"Snapshot build #{build.pk} queued: a worker builds and publishes it" in page
    assert f'id="snapshot-build-{build.pk}" data-state="queued"' in page
    assert DBTaskResult.objects.get(id=build.task_id).status == "READY"
    assert not Snapshot.objects.exists()

    again = admin_client.post(reverse("admin:benchmarks_snapshot_publish"), follow=True)

    assert f"Snapshot build #{build.pk} is already queued" in again.content.decode()
    assert DBTaskResult.objects.count() == 1


def test_the_publish_action_requests_a_build_too(admin_client, make_answers) -> None:
    make_answers(120, seed=25)
    admin_client.post(reverse("admin:benchmarks_snapshot_publish"))
    first = Snapshot.objects.current().get()

    admin_client.post(
        reverse("admin:benchmarks_snapshot_changelist"),
        {"action": "publish_new_snapshot", "_selected_action": [first.pk]},
    )

    build = SnapshotBuild.objects.latest("pk")
    assert SnapshotBuild.objects.count() == 2
    assert build.state == State.PUBLISHED
    assert Snapshot.objects.current().get() == build.snapshot != first
