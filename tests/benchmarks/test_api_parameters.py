"""Bad query parameters: a 400 whose JSON names each parameter and the reason, never a 500."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from benchmarks.present.queries import MAX_VALUE_LENGTH, SalaryBreakdownParameters
from benchmarks.read import lookup
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"
EXPERIENCE_CODES = "0-2, 3-5, 6-9, 10+"


def refused(client: Client, path: str, query: str) -> dict[str, list[str]]:
    """The errors of a request that must be refused (in English, asked with ?lang=en)."""
    response = client.get(f"{API}/{path}?{query}&lang=en" if query else f"{API}/{path}?lang=en")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    for name in body["errors"]:
        assert name in body["detail"]
    errors: dict[str, list[str]] = body["errors"]
    return errors


def test_an_unknown_code_is_refused_with_the_allowed_ones(
    published: Published, client: Client
) -> None:
    errors = refused(client, "day-rates/", "experience=3-6")

    assert errors == {
        "experience": [f"Unknown experience 3-6. Allowed values: {EXPERIENCE_CODES}."]
    }


@pytest.mark.parametrize(
    ("path", "query", "parameter", "words"),
    [
        ("salaries/", "education=master", "education", ["education", "bac5", "doctorate"]),
        ("salaries/", "employer_size=huge", "employer_size", ["employer_size", "intermediate"]),
        ("salaries/", "role=ceo", "role", ["role", "community-manager"]),
        ("salaries/", "basis=net", "basis", ["basis", "total, base"]),
        ("salaries/", "country=DE", "country", ["country", "FR, BE, CH, LU, CA"]),
        ("salaries/", "country=FR,BE", "country", ["country", "FR, BE, CH, LU, CA"]),
        ("salaries/", "region=FR-XX", "region", ["region", "FR-IDF"]),
        ("salaries/breakdown/", "by=gender", "by", ["by", "education", "mission"]),
        ("trends/", "metric=rate", "metric", ["metric", "salary, day-rate"]),
        # Freelancers have no employer: not a filter of day rates.
        ("day-rates/breakdown/", "by=employer_size", "by", ["region, experience, education"]),
    ],
)
def test_every_code_parameter_lists_its_allowed_values(
    published: Published, client: Client, path: str, query: str, parameter: str, words: list[str]
) -> None:
    errors = refused(client, path, query)

    assert list(errors) == [parameter]
    for word in words:
        assert word in errors[parameter][0]


def test_a_parameter_of_another_endpoint_is_refused_by_name(
    published: Published, client: Client
) -> None:
    errors = refused(client, "day-rates/", "employer_size=large&experiance=3-5")

    assert set(errors) == {"employer_size", "experiance"}
    assert errors["experiance"][0].startswith("Unknown parameter experiance. Accepted: country,")
    assert "employer_size" not in errors["employer_size"][0].split("Accepted:")[1]


def test_a_repeated_parameter_is_refused(published: Published, client: Client) -> None:
    errors = refused(client, "salaries/", "region=FR-IDF&region=FR-ARA")

    assert errors == {"region": ["Give region once: it was repeated."]}


def test_two_countries_are_refused_since_currencies_never_mix(
    published: Published, client: Client
) -> None:
    errors = refused(client, "salaries/", "country=FR&country=BE")

    assert errors == {
        "country": [
            "Give one country: benchmarks never mix currencies. Allowed values: FR, BE, CH, LU, CA."
        ]
    }


def test_a_region_outside_the_country_is_refused(published: Published, client: Client) -> None:
    errors = refused(client, "salaries/", "region=CA-QC")

    assert list(errors) == ["region"]
    assert errors["region"][0].startswith(
        "Region CA-QC is not in country FR (add country=CA). Regions of FR: FR-ARA, FR-BFC,"
    )
    assert client.get(f"{API}/salaries/?region=CA-QC&country=CA").status_code == 200


def test_an_oversized_value_is_refused_without_being_echoed(
    published: Published, client: Client
) -> None:
    huge = "x" * 5000
    response = client.get(f"{API}/salaries/?experience={huge}&lang=en")

    assert response.status_code == 400
    assert huge[: MAX_VALUE_LENGTH + 1] not in response.content.decode()
    assert response.json()["errors"] == {
        "experience": ["The value of experience is too long (at most 64 characters)."]
    }
    long_name = refused(client, "salaries/", f"{huge}=1")
    assert list(long_name) == ["x" * MAX_VALUE_LENGTH]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "rate must be a number, e.g. rate=350."),
        ("-5", "rate must be greater than 0."),
        ("0", "rate must be greater than 0."),
        ("nan", "rate must be a number, e.g. rate=350."),
        ("inf", "rate must be a number, e.g. rate=350."),
        ("1e400", "rate must be a number, e.g. rate=350."),
        ("100001", "rate must be at most 100 000."),
        ("", "rate is required, e.g. rate=350."),
    ],
)
def test_a_day_rate_must_be_a_positive_number(
    published: Published, client: Client, value: str, message: str
) -> None:
    assert refused(client, "day-rates/position/", f"rate={value}") == {"rate": [message]}


def test_a_salary_is_required_and_must_be_a_positive_number(
    published: Published, client: Client
) -> None:
    assert refused(client, "salaries/position/", "") == {
        "salary": ["salary is required, e.g. salary=38000."]
    }
    assert refused(client, "salaries/position/", "salary=-38000") == {
        "salary": ["salary must be greater than 0."]
    }
    assert refused(client, "salaries/position/", "salary=38k") == {
        "salary": ["salary must be a number, e.g. salary=38000."]
    }


@pytest.mark.parametrize("value", ["-1", "51", "four", "4.5", "%2B4", "4_0", ""])
def test_impossible_experience_years_are_refused(
    published: Published, client: Client, value: str
) -> None:
    errors = refused(client, "estimate/", f"experience_years={value}")

    expected = (
        "experience_years is required, e.g. experience_years=4."
        if value == ""
        else "experience_years must be a whole number from 0 to 50."
    )
    assert errors == {"experience_years": [expected]}


def test_an_edition_without_figures_is_refused_with_the_published_ones(
    published: Published, client: Client
) -> None:
    assert refused(client, "salaries/", "year=2019") == {
        "year": ["No figures are published for edition 2019. Published editions: 2025, 2026."]
    }
    assert list(refused(client, "salaries/", "year=last")) == ["year"]
    # Trends span every edition: a year is not one of their parameters.
    assert list(refused(client, "trends/", "year=2026")) == ["year"]


def test_a_breakdown_needs_a_dimension_it_does_not_filter_on(
    published: Published, client: Client
) -> None:
    assert refused(client, "salaries/breakdown/", "") == {"by": ["by is required, e.g. by=region."]}
    assert refused(client, "salaries/breakdown/", "by=education&education=bac5") == {
        "by": ["by=education breaks the cohort down along education: remove the education filter."]
    }


def test_the_mission_breakdown_is_refused_beyond_the_depth_the_snapshot_computed(
    published: Published, client: Client
) -> None:
    assert client.get(f"{API}/salaries/breakdown/?by=mission&role=moderator").status_code == 200

    errors = refused(client, "salaries/breakdown/", "by=mission&role=moderator&education=bac5")

    assert errors == {
        "by": [
            "The mission breakdown is published for cohorts with at most 1 filter besides "
            "country and year."
        ]
    }


def test_day_rate_trends_have_no_employer_filter(published: Published, client: Client) -> None:
    errors = refused(client, "trends/", "metric=day-rate&employer_type=agency")

    assert errors == {
        "employer_type": [
            "Day rates are freelancers' and have no employer_type: remove it, "
            "or ask for metric=salary."
        ]
    }


def test_the_messages_follow_the_requests_language(published: Published, client: Client) -> None:
    english = client.get(f"{API}/day-rates/?experience=3-6", HTTP_ACCEPT_LANGUAGE="en").json()
    french = client.get(f"{API}/day-rates/?experience=3-6&lang=fr").json()

    assert english["errors"]["experience"][0].startswith("Unknown experience 3-6.")
    # Whatever the French catalogue says, it names the parameter and the codes.
    assert "experience" in french["errors"]["experience"][0]
    assert EXPERIENCE_CODES in french["errors"]["experience"][0]


ENDPOINTS = (
    "salaries/",
    "salaries/breakdown/",
    "salaries/position/",
    "day-rates/",
    "day-rates/breakdown/",
    "day-rates/position/",
    "estimate/",
    "trends/",
    "cells.csv",
)
NAMES = st.sampled_from(
    [
        "country",
        "year",
        "region",
        "experience",
        "education",
        "employer_size",
        "employer_type",
        "role",
        "by",
        "basis",
        "metric",
        "salary",
        "rate",
        "experience_years",
        "lang",
    ]
)
VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["FR", "BE", "FR-IDF", "CA-QC", "3-5", "10+", "bac5", "2026", "350", "-1"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    query=st.lists(st.tuples(NAMES | st.text(min_size=1, max_size=10), VALUES), max_size=5),
)
def test_no_query_whatsoever_makes_a_server_error(
    published: Published, client: Client, settings, endpoint: str, query: list[tuple[str, str]]
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_read": "100000/min", "submission": "20/hour"},
    }
    response = client.get(f"{API}/{endpoint}", query)

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["errors"]
    elif endpoint != "cells.csv":
        assert "published" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        "experience=3-6&region=BE-BRU",
        "country=FR&country=BE&role=ceo",
        "by=education&education=bac5",
        "by=mission&role=moderator&education=bac5",
        "year=2019&basis=net",
        "by=region&experience=3-5",
    ],
)
def test_a_pages_form_and_the_api_refuse_the_same_parameters_alike(
    published: Published, query: str
) -> None:
    snapshot = lookup.published_snapshot()
    api = SalaryBreakdownParameters(QueryDict(query), snapshot=snapshot)
    page = SalaryBreakdownParameters(QueryDict(query), snapshot=snapshot)

    assert api.is_valid() == page.form.is_valid()
    assert api.errors == {name: list(messages) for name, messages in page.form.errors.items()}
    if api.is_valid():
        assert api.cleaned_data["by"] == page.form.cleaned_data["by"] == "region"
