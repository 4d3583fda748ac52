"""Editors comment the report in the admin: sanitized Markdown, published only, revisions kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from benchmarks.models import Snapshot
from reports.models import ReportText, ReportTextRevision
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

ADMIN = "/en/admin/reports/reporttext"
HOSTILE = (
    "**Pay rose** for [seniors](https://example.org/a).\n\n"
    "<script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))"
)


def text_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2026,
        "section": "experience",
        "body_fr": "**Les salaires montent** avec l’expérience.",
        "body_en": HOSTILE,
        "revision_note": "first draft",
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor_client(client: Client, db: None) -> Client:
    client.force_login(EditorFactory(username="grace"))
    return client


def test_a_text_shows_only_once_published_and_sanitized(
    editor_client: Client, snapshot: Snapshot
) -> None:
    response = editor_client.post(f"{ADMIN}/add/", text_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    text = ReportText.objects.get(year=2026, section="experience")

    hidden = Client().get("/en/report/2026/").content.decode()
    assert "Pay rose" not in hidden  # saved as a draft: not published

    response = editor_client.post(
        f"{ADMIN}/{text.pk}/change/", text_form(is_published="on", revision_note="publish")
    )
    assert response.status_code == 302
    english = Client().get("/en/report/2026/").content.decode()
    french = Client().get("/barometre/2026/").content.decode()

    start = english.index('id="experience"')
    part = english[start : english.index("</section>", start)]
    assert "<strong>Pay rose</strong>" in part  # in its own section
    assert 'href="https://example.org/a"' in english
    assert "<script>alert" not in english and "onerror" not in english
    assert "javascript:" not in english
    assert "<strong>Les salaires montent</strong>" in french and "Pay rose" not in french


def test_every_save_keeps_a_revision_and_a_rollback_adds_one(
    editor_client: Client, snapshot: Snapshot
) -> None:
    editor_client.post(f"{ADMIN}/add/", text_form(is_published="on"))
    text = ReportText.objects.get(year=2026, section="experience")
    editor_client.post(
        f"{ADMIN}/{text.pk}/change/",
        text_form(is_published="on", body_en="Second version.", revision_note="rewrite"),
    )

    revisions = list(ReportTextRevision.objects.filter(text=text).order_by("number"))
    assert [(r.number, r.body_en, r.note) for r in revisions] == [
        (1, HOSTILE, "first draft"),
        (2, "Second version.", "rewrite"),
    ]
    assert all(r.author is not None and r.author.username == "grace" for r in revisions)
    assert "Second version." in Client().get("/en/report/2026/").content.decode()

    page = editor_client.get(f"{ADMIN}/{text.pk}/revisions/1/")
    assert page.status_code == 200 and "Second version." in page.content.decode()  # the diff
    assert editor_client.post(f"{ADMIN}/{text.pk}/revisions/1/").status_code == 302

    text.refresh_from_db()
    assert text.body_en == HOSTILE
    assert ReportTextRevision.objects.filter(text=text).count() == 3
    assert "Second version." not in Client().get("/en/report/2026/").content.decode()


def test_a_text_must_be_written_in_one_language_at_least(
    editor_client: Client, snapshot: Snapshot
) -> None:
    assert editor_client.get(f"{ADMIN}/").status_code == 200
    assert editor_client.get(f"{ADMIN}/add/").status_code == 200

    response = editor_client.post(f"{ADMIN}/add/", text_form(body_fr="", body_en="  "))

    assert response.status_code == 200
    assert not ReportText.objects.exists()


def test_one_text_per_edition_and_section(editor_client: Client, snapshot: Snapshot) -> None:
    editor_client.post(f"{ADMIN}/add/", text_form())
    response = editor_client.post(f"{ADMIN}/add/", text_form(body_en="Again."))

    assert response.status_code == 200
    assert ReportText.objects.count() == 1


def test_the_introduction_opens_the_report(editor_client: Client, snapshot: Snapshot) -> None:
    editor_client.post(
        f"{ADMIN}/add/",
        text_form(section="introduction", body_en="Welcome to the *barometer*.", is_published="on"),
    )

    page = Client().get("/en/report/2026/").content.decode()

    assert page.index("Welcome to the <em>barometer</em>.") < page.index('id="headline"')
