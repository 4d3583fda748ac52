"""Hostile input on every page, form and API endpoint: never a 5xx; 413 too big; 400 not JSON.

The endpoints are read from the URLconf, so a new one is fuzzed without a
change here: every public route (the admin's only public form, its sign-in,
stands for the admin). Query parameter names and their allowed values come
from the OpenAPI schema, so the random queries mix valid filters with junk
and reach past the first validation. Hypothesis is bounded (max_examples per
endpoint) and derandomized, so a CI run is repeatable.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import DataError, connection, transaction
from django.db.models import SlugField
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.build.snapshots import snapshot_publish
from cmbench.parsers import MAX_DEPTH, BoundedJSONParser
from cmbench.parsers import MESSAGES as PARSER_MESSAGES
from interviews.models import Interview
from interviews.services import (
    PROFILE_FIELDS,
    QUESTION_FIELDS,
    SUBMISSION_FIELDS,
    interview_validate,
)
from surveys.api.serializers import WithdrawalSerializer
from surveys.forms import started_token
from surveys.models import SurveyResponse
from surveys.services import response_build
from surveys.validation import FIELD_NAMES, InvalidAnswers, validate_answers
from tests.answers import store_answers
from tests.factories import EditionFactory, valid_answers

pytestmark = pytest.mark.django_db

BODY_METHODS = ("post", "put", "patch", "delete")
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# Sent with every fuzzing request; only the oversized-body test goes past the limit.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True)
class Endpoint:
    """One route of the URLconf: `/api/v1/responses/<str:receipt>/`, whether API, its methods."""

    route: str
    api: bool
    methods: tuple[str, ...]

    def __str__(self) -> str:
        return self.route


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Callable[..., Any]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback: Callable[..., Any], *, api: bool) -> tuple[str, ...]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        # A function view says which methods it takes only by answering 405.
        return ("get", "post")
    return tuple(m for m in ("get", *BODY_METHODS) if hasattr(view_class, m)) or ("get",)


def endpoints() -> list[Endpoint]:
    """Every public route: regex routes (the admin's) left out, but for the admin sign-in."""
    admin_login = f"/{django_settings.ADMIN_URL}login/"
    found = {}
    for route, callback in _walk(get_resolver().url_patterns):
        path = "/" + route
        if "^" in route or "(?P" in route:
            continue
        if path.startswith(f"/{django_settings.ADMIN_URL}") and path != admin_login:
            continue
        api = path.startswith("/api/")
        found[path] = Endpoint(route=path, api=api, methods=_methods(callback, api=api))
    return sorted(found.values(), key=str)


def schema_parameters() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """From the OpenAPI schema: query parameter names with their enums, and body fields."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    query: dict[str, list[str]] = {}
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    enum = parameter.get("schema", {}).get("enum") or []
                    query.setdefault(parameter["name"], []).extend(str(v) for v in enum)
    body: dict[str, list[str]] = {}
    for component in schema["components"]["schemas"].values():
        for name, field in component.get("properties", {}).items():
            body.setdefault(name, []).extend(str(v) for v in field.get("enum") or [])
    return query, body


def known_slugs() -> list[str]:
    slugs = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, SlugField):
                slugs += [s for s in model.objects.values_list(model_field.name, flat=True) if s]
    return slugs


@pytest.fixture
def site(settings) -> Client:  # type: ignore[no-untyped-def]
    """An open edition, a published snapshot, throttles out of the way, a client that raises."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon_read": "100000/min",
            "withdraw": "100000/min",
        },
    }
    settings.SURVEY_SUBMISSIONS_PER_HOUR = 100_000
    EditionFactory(year=2026)
    store_answers(60, seed=3)
    snapshot_publish()
    # An unhandled exception fails the test with its traceback instead of a bare 500.
    return Client(raise_request_exception=True)


# --- Strategies ------------------------------------------------------------------------------

junk_text = st.text(max_size=40)
numbers_as_text = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["2024", "2025", "2026", "1999", "0", "-1", "1e309", "0x10", " 12 "]),
)


def query_strings(parameters: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.one_of(st.sampled_from(sorted(parameters)), st.text(min_size=1, max_size=10))
    values = st.one_of(
        st.sampled_from(sorted({v for vs in parameters.values() for v in vs}) or ["x"]),
        numbers_as_text,
        junk_text,
    )
    return st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=6)


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    junk_text,
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(junk_text, children, max_size=4)
    ),
    max_leaves=12,
)


