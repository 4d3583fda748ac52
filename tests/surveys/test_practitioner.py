"""The practitioner's journey of issue 12, through the public URLs.

The work-time share picked among common shares or typed as a percent; an
unusual amount asked about ("did you mean…?") and stored only once confirmed;
the done page that keeps its position on a reload, says nothing where there
is nothing to say, and gives a flagged answer no position; gross pay explained
and a monthly salary turned into a yearly one without script; the position
read in the narrowest published cohort of role, experience and region, as
the pay checks read it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.present.formatting import money_text
from benchmarks.read import lookup
from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from tests.answers import snapshot_for_module
from tests.surveys.test_survey_form import RECEIPT, form_data, parse

ADDRESS = "203.0.113.9"
NBSP = "\u00a0"


def send(client: Client, data: dict[str, Any], *, path: str = "/en/survey/") -> Any:
    return client.post(path, data, REMOTE_ADDR=ADDRESS)


def text(response: Any) -> str:
    """The page's text, tags removed and spaces collapsed (non-breaking ones kept)."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"[ \n\t]+", " ", without_tags)


def confirmation(response: Any) -> dict[str, str]:
    """What the browser sends back to confirm: the confirming box and the form's own token."""
    page = parse(response.content)
    return {
        "confirm_amounts": page.find("input", name="confirm_amounts")["value"],
        "started": page.find("input", name="started")["value"],
    }


def checked(response: Any, name: str) -> list[str]:
    page = parse(response.content)
    return [
        attrs["value"]
        for tag, attrs in page.tags
        if tag == "input" and attrs.get("name") == name and "checked" in attrs
    ]


@pytest.mark.django_db
class TestTheWorkTimeShare:
    def test_the_form_offers_the_common_shares_with_full_time_ticked(
        self, client: Client, edition: Edition
    ) -> None:
        response = client.get("/en/survey/")

        page = parse(response.content)
        values = [
            attrs["value"]
            for tag, attrs in page.tags
            if tag == "input" and attrs.get("name") == "work_time_share"
        ]
        assert values == ["1", "0.9", "0.8", "0.7", "0.6", "0.5", "other"]
        assert checked(response, "work_time_share") == ["1"]
        assert "80% (four days a week)" in text(response)
        other = page.find("input", name="work_time_share_other")
        assert other["inputmode"] == "decimal"
        assert page.find("label", **{"for": "id_work_time_share_other"})

    def test_a_share_ticked_among_the_choices_is_stored_as_a_share(
        self, client: Client, edition: Edition
    ) -> None:
        sent = send(client, form_data(work_time_share="0.8", base_salary=28_000, variable_pay=None))

        assert sent.status_code == 302
        stored = SurveyResponse.objects.get()
        assert stored.work_time_share == 0.8
        assert stored.total_fte == 35_000  # 28_000 / 0.8

    @pytest.mark.parametrize(
        ("typed", "share"),
        [("40 %", 0.4), ("40", 0.4), ("0,4", 0.4), ("0.4", 0.4), ("62,5 %", 0.625), ("100", 1.0)],
    )
    def test_another_share_is_read_as_a_percent_or_a_decimal_in_french(
        self, client: Client, edition: Edition, typed: str, share: float
    ) -> None:
        data = {**form_data(), "work_time_share": "other", "work_time_share_other": typed}

        sent = send(client, data, path="/survey/")

        assert sent.status_code == 302, text(sent)[:2000]
        assert SurveyResponse.objects.get().work_time_share == pytest.approx(share)

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("5 %", "Enter a share between 10% and 100%."),
            ("beaucoup", "Enter a percent such as 40%, or a share such as 0.4."),
            ("", "This field is required."),
        ],
    )
    def test_another_share_that_cannot_be_read_is_an_error_next_to_it(
        self, client: Client, edition: Edition, typed: str, message: str
    ) -> None:
        data = {**form_data(), "work_time_share": "other", "work_time_share_other": typed}

        response = send(client, data)

        page = parse(response.content)
        assert page.text_by_id["id_work_time_share_other_error"].strip() == message
        assert "id_work_time_share_error" not in page.text_by_id
        assert checked(response, "work_time_share") == ["other"]
        assert SurveyResponse.objects.count() == 0

    def test_a_share_posted_the_old_way_is_shown_back_as_the_matching_choice(
        self, client: Client, edition: Edition
    ) -> None:
        common = send(client, form_data(work_time_share="0,8", experience_years=60))
        uncommon = send(client, form_data(work_time_share="0,75", experience_years=60))

        assert checked(common, "work_time_share") == ["0.8"]
        assert checked(uncommon, "work_time_share") == ["other"]
        other = parse(uncommon.content).find("input", name="work_time_share_other")
        assert other["value"] == "75"


