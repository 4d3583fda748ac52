"""factory_boy factories and API-shaped answers for the tests.

`valid_answers()` is an answer as a client sends it (DESIGN.md field names);
`SurveyResponseFactory` stores rows as `services.response_build` would, with
the full-time equivalents computed by the shared rule, so a benchmark test
reads the same figures a real submission would have stored.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from surveys.validation import full_time_equivalents

# Status to a valid answer of that status; overrides replace fields, None empties one.
_ANSWERS_BY_STATUS: dict[str, dict[str, Any]] = {
    "employee": {
        "status": "employee",
        "role": "community-manager",
        "job_title": "Community manager",
        "experience_years": 4,
        "education": "bac5",
        "employer_size": "medium",
        "employer_type": "brand",
        "country": "FR",
        "region": "FR-IDF",
        "work_time_share": 1.0,
        "base_salary": 34_000,
        "variable_pay": 2_000,
        "missions": ["animation", "content", "moderation"],
        "kpis": ["engagement", "reach"],
        "weekly_hours": 38,
        "remote_days": 2,
        "satisfaction": 4,
        "gender": "woman",
        "age_band": "25-34",
    },
    "freelance": {
        "status": "freelance",
        "role": "social-media-manager",
        "job_title": "Social media manager freelance",
        "experience_years": 7,
        "education": "bac3",
        "country": "FR",
        "region": "FR-ARA",
        "work_time_share": 1.0,
        "day_rate": 400,
        "billed_days": 150,
        "missions": ["strategy", "content", "paid-social"],
        "kpis": ["conversions"],
        "weekly_hours": 42,
        "remote_days": 5,
        "satisfaction": 3,
    },
    "trainee": {
        "status": "trainee",
        "role": "community-manager",
        "job_title": "Alternante community management",
        "experience_years": 0,
        "education": "bac3",
        "employer_size": "small",
        "employer_type": "agency",
        "country": "FR",
        "region": "FR-NAQ",
        "work_time_share": 1.0,
        "base_salary": 12_000,
        "missions": ["content"],
        "kpis": [],
        "weekly_hours": 35,
        "remote_days": 1,
        "satisfaction": 5,
    },
}


def valid_answers(**overrides: Any) -> dict[str, Any]:
    """A valid answer with the API's field names: an employee unless `status` says otherwise.

    `valid_answers(status="freelance", day_rate=550)` gives a valid freelancer;
    an override of None sends the field empty.
    """
    status = overrides.get("status", "employee")
    answers = {**_ANSWERS_BY_STATUS[status], **overrides}
    return {name: value for name, value in answers.items() if value is not None}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class EditorFactory(UserFactory):
    """A staff member who moderates answers: a superuser, as the first editors are."""

    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    is_superuser = True


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        django_get_or_create = ("year",)

    year = 2026
    state = Edition.State.OPEN

    class Params:
        closed = factory.Trait(state=Edition.State.CLOSED)


def _fte(response: Any, index: int) -> int | None:
    return full_time_equivalents(
        response.base_salary, response.variable_pay, response.work_time_share
    )[index]


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """A stored, valid answer: an employee, or `freelance=True` / `trainee=True`.

    Further traits: `flagged` (held for review, with the flag a low day rate or
    salary would get; pass the matching figure if a test reads it), `demo`
    (generated data).
    """

    class Meta:
        model = SurveyResponse

    edition = factory.SubFactory(EditionFactory)
    source = SurveyResponse.Source.SURVEY
    state = SurveyResponse.State.ACCEPTED
    flags: Any = factory.LazyFunction(list)

    status = "employee"
    role = "community-manager"
    job_title = "Community manager"
    experience_years = 4
    education = "bac5"
    employer_size = "medium"
    employer_type = "brand"
    country = "FR"
    region = "FR-IDF"
    work_time_share = 1.0
    base_salary: Any = 34_000
    variable_pay: Any = 2_000
    day_rate: Any = None
    billed_days: Any = None
    missions_mask = factory.LazyFunction(
        lambda: vocab.mask_of(["animation", "content"], vocab.MISSIONS)
    )
    kpis_mask = factory.LazyFunction(lambda: vocab.mask_of(["engagement"], vocab.KPIS))
    weekly_hours = 38
    remote_days = 2
    satisfaction = 4
    total_fte = factory.LazyAttribute(lambda response: _fte(response, 0))
    base_fte = factory.LazyAttribute(lambda response: _fte(response, 1))

    class Params:
        freelance = factory.Trait(
            status="freelance",
            role="social-media-manager",
            employer_size="",
            employer_type="",
            base_salary=None,
            variable_pay=None,
            day_rate=400,
            billed_days=150,
        )
        trainee = factory.Trait(
            status="trainee",
            experience_years=0,
            education="bac3",
            employer_size="small",
            employer_type="agency",
            base_salary=12_000,
            variable_pay=None,
        )
        flagged = factory.Trait(
            state=SurveyResponse.State.FLAGGED,
            flags=factory.LazyAttribute(
                lambda response: [
                    "day_rate_below_floor"
                    if response.status == "freelance"
                    else "below_legal_minimum"
                ]
            ),
        )
        demo = factory.Trait(source=SurveyResponse.Source.DEMO)
