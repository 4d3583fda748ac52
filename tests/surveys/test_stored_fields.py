"""What a stored answer holds for privacy: its own record key (rule 3), a day, no time (rule 10).

The bulk paths (import, demo data) are tested beside them, in test_import.py
and test_demo_data.py; the admin, the CSV export and the API in their own files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cmbench.clients import Client
from interviews.models import Interview
from surveys import services
from surveys.models import (
    RECORD_KEY_RANGE,
    Edition,
    SurveyResponse,
    record_key_new,
)
from surveys.validation import validate_answers
from tests.factories import SurveyResponseFactory, valid_answers

BEFORE = ("surveys", "0005_sample_interviews")
AFTER = ("surveys", "0008_submission_days_only")


def submit_from(number: int, **overrides: Any) -> SurveyResponse:
    """One answer through the service, from its own client (no duplicate, no throttle)."""
    response, _code = services.response_submit(
        answers=services_answers(**overrides),
        client=Client(fingerprint=f"client-{number}"),
    )
    return response


def services_answers(**overrides: Any) -> dict[str, Any]:
    return validate_answers(valid_answers(**overrides))


@pytest.mark.django_db
class TestRecordKeys:
    def test_each_answer_through_the_service_gets_its_own_key_in_range(
        self, edition: Edition
    ) -> None:
        responses = [submit_from(n, experience_years=n % 40) for n in range(40)]

        keys = list(SurveyResponse.objects.values_list("record_key", flat=True))
        assert len(keys) == 40 and all(0 <= key < RECORD_KEY_RANGE for key in keys)
        # 40 draws of 256 sharing one value: a chance of 256 ** -39.
        assert len(set(keys)) > 1
        assert [r.record_key for r in responses] == list(
            SurveyResponse.objects.order_by("id").values_list("record_key", flat=True)
        )

    def test_a_key_is_drawn_once_from_the_csprng_and_kept(self, edition: Edition) -> None:
        field = SurveyResponse._meta.get_field("record_key")
        assert field.default is record_key_new
        assert not field.editable
        assert RECORD_KEY_RANGE == 256
        # 5,000 draws miss one of 256 values with a chance under one in a million.
        assert {record_key_new() for _draw in range(5_000)} == set(range(RECORD_KEY_RANGE))

        response = submit_from(1)
        key = response.record_key
        response.review_note = "seen"
        response.save()
        response.refresh_from_db()
        assert response.record_key == key

    def test_it_is_no_part_of_the_answer(self, edition: Edition) -> None:
        response = SurveyResponseFactory(edition=edition)

        assert "record_key" not in response.as_answers()
        assert "record" not in str(response)


@pytest.mark.django_db
class TestSubmissionDay:
    def test_a_stored_answer_has_a_day_and_no_time_of_day(self, edition: Edition) -> None:
        submit_from(1)

        for model in (SurveyResponse, Interview):
            field = model._meta.get_field("submitted_on")
            assert isinstance(field, models.DateField)
            assert not isinstance(field, models.DateTimeField)
            assert not any(f.name == "submitted_at" for f in model._meta.get_fields())
        stored = SurveyResponse.objects.values_list("submitted_on", flat=True).get()
        assert type(stored) is date
        assert stored == timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT submitted_on FROM {SurveyResponse._meta.db_table}")
            (raw,) = cursor.fetchone()
        # SQLite holds the ISO day as text, PostgreSQL a date: neither has a time.
        assert str(raw) == stored.isoformat()

    def test_the_day_is_the_local_one(
        self, edition: Edition, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # 23:30 UTC on 1 March is 00:30 on 2 March in Paris (settings.TIME_ZONE).
        moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

        response = submit_from(1)

        assert response.submitted_on == date(2026, 3, 2)

    def test_a_withdrawal_is_dated_to_the_day_too(self, edition: Edition) -> None:
        _response, code = services.response_submit(
            answers=services_answers(), client=Client(fingerprint="someone")
        )

        assert services.response_withdraw(receipt_code=code)

        withdrawn = SurveyResponse.objects.get()
        local = timezone.localtime(withdrawn.reviewed_at)
        assert (local.date(), local.time()) == (timezone.localdate(), time.min)

    def test_answers_are_listed_newest_day_first_then_newest_id(self, edition: Edition) -> None:
        older = SurveyResponseFactory(edition=edition, submitted_on=date(2026, 1, 5))
        first = SurveyResponseFactory(edition=edition, submitted_on=date(2026, 2, 1))
        second = SurveyResponseFactory(edition=edition, submitted_on=date(2026, 2, 1))

        assert list(SurveyResponse.objects.all()) == [second, first, older]


def _response_fields(edition_id: int, moment: datetime) -> dict[str, Any]:
    return {
        "edition_id": edition_id,
        "submitted_at": moment,
        "source": "survey",
        "state": "accepted",
        "status": "employee",
        "role": "community-manager",
        "experience_years": 3,
        "education": "bac5",
        "country": "FR",
        "region": "FR-IDF",
        "work_time_share": 1.0,
        "base_salary": 36_000,
    }


def _interview_fields(moment: datetime) -> dict[str, Any]:
    text = {
        name: "…"
        for name in (
            "path_to_job",
            "current_position",
            "community_management",
            "typical_week",
            "missions_and_tools",
            "measuring_work",
            "advice",
        )
    }
    return {
        **text,
        "role": "community-manager",
        "country": "FR",
        "language": "fr",
        "consent_to_publish": True,
        "submitted_at": moment,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_truncates_moments_to_local_days_and_draws_a_key_per_row() -> None:
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps
        edition = old.get_model("surveys", "Edition").objects.create(year=2026, state="open")
        # In Paris (UTC+1 in winter): 22:59 UTC is 23:59 on 1 March, 23:30 UTC is 00:30 on 2 March.
        late, after_midnight = (
            datetime(2026, 3, 1, 22, 59, tzinfo=UTC),
            datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        )
        OldResponse = old.get_model("surveys", "SurveyResponse")
        OldResponse.objects.bulk_create(
            [OldResponse(**_response_fields(edition.pk, late)) for _row in range(30)]
            + [OldResponse(**_response_fields(edition.pk, after_midnight)) for _row in range(30)]
        )
        interview = old.get_model("surveys", "Interview").objects.create(
            **_interview_fields(after_midnight)
        )

        executor.loader.build_graph()
        executor.migrate([AFTER])

        new = executor.loader.project_state([AFTER]).apps
        NewResponse = new.get_model("surveys", "SurveyResponse")
        days = list(NewResponse.objects.order_by("id").values_list("submitted_on", flat=True))
        assert days == [date(2026, 3, 1)] * 30 + [date(2026, 3, 2)] * 30
        keys = list(NewResponse.objects.values_list("record_key", flat=True))
        assert all(0 <= key < RECORD_KEY_RANGE for key in keys)
        # Adding the column gave every row one default: each was drawn again.
        assert len(set(keys)) > 1
        NewInterview = new.get_model("surveys", "Interview")
        assert NewInterview.objects.get(pk=interview.pk).submitted_on == date(2026, 3, 2)

        # Reversed, each day comes back as its local midnight.
        executor.loader.build_graph()
        executor.migrate([BEFORE])
        back = executor.loader.project_state([BEFORE]).apps
        moments = set(
            back.get_model("surveys", "SurveyResponse").objects.values_list(
                "submitted_at", flat=True
            )
        )
        assert {timezone.localtime(moment) for moment in moments} == {
            timezone.make_aware(datetime(2026, 3, 1)),
            timezone.make_aware(datetime(2026, 3, 2)),
        }
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
