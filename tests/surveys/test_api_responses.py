"""POST /api/v1/responses/ and POST /api/v1/responses/withdraw/, as an API client uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from surveys.models import Edition, SurveyResponse
from surveys.services import receipt_hash
from tests.factories import EditionFactory, SurveyResponseFactory, valid_answers

URL = "/api/v1/responses/"
WITHDRAW_URL = "/api/v1/responses/withdraw/"
UNKNOWN_RECEIPT = "AAAA-BBBB-CCCC-DDDD-EEEE"


def submit(client: Client, answers: Any, **headers: Any) -> Any:
    body = answers if isinstance(answers, str) else json.dumps(answers)
    return client.post(URL, body, content_type="application/json", **headers)


def withdraw(client: Client, body: Any, **headers: Any) -> Any:
    """POST `body` (a receipt code, or any JSON-able body) to the withdrawal endpoint."""
    payload = {"receipt": body} if isinstance(body, str) else body
    return client.post(
        WITHDRAW_URL, json.dumps(payload), content_type="application/json", **headers
    )


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
        # The endpoint to POST the code to: the code itself never goes in a URL.
        assert body["withdraw_url"] == "http://testserver/api/v1/responses/withdraw/"
        assert "record_key" not in body
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
        assert response.json() == {
            "detail": "The request body is not valid JSON (line 1, column 23)."
        }
        assert SurveyResponse.objects.count() == 0

    @pytest.mark.parametrize("job_title", ["\ud800", "CM \udfff", "\x00", "Community\x00manager"])
    def test_a_character_no_database_stores_is_refused_by_field(
        self, client: Client, edition: Edition, job_title: str
    ) -> None:
        # json.dumps escapes both as \uXXXX: the body itself is valid UTF-8 and valid JSON.
        response = submit(client, valid_answers(job_title=job_title), HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "job_title": [
                    "This text contains a character that cannot be stored (a NUL character or "
                    "a lone surrogate): remove it."
                ]
            }
        }
        assert SurveyResponse.objects.count() == 0

    def test_a_5000_digit_number_is_out_of_range_not_an_internal_message(
        self, client: Client, edition: Edition
    ) -> None:
        body = json.dumps(valid_answers(experience_years=0)).replace(
            '"experience_years": 0', '"experience_years": ' + "9" * 5_000
        )

        response = submit(client, body, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {
            "errors": {"experience_years": ["Enter a value between 0 and 50."]}
        }
        assert SurveyResponse.objects.count() == 0

    def test_50000_nested_brackets_are_a_400_saying_the_body_is_too_deep(
        self, client: Client, edition: Edition
    ) -> None:
        response = submit(client, "[" * 50_000, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {
            "detail": "The request body is nested too deeply: at most 32 levels of lists and "
            "objects."
        }
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

    def test_the_limit_answers_429_past_the_hourly_answers_whatever_x_forwarded_for_says(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 3
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
        # One answer counts whole to the end of this window and weighs into the next
        # until its end: the wait lies between one hour and two.
        assert 3600 < int(refused["Retry-After"]) <= 7200

    def test_a_client_past_its_limit_is_refused_before_its_answer_is_validated(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 1
        assert submit(client, valid_answers()).status_code == 201

        invalid = submit(client, valid_answers(experience_years=99), HTTP_ACCEPT_LANGUAGE="en")

        # Not a 400 naming experience_years: the answer was never read.
        assert invalid.status_code == 429
        assert invalid.json()["code"] == "throttled"
        assert SurveyResponse.objects.count() == 1

    def test_the_setting_is_the_one_limit_and_counts_stored_answers_only(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        # Above the API's former second counter (20 submissions an hour).
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 22
        invalid = [submit(client, valid_answers(experience_years=99)).status_code for _ in range(5)]

        statuses = [
            submit(client, valid_answers(base_salary=30_000 + number)).status_code
            for number in range(23)
        ]

        assert invalid == [400] * 5
        assert statuses == [201] * 22 + [429]
        assert SurveyResponse.objects.count() == 22


@pytest.mark.django_db
class TestWithdrawing:
    def test_a_receipt_in_the_body_withdraws_its_answer_once(
        self, client: Client, edition: Edition
    ) -> None:
        receipt = submit(client, valid_answers()).json()["receipt"]

        first = withdraw(client, receipt)
        second = withdraw(client, receipt, HTTP_ACCEPT_LANGUAGE="en")
        unknown = withdraw(client, UNKNOWN_RECEIPT, HTTP_ACCEPT_LANGUAGE="en")

        assert first.status_code == 204
        assert first.content == b""
        stored = SurveyResponse.objects.get()
        assert (stored.state, stored.job_title, stored.receipt_hash) == ("withdrawn", "", None)
        assert second.status_code == unknown.status_code == 404
        assert second.content == unknown.content
        assert second.json() == {"detail": "Not found."}

    def test_the_code_may_be_typed_back_in_lower_case_without_dashes(
        self, client: Client, edition: Edition
    ) -> None:
        receipt = submit(client, valid_answers()).json()["receipt"]

        response = withdraw(client, f"  {receipt.replace('-', ' ').lower()} ")

        assert response.status_code == 204

    def test_the_withdraw_url_of_the_receipt_takes_the_code_in_the_body(
        self, client: Client, edition: Edition
    ) -> None:
        body = submit(client, valid_answers()).json()

        assert body["receipt"] not in body["withdraw_url"]
        response = client.post(
            body["withdraw_url"],
            json.dumps({"receipt": body["receipt"]}),
            content_type="application/json",
        )
        assert response.status_code == 204

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({}, "This field is required."),
            ([UNKNOWN_RECEIPT], "This field is required."),
            ({"code": UNKNOWN_RECEIPT}, "This field is required."),
            ({"receipt": ""}, "This field may not be blank."),
            ({"receipt": None}, "This field may not be null."),
            ({"receipt": True}, "Not a valid string."),
            (
                {"receipt": "AAAA-BBBB-CCCC-DDDD"},
                "This is not a receipt code: it has 20 letters and digits, "
                "like 7KQ2-M9XD-4HTA-PW3C-Y7CU.",
            ),
            (
                {"receipt": "0000-1111-OOOO-IIII-AAAA"},
                "This is not a receipt code: it has 20 letters and digits, "
                "like 7KQ2-M9XD-4HTA-PW3C-Y7CU.",
            ),
        ],
    )
    def test_a_missing_or_malformed_receipt_is_a_400_naming_the_field(
        self, client: Client, edition: Edition, body: Any, message: str
    ) -> None:
        SurveyResponseFactory(edition=edition)

        response = withdraw(client, body, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 400
        assert response.json() == {"errors": {"receipt": [message]}}
        assert SurveyResponse.objects.get().state == "accepted"

    def test_a_malformed_json_body_is_a_400(self, client: Client, edition: Edition) -> None:
        response = client.post(
            WITHDRAW_URL, '{"receipt": ', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )

        assert response.status_code == 400
        assert response.json()["detail"].startswith("The request body is not valid JSON")

    def test_the_old_delete_with_the_code_in_the_url_is_gone(
        self, client: Client, edition: Edition, django_assert_num_queries: Any
    ) -> None:
        receipt = submit(client, valid_answers()).json()["receipt"]

        with django_assert_num_queries(0):
            gone = client.delete(f"{URL}{receipt}/", HTTP_ACCEPT_LANGUAGE="en")

        assert gone.status_code == 410
        assert gone.json() == {
            "detail": (
                "Withdrawal has moved: send the receipt code in the JSON body of a POST to "
                "withdraw_url. A receipt code never goes in a URL."
            ),
            "code": "gone",
            "withdraw_url": "http://testserver/api/v1/responses/withdraw/",
        }
        assert receipt not in gone.content.decode()
        # Nothing was withdrawn: the code is still good in the body of a POST.
        assert SurveyResponse.objects.get().state == "accepted"
        assert withdraw(client, receipt).status_code == 204

    def test_the_eleventh_attempt_within_the_hour_is_a_429_that_touches_no_table(
        self, client: Client, edition: Edition, django_assert_num_queries: Any
    ) -> None:
        receipt = submit(client, valid_answers()).json()["receipt"]
        statuses = [withdraw(client, UNKNOWN_RECEIPT).status_code for _attempt in range(9)]
        statuses.append(withdraw(client, {}).status_code)  # a 400 is an attempt too

        with django_assert_num_queries(0):
            eleventh = withdraw(client, receipt, HTTP_ACCEPT_LANGUAGE="en")
        elsewhere = withdraw(client, receipt, REMOTE_ADDR="203.0.113.9")

        assert statuses == [404] * 9 + [400]
        assert eleventh.status_code == 429
        assert eleventh.json()["detail"].startswith("Request was throttled.")
        assert int(eleventh["Retry-After"]) > 0
        # Another client has a bucket of its own.
        assert elsewhere.status_code == 204

    def test_withdrawals_do_not_spend_the_submission_allowance(
        self, client: Client, edition: Edition
    ) -> None:
        for _attempt in range(10):
            withdraw(client, UNKNOWN_RECEIPT)

        assert submit(client, valid_answers()).status_code == 201


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
    withdraw_operation = schema["paths"]["/api/v1/responses/withdraw/"]["post"]
    assert set(withdraw_operation["responses"]) == {"204", "400", "404", "429"}
    body_ref = withdraw_operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
    assert body["required"] == ["receipt"]
    assert [p["name"] for p in withdraw_operation.get("parameters", [])] == ["lang"]
    receipt = schema["components"]["schemas"]["Receipt"]["properties"]
    assert "POST" in receipt["withdraw_url"]["description"]
    # The old address, which carried the code, is documented nowhere.
    assert not any("{receipt}" in path for path in schema["paths"])
    assert "/api/v1/vocabulary/" in schema["paths"]
    assert "record_key" not in json.dumps(schema)
