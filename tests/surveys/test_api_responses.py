"""POST /api/v1/responses/ and DELETE /api/v1/responses/<receipt>/, as an API client uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from surveys.models import Edition, SurveyResponse
from surveys.services import receipt_hash
from tests.factories import EditionFactory, valid_answers

URL = "/api/v1/responses/"


def submit(client: Client, answers: Any, **headers: Any) -> Any:
    body = answers if isinstance(answers, str) else json.dumps(answers)
    return client.post(URL, body, content_type="application/json", **headers)


@pytest.fixture
def submission_rate(settings: Any) -> Any:
    """Set the "submission" rate of the API throttle, e.g. submission_rate("3/hour")."""

    def set_rate(rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "submission": rate,
            },
        }

    return set_rate


@pytest.mark.django_db
class TestSubmitting:
    def test_a_valid_answer_gets_a_receipt_and_is_stored_with_its_equivalents(
        self, client: Client, edition: Edition
    ) -> None:
        response = submit(
            client, valid_answers(work_time_share=0.5, base_salary=18_000, variable_pay=1_001)
        )

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"receipt", "edition", "state", "withdraw_url"}
        assert (body["edition"], body["state"]) == (2026, "accepted")
        assert body["withdraw_url"] == f"http://testserver/api/v1/responses/{body['receipt']}/"
        stored = SurveyResponse.objects.get()
        assert stored.total_fte == 38_002  # (18_000 + 1_001) / 0.5
        assert stored.base_fte == 36_000  # 18_000 / 0.5
        assert stored.receipt_hash == receipt_hash(body["receipt"])
        assert body["receipt"] not in " ".join(
            str(value) for value in SurveyResponse.objects.values().get().values()
        )

    def test_unusual_figures_are_stored_flagged(self, client: Client, edition: Edition) -> None:
        response = submit(client, valid_answers(status="freelance", day_rate=100))

        assert response.status_code == 201
        assert response.json()["state"] == "flagged"
        assert SurveyResponse.objects.get().flags == ["day_rate_below_floor"]

    def test_a_salary_under_the_legal_minimum_is_flagged(
        self, client: Client, edition: Edition
    ) -> None:
        # The 2026 French minimum of the migration is 21_876 gross per year, full time.
        response = submit(client, valid_answers(base_salary=19_000, variable_pay=None))

        assert response.json()["state"] == "flagged"
        assert SurveyResponse.objects.get().flags == ["below_legal_minimum"]

    def test_it_runs_three_queries_and_two_savepoints(
        self, client: Client, edition: Edition, django_assert_num_queries: Any
    ) -> None:
        # Edition, legal minimum, INSERT; the savepoint pair is the atomic
        # block inside the test's transaction.
        with django_assert_num_queries(5):
            response = submit(client, valid_answers())

        assert response.status_code == 201

    def test_it_answers_the_edition_asked_for_when_it_is_open(
        self, client: Client, edition: Edition
    ) -> None:
        EditionFactory(year=2025, closed=True)

        closed = submit(client, valid_answers(edition=2025), HTTP_ACCEPT_LANGUAGE="en")
        open_ = submit(client, valid_answers(edition=2026))

        assert closed.status_code == 400
        assert closed.json() == {
            "errors": {"edition": ["The 2025 edition is closed: it takes no more answers."]}
        }
        assert open_.status_code == 201

    def test_it_refuses_an_answer_when_no_edition_is_open(self, client: Client, db: None) -> None:
        response = submit(client, valid_answers(), HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {"errors": {"edition": ["No edition of the survey is open."]}}


@pytest.mark.django_db
class TestErrors:
    def test_field_errors_follow_accept_language(self, client: Client, edition: Edition) -> None:
        answers = valid_answers(region="BE-BRU", satisfaction=9, missions=["animation", "cooking"])

        response = submit(client, answers, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")

        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "region": ["The region BE-BRU is not in the country FR."],
                "satisfaction": ["Enter a value between 1 and 5."],
                "missions": [
                    "“cooking” is not an allowed value; allowed values: animation, content, "
                    "moderation, customer-care, paid-social, monitoring, analytics, strategy, "
                    "influence, crisis, events, training."
                ],
            }
        }
        assert response["Content-Language"] == "en"
        assert SurveyResponse.objects.count() == 0

    def test_field_errors_are_french_by_default_and_with_lang_fr(
        self, client: Client, edition: Edition
    ) -> None:
        answers = valid_answers(experience_years=None)

        default = submit(client, answers)
        asked = client.post(
            f"{URL}?lang=fr",
            json.dumps(answers),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

        expected = {"errors": {"experience_years": ["Ce champ est obligatoire."]}}
        assert default.json() == asked.json() == expected
        assert asked["Content-Language"] == "fr"

    def test_lang_en_wins_over_accept_language(self, client: Client, edition: Edition) -> None:
        response = client.post(
            f"{URL}?lang=en",
            json.dumps(valid_answers(status="freelance", employer_size="small")),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="fr",
        )

        assert response.json() == {
            "errors": {"employer_size": ["Freelancers have no employer: leave this field empty."]}
        }

    def test_an_unknown_field_is_an_error(self, client: Client, edition: Edition) -> None:
        response = submit(
            client, {**valid_answers(), "email": "me@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
        )

        assert response.json() == {"errors": {"email": ["The survey has no such field."]}}
        assert SurveyResponse.objects.count() == 0

    def test_malformed_json_is_a_400_and_stores_nothing(
        self, client: Client, edition: Edition
    ) -> None:
        response = submit(client, '{"status": "employee",', HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")
        assert SurveyResponse.objects.count() == 0

    def test_a_json_list_is_a_400(self, client: Client, edition: Edition) -> None:
        response = submit(client, [valid_answers()], HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {"detail": "Send one answer as a JSON object."}


@pytest.mark.django_db
class TestAbuse:
    def test_the_same_answer_twice_within_the_hour_is_a_409(
        self, client: Client, edition: Edition
    ) -> None:
        submit(client, valid_answers())

        again = submit(client, valid_answers(), HTTP_ACCEPT_LANGUAGE="en")

        assert again.status_code == 409
        assert again.json() == {
            "detail": "This answer was already sent from this device less than an hour ago.",
            "code": "duplicate",
        }
        assert SurveyResponse.objects.count() == 1

    def test_the_throttle_answers_429_past_the_submission_rate(
        self, client: Client, edition: Edition, submission_rate: Any
    ) -> None:
        submission_rate("3/hour")
        statuses = [
            submit(
                client, valid_answers(experience_years=years), REMOTE_ADDR="203.0.113.7"
            ).status_code
            for years in range(3)
        ]

        fourth = submit(
            client,
            valid_answers(experience_years=9),
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR="198.51.100.77",
        )
        elsewhere = submit(client, valid_answers(experience_years=9), REMOTE_ADDR="203.0.113.8")

        assert statuses == [201, 201, 201]
        assert fourth.status_code == 429
        assert "Retry-After" in fourth
        assert elsewhere.status_code == 201
        assert SurveyResponse.objects.count() == 4

    def test_the_hourly_answer_limit_of_the_service_is_a_429(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 1
        submit(client, valid_answers())

        refused = submit(client, valid_answers(experience_years=8), HTTP_ACCEPT_LANGUAGE="en")

        assert refused.status_code == 429
        assert refused.json() == {
            "detail": "Too many answers sent from this device: try again in an hour.",
            "code": "throttled",
        }
        assert refused["Retry-After"] == "3600"


@pytest.mark.django_db
class TestWithdrawing:
    def test_a_receipt_withdraws_its_answer_once(self, client: Client, edition: Edition) -> None:
        receipt = submit(client, valid_answers()).json()["receipt"]

        first = client.delete(f"{URL}{receipt}/")
        second = client.delete(f"{URL}{receipt}/", HTTP_ACCEPT_LANGUAGE="en")
        unknown = client.delete(f"{URL}AAAA-BBBB-CCCC-DDDD-EEEE/", HTTP_ACCEPT_LANGUAGE="en")

        assert first.status_code == 204
        assert SurveyResponse.objects.get().state == "withdrawn"
        assert second.status_code == unknown.status_code == 404
        assert second.content == unknown.content
        assert second.json() == {"detail": "Not found."}

    def test_the_withdraw_url_of_the_receipt_works(self, client: Client, edition: Edition) -> None:
        withdraw_url = submit(client, valid_answers()).json()["withdraw_url"]

        assert client.delete(withdraw_url).status_code == 204


@pytest.mark.django_db
def test_the_schema_documents_the_survey_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    submit_operation = schema["paths"]["/api/v1/responses/"]["post"]
    assert set(submit_operation["responses"]) == {"201", "400", "409", "429"}
    request_ref = submit_operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    answer = schema["components"]["schemas"][request_ref.rsplit("/", 1)[1]]
    assert request_ref.endswith("/SurveyAnswer")
    assert {"status", "base_salary", "day_rate", "missions", "age_band"} <= set(
        answer["properties"]
    )
    assert set(answer["required"]) == {
        "status",
        "role",
        "experience_years",
        "education",
        "country",
        "region",
        "work_time_share",
        "weekly_hours",
        "remote_days",
        "satisfaction",
    }
    withdraw = schema["paths"]["/api/v1/responses/{receipt}/"]["delete"]
    assert set(withdraw["responses"]) == {"204", "404"}
    assert "/api/v1/vocabulary/" in schema["paths"]