def json_bodies(fields: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Random JSON, and valid answers with random fields replaced (to reach deep checks)."""
    known = st.sampled_from(sorted({v for vs in fields.values() for v in vs}) or ["x"])
    mutated_answer = st.builds(
        lambda status, changes: {**valid_answers(status=status), **changes},
        st.sampled_from(["employee", "freelance", "trainee"]),
        st.dictionaries(
            st.sampled_from(sorted(set(fields) | set(FIELD_NAMES))),
            st.one_of(json_values, known, st.lists(known, max_size=4)),
            max_size=4,
        ),
    )
    return st.one_of(json_values, mutated_answer)


def form_bodies(fields: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from(
        sorted(
            set(fields)
            | set(FIELD_NAMES)
            | {"website", "started", "receipt", "username", "password", "language", "next"}
        )
    )
    values = st.one_of(
        st.sampled_from(sorted({v for vs in fields.values() for v in vs}) or ["x"]),
        numbers_as_text,
        junk_text,
    )
    return st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=12)


def path_values(slugs: list[str]) -> Callable[[str | None], st.SearchStrategy[str]]:
    def for_converter(converter: str | None) -> st.SearchStrategy[str]:
        if converter == "slug":
            random_slug = st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)
            return st.one_of(st.sampled_from(slugs), random_slug) if slugs else random_slug
        if converter == "int":
            return st.integers(min_value=0, max_value=10**12).map(str)
        return st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s)

    return for_converter


def concrete_paths(endpoint: Endpoint, slugs: list[str]) -> st.SearchStrategy[str]:
    """The route with each converter replaced by a drawn, URL-quoted value."""
    parts = CONVERTER.split(endpoint.route)
    # split() gives text, converter, name, text, converter, name, ..., text.
    strategies: list[st.SearchStrategy[str]] = []
    values_for = path_values(slugs)
    for index in range(0, len(parts), 3):
        strategies.append(st.just(parts[index]))
        if index + 2 < len(parts):
            strategies.append(values_for(parts[index + 1]).map(lambda v: quote(v, safe="")))
    return st.tuples(*strategies).map("".join)


def assert_not_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def fuzz_queries(
    site: Client, endpoint: Endpoint, parameters: dict[str, list[str]], slugs: list[str]
) -> None:
    """GET the endpoint with drawn path values and query strings."""

    @FUZZ
    @given(path=concrete_paths(endpoint, slugs), query=query_strings(parameters))
    def probe(path: str, query: dict[str, Any]) -> None:
        assert_not_5xx(site.get(path, query), f"GET {path} {query!r}")

    probe()


def fuzz_bodies(
    site: Client, endpoint: Endpoint, method: str, fields: dict[str, list[str]], slugs: list[str]
) -> None:
    """Send drawn bodies with `method`: JSON to the API, form data to the pages."""
    send = getattr(site, method)

    @FUZZ
    @given(
        path=concrete_paths(endpoint, slugs),
        body=json_bodies(fields).map(json.dumps) if endpoint.api else form_bodies(fields),
    )
    def probe(path: str, body: Any) -> None:
        if endpoint.api:
            response = send(path, body, content_type="application/json")
        else:
            response = send(path, body)
        assert_not_5xx(response, f"{method.upper()} {path} {body!r}")

    probe()


# --- Tests -----------------------------------------------------------------------------------


def test_no_page_or_endpoint_answers_a_random_query_string_with_a_5xx(site: Client) -> None:
    query_parameters, _body_fields = schema_parameters()
    slugs = known_slugs()
    checked = []
    for endpoint in endpoints():
        if "get" in endpoint.methods:
            fuzz_queries(site, endpoint, query_parameters, slugs)
            checked.append(endpoint.route)

    assert "/api/v1/benchmarks/salaries/" in checked
    assert "/survey/" in checked


def test_no_form_or_endpoint_answers_a_random_body_with_a_5xx(site: Client) -> None:
    _query_parameters, body_fields = schema_parameters()
    slugs = known_slugs()
    checked = []
    for endpoint in endpoints():
        for method in (m for m in endpoint.methods if m in BODY_METHODS):
            fuzz_bodies(site, endpoint, method, body_fields, slugs)
            checked.append((method, endpoint.route))

    assert ("post", "/api/v1/responses/") in checked
    assert ("post", "/api/v1/responses/withdraw/") in checked
    # The old withdrawal address, gone (410), still answers no 5xx.
    assert ("delete", "/api/v1/responses/<str:receipt>/") in checked
    assert ("post", "/survey/") in checked


def test_every_endpoint_refuses_an_oversized_body_with_413(site: Client) -> None:
    size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    json_body = json.dumps({"job_title": "x" * size})
    form_body = "job_title=" + "x" * size
    refused = []
    for endpoint in endpoints():
        path = CONVERTER.sub("x", endpoint.route)
        for method in {"post", *(m for m in endpoint.methods if m in BODY_METHODS)}:
            send = getattr(site, method)
            if endpoint.api:
                response = send(path, json_body, content_type="application/json")
            else:
                response = send(path, form_body, content_type="application/x-www-form-urlencoded")
            assert response.status_code == 413, f"{method.upper()} {path}"
            refused.append(response.status_code)

    assert len(refused) >= 10


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": "employee",',
        b'{"status": "employee"} trailing',
        b"{'status': 'employee'}",
        b'{"base_salary": NaN}',
        b"\xff\xfe\x00not utf-8",
        b"[1, 2,",
    ],
)
def test_every_api_endpoint_taking_a_body_answers_malformed_json_with_400(
    site: Client, body: bytes
) -> None:
    answered = []
    for endpoint in endpoints():
        if not endpoint.api:
            continue
        for method in (m for m in endpoint.methods if m in ("post", "put", "patch")):
            path = CONVERTER.sub("x", endpoint.route)
            response = getattr(site, method)(path, body, content_type="application/json")
            assert response.status_code == 400, f"{method.upper()} {path}"
            assert response.headers["Content-Type"] == "application/json"
            assert "detail" in response.json()
            answered.append(path)

    assert "/api/v1/responses/" in answered
    assert "/api/v1/responses/withdraw/" in answered


# --- Hostile values, class by class --------------------------------------------------------
# What Python's json module, the database and the response's encoder trip on, each on every
# field of every write endpoint and every query parameter of every read endpoint, in both
# languages: a 400 that names the field (or says the body is too deep), and nothing written.

HUGE_DIGITS = "9" * 5_000
# JSON texts, each spliced into an otherwise valid body in place of one field's value.
HOSTILE_JSON = {
    "lone surrogate": '"\\ud800"',
    "lone surrogate in text": '"Community \\udfff manager"',
    "NUL": '"\\u0000"',
    "NUL in text": '"Community\\u0000manager"',
    "huge integer": HUGE_DIGITS,
    "huge negative integer": "-" + HUGE_DIGITS,
    "huge decimal": HUGE_DIGITS + ".5",
    "huge exponent": "1e400",
    "huge number as text": f'"{HUGE_DIGITS}"',
    "nested lists": "[" * 30 + "]" * 30,
}
# Bodies too deep to name a field in: refused whole.
TOO_DEEP_BODIES = {
    "50,000 [": "[" * 50_000,
    "50,000 [ closed": "[" * 50_000 + "]" * 50_000,
    "50,000 objects": '{"a":' * 50_000,
    "50,000 [ in a field": '{"job_title": ' + "[" * 50_000,
    "33 levels": '{"missions": ' + "[" * 32 + "]" * 32 + "}",
}
# Query values as sent on the wire: a lone surrogate can only arrive as its (invalid) UTF-8.
HOSTILE_QUERY = {
    "NUL": "%00",
    "NUL in text": "FR%00",
    "lone surrogate": "%ED%A0%80",
    "huge integer": HUGE_DIGITS,
    "huge negative integer": "-" + HUGE_DIGITS,
    "huge decimal": HUGE_DIGITS + ".5",
    "huge exponent": "1e400",
    "deep nesting": "%5B" * 5_000,
}
PLACEHOLDER = '"__hostile__"'


@dataclass(frozen=True)
class WriteEndpoint:
    """A write endpoint, its fields, a valid body for each, and its own judgement of a body.

    `errors` is the validation the view runs, called in-process in the active
    language: the endpoint must answer exactly those errors.
    """

    path: str
    fields: tuple[str, ...]
    valid_body: Callable[[str], dict[str, Any]]
    errors: Callable[[dict[str, Any], str], dict[str, list[str]]]


def _survey_body(field: str) -> dict[str, Any]:
    freelance_only = field in ("day_rate", "billed_days")
    return valid_answers(status="freelance" if freelance_only else "employee")


def _survey_errors(raw: dict[str, Any], language: str) -> dict[str, list[str]]:
    try:
        validate_answers(raw)
    except InvalidAnswers as invalid:
        return invalid.errors
    return {}


def _interview_errors(raw: dict[str, Any], language: str) -> dict[str, list[str]]:
    try:
        interview_validate(raw, default_language=language)
    except InvalidAnswers as invalid:
        return invalid.errors
    return {}


def _withdrawal_errors(raw: dict[str, Any], language: str) -> dict[str, list[str]]:
    serializer = WithdrawalSerializer(data=raw)
    serializer.is_valid()
    return {name: [str(m) for m in messages] for name, messages in serializer.errors.items()}


WRITE_ENDPOINTS = (
    WriteEndpoint("/api/v1/responses/", FIELD_NAMES, _survey_body, _survey_errors),
    WriteEndpoint(
        "/api/v1/responses/withdraw/",
        ("receipt",),
        lambda field: {"receipt": "7KQ2-M9XD-4HTA-PW3C-Y7CU"},
        _withdrawal_errors,
    ),
    WriteEndpoint(
        "/api/v1/interviews/",
        SUBMISSION_FIELDS,
        lambda field: {
            **{question: "An answer." for question in QUESTION_FIELDS},
            "role": "community-manager",
            "employer_type": "brand",
            "country": "FR",
            "display_name": "Alex",
            "language": "fr",
            "consent_to_publish": True,
        },
        _interview_errors,
    ),
)


def stored_rows() -> tuple[int, int, int]:
    """Answers, withdrawn answers and interviews: what a refused write must leave alone."""
    return (
        SurveyResponse.objects.count(),
        SurveyResponse.objects.filter(state=SurveyResponse.State.WITHDRAWN).count(),
        Interview.objects.count(),
    )


def hostile_body(body: dict[str, Any], field: str, hostile: str) -> str:
    return json.dumps({**body, field: "__hostile__"}).replace(PLACEHOLDER, hostile)


def parsed(text: str) -> Any:
    """The body as the API's parser hands it to the view."""
    return BoundedJSONParser().parse(io.BytesIO(text.encode()), parser_context={})


def assert_quotes_nothing_raw(response: Any, *, nul: bool = True) -> None:
    """No message quotes a 5,000-digit value back whole, nor (with `nul`) a NUL.

    A lone surrogate quoted back would not even encode: the answer would be a 500.
    """
    text = response.content.decode()
    assert HUGE_DIGITS not in text
    assert "Exceeds the limit" not in text  # Python's own int() message
    if nul:
        assert "\\u0000" not in text


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=lambda endpoint: endpoint.path)
def test_every_field_of_every_write_endpoint_refuses_each_hostile_value_by_name(
    site: Client, endpoint: WriteEndpoint
) -> None:
    before = stored_rows()
    checked = 0
    for index, (field, (kind, hostile)) in enumerate(
        (field, case) for field in endpoint.fields for case in HOSTILE_JSON.items()
    ):
        language = ("fr", "en")[index % 2]
        body = hostile_body(endpoint.valid_body(field), field, hostile)

        response = site.post(f"{endpoint.path}?lang={language}", body, "application/json")

        what = f"{field} = {kind} ({language})"
        assert response.status_code == 400, what
        with translation.override(language):
            expected = endpoint.errors(parsed(body), language)
        assert response.json() == {"errors": expected}, what
        assert field in expected, what
        assert_quotes_nothing_raw(response)
        checked += 1

    assert stored_rows() == before
    assert checked == len(endpoint.fields) * len(HOSTILE_JSON)


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=lambda endpoint: endpoint.path)
def test_a_hostile_field_name_is_never_sent_back_as_it_came(
    site: Client, endpoint: WriteEndpoint
) -> None:
    before = stored_rows()
    for name in ("\\ud800", "\\u0000", HUGE_DIGITS):
        body = json.dumps(endpoint.valid_body("")).replace("{", f'{{"{name}": 1, ', 1)

        response = site.post(f"{endpoint.path}?lang=en", body, "application/json")

        # The withdrawal ignores a field it does not know (the receipt is just unknown: 404).
        assert response.status_code in (400, 404), name
        assert_quotes_nothing_raw(response)
        if response.status_code == 400:
            with translation.override("en"):
                assert response.json() == {"errors": endpoint.errors(parsed(body), "en")}

    assert stored_rows() == before


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=lambda endpoint: endpoint.path)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_body_nested_too_deep_is_a_400_saying_so_on_every_write_endpoint(
    site: Client, endpoint: WriteEndpoint, language: str
) -> None:
    before = stored_rows()
    with translation.override(language):
        too_deep = translation.gettext(PARSER_MESSAGES["too_deep"]) % {"depth": MAX_DEPTH}

    for kind, body in TOO_DEEP_BODIES.items():
        response = site.post(f"{endpoint.path}?lang={language}", body, "application/json")

        assert response.status_code == 400, kind
        assert response.json() == {"detail": too_deep}, kind

    assert stored_rows() == before


