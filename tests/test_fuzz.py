"""Hostile input on every page, form and API endpoint: never a 5xx; 413 too big; 400 not JSON.

The endpoints are read from the URLconf, so a new one is fuzzed without a
change here: every public route (the admin's only public form, its sign-in,
stands for the admin). Query parameter names and their allowed values come
from the OpenAPI schema, so the random queries mix valid filters with junk
and reach past the first validation. Hypothesis is bounded (max_examples per
endpoint) and derandomized, so a CI run is repeatable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db.models import SlugField
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.snapshots import snapshot_publish
from surveys.models import SurveyResponse
from surveys.services import response_build
from surveys.validation import FIELD_NAMES, validate_answers
from tests.benchmarks.conftest import random_answers
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
            "submission": "100000/min",
            "withdraw": "100000/min",
        },
    }
    settings.SURVEY_SUBMISSIONS_PER_HOUR = 100_000
    edition = EditionFactory(year=2026)
    SurveyResponse.objects.bulk_create(
        response_build(
            answers=validate_answers(raw), edition=edition, source="survey", legal_minimum=None
        )
        for raw in random_answers(60, seed=3)
    )
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
