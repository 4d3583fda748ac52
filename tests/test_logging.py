"""No personal data in logs: a respondent's address, free text and receipt code appear in no log.

Every log record of every logger is captured at DEBUG from the root logger,
with stdout and stderr, while a respondent goes through everything that logs:
an accepted answer, a duplicate, an invalid one, a throttled one, the web
form, a failed admin sign-in, a database that cannot be reached, and every
way a withdrawal can go (privacy rule 9). SQL debugging is on for part of it,
since SQL parameters would carry the answer's text and its record key.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from surveys.forms import started_token
from surveys.models import EditionQuerySet, SurveyResponse
from tests.factories import EditionFactory, EditorFactory, valid_answers

ADDRESS = "203.0.113.77"
JOB_TITLE = "Cheffe de tribu Zorblax-7731"

pytestmark = pytest.mark.django_db


class Everything(logging.Handler):
    """Keeps every record, formatted the way a log file would show it, traceback included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def form_data(**overrides: Any) -> dict[str, Any]:
    """The web form's POST data for `valid_answers(**overrides)`, sent a minute after opening."""
    data: dict[str, Any] = {"website": "", "started": started_token(time.time() - 60)}
    for name, value in valid_answers(**overrides).items():
        data[name] = [str(item) for item in value] if isinstance(value, list) else str(value)
    return data


def post_answer(client: Client, **overrides: Any):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/responses/",
        data=valid_answers(job_title=JOB_TITLE, **overrides),
        content_type="application/json",
        REMOTE_ADDR=ADDRESS,
    )


def assert_absent(lines: list[str], captured: Any) -> None:
    text = "\n".join([*lines, captured.out, captured.err])
    assert ADDRESS not in text
    assert JOB_TITLE not in text
    assert "Zorblax" not in text
    # The record key's column would be named by any logged INSERT (privacy rule 3).
    assert "record_key" not in text


def test_an_answer_through_the_api_leaves_no_address_or_free_text_in_the_logs(
    log_lines: list[str], capfd, settings
) -> None:
    settings.SURVEY_SUBMISSIONS_PER_HOUR = 3
    EditionFactory(year=2026)
    client = Client()

    # SQL debugging on, as DEBUG=True or a query-counting test would turn it:
    # the INSERT and its parameters are then handed to the "django.db.backends" logger.
    connection.force_debug_cursor = True
    try:
        accepted = post_answer(client)
        sql = [query["sql"] for query in connection.queries]
    finally:
        connection.force_debug_cursor = False
    duplicate = post_answer(client)
    invalid = post_answer(client, experience_years=99)
    second = post_answer(client, base_salary=35_000)
    third = post_answer(client, base_salary=36_000)
    throttled = post_answer(client, base_salary=37_000)

    assert [r.status_code for r in (accepted, duplicate, invalid, second, third, throttled)] == [
        201,
        409,
        400,
        201,
        201,
        429,
    ]
    assert SurveyResponse.objects.filter(job_title=JOB_TITLE).count() == 3
    # The SQL did carry the text: it is the logging that must not.
    assert any(JOB_TITLE in statement for statement in sql)
    assert any("Conflict" in line or "Too Many Requests" in line for line in log_lines)
    assert_absent(log_lines, capfd.readouterr())


def test_an_answer_behind_a_proxy_leaves_no_forwarded_address_in_the_logs(
    log_lines: list[str], capfd, settings
) -> None:
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    EditionFactory(year=2026)

    response = Client().post(
        "/api/v1/responses/",
        data=valid_answers(job_title=JOB_TITLE),
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=ADDRESS,
    )

    assert response.status_code == 201
    assert_absent(log_lines, capfd.readouterr())


def test_an_answer_through_the_web_form_leaves_nothing_personal_in_the_logs(
    log_lines: list[str], capfd
) -> None:
    EditionFactory(year=2026)
    client = Client()

    accepted = client.post(reverse("survey"), form_data(job_title=JOB_TITLE), REMOTE_ADDR=ADDRESS)
    invalid = client.post(
        reverse("survey"), form_data(job_title=JOB_TITLE, region="CH-GE"), REMOTE_ADDR=ADDRESS
    )

    assert accepted.status_code == 302
    assert invalid.status_code == 200
    assert SurveyResponse.objects.filter(job_title=JOB_TITLE).count() == 1
    assert_absent(log_lines, capfd.readouterr())


