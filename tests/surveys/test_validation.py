"""The rules of a valid answer (surveys.validation), one by one, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override

from surveys.validation import (
    InvalidAnswers,
    full_time_equivalents,
    sanity_flags,
    validate_answers,
)

EMPLOYEE: dict[str, Any] = {
    "edition": 2026,
    "status": "employee",
    "role": "community-manager",
    "job_title": " Community manager ",
    "experience_years": "4",
    "education": "bac5",
    "employer_size": "medium",
    "employer_type": "brand",
    "country": "FR",
    "region": "FR-IDF",
    "work_time_share": "0,8",
    "base_salary": "28\u202f000",
    "variable_pay": "",
    "missions": "animation| content",
    "kpis": ["engagement", "reach"],
    "weekly_hours": 35,
    "remote_days": "2",
    "satisfaction": "4",
}
FREELANCER: dict[str, Any] = {
    **EMPLOYEE,
    "status": "freelance",
    "employer_size": "",
    "employer_type": "",
    "base_salary": "",
    "day_rate": "450",
    "billed_days": "150",
}


def errors_of(answers: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InvalidAnswers) as invalid:
        validate_answers(answers)
    return invalid.value.errors


@pytest.fixture(autouse=True)
def _english() -> Any:
    with override("en"):
        yield


def test_it_cleans_a_valid_answer_into_typed_values() -> None:
    clean = validate_answers(EMPLOYEE)

    assert clean["experience_years"] == 4
    assert clean["work_time_share"] == 0.8  # the French decimal comma is accepted
    assert clean["base_salary"] == 28_000  # so is the narrow no-break space of 28 000
    assert clean["variable_pay"] is None
    assert clean["day_rate"] is None
    assert clean["job_title"] == "Community manager"
    assert clean["missions"] == ["animation", "content"]
    assert clean["kpis"] == ["engagement", "reach"]
    assert clean["gender"] == ""
    assert clean["edition"] == 2026


def test_it_rejects_an_unknown_education_code() -> None:
    errors = errors_of({**EMPLOYEE, "education": "bac7"})

    assert errors == {
        "education": [
            "“bac7” is not an allowed value; allowed values: "
            "secondary, bac2, bac3, bac4, bac5, doctorate."
        ]
    }


def test_it_rejects_a_code_of_another_field() -> None:
    assert list(errors_of({**EMPLOYEE, "employer_type": "large"})) == ["employer_type"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("experience_years", "51", "Enter a value between 0 and 50."),
        ("experience_years", "-1", "Enter a value between 0 and 50."),
        ("work_time_share", "0.05", "Enter a value between 0.1 and 1."),
        ("work_time_share", "1.2", "Enter a value between 0.1 and 1."),
        ("weekly_hours", "81", "Enter a value between 1 and 80."),
        ("remote_days", "6", "Enter a value between 0 and 5."),
        ("satisfaction", "0", "Enter a value between 1 and 5."),
        ("edition", "1999", "Enter a value between 2000 and 2100."),
        ("base_salary", "10000001", "Enter a value between 0 and 10000000."),
    ],
)
def test_it_rejects_a_figure_out_of_its_range(field: str, value: str, message: str) -> None:
    assert errors_of({**EMPLOYEE, field: value}) == {field: [message]}


@pytest.mark.parametrize("value", ["30k", "30000.5", "3e4", "trente mille", "1_000"])
def test_it_rejects_a_salary_that_is_not_a_whole_number(value: str) -> None:
    assert errors_of({**EMPLOYEE, "base_salary": value}) == {
        "base_salary": ["Enter a whole number."]
    }


def test_it_rejects_a_share_of_full_time_that_is_not_a_number() -> None:
    assert errors_of({**EMPLOYEE, "work_time_share": "80%"}) == {
        "work_time_share": ["Enter a number."]
    }


def test_it_rejects_a_region_of_another_country() -> None:
    assert errors_of({**EMPLOYEE, "region": "CA-QC"}) == {
        "region": ["The region CA-QC is not in the country FR."]
    }


def test_it_requires_every_required_field() -> None:
    answer = {**EMPLOYEE, "role": "  ", "country": None}
    del answer["satisfaction"]

    assert errors_of(answer) == {
        "role": ["This field is required."],
        "country": ["This field is required."],
        "satisfaction": ["This field is required."],
    }


def test_a_freelancer_gives_a_day_rate_not_a_salary() -> None:
    errors = errors_of({**FREELANCER, "base_salary": "30000", "variable_pay": "100"})

    assert errors == {
        "base_salary": ["Freelancers give a day rate and billed days, not a salary."],
        "variable_pay": ["Freelancers give a day rate and billed days, not a salary."],
    }


def test_a_freelancer_must_give_a_day_rate_and_billed_days() -> None:
    errors = errors_of({**FREELANCER, "day_rate": "", "billed_days": None})

    assert errors == {
        "day_rate": ["This field is required."],
        "billed_days": ["This field is required."],
    }


def test_a_freelancer_has_no_employer() -> None:
    errors = errors_of({**FREELANCER, "employer_size": "micro"})

    assert errors == {"employer_size": ["Freelancers have no employer: leave this field empty."]}


def test_an_employee_gives_a_salary_not_a_day_rate() -> None:
    errors = errors_of({**EMPLOYEE, "day_rate": "400"})

    assert errors == {"day_rate": ["Employees and trainees give a salary, not a day rate."]}


def test_an_employee_must_give_a_salary_and_an_employer() -> None:
    errors = errors_of({**EMPLOYEE, "status": "trainee", "base_salary": "", "employer_type": ""})

    assert errors == {
        "base_salary": ["This field is required."],
        "employer_type": ["This field is required."],
    }


def test_a_badly_typed_salary_is_reported_once_not_also_as_missing() -> None:
    assert errors_of({**EMPLOYEE, "base_salary": "n/a"}) == {
        "base_salary": ["Enter a whole number."]
    }


def test_it_rejects_an_unknown_code_in_a_list() -> None:
    errors = errors_of({**EMPLOYEE, "missions": "content|dancing"})

    assert errors["missions"][0].startswith("“dancing” is not an allowed value")


def test_it_rejects_a_repeated_code_in_a_list() -> None:
    assert errors_of({**EMPLOYEE, "kpis": ["reach", "roi", "reach"]}) == {
        "kpis": ["The code “reach” is repeated."]
    }


def test_it_rejects_a_list_that_is_not_a_list() -> None:
    assert errors_of({**EMPLOYEE, "missions": 3}) == {"missions": ["Enter a list of codes."]}


def test_it_rejects_an_unknown_field_unless_told_to_ignore_it() -> None:
    assert errors_of({**EMPLOYEE, "salary": "1"}) == {"salary": ["The survey has no such field."]}
    assert "salary" not in validate_answers({**EMPLOYEE, "salary": "1"}, allow_unknown=True)


def test_it_rejects_a_job_title_longer_than_120_characters() -> None:
    assert errors_of({**EMPLOYEE, "job_title": "x" * 121}) == {
        "job_title": ["This text is longer than 120 characters."]
    }


def test_it_reports_every_error_at_once() -> None:
    errors = errors_of({**EMPLOYEE, "education": "", "weekly_hours": "99", "region": "BE-WAL"})

    assert set(errors) == {"education", "weekly_hours", "region"}


def test_the_messages_follow_the_active_language() -> None:
    answer = {**EMPLOYEE, "role": "", "base_salary": "30k"}
    with override("fr"):
        french = errors_of(answer)
    with override("en"):
        english = errors_of(answer)

    assert french == {
        "role": ["Ce champ est obligatoire."],
        "base_salary": ["Saisissez un nombre entier."],
    }
    assert english == {
        "role": ["This field is required."],
        "base_salary": ["Enter a whole number."],
    }


def test_full_time_equivalents_divide_by_the_share_of_full_time() -> None:
    # (24,000 + 1,000) / 0.8 = 31,250; 24,000 / 0.8 = 30,000
    assert full_time_equivalents(24_000, 1_000, 0.8) == (31_250, 30_000)
    # 15,001 / 0.4 = 37,502.5: half rounded up
    assert full_time_equivalents(15_001, None, 0.4) == (37_503, 37_503)
    assert full_time_equivalents(None, None, 1.0) == (None, None)


def test_sanity_flags_hold_a_full_time_salary_to_the_legal_minimum() -> None:
    clean = validate_answers({**EMPLOYEE, "work_time_share": "0.5", "base_salary": "10000"})
    # 10,000 / 0.5 = 20,000 < 21,876
    assert sanity_flags(clean, legal_minimum=21_876) == ["below_legal_minimum"]
    assert sanity_flags(clean, legal_minimum=None) == []
    trainee = validate_answers({**EMPLOYEE, "status": "trainee", "base_salary": "5000"})
    assert sanity_flags(trainee, legal_minimum=21_876) == []


def flags_of(answer: dict[str, Any]) -> list[str]:
    return sanity_flags(validate_answers(answer), legal_minimum=21_876)


def test_sanity_flags_bound_day_rates_and_salaries() -> None:
    assert flags_of({**FREELANCER, "day_rate": "124"}) == ["day_rate_below_floor"]
    assert flags_of({**FREELANCER, "day_rate": "125"}) == []
    assert flags_of({**FREELANCER, "day_rate": "3000"}) == []
    assert flags_of({**FREELANCER, "day_rate": "3001"}) == ["day_rate_above_ceiling"]
    rich = {**EMPLOYEE, "work_time_share": "1", "base_salary": "500001"}
    assert flags_of(rich) == ["salary_above_ceiling"]
