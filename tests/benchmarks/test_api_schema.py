"""The OpenAPI schema of the benchmark API, its documentation page, and schemathesis over both.

Schemathesis reads /api/v1/schema/ from the WSGI application, in process (no
network), and sends each benchmark operation generated requests, valid and
invalid: no answer may be a server error, have an undocumented status or
content type, or break its documented schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cmbench.wsgi import application
from surveys import vocabulary as vocab
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

BENCHMARK_OPERATIONS = {
    "/api/v1/benchmarks/salaries/": "salaries",
    "/api/v1/benchmarks/salaries/breakdown/": "salaries_breakdown",
    "/api/v1/benchmarks/salaries/position/": "salaries_position",
    "/api/v1/benchmarks/day-rates/": "day_rates",
    "/api/v1/benchmarks/day-rates/breakdown/": "day_rates_breakdown",
    "/api/v1/benchmarks/day-rates/position/": "day_rates_position",
    "/api/v1/benchmarks/estimate/": "estimate",
    "/api/v1/benchmarks/trends/": "trends",
    "/api/v1/benchmarks/cells.csv": "cells_csv",
}


@pytest.fixture
def openapi(client: Client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    document: dict = yaml.safe_load(response.content)
    return document


def test_the_schema_is_valid_openapi_3_and_lists_every_benchmark_endpoint(openapi: dict) -> None:
    validate_schema(openapi)  # raises on an invalid document

    assert openapi["openapi"].startswith("3.")
    for path, operation_id in BENCHMARK_OPERATIONS.items():
        assert openapi["paths"][path]["get"]["operationId"] == operation_id
        assert {"200", "400", "429", "503"} <= set(openapi["paths"][path]["get"]["responses"])


def test_the_schema_gives_each_parameter_its_allowed_values(openapi: dict) -> None:
    def parameters(path: str) -> dict[str, dict]:
        return {p["name"]: p for p in openapi["paths"][path]["get"]["parameters"]}

    day_rates = parameters("/api/v1/benchmarks/day-rates/")
    assert day_rates["experience"]["schema"]["enum"] == list(vocab.EXPERIENCE.codes)
    assert day_rates["country"]["schema"] == {
        "type": "string",
        "enum": list(vocab.COUNTRY.codes),
        "default": "FR",
    }
    assert "employer_size" not in day_rates
    assert parameters("/api/v1/benchmarks/salaries/")["employer_size"]["schema"]["enum"] == list(
        vocab.EMPLOYER_SIZE.codes
    )
    rate = parameters("/api/v1/benchmarks/day-rates/position/")["rate"]
    assert rate["required"] is True
    assert rate["schema"]["exclusiveMinimum"] is True
    by = parameters("/api/v1/benchmarks/salaries/breakdown/")["by"]["schema"]["enum"]
    assert by == [
        "region",
        "experience",
        "education",
        "employer_size",
        "employer_type",
        "role",
        "mission",
    ]
    years = parameters("/api/v1/benchmarks/estimate/")["experience_years"]["schema"]
    assert (years["minimum"], years["maximum"]) == (0, 50)


def test_the_documentation_page_is_served_by_the_site_itself(client: Client) -> None:
    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    # Every asset is a path of this site: nothing from a CDN, and the page works offline.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assets = re.findall(r"""(?:src|href)="([^"]+)\"""", html)
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
    # Swagger UI's start-up script is a file of its own: the CSP refuses inline scripts.
    assert "<script>" not in html
    script_url = next(asset for asset in assets if "script" in asset.split("?")[-1])
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


# Read from the application itself at collection (the schema needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(
    path_regex=r"^/api/v1/benchmarks/"
)
schema.config.generation.update(max_examples=30, database="none")


@pytest.fixture
def unthrottled(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    # Hundreds of requests from one client: the throttle must not be what answers.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_read": "1000000/min", "submission": "20/hour"},
    }
    # Called as WSGI, Django closes the database connection at the end of each
    # request (it is in a transaction: the test's); Django's test client
    # disconnects that handler too, so that the test's transaction lives on.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_benchmark_operation_answers_as_its_schema_says(
    case: schemathesis.Case, published: Published, unthrottled: None
) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
