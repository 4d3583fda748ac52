"""An editor's journey in the admin: the flagged queue, an answer approved, a snapshot published.

In French, as the editors work: log in, open the moderation queue (newest
first), find an answer by its job title, open it, approve it with a note, then
publish a new snapshot from the snapshot list and see it published. The tests'
tasks backend is the immediate one (cmbench/settings.py, TASKS), so the build
runs within the publish request, as it does without a worker.

The queue, the answer's page and the snapshot list are each checked at both
sizes as every public page is (tests/browser/conftest.py: axe-core with no
serious or critical violation, nothing wider than the screen, a screenshot),
Django's admin chrome included: its search box names the field with an icon
only, which the surveys app's admin/surveys/search_form.html fixes.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

from benchmarks.models import Snapshot, SnapshotBuild
from surveys.models import Edition, FlaggedResponse, SurveyResponse
from tests.answers import store_answers
from tests.browser.conftest import DESKTOP, screenshots_at_both_sizes
from tests.factories import EditorFactory, SurveyResponseFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def check_admin_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Checked and saved as `editor-<name>-<width>.png` at both sizes, then back on a laptop."""
    screenshots_at_both_sizes(page, f"editor-{name}")
    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})


def test_an_editor_approves_a_flagged_answer_then_publishes_a_snapshot(
    open_page, transactional_db: None
) -> None:
    store_answers(240, seed=41, year=2026, state=Edition.State.OPEN, freelance_share=0.3)
    edition = Edition.objects.get(year=2026)
    older = SurveyResponseFactory(
        edition=edition,
        flagged=True,
        submitted_on=date(2026, 3, 2),
        job_title="Chargée de communication digitale",
        base_salary=14_000,
        variable_pay=None,
    )
    newer = SurveyResponseFactory(
        edition=edition,
        flagged=True,
        freelance=True,
        submitted_on=date(2026, 5, 9),
        job_title="Modératrice de nuit",
        day_rate=95,
    )
    EditorFactory(username="camille", password=PASSWORD)

    watched = open_page()
    page = watched.page

    # Log in: the admin sends a visitor to its login page first.
    page.goto("/admin/")
    page.wait_for_url("**/admin/login/**")
    page.fill("#id_username", "camille")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    # The queue, from the admin's index: newest first, counted in the plural.
    page.click("a[href='/admin/surveys/flaggedresponse/']")
    page.wait_for_url("**/admin/surveys/flaggedresponse/")
    assert answer_ids(page) == [str(newer.pk), str(older.pk)]
    with translation.override("fr"):
        # "2 réponses signalées" once the catalogue has it: a plural noun after a count.
        counted = f"2 {FlaggedResponse._meta.verbose_name_plural}"
        older_title = str(older)
    assert counted in page.locator(".paginator").inner_text()
    check_admin_page(page, "queue")

    # Search by job title, then open the answer.
    page.fill("#searchbar", "chargée")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=charg**")
    assert answer_ids(page) == [str(older.pk)]
    page.click(f"#result_list a[href*='/flaggedresponse/{older.pk}/change/']")
    page.wait_for_url(f"**/flaggedresponse/{older.pk}/change/**")

    # The answer's title names the edition by its year, never by its id.
    title = page.locator("#content h2").first.inner_text()
    assert title == older_title and "2026" in title, title
    check_admin_page(page, "answer")

    # Approve, with a note: back in the queue, which the answer has left.
    page.fill("#id_review_note", "Temps partiel vérifié")
    page.click("#moderation-decision input[name=_approve]")
    page.wait_for_url(re.compile(r"/admin/surveys/flaggedresponse/(\?.*)?$"))
    assert older_title in page.locator(".messagelist .success").inner_text()
    older.refresh_from_db()
    assert (older.state, older.review_note) == ("accepted", "Temps partiel vérifié")
    assert older.reviewed_by is not None and older.reviewed_by.username == "camille"
    page.goto("/admin/surveys/flaggedresponse/")
    assert answer_ids(page) == [str(newer.pk)]

    # Publish a new snapshot from the snapshot list, and see it published.
    page.goto("/admin/benchmarks/snapshot/")
    page.click("#content form[action$='/benchmarks/snapshot/publish/'] button[type=submit]")
    page.wait_for_url("**/admin/benchmarks/snapshot/")
    assert page.locator(".messagelist .success").count() == 1
    build = SnapshotBuild.objects.get()
    assert build.state == SnapshotBuild.State.PUBLISHED and build.snapshot is not None
    assert build.requested_by == "camille"
    snapshot = build.snapshot
    assert snapshot.status == Snapshot.Status.PUBLISHED and snapshot.is_current
    row = page.locator(f"#snapshot-build-{build.pk}")
    assert row.get_attribute("data-state") == "published"
    assert row.locator(f"a[href$='/benchmarks/snapshot/{snapshot.pk}/change/']").count() == 1
    check_admin_page(page, "snapshots")

    # The flagged freelancer stays out until an editor releases them.
    assert SurveyResponse.objects.get(pk=newer.pk).state == "flagged"
    watched.assert_clean()


def answer_ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The answers' numbers in the queue, top to bottom (Django's admin groups the digits
    of an id in French: "9 432")."""
    return [
        text.replace("\xa0", "").replace("\u202f", "")
        for text in page.locator("#result_list tbody th.field-id").all_inner_texts()
    ]