@pytest.mark.django_db
class TestAnUnusualAmount:
    def test_a_salary_of_5_is_not_stored_but_asked_about_naming_the_field_and_the_amount(
        self, client: Client, edition: Edition
    ) -> None:
        data = form_data(base_salary=5, variable_pay=None)

        response = send(client, data)

        assert response.status_code == 200
        assert SurveyResponse.objects.count() == 0
        page = parse(response.content)
        box = re.sub(r"\s+", " ", page.text_by_id["confirm-amounts"])
        assert "Please check this amount: your answer is not recorded yet" in box
        assert (
            "Base salary, gross per year: €5. As a gross full-time year, that makes €5, "
            "under the legal minimum of €21,876." in box
        )
        assert "Is this amount right?" in box
        assert page.find("a", href="#field-base_salary")
        assert page.find("div", id="confirm-amounts")["role"] == "alert"
        assert page.find("label", **{"for": "id_confirm_amounts"})
        assert "Your answer was not recorded" not in response.content.decode()  # not an error
        # The question does not use up the form: the same token comes back.
        assert confirmation(response)["started"] == data["started"]

    def test_the_question_speaks_french_on_the_french_form(
        self, client: Client, edition: Edition
    ) -> None:
        response = send(client, form_data(base_salary=5, variable_pay=None), path="/survey/")

        box = parse(response.content).text_by_id["confirm-amounts"]
        assert "Salaire fixe, brut annuel" in box
        assert f"5{NBSP}€" in box and f"21{NBSP}876{NBSP}€" in box

    def test_once_confirmed_it_is_stored_flagged_and_its_page_gives_no_position(
        self, client: Client, edition: Edition
    ) -> None:
        data = form_data(base_salary=5, variable_pay=None)
        asked = send(client, data)

        confirmed = send(client, {**data, **confirmation(asked)})

        assert confirmed.status_code == 302
        stored = SurveyResponse.objects.get()
        assert (stored.state, stored.flags, stored.base_salary) == (
            "flagged",
            ["below_legal_minimum"],
            5,
        )
        done = client.get(confirmed["Location"])
        html = done.content.decode()
        assert len(RECEIPT.findall(html)) == 1
        assert "An editor will check your answer" in html
        assert "no position is shown" in html
        assert 'class="position"' not in html and "Where your pay stands" not in html
        assert "You earn" not in html

    def test_a_confirmation_holds_for_the_amount_it_was_shown_for_only(
        self, client: Client, edition: Edition
    ) -> None:
        data = form_data(base_salary=5, variable_pay=None)
        asked = send(client, data)

        other_amount = send(client, {**data, **confirmation(asked), "base_salary": "6"})

        assert other_amount.status_code == 200
        assert "€6." in text(other_amount)
        assert (
            confirmation(other_amount)["confirm_amounts"] != confirmation(asked)["confirm_amounts"]
        )
        assert SurveyResponse.objects.count() == 0

    def test_a_corrected_amount_is_stored_at_once_without_a_flag(
        self, client: Client, edition: Edition
    ) -> None:
        data = form_data(base_salary=2_000, variable_pay=None)
        asked = send(client, data)

        corrected = send(client, {**data, "base_salary": "24000", "started": data["started"]})

        assert "Did you mean €24,000 a year, 12 monthly payments of €2,000?" in text(asked)
        assert corrected.status_code == 302
        assert SurveyResponse.objects.get().state == "accepted"

    @pytest.mark.parametrize(
        ("overrides", "sentences"),
        [
            (
                {"base_salary": 35, "variable_pay": None},
                ["Base salary, gross per year: €35.", "Did you mean €35,000?"],
            ),
            (
                {"base_salary": 4_500_000, "variable_pay": None},
                ["that makes €4,500,000, over €500,000.", "Did you mean €450,000?"],
            ),
            (
                {"status": "freelance", "day_rate": 10_000},
                ["Day rate, excluding VAT: €10,000, over €3,000 a day.", "Did you mean €1,000?"],
            ),
            (
                {"status": "freelance", "day_rate": 50},
                [
                    "€50, under €125 a day, the floor of a major French freelance platform.",
                    "Did you mean €350 a day, seven hours at €50?",
                ],
            ),
        ],
    )
    def test_it_guesses_what_was_meant_when_a_guess_is_plausible(
        self, client: Client, edition: Edition, overrides: dict[str, Any], sentences: list[str]
    ) -> None:
        response = send(client, form_data(**overrides))

        page = text(response)
        for sentence in sentences:
            assert sentence in page
        assert SurveyResponse.objects.count() == 0

    def test_a_swiss_day_rate_is_held_to_switzerlands_floor_in_francs(
        self, client: Client, edition: Edition
    ) -> None:
        data = form_data(status="freelance", day_rate=200, country="CH", region="CH-AG")

        page = text(send(client, data))

        with translation.override("en"):
            amount, floor = money_text(200, "CHF"), money_text(315, "CHF")
        assert f"{amount}, under {floor} a day, the floor set for this country's pay level." in page
        assert "French freelance platform" not in page
        assert SurveyResponse.objects.count() == 0

    def test_the_api_keeps_storing_an_unusual_amount_at_once_flagged(
        self, client: Client, edition: Edition
    ) -> None:
        from tests.factories import valid_answers

        response = client.post(
            "/api/v1/responses/",
            json.dumps(valid_answers(base_salary=5, variable_pay=None)),
            content_type="application/json",
        )

        assert response.status_code == 201
        assert response.json()["state"] == "flagged"
        assert SurveyResponse.objects.get().flags == ["below_legal_minimum"]


