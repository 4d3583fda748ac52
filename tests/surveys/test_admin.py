"""The editors' admin: editions, the moderation queue, bulk review, CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from surveys.validation import FIELD_NAMES
from tests.factories import EditionFactory, SurveyResponseFactory, UserFactory

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
