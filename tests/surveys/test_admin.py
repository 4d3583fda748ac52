"""The editors' admin: editions, the moderation queue, bulk review, an answer's
approve / reject buttons, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from surveys.validation import FIELD_NAMES
from tests.factories import EditionFactory, EditorFactory, SurveyResponseFactory, UserFactory

ADMIN = "/en/admin/surveys"


def act(client: Client, model: str, action: str, objects: list[Any]) -> Any:
    """Run an admin action on the changelist of `model`, as the action menu does."""
    return client.post(
        f"{ADMIN}/{model}/",
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


@pytest.mark.django_db
class TestEditions:
    def test_opening_an_edition_closes_the_open_one(self, editor_client: Client) -> None:
        old = EditionFactory(year=2025)
        new = EditionFactory(year=2026, closed=True)

        response = act(editor_client, "edition", "open_edition", [new])

        old.refresh_from_db()
        new.refresh_from_db()
        assert (old.state, new.state) == ("closed", "open")
        assert "The 2026 edition is open. Closed: 2025." in response.content.decode()

    def test_it_opens_one_edition_at_a_time(self, editor_client: Client) -> None:
        editions = [EditionFactory(year=2024, closed=True), EditionFactory(year=2025, closed=True)]

        response = act(editor_client, "edition", "open_edition", editions)

        assert "Select exactly one edition to open." in response.content.decode()
        assert not Edition.objects.open().exists()

    def test_closing_editions(self, editor_client: Client) -> None:
        edition = EditionFactory(year=2026)

        response = act(editor_client, "edition", "close_editions", [edition])

        edition.refresh_from_db()
        assert edition.state == "closed"
        assert "1 edition closed." in response.content.decode()

    def test_the_list_shows_years_as_years_and_counts_answers(self, editor_client: Client) -> None:
        SurveyResponseFactory.create_batch(3, edition=EditionFactory(year=2026))

        page = editor_client.get(f"{ADMIN}/edition/").content.decode()

        assert '<th class="field-edition_year"><a href="' in page
        assert ">2026</a>" in page
        assert '<td class="field-answer_count">3</td>' in page

    def test_the_state_is_not_editable_in_the_form(self, editor_client: Client) -> None:
        edition = EditionFactory(year=2026, closed=True)

        page = editor_client.get(f"{ADMIN}/edition/{edition.pk}/change/").content.decode()

        assert 'name="state"' not in page
        assert 'name="opens_on"' in page


@pytest.mark.django_db
class TestModeration:
    def test_the_queue_shows_only_flagged_answers(self, editor_client: Client) -> None:
        flagged = SurveyResponseFactory(flagged=True, base_salary=15_000, variable_pay=None)
        accepted = SurveyResponseFactory()

        response = editor_client.get(f"{ADMIN}/flaggedresponse/")

        shown = {row.pk for row in response.context["cl"].result_list}
        assert shown == {flagged.pk}
        assert accepted.pk not in shown
        assert "full-time salary under the legal minimum" in response.content.decode()

    def test_release_accepts_flagged_answers_and_records_who(self, editor_client: Client) -> None:
        flagged = SurveyResponseFactory(flagged=True)
        accepted = SurveyResponseFactory()

        response = act(editor_client, "flaggedresponse", "release", [flagged, accepted])

        flagged.refresh_from_db()
        accepted.refresh_from_db()
        assert flagged.state == "accepted"
        assert flagged.reviewed_by is not None and flagged.reviewed_by.is_staff
        assert flagged.reviewed_at is not None
        assert accepted.reviewed_at is None
        assert "1 answer released." in response.content.decode()

    def test_reject_keeps_withdrawn_answers_withdrawn(self, editor_client: Client) -> None:
        flagged = SurveyResponseFactory(flagged=True, freelance=True, day_rate=90)
        withdrawn = SurveyResponseFactory(state=SurveyResponse.State.WITHDRAWN)

        response = act(editor_client, "surveyresponse", "reject", [flagged, withdrawn])

        flagged.refresh_from_db()
        withdrawn.refresh_from_db()
        assert (flagged.state, withdrawn.state) == ("rejected", "withdrawn")
        assert flagged.reviewed_at is not None
        assert "1 answer rejected." in response.content.decode()

    def test_changing_the_state_in_the_form_records_the_review(self, editor_client: Client) -> None:
        flagged = SurveyResponseFactory(flagged=True)
        url = f"{ADMIN}/surveyresponse/{flagged.pk}/change/"
        page = editor_client.get(url).content.decode()
        assert '<option value="withdrawn"' not in page

        editor_client.post(url, {"state": "accepted", "review_note": "Checked: part-time trainee"})

        flagged.refresh_from_db()
        assert (flagged.state, flagged.review_note) == ("accepted", "Checked: part-time trainee")
        assert flagged.reviewed_at is not None
        assert flagged.job_title == "Community manager"

    def test_the_answer_page_shows_readable_missions_and_no_receipt_hash(
        self, editor_client: Client
    ) -> None:
        answer = SurveyResponseFactory(
            missions_mask=vocab.mask_of(["animation", "crisis"], vocab.MISSIONS),
            receipt_hash="f" * 64,
        )

        page = editor_client.get(f"{ADMIN}/surveyresponse/{answer.pk}/change/").content.decode()

        assert "Community engagement (animation), Crisis management (crisis)" in page
        assert "f" * 64 not in page

    @pytest.mark.parametrize("model", ["surveyresponse", "flaggedresponse"])
    def test_editors_never_see_nor_set_the_record_key(
        self, editor_client: Client, model: str
    ) -> None:
        answer = SurveyResponseFactory(flagged=True, record_key=201)

        listing = editor_client.get(f"{ADMIN}/{model}/").content.decode()
        change = editor_client.get(f"{ADMIN}/{model}/{answer.pk}/change/")
        saved = editor_client.post(
            f"{ADMIN}/{model}/{answer.pk}/change/",
            {"state": "accepted", "review_note": "ok", "record_key": "7"},
        )

        page = change.content.decode()
        for text in (listing, page):
            assert "record_key" not in text and "record key" not in text.lower()
        assert "record_key" not in change.context["adminform"].form.fields
        assert saved.status_code == 302
        answer.refresh_from_db()
        assert (answer.state, answer.record_key) == ("accepted", 201)

    def test_demo_answers_carry_a_visible_badge(self, editor_client: Client) -> None:
        SurveyResponseFactory(demo=True)

        demo_only = editor_client.get(f"{ADMIN}/surveyresponse/", {"source__exact": "demo"})
        real_only = editor_client.get(f"{ADMIN}/surveyresponse/", {"source__exact": "survey"})

        assert '<span class="demo-badge">DEMO</span>' in demo_only.content.decode()
        assert len(demo_only.context["cl"].result_list) == 1
        assert '<span class="demo-badge">' not in real_only.content.decode()

    def test_staff_who_may_only_view_answers_cannot_release_them(self, client: Client) -> None:
        reader = UserFactory(is_staff=True)
        reader.user_permissions.add(
            Permission.objects.get(codename="view_surveyresponse"),
            Permission.objects.get(codename="view_flaggedresponse"),
        )
        client.force_login(reader)
        flagged = SurveyResponseFactory(flagged=True)

        queue = client.get(f"{ADMIN}/flaggedresponse/")
        act(client, "flaggedresponse", "release", [flagged])

        assert queue.status_code == 200
        assert 'value="release"' not in queue.content.decode()
        flagged.refresh_from_db()
        assert flagged.state == "flagged"

    def test_visitors_cannot_reach_the_admin(self, client: Client, db: None) -> None:
        client.force_login(UserFactory())

        response = client.get(f"{ADMIN}/flaggedresponse/")

        assert response.status_code == 302
        assert "/login/" in response["Location"]


def shown(response: Any) -> list[int]:
    """The ids of the answers a changelist shows, in its order."""
    return [row.pk for row in response.context["cl"].result_list]


@pytest.mark.django_db
class TestModerationQueue:
    def test_the_newest_answers_come_first(self, editor_client: Client) -> None:
        old = SurveyResponseFactory(flagged=True, submitted_on=date(2026, 3, 2))
        same_day_first = SurveyResponseFactory(flagged=True, submitted_on=date(2026, 5, 9))
        same_day_second = SurveyResponseFactory(flagged=True, submitted_on=date(2026, 5, 9))

        response = editor_client.get(f"{ADMIN}/flaggedresponse/")

        # Ties on the day (privacy rule 10: no time of day) go by id, newest first.
        assert shown(response) == [same_day_second.pk, same_day_first.pk, old.pk]

    def test_the_page_is_titled_the_moderation_queue_and_counts_in_plural(
        self, editor_client: Client
    ) -> None:
        SurveyResponseFactory.create_batch(2, flagged=True)

        page = editor_client.get(f"{ADMIN}/flaggedresponse/").content.decode()

        assert "<h1>Moderation queue</h1>" in page
        assert "2 flagged responses" in page

    def test_it_searches_job_titles_and_answer_numbers(self, editor_client: Client) -> None:
        moderator = SurveyResponseFactory(flagged=True, job_title="Modératrice de nuit")
        lead = SurveyResponseFactory(flagged=True, job_title="Head of community")

        by_title = editor_client.get(f"{ADMIN}/flaggedresponse/", {"q": "modératrice"})
        by_number = editor_client.get(f"{ADMIN}/flaggedresponse/", {"q": f"#{lead.pk}"})
        by_french_number = editor_client.get(f"{ADMIN}/flaggedresponse/", {"q": f"n°{lead.pk}"})

        assert shown(by_title) == [moderator.pk]
        assert shown(by_number) == shown(by_french_number) == [lead.pk]
        page = by_title.content.decode()
        assert "job title" in page  # the search box says what it reads
        assert "<small>Modératrice de nuit</small>" in page  # beside status and role

    @pytest.mark.parametrize("model", ["surveyresponse", "flaggedresponse"])
    def test_the_search_never_reads_the_receipt_nor_the_record_key(
        self, editor_client: Client, model: str
    ) -> None:
        answer = SurveyResponseFactory(flagged=True, receipt_hash="a1" * 32)
        # A record key that is not also the answer's number.
        answer.record_key = (answer.pk + 17) % 256
        answer.save(update_fields=["record_key"])

        for secret in ("a1" * 32, "a1a1a1", str(answer.record_key)):
            response = editor_client.get(f"{ADMIN}/{model}/", {"q": secret})
            assert shown(response) == [], secret

    def test_it_filters_by_the_reason_an_answer_was_flagged(self, editor_client: Client) -> None:
        low_salary = SurveyResponseFactory(flagged=True, base_salary=9_000, variable_pay=None)
        low_rate = SurveyResponseFactory(flagged=True, freelance=True, day_rate=90)

        page = editor_client.get(f"{ADMIN}/flaggedresponse/")
        low_rates = editor_client.get(f"{ADMIN}/flaggedresponse/", {"flag": "day_rate_below_floor"})
        low_salaries = editor_client.get(
            f"{ADMIN}/flaggedresponse/", {"flag": "below_legal_minimum"}
        )

        assert "reason flagged" in page.content.decode()
        assert shown(low_rates) == [low_rate.pk]
        assert shown(low_salaries) == [low_salary.pk]

    def test_the_queue_costs_the_same_queries_for_more_answers(self, editor_client: Client) -> None:
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                editor_client.get(f"{ADMIN}/flaggedresponse/")
            return len(captured)

        SurveyResponseFactory.create_batch(2, flagged=True)
        few = queries()
        SurveyResponseFactory.create_batch(
            6, flagged=True, edition=EditionFactory(year=2025, closed=True)
        )

        assert queries() == few


@pytest.mark.django_db
class TestAnswerPage:
    def test_its_title_names_the_edition_by_its_year(self, editor_client: Client) -> None:
        edition = EditionFactory(year=2025, closed=True)
        answer = SurveyResponseFactory(edition=edition, flagged=True)

        page = editor_client.get(f"{ADMIN}/flaggedresponse/{answer.pk}/change/").content.decode()

        title = f"#{answer.pk} · 2025 edition · France · Employee"
        assert str(answer) == title
        assert f"<h2>{title}</h2>" in page

    def test_a_flagged_answer_has_both_buttons(self, editor_client: Client) -> None:
        answer = SurveyResponseFactory(flagged=True)

        page = editor_client.get(f"{ADMIN}/flaggedresponse/{answer.pk}/change/").content.decode()

        assert 'name="_approve"' in page and 'name="_reject"' in page
        assert "csrfmiddlewaretoken" in page

    @pytest.mark.parametrize(
        ("state", "buttons"),
        [("accepted", ["_reject"]), ("rejected", ["_approve"]), ("withdrawn", [])],
    )
    def test_an_answer_shows_only_the_decisions_that_apply(
        self, editor_client: Client, state: str, buttons: list[str]
    ) -> None:
        answer = SurveyResponseFactory(state=state)

        page = editor_client.get(f"{ADMIN}/surveyresponse/{answer.pk}/change/").content.decode()

        assert [name for name in ("_approve", "_reject") if f'name="{name}"' in page] == buttons

    def test_approving_saves_the_note_records_the_editor_and_goes_back_to_the_queue(
        self, editor_client: Client
    ) -> None:
        answer = SurveyResponseFactory(flagged=True, base_salary=15_000, variable_pay=None)

        response = editor_client.post(
            f"{ADMIN}/flaggedresponse/{answer.pk}/change/",
            {
                "state": "flagged",
                "review_note": "Part-time trainee",
                "_approve": "Save and approve",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == f"{ADMIN}/flaggedresponse/"
        answer.refresh_from_db()
        assert (answer.state, answer.review_note) == ("accepted", "Part-time trainee")
        assert answer.reviewed_by is not None and answer.reviewed_by.is_staff
        assert answer.reviewed_at is not None
        # Logged as the list's actions log it: a change of state, by that editor.
        logged = LogEntry.objects.filter(object_id=str(answer.pk), action_flag=CHANGE)
        assert logged.filter(
            user=answer.reviewed_by, change_message='[{"changed": {"fields": ["state"]}}]'
        ).exists()
        queue = editor_client.get(response["Location"])
        assert shown(queue) == []
        assert (
            f"The answer “#{answer.pk} · 2026 edition · France · Employee” is approved"
            in queue.content.decode()
        )

    def test_rejecting_from_the_full_list_stays_on_the_answer(self, editor_client: Client) -> None:
        answer = SurveyResponseFactory(flagged=True, freelance=True, day_rate=90)
        url = f"{ADMIN}/surveyresponse/{answer.pk}/change/"

        response = editor_client.post(
            url, {"state": "flagged", "review_note": "", "_reject": "Save and reject"}, follow=True
        )

        answer.refresh_from_db()
        assert answer.state == "rejected"
        assert response.redirect_chain == [(url, 302)]
        page = response.content.decode()
        assert "is rejected: it stays out of the benchmarks." in page
        assert 'name="_reject"' not in page and 'name="_approve"' in page

    def test_a_decision_that_no_longer_applies_changes_nothing(self, editor_client: Client) -> None:
        answer = SurveyResponseFactory(state=SurveyResponse.State.WITHDRAWN)

        response = editor_client.post(
            f"{ADMIN}/surveyresponse/{answer.pk}/change/",
            {"review_note": "", "_approve": "Save and approve"},
            follow=True,
        )

        answer.refresh_from_db()
        assert answer.state == "withdrawn"
        assert answer.reviewed_at is None
        assert "Only a flagged or rejected answer can be approved: nothing changed." in (
            response.content.decode()
        )

    def test_staff_who_may_only_view_answers_see_no_buttons_and_cannot_approve(
        self, client: Client
    ) -> None:
        reader = UserFactory(is_staff=True)
        reader.user_permissions.add(Permission.objects.get(codename="view_flaggedresponse"))
        client.force_login(reader)
        answer = SurveyResponseFactory(flagged=True)
        url = f"{ADMIN}/flaggedresponse/{answer.pk}/change/"

        page = client.get(url)
        refused = client.post(url, {"state": "flagged", "_approve": "Save and approve"})

        assert page.status_code == 200
        assert 'name="_approve"' not in page.content.decode()
        assert refused.status_code == 403
        answer.refresh_from_db()
        assert answer.state == "flagged"

    def test_a_decision_needs_the_csrf_token(self, db: None) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(EditorFactory())
        answer = SurveyResponseFactory(flagged=True)

        response = client.post(
            f"{ADMIN}/flaggedresponse/{answer.pk}/change/", {"state": "flagged", "_approve": "1"}
        )

        assert response.status_code == 403
        answer.refresh_from_db()
        assert answer.state == "flagged"

    @pytest.mark.parametrize("button", ["_approve", "_reject"])
    def test_a_visitor_cannot_decide(self, client: Client, button: str) -> None:
        client.force_login(UserFactory())
        answer = SurveyResponseFactory(flagged=True)

        response = client.post(
            f"{ADMIN}/flaggedresponse/{answer.pk}/change/", {"state": "flagged", button: "1"}
        )

        assert response.status_code == 302
        assert "/login/" in response["Location"]
        answer.refresh_from_db()
        assert (answer.state, answer.reviewed_at) == ("flagged", None)
        assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_the_csv_export_has_the_import_columns_and_no_receipt_nor_record_key(
    editor_client: Client,
) -> None:
    employee = SurveyResponseFactory(
        job_title='=HYPERLINK("http://evil.example")',
        missions_mask=vocab.mask_of(["animation", "content"], vocab.MISSIONS),
        kpis_mask=vocab.mask_of(["reach", "roi"], vocab.KPIS),
        receipt_hash="e" * 64,
        work_time_share=0.8,
        gender="woman",
    )
    freelance = SurveyResponseFactory(freelance=True, kpis_mask=0, missions_mask=0)

    response = editor_client.post(
        f"{ADMIN}/surveyresponse/",
        {"action": "export_csv", "_selected_action": [employee.pk, freelance.pk]},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cmbench-responses-')
    text = b"".join(response.streaming_content).decode()
    assert "e" * 64 not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(FIELD_NAMES)
    assert "record_key" not in rows[0] and "record_key" not in employee.as_answers()
    assert rows[1] == [
        "2026",
        "employee",
        "community-manager",
        '\'=HYPERLINK("http://evil.example")',
        "4",
        "bac5",
        "medium",
        "brand",
        "FR",
        "FR-IDF",
        "0.8",
        "34000",
        "2000",
        "",
        "",
        "animation|content",
        "reach|roi",
        "38",
        "2",
        "4",
        "woman",
        "",
    ]
    freelance_row = dict(zip(rows[0], rows[2], strict=True))
    assert {
        name: freelance_row[name]
        for name in ("status", "employer_size", "base_salary", "day_rate", "billed_days", "kpis")
    } == {
        "status": "freelance",
        "employer_size": "",
        "base_salary": "",
        "day_rate": "400",
        "billed_days": "150",
        "kpis": "",
    }
    assert len(rows) == 3