@pytest.mark.django_db
class TestTheDonePage:
    def test_a_reload_keeps_the_page_but_shows_the_code_once(
        self, client: Client, edition: Edition
    ) -> None:
        send(client, form_data())

        first = client.get("/en/survey/done/")
        again = client.get("/en/survey/done/")

        assert first.status_code == again.status_code == 200
        assert len(RECEIPT.findall(first.content.decode())) == 1
        assert RECEIPT.findall(again.content.decode()) == []
        assert "Where your pay stands" in again.content.decode()
        # The session holds the answer's id, never its code.
        assert not any(
            code in str(dict(client.session)) for code in RECEIPT.findall(first.content.decode())
        )

    @pytest.mark.parametrize(
        ("path", "survey"), [("/survey/done/", "/survey/"), ("/en/survey/done/", "/en/survey/")]
    )
    def test_without_an_answer_it_sends_to_the_survey(
        self, client: Client, edition: Edition, path: str, survey: str
    ) -> None:
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"] == survey
        assert "Thank you" not in client.get(path, follow=True).content.decode()

    def test_after_a_withdrawal_it_has_nothing_to_show(
        self, client: Client, edition: Edition
    ) -> None:
        send(client, form_data())
        code = RECEIPT.findall(client.get("/en/survey/done/").content.decode())[0]

        withdrawn = client.post("/en/survey/withdraw/", {"receipt": code})
        done = client.get("/en/survey/done/")

        assert "Your answer is withdrawn" in withdrawn.content.decode()
        assert done.status_code == 302 and done["Location"] == "/en/survey/"

    def test_it_forgets_the_answer_after_a_day(
        self, client: Client, edition: Edition, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        send(client, form_data())
        assert client.get("/en/survey/done/").status_code == 200
        a_day_later = time.time() + 24 * 3600 + 1

        monkeypatch.setattr(time, "time", lambda: a_day_later)
        done = client.get("/en/survey/done/")

        assert done.status_code == 302


@pytest.mark.django_db
class TestGrossAndMonthlyPay:
    def test_gross_is_explained_as_before_social_contributions_not_before_tax(
        self, client: Client, edition: Edition
    ) -> None:
        page = parse(client.get("/en/survey/").content)

        help_text = page.text_by_id["id_base_salary_helptext"]
        assert "before social contributions" in help_text
        assert "net à payer avant impôt" in help_text  # named as what not to give
        assert "Before tax" not in help_text

    def test_a_monthly_salary_fills_an_empty_yearly_one_without_script(
        self, client: Client, edition: Edition
    ) -> None:
        data = {
            **form_data(base_salary=None, variable_pay=None),
            "monthly_salary": "2000",
            "salary_months": "13",
        }

        sent = send(client, data, path="/survey/")

        assert sent.status_code == 302
        assert SurveyResponse.objects.get().base_salary == 26_000  # 2_000 × 13

    def test_the_yearly_salary_computed_is_shown_back(
        self, client: Client, edition: Edition
    ) -> None:
        data = {
            **form_data(base_salary=None, experience_years=60),
            "monthly_salary": "2000",
            "salary_months": "12",
        }

        response = send(client, data)

        assert parse(response.content).find("input", name="base_salary")["value"] == "24000"

    def test_a_yearly_salary_that_disagrees_with_the_monthly_one_is_an_error(
        self, client: Client, edition: Edition
    ) -> None:
        data = {**form_data(base_salary=30_000), "monthly_salary": "2000", "salary_months": "13"}

        response = send(client, data)

        page = parse(response.content)
        assert page.text_by_id["id_monthly_salary_error"].strip() == (
            "Your yearly salary (30,000) is not 13 × 2,000 = 26,000: correct one of them, "
            "or leave the yearly salary empty."
        )
        assert SurveyResponse.objects.count() == 0

    def test_a_yearly_salary_that_agrees_with_the_monthly_one_is_stored(
        self, client: Client, edition: Edition
    ) -> None:
        data = {**form_data(base_salary=26_000), "monthly_salary": "2000", "salary_months": "13"}

        assert send(client, data).status_code == 302
        assert SurveyResponse.objects.get().base_salary == 26_000

    def test_a_freelancer_gives_no_monthly_salary(self, client: Client, edition: Edition) -> None:
        data = {**form_data(status="freelance"), "monthly_salary": "2000", "salary_months": "12"}

        response = send(client, data)

        assert parse(response.content).text_by_id["id_monthly_salary_error"].strip() == (
            "Freelancers give a day rate and billed days, not a salary."
        )


# --- The position, read from a published snapshot ------------------------------------------


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """One published snapshot for the module's position tests, committed, removed afterwards."""
    yield from snapshot_for_module(
        django_db_blocker, {"count": 600, "seed": 22, "year": 2026, "freelance_share": 0.3}
    )


def _answer_and_read(client: Client, **overrides: Any) -> Any:
    """Answer the 2026 survey (opened for the test) in English; the done page."""
    Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)
    sent = send(client, form_data(**overrides))
    assert sent.status_code == 302, text(sent)[:2000]
    return client.get(sent["Location"])