def read_endpoints() -> list[tuple[str, list[str]]]:
    """Every GET of the API with its query parameters, from the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        if "get" in operations:
            names = [
                p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"
            ]
            found.append((re.sub(r"\{\w+\}", "x", path), names))
    return found


def test_every_query_parameter_of_every_read_endpoint_refuses_each_hostile_value_by_name(
    site: Client,
) -> None:
    checked = []
    for path, names in read_endpoints():
        for name in names:
            for kind, value in HOSTILE_QUERY.items():
                response = site.get(f"{path}?{name}={value}")

                what = f"GET {path}?{name}= {kind}"
                assert response.status_code in (200, 400, 404), what
                if not response.streaming:
                    # The benchmark filters quote a NUL, JSON-escaped: harmless.
                    assert_quotes_nothing_raw(response, nul=False)
                if response.status_code == 400:
                    # `lang` only picks a language: never refused, others may be missing.
                    assert name == "lang" or name in response.json()["errors"], what
                if response.status_code == 404:
                    # A slug no guide or interview has; a page number past the last page.
                    assert "/x/" in path or name == "page", what
                checked.append((path, name))

    assert ("/api/v1/benchmarks/salaries/position/", "salary") in checked
    assert ("/api/v1/benchmarks/day-rates/position/", "rate") in checked
    assert ("/api/v1/interviews/", "page") in checked


@pytest.mark.parametrize(
    ("path", "fields", "form_body"),
    [
        # The form has every field but the edition (it answers the open one).
        ("/en/survey/", tuple(name for name in FIELD_NAMES if name != "edition"), "survey"),
        ("/en/interviews/submit/", (*QUESTION_FIELDS, *PROFILE_FIELDS), "interview"),
    ],
)
def test_the_web_forms_refuse_a_nul_and_a_huge_number_by_field(
    site: Client, path: str, fields: tuple[str, ...], form_body: str
) -> None:
    before = stored_rows()
    for field in fields:
        for value in ("\x00", "Community\x00manager", HUGE_DIGITS, "-" + HUGE_DIGITS):
            if form_body == "survey":
                data = {
                    "website": "",
                    "started": started_token(time.time() - 60),
                    **{
                        name: [str(v) for v in item] if isinstance(item, list) else str(item)
                        for name, item in _survey_body(field).items()
                    },
                }
            else:
                data = {
                    **WRITE_ENDPOINTS[2].valid_body(field),
                    "consent_to_publish": "on",
                    "language": "en",
                }
            data[field] = value

            response = site.post(path, data)

            what = (field, value[:10])
            assert response.status_code == 200, what
            invalid = f'class="field field--invalid" id="field-{field}"'
            assert invalid in response.content.decode(), what

    assert stored_rows() == before


def test_no_database_stores_a_nul_or_a_lone_surrogate_so_validation_must_refuse_them(
    db: None,
) -> None:
    """The premise of the tests above, on the database of this run (SQLite or PostgreSQL)."""
    edition = EditionFactory(year=2026)
    refused = []
    for text in ("\ud800", "\x00"):
        answer = response_build(
            answers=validate_answers(valid_answers()),
            edition=edition,
            source="survey",
            legal_minimum=None,
        )
        answer.job_title = text
        try:
            with transaction.atomic():
                answer.save()
        except (UnicodeEncodeError, DataError, ValueError):
            refused.append(text)

    assert "\ud800" in refused
    if connection.vendor == "postgresql":
        assert "\x00" in refused  # DataError: text fields cannot contain NUL (0x00) bytes


def test_postgresql_refuses_nul_in_text(postgres: None, db: None) -> None:
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT %s::text", ["a\x00b"])
