"""Editors write guides in the admin: figures checked at save, every revision kept, rollback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guides.models import Guide, GuideRevision
from tests.factories import EditorFactory

ADMIN = "/en/admin/guides/guide"


def guide_form(**overrides: Any) -> dict[str, Any]:
    """The admin form's POST data for a new guide."""
    data: dict[str, Any] = {
        "slug": "kpi-cheatsheet",
        "position": 70,
        "is_published": "on",
        "roles": ["community-manager"],
        "title_fr": "Antisèche des KPI",
        "title_en": "KPI cheat sheet",
        "summary_fr": "",
        "summary_en": "",
        "body_fr": "Médiane : [[salary.p50 role=community-manager]].",
        "body_en": "Median: [[salary.p50 role=community-manager]].",
        "revision_note": "first draft",
    }
    data.update(overrides)
    return data


def change_form(guide: Guide, **overrides: Any) -> dict[str, Any]:
    """The admin form's POST data for an existing guide, as it stands, with changes."""
    data = guide_form(
        slug=guide.slug,
        position=guide.position,
        roles=list(guide.roles),
        revision_note="",
        **{name: getattr(guide, name) for name in guide.content()},
    )
    data.update(overrides)
    return data


@pytest.fixture
def editor_client(client: Client, db: None) -> Client:
    client.force_login(EditorFactory(username="ada"))
    return client


@pytest.mark.django_db
class TestFiguresAtSave:
    def test_an_unknown_figure_name_is_refused_with_the_token(self, editor_client: Client) -> None:
        response = editor_client.post(
            f"{ADMIN}/add/", guide_form(body_en="Median: [[salary.median role=moderator]].")
        )

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["body_en"][0].startswith(
            "[[salary.median role=moderator]]: Unknown figure name “salary.median”."
        )
        assert not Guide.objects.filter(slug="kpi-cheatsheet").exists()

    def test_a_bad_filter_code_is_refused_in_either_language(self, editor_client: Client) -> None:
        response = editor_client.post(
            f"{ADMIN}/add/", guide_form(body_fr="[[day_rate.p50 experience=3-6]]")
        )

        assert (
            response.context["adminform"]
            .form.errors["body_fr"][0]
            .startswith(
                "[[day_rate.p50 experience=3-6]]: experience: “3-6” is not a code; allowed: 0-2, "
            )
        )
        assert not Guide.objects.filter(slug="kpi-cheatsheet").exists()

    def test_a_guide_needs_a_title_and_a_body_in_one_language(self, editor_client: Client) -> None:
        response = editor_client.post(
            f"{ADMIN}/add/", guide_form(body_fr="", body_en="", title_fr="")
        )

        assert "Write the title and the body in at least one language." in (
            response.content.decode()
        )


@pytest.mark.django_db
class TestRevisions:
    def test_every_save_keeps_a_revision_with_its_author_and_time(
        self, editor_client: Client
    ) -> None:
        editor_client.post(f"{ADMIN}/add/", guide_form())
        guide = Guide.objects.get(slug="kpi-cheatsheet")
        editor_client.post(
            f"{ADMIN}/{guide.pk}/change/",
            change_form(guide, body_en="Median, revised.", revision_note="shorter"),
        )
        guide.refresh_from_db()
        # A save that changes nothing of the text adds no revision.
        editor_client.post(f"{ADMIN}/{guide.pk}/change/", change_form(guide, position=71))

        revisions = list(guide.revisions.order_by("number"))
        assert [(r.number, r.author.username, r.note) for r in revisions] == [
            (1, "ada", "first draft"),
            (2, "ada", "shorter"),
        ]
        assert revisions[0].body_en == "Median: [[salary.p50 role=community-manager]]."
        assert revisions[1].body_en == "Median, revised."
        assert revisions[0].created_at <= revisions[1].created_at
        guide.refresh_from_db()
        assert guide.position == 71 and guide.updated_by.username == "ada"

    def test_the_history_and_a_revision_page_show_what_changed(self, editor_client: Client) -> None:
        editor_client.post(f"{ADMIN}/add/", guide_form())
        guide = Guide.objects.get(slug="kpi-cheatsheet")
        editor_client.post(
            f"{ADMIN}/{guide.pk}/change/", change_form(guide, body_en="Median, revised.")
        )

        change_page = editor_client.get(f"{ADMIN}/{guide.pk}/change/").content.decode()
        revision_page = editor_client.get(f"{ADMIN}/{guide.pk}/revisions/1/").content.decode()

        assert f'href="{ADMIN}/{guide.pk}/revisions/1/"' in change_page
        assert f'href="{ADMIN}/{guide.pk}/revisions/2/"' in change_page
        assert "-Median: [[salary.p50 role=community-manager]]." in revision_page
        assert "+Median, revised." in revision_page
        assert "Restore revision 1" in revision_page

    def test_a_rollback_restores_an_old_revision_as_a_new_one(
        self, editor_client: Client, client: Client
    ) -> None:
        editor_client.post(f"{ADMIN}/add/", guide_form(body_en="The good text."))
        guide = Guide.objects.get(slug="kpi-cheatsheet")
        editor_client.post(
            f"{ADMIN}/{guide.pk}/change/", change_form(guide, body_en="A mistaken text.")
        )
        assert (
            "A mistaken text." in editor_client.get("/en/guides/kpi-cheatsheet/").content.decode()
        )

        response = editor_client.post(f"{ADMIN}/{guide.pk}/revisions/1/", follow=True)

        guide.refresh_from_db()
        assert guide.body_en == "The good text."
        assert "Revision 1 is restored, as revision 3." in response.content.decode()
        latest = guide.revisions.order_by("-number").first()
        assert (latest.number, latest.note, latest.author.username) == (
            3,
            "rollback to revision 1",
            "ada",
        )
        assert guide.revisions.get(number=2).body_en == "A mistaken text."  # history kept
        page = editor_client.get("/en/guides/kpi-cheatsheet/").content.decode()
        assert "The good text." in page and "A mistaken text." not in page

    def test_a_change_made_outside_the_admin_is_kept_before_the_next_save(
        self, editor_client: Client
    ) -> None:
        editor_client.post(f"{ADMIN}/add/", guide_form(body_en="Version one."))
        guide = Guide.objects.get(slug="kpi-cheatsheet")
        Guide.objects.filter(pk=guide.pk).update(body_en="Edited in a shell.")
        guide.refresh_from_db()

        editor_client.post(f"{ADMIN}/{guide.pk}/change/", change_form(guide, body_en="Version 3."))

        assert [r.body_en for r in guide.revisions.order_by("number")] == [
            "Version one.",
            "Edited in a shell.",
            "Version 3.",
        ]
        assert guide.revisions.get(number=2).author is None

    def test_visitors_cannot_restore_a_revision(self, client: Client, make_guide: Any) -> None:
        guide = make_guide()

        response = client.post(f"{ADMIN}/{guide.pk}/revisions/1/")

        assert response.status_code == 302 and "/login/" in response["Location"]
        assert GuideRevision.objects.filter(guide=guide).count() == 1