def _salary_cells(snapshot: Snapshot, **wanted: str) -> list[Cell]:
    """The published 2026 salary cells of FR with exactly role, experience and region set."""
    return [
        cell
        for cell in Cell.objects.filter(
            snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, mission=""
        )
        if cell.role
        and cell.experience
        and cell.region
        and not (cell.education or cell.employer_size or cell.employer_type)
        and all(getattr(cell, name) == value for name, value in wanted.items())
    ]


def _profile(cell: Cell) -> dict[str, Any]:
    years = {"0-2": 1, "3-5": 4, "6-9": 7, "10+": 12}[cell.experience]
    return {"role": cell.role, "experience_years": years, "region": cell.region}


def _explore_link(response: Any) -> str:
    match = re.search(r'<a class="position-explore" href="([^"]+)"', response.content.decode())
    assert match is not None
    return match.group(1)


@pytest.mark.django_db
class TestThePositionByRegion:
    def test_a_respondent_is_placed_in_their_role_experience_and_region(
        self, client: Client, snapshot: Snapshot
    ) -> None:
        cell = _salary_cells(snapshot)[0]

        done = _answer_and_read(client, **_profile(cell), base_salary=cell.p50, variable_pay=None)

        page = text(done)
        region = vocab.REGION.label(cell.region, "en")
        assert f"Region: {region}" in page
        assert f"Role: {vocab.ROLE.label(cell.role, 'en')}" in page
        assert f"Experience: {vocab.EXPERIENCE.label(cell.experience, 'en')}" in page
        assert f"{cell.n} answers" in page
        link = _explore_link(done).replace("&amp;", "&")
        assert link.startswith("/en/benchmarks/?metric=salary&basis=total&country=FR&year=2026")
        assert f"region={cell.region}" in link and f"role={cell.role}" in link

    def test_where_the_group_has_fewer_than_50_answers_the_position_is_a_band(
        self, client: Client, snapshot: Snapshot
    ) -> None:
        cell = next(c for c in _salary_cells(snapshot) if c.n < 50 and c.p50 - c.p25 >= 400)
        between = (cell.p25 + cell.p50) // 2 // 100 * 100 + 100  # strictly inside, a round sum

        done = _answer_and_read(client, **_profile(cell), base_salary=between, variable_pay=None)

        page = text(done)
        # The band allows for n (stats.percentile_interval): the 95% Wilson interval of the
        # interpolated rank at the published n, rounded outward, within the published ranks.
        share = (25 + 25 * (between - cell.p25) / (cell.p50 - cell.p25)) / 100
        z, n = 1.959963984540054, cell.n
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
        low = max(10 if cell.p10 is not None else 25, math.floor(100 * (centre - half)))
        high = min(90 if cell.p90 is not None else 75, math.ceil(100 * (centre + half)))
        assert f"You earn more than {low}% to {high}% of this group." in page
        assert "fewer than 50 answers: the position is given as a range" in page

    def test_the_position_names_the_same_group_as_the_pay_check(
        self, client: Client, snapshot: Snapshot
    ) -> None:
        cell = _salary_cells(snapshot)[0]
        amount = cell.p75

        done = _answer_and_read(client, **_profile(cell), base_salary=amount, variable_pay=None)
        check = client.get(
            "/en/benchmarks/salary-check/",
            {
                "salary": amount,
                "role": cell.role,
                "experience": cell.experience,
                "region": cell.region,
            },
        )

        check_link = re.search(r'<a href="([^"]+)">Explore this group</a>', check.content.decode())
        assert check_link is not None
        assert _explore_link(done) == check_link.group(1)

    def test_a_group_too_small_in_the_region_falls_back_to_a_wider_one_and_says_so(
        self, client: Client, snapshot: Snapshot
    ) -> None:
        # Corsica has no answer at all: the narrowest group is not published.
        done = _answer_and_read(
            client, role="community-manager", region="FR-20R", experience_years=4
        )

        page = text(done)
        assert "Too few answers to publish for the narrower groups:" in page
        assert "Region:" not in page
        assert "region=" not in _explore_link(done)

    def test_a_reload_shows_the_same_position(self, client: Client, snapshot: Snapshot) -> None:
        cell = _salary_cells(snapshot)[0]
        first = _answer_and_read(client, **_profile(cell), base_salary=cell.p50, variable_pay=None)

        again = client.get("/en/survey/done/")

        assert _explore_link(again) == _explore_link(first)
        result = re.compile(r'<p class="position-result">(.*?)</p>', re.S)
        assert result.findall(again.content.decode()) == result.findall(first.content.decode())

    def test_a_flagged_answer_gets_no_position_even_where_its_group_is_published(
        self, client: Client, snapshot: Snapshot
    ) -> None:
        cell = _salary_cells(snapshot)[0]
        Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)
        data = form_data(**_profile(cell), base_salary=900_000, variable_pay=None)
        asked = send(client, data)
        confirmed = send(client, {**data, **confirmation(asked)})

        done = client.get(confirmed["Location"])

        html = done.content.decode()
        assert "An editor will check your answer" in html
        assert "position-result" not in html and "position-explore" not in html
        assert lookup.published_snapshot() is not None
