"""Editors publish and list snapshots in the admin."""

from __future__ import annotations

from django.urls import reverse as django_reverse
from django.utils import translation

from benchmarks.models import Snapshot


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
