"""The survey as a practitioner answers it: /survey/, /survey/done/, /survey/withdraw/."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory

from cmbench.clients import client_address
from surveys.forms import started_token
from surveys.models import Edition, SurveyResponse
from surveys.services import receipt_hash
from surveys.validation import FIELD_NAMES
from tests.factories import valid_answers

RECEIPT = re.compile(r"\b[A-HJ-NP-Z2-9]{4}(?:-[A-HJ-NP-Z2-9]{4}){4}\b")
ADDRESS = "203.0.113.7"


def form_data(**overrides: Any) -> dict[str, Any]:
    """POST data of the web form for `valid_answers(**overrides)`, sent a minute after opening."""
    data: dict[str, Any] = {"website": "", "started": started_token(time.time() - 60)}
    for name, value in valid_answers(**overrides).items():
        data[name] = [str(item) for item in value] if isinstance(value, list) else str(value)
    return data


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_by_id: dict[str, str] = {}
        self._open_ids: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes and tag not in ("input", "br", "img"):
            self._open_ids.append((tag, attributes["id"]))
            self.text_by_id.setdefault(attributes["id"], "")

    def handle_endtag(self, tag: str) -> None:
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self._open_ids:
            self.text_by_id[element_id] += data

    def find(self, tag: str, **attrs: str) -> dict[str, str]:
        for name, attributes in self.tags:
            if name == tag and all(attributes.get(k) == v for k, v in attrs.items()):
                return attributes
        raise AssertionError(f"no <{tag}> with {attrs}")


def parse(html: bytes) -> _Elements:
    parser = _Elements()
    parser.feed(html.decode())
    return parser


def without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


@pytest.mark.django_db
class TestTheForm:
    def test_it_labels_every_field_of_the_answer(self, client: Client, edition: Edition) -> None:
        page = parse(client.get("/survey/").content)

        labelled = {attrs["for"] for tag, attrs in page.tags if tag == "label" and "for" in attrs}
        controls = [
            attrs["id"]
            for tag, attrs in page.tags
            if tag in ("input", "select", "textarea")
            and attrs.get("type") != "hidden"
            and "id" in attrs
        ]
        assert controls, "the form has no controls"
        assert set(controls) <= labelled
        names = {attrs.get("name") for tag, attrs in page.tags if tag in ("input", "select")}
        assert set(FIELD_NAMES) - {"edition"} <= names

    def test_it_speaks_french_at_the_root_and_english_under_en(
        self, client: Client, edition: Edition
    ) -> None:
        french = client.get("/survey/").content.decode()
        english = client.get("/en/survey/").content.decode()

        assert '<html lang="fr">' in french
        assert "L’enquête 2026 sur les salaires des community managers" in french
        assert "Votre statut" in french and "Salarié·e" in french
        assert '<html lang="en">' in english
        assert "The 2026 pay survey of community managers" in english
        assert "Your status" in english and "Employee" in english

    def test_it_gives_number_fields_the_bounds_of_the_rules(
        self, client: Client, edition: Edition
    ) -> None:
        page = parse(client.get("/en/survey/").content)

        years = page.find("input", name="experience_years")
        assert (years["type"], years["min"], years["max"]) == ("number", "0", "50")
        billed = page.find("input", name="billed_days")
        assert (billed["min"], billed["max"]) == ("1", "260")
        # The work-time share is picked among common shares (tests/surveys/test_practitioner.py).
        shares = [attrs for tag, attrs in page.tags if attrs.get("name") == "work_time_share"]
        assert {attrs["type"] for attrs in shares} == {"radio"}

    def test_it_groups_regions_by_country(self, client: Client, edition: Edition) -> None:
        page = parse(client.get("/en/survey/").content)

        groups = [attrs["label"] for tag, attrs in page.tags if tag == "optgroup"]
        assert groups == ["France", "Belgium", "Switzerland", "Luxembourg", "Canada"]

    def test_it_hides_the_honeypot_from_people_and_keyboards(
        self, client: Client, edition: Edition
    ) -> None:
        page = parse(client.get("/en/survey/").content)

        honeypot = page.find("input", name="website")
        assert honeypot["tabindex"] == "-1"
        assert honeypot["autocomplete"] == "off"
        assert page.find("label", **{"for": "id_website"})
        assert page.find("div", **{"class": "hp", "aria-hidden": "true"})

    def test_it_says_so_when_no_edition_is_open(self, client: Client, db: None) -> None:
        response = client.get("/en/survey/")

        assert response.status_code == 200
        assert "The survey is closed for now" in response.content.decode()
        assert 'name="status"' not in response.content.decode()


@pytest.mark.django_db
class TestAnswering:
    def test_a_valid_answer_in_french_is_stored_once_with_its_full_time_equivalents(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post(
            "/survey/",
            form_data(work_time_share="0,8", base_salary=28_000, variable_pay=2_000),
            REMOTE_ADDR=ADDRESS,
        )

        assert response.status_code == 302
        assert response["Location"] == "/survey/done/"
        stored = SurveyResponse.objects.get()
        assert stored.edition == edition
        assert stored.state == "accepted"
        assert stored.work_time_share == 0.8
        assert stored.total_fte == 37_500  # (28_000 + 2_000) / 0.8
        assert stored.base_fte == 35_000  # 28_000 / 0.8
        assert stored.missions == ["animation", "content", "moderation"]
        assert stored.source == "survey"

        done = client.get("/survey/done/").content.decode()
        codes = RECEIPT.findall(done)
        assert len(codes) == 1
        assert stored.receipt_hash == receipt_hash(codes[0])
        assert "Votre code de reçu" in done
        assert 'href="/survey/withdraw/"' in done

        again = client.get("/survey/done/").content.decode()
        assert RECEIPT.findall(again) == []
        assert SurveyResponse.objects.count() == 1

    def test_a_valid_freelance_answer_in_english_is_stored_once(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post(
            "/en/survey/", form_data(status="freelance", day_rate=450), REMOTE_ADDR=ADDRESS
        )

        assert response.status_code == 302
        assert response["Location"] == "/en/survey/done/"
        stored = SurveyResponse.objects.get()
        assert (stored.status, stored.day_rate, stored.billed_days) == ("freelance", 450, 150)
        assert (stored.total_fte, stored.base_fte, stored.employer_size) == (None, None, "")
        done = client.get("/en/survey/done/").content.decode()
        assert len(RECEIPT.findall(done)) == 1
        assert 'href="/en/survey/withdraw/"' in done

    def test_it_puts_a_french_error_next_to_the_region_outside_the_country(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post("/survey/", form_data(country="FR", region="CA-QC"))

        assert response.status_code == 200
        page = parse(response.content)
        assert page.text_by_id["id_region_error"].strip() == (
            "La région CA-QC n’est pas dans le pays FR."
        )
        region = page.find("select", name="region")
        assert "id_region_error" in region["aria-describedby"].split()
        assert region["aria-invalid"] == "true"
        assert "id_country_error" not in page.text_by_id
        assert SurveyResponse.objects.count() == 0

    def test_it_puts_english_errors_next_to_each_wrong_field(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post(
            "/en/survey/", form_data(experience_years=60, education="", day_rate=300)
        )

        page = parse(response.content)
        assert page.text_by_id["id_experience_years_error"].strip() == (
            "Enter a value between 0 and 50."
        )
        assert page.text_by_id["id_education_error"].strip() == "This field is required."
        assert page.text_by_id["id_day_rate_error"].strip() == (
            "Employees and trainees give a salary, not a day rate."
        )
        assert "Your answer was not recorded" in response.content.decode()
        assert SurveyResponse.objects.count() == 0

    def test_it_asks_freelancers_for_a_day_rate_and_no_salary(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post(
            "/en/survey/", form_data(status="freelance", day_rate=None, base_salary=30_000)
        )

        page = parse(response.content)
        assert page.text_by_id["id_day_rate_error"].strip() == "This field is required."
        assert page.text_by_id["id_base_salary_error"].strip() == (
            "Freelancers give a day rate and billed days, not a salary."
        )

    def test_it_refuses_a_form_whose_honeypot_is_filled(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.post("/en/survey/", {**form_data(), "website": "http://spam.example"})

        assert response.status_code == 200
        assert "This answer looks automated and was not recorded." in response.content.decode()
        assert SurveyResponse.objects.count() == 0

    def test_it_refuses_a_form_sent_faster_than_the_minimum_fill_time(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_MIN_FILL_SECONDS = 20

        too_fast = client.post("/en/survey/", {**form_data(), "started": started_token()})

        assert "The form was sent only seconds after it was opened" in too_fast.content.decode()
        assert SurveyResponse.objects.count() == 0
        patient = client.post(
            "/en/survey/", {**form_data(), "started": started_token(time.time() - 21)}
        )
        assert patient.status_code == 302
        assert SurveyResponse.objects.count() == 1

    def test_it_refuses_a_tampered_start_time_and_hands_out_a_fresh_one(
        self, client: Client, edition: Edition
    ) -> None:
        forged = started_token(time.time() - 3600)[:-2] + "xx"

        response = client.post("/en/survey/", {**form_data(), "started": forged})

        assert "The form had expired or was altered." in response.content.decode()
        assert SurveyResponse.objects.count() == 0
        fresh = parse(response.content).find("input", name="started")["value"]
        assert fresh != forged

    def test_it_refuses_the_same_answer_twice_within_the_hour(
        self, client: Client, edition: Edition
    ) -> None:
        client.post("/en/survey/", form_data(), REMOTE_ADDR=ADDRESS)

        # The same answers in a second form (a form's token brings one answer only).
        second = client.post("/en/survey/", form_data(), REMOTE_ADDR=ADDRESS)

        assert second.status_code == 200
        assert (
            "This answer was already sent from this device less than an hour ago."
            in second.content.decode()
        )
        assert SurveyResponse.objects.count() == 1

    def test_it_limits_answers_per_client_whatever_x_forwarded_for_says(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 2
        for years, spoofed in ((1, "198.51.100.1"), (2, "198.51.100.2")):
            sent = client.post(
                "/en/survey/",
                form_data(experience_years=years),
                REMOTE_ADDR=ADDRESS,
                HTTP_X_FORWARDED_FOR=spoofed,
            )
            assert sent.status_code == 302

        third = client.post(
            "/en/survey/",
            form_data(experience_years=3),
            REMOTE_ADDR=ADDRESS,
            HTTP_X_FORWARDED_FOR="198.51.100.3",
        )

        assert "Too many answers sent from this device" in third.content.decode()
        assert SurveyResponse.objects.count() == 2

    def test_a_form_brings_one_answer_only_whatever_is_changed_in_it(
        self, client: Client, edition: Edition
    ) -> None:
        started = started_token(time.time() - 60)

        first = client.post("/en/survey/", {**form_data(base_salary=34_000), "started": started})
        again = client.post("/en/survey/", {**form_data(base_salary=35_000), "started": started})

        assert first.status_code == 302
        assert again.status_code == 200
        assert "This form was already sent once." in again.content.decode()
        assert SurveyResponse.objects.count() == 1
        # The page handed back carries a fresh token: the respondent can still send it.
        fresh = parse(again.content).find("input", name="started")["value"]
        assert fresh != started
        resent = client.post("/en/survey/", {**form_data(base_salary=36_000), "started": fresh})
        assert resent.status_code == 302

    def test_a_refused_answer_does_not_use_up_its_form(
        self, client: Client, edition: Edition, settings: Any
    ) -> None:
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 0
        data = form_data()

        refused = client.post("/en/survey/", data)
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 1
        sent = client.post("/en/survey/", data)

        assert "Too many answers sent from this device" in refused.content.decode()
        assert parse(refused.content).find("input", name="started")["value"] == data["started"]
        assert sent.status_code == 302

    def test_two_forms_handed_out_in_the_same_second_do_not_share_a_token(self) -> None:
        now = time.time()

        assert started_token(now) != started_token(now)

    def test_it_never_stores_the_client_address_nor_the_receipt_code(
        self, client: Client, edition: Edition
    ) -> None:
        sent = client.post(
            "/en/survey/", form_data(), REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="192.0.2.44"
        )
        done = client.get("/en/survey/done/")
        code = RECEIPT.findall(done.content.decode())[0]

        row = SurveyResponse.objects.values().get()
        stored = " ".join(str(value) for value in row.values())
        assert ADDRESS not in stored and "192.0.2.44" not in stored
        assert code not in stored and code.replace("-", "") not in stored
        assert row["receipt_hash"] == receipt_hash(code)
        assert len(row["receipt_hash"]) == 64
        # A signed cookie carried the code to /survey/done/, which deletes it; no
        # session row on the server ever held it.
        assert sent.cookies["cmbench_receipt"]["httponly"]
        assert done.cookies["cmbench_receipt"]["max-age"] == 0
        sessions = [str(session.get_decoded()) for session in Session.objects.all()]
        assert not any(code in session for session in sessions)


@pytest.mark.django_db
class TestWithdrawing:
    def test_a_respondent_withdraws_an_answer_with_the_receipt_code(
        self, client: Client, edition: Edition
    ) -> None:
        client.post("/en/survey/", form_data(job_title="Head of community"))
        code = RECEIPT.findall(client.get("/en/survey/done/").content.decode())[0]

        response = client.post("/en/survey/withdraw/", {"receipt": code.lower()})

        assert response.status_code == 200
        assert "Your answer is withdrawn" in response.content.decode()
        stored = SurveyResponse.objects.get()
        assert (stored.state, stored.job_title, stored.receipt_hash) == ("withdrawn", "", None)

    def test_an_unknown_and_a_withdrawn_code_get_the_same_404(
        self, client: Client, edition: Edition
    ) -> None:
        client.post("/survey/", form_data())
        code = RECEIPT.findall(client.get("/survey/done/").content.decode())[0]
        client.post("/survey/withdraw/", {"receipt": code})

        withdrawn = client.post("/survey/withdraw/", {"receipt": code})
        unknown = client.post("/survey/withdraw/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"})

        assert withdrawn.status_code == unknown.status_code == 404
        assert without_csrf(withdrawn.content) == without_csrf(unknown.content)
        assert "Aucune réponse ne peut être retirée avec ce code." in unknown.content.decode()

    def test_the_withdrawal_page_labels_its_field(self, client: Client, db: None) -> None:
        page = parse(client.get("/en/survey/withdraw/").content)

        assert page.find("label", **{"for": "id_receipt"})
        assert page.find("input", name="receipt")["aria-describedby"] == "id_receipt_helptext"

    def test_the_code_travels_in_the_body_and_is_never_redirected_into_a_url(
        self, client: Client, edition: Edition
    ) -> None:
        client.post("/en/survey/", form_data())
        code = RECEIPT.findall(client.get("/en/survey/done/").content.decode())[0]

        page = parse(client.get("/en/survey/withdraw/").content)
        withdrawn = client.post("/en/survey/withdraw/", {"receipt": code})
        again = client.post("/en/survey/withdraw/", {"receipt": code})
        invalid = client.post("/en/survey/withdraw/", {"receipt": ""})

        form = page.find("form", action="/en/survey/withdraw/")
        assert form["method"] == "post"
        for response in (withdrawn, again, invalid):
            assert "Location" not in response
            assert code not in response.content.decode()
        assert [r.status_code for r in (withdrawn, again, invalid)] == [200, 404, 200]

    def test_the_eleventh_attempt_within_the_hour_is_a_429_that_touches_no_table(
        self, client: Client, edition: Edition, django_assert_num_queries: Any
    ) -> None:
        statuses = [
            client.post("/en/survey/withdraw/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}).status_code
            for _attempt in range(10)
        ]

        with django_assert_num_queries(0):
            eleventh = client.post("/en/survey/withdraw/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"})
        reading = client.get("/en/survey/withdraw/")

        assert statuses == [404] * 10
        assert eleventh.status_code == 429
        assert "Too many attempts" in eleventh.content.decode()
        assert int(eleventh["Retry-After"]) > 0
        # Reading the form is not an attempt.
        assert reading.status_code == 200

    def test_the_page_and_the_api_count_attempts_in_one_bucket(
        self, client: Client, edition: Edition
    ) -> None:
        for _attempt in range(5):
            client.post(
                "/api/v1/responses/withdraw/",
                {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"},
                content_type="application/json",
            )
        pages = [
            client.post("/survey/withdraw/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}).status_code
            for _attempt in range(6)
        ]

        assert pages == [404] * 5 + [429]


class TestClientAddress:
    def test_it_ignores_x_forwarded_for_without_a_proxy(self, settings: Any) -> None:
        settings.NUM_PROXIES = 0
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9"
        )

        assert client_address(request) == "10.0.0.1"

    def test_it_takes_the_address_each_trusted_proxy_saw(self, settings: Any) -> None:
        forwarded = "6.6.6.6, 198.51.100.9, 10.0.0.2"
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

        settings.NUM_PROXIES = 1
        assert client_address(request) == "10.0.0.2"
        settings.NUM_PROXIES = 2
        assert client_address(request) == "198.51.100.9"
        settings.NUM_PROXIES = 5
        assert client_address(request) == "6.6.6.6"