def test_refusals_and_faults_log_what_happened_without_who(
    log_lines: list[str], capfd, settings, monkeypatch
) -> None:
    settings.ADMIN_LOGIN_MAX_FAILURES = 1
    EditionFactory(year=2026)
    EditorFactory(username="editor")
    client = Client(raise_request_exception=False)

    client.post(
        reverse("admin:login"), {"username": "editor", "password": "x"}, REMOTE_ADDR=ADDRESS
    )
    locked = client.post(
        reverse("admin:login"), {"username": "editor", "password": "y"}, REMOTE_ADDR=ADDRESS
    )

    def unreachable(self: EditionQuerySet) -> EditionQuerySet:
        raise OperationalError("connection refused")

    monkeypatch.setattr(EditionQuerySet, "open", unreachable)
    unavailable = post_answer(client)

    assert locked.status_code == 429
    assert unavailable.status_code == 503
    assert any("Admin sign-in refused" in line for line in log_lines)
    assert any("Database or cache unavailable (OperationalError)" in line for line in log_lines)
    assert_absent(log_lines, capfd.readouterr())


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could print of a record: message, args, attributes, request."""
    request = getattr(record, "request", None)
    parts = [record.getMessage(), repr(record.args), repr(vars(record))]
    if request is not None:
        parts += [
            str(getattr(request, "path", "")),
            str(getattr(request, "path_info", "")),
            str(getattr(request, "get_full_path", lambda: "")()),
            repr(getattr(request, "POST", "")),
        ]
    return "\n".join(parts)


def test_no_withdrawal_leaves_its_receipt_code_in_the_logs(
    log_lines: list[str], caplog, capfd, settings
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "withdraw": "4/hour",
        },
    }
    caplog.set_level(logging.DEBUG)
    EditionFactory(year=2026)
    client = Client()
    code = post_answer(client).json()["receipt"]
    stranger = "ZZZZ-YYYY-XXXX-WWWW-VVVV"

    def api_withdraw(receipt: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/responses/withdraw/",
            data=json.dumps({"receipt": receipt}),
            content_type="application/json",
            REMOTE_ADDR=ADDRESS,
        )

    def page_withdraw(receipt: str):  # type: ignore[no-untyped-def]
        return client.post("/en/survey/withdraw/", {"receipt": receipt}, REMOTE_ADDR=ADDRESS)

    connection.force_debug_cursor = True
    try:
        withdrawn = api_withdraw(code)
        sql = [query["sql"] for query in connection.queries]
    finally:
        connection.force_debug_cursor = False
    unknown = api_withdraw(stranger)
    again_on_the_page = page_withdraw(code)
    again = api_withdraw(code)
    throttled = api_withdraw(code)
    throttled_page = page_withdraw(code)
    gone = client.delete(f"/api/v1/responses/{code}/", REMOTE_ADDR=ADDRESS)
    wrong_method = client.get(f"/api/v1/responses/{code}/", REMOTE_ADDR=ADDRESS)
    no_slash = client.delete(f"/api/v1/responses/{code}", REMOTE_ADDR=ADDRESS)

    assert [
        r.status_code
        for r in (withdrawn, unknown, again_on_the_page, again, throttled, throttled_page)
    ] == [204, 404, 404, 404, 429, 429]
    assert (gone.status_code, wrong_method.status_code, no_slash.status_code) == (410, 405, 301)
    assert SurveyResponse.objects.get().state == "withdrawn"
    # The statements did carry what the logs must not (the hash, not the code, reaches SQL).
    assert any("receipt_hash" in statement for statement in sql)

    records = caplog.records
    assert {r.name for r in records} >= {"django.request"}
    texts = [record_text(r) for r in records]
    captured = capfd.readouterr()
    everything = "\n".join([*texts, *log_lines, captured.out, captured.err])
    for secret in (code, code.replace("-", ""), code.lower(), stranger):
        assert secret not in everything
    # The requests were logged, only without their path.
    for reason in ("Not Found", "Too Many Requests", "Gone", "Method Not Allowed"):
        assert f"{reason}: [a withdrawal request]" in everything
    assert all(getattr(r, "request", None) is None for r in records if r.name == "django.request")
    assert_absent(log_lines, captured)


def test_a_development_server_line_about_a_withdrawal_is_logged_without_its_path(
    capfd, caplog
) -> None:
    # django.server does not propagate: listen on it directly.
    caplog.set_level(logging.DEBUG, logger="django.server")
    code = "7KQ2-M9XD-4HTA-PW3C-Y7CU"

    # What runserver logs for a failed request (the access log itself is off).
    logging.getLogger("django.server").error(
        '"%s" %s %s', f"DELETE /api/v1/responses/{code}/ HTTP/1.1", "500", "93"
    )
    logging.getLogger("django.server").error(
        '"%s" %s %s', f"POST /api/v1/responses/withdraw/?receipt={code} HTTP/1.1", "500", "9"
    )

    captured = capfd.readouterr()
    texts = [record_text(record) for record in caplog.records]
    assert code not in "\n".join([*texts, captured.out, captured.err])
    assert [record.getMessage() for record in caplog.records] == [
        '"DELETE [a withdrawal request] HTTP/1.1" 500 93',
        '"POST [a withdrawal request] HTTP/1.1" 500 9',
    ]
