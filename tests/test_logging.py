"""No personal data in logs: a respondent's address, free text and receipt code appear in no log.

Every log record of every logger is captured at DEBUG from the root logger,
with stdout and stderr, while a respondent goes through everything that logs:
an accepted answer, a duplicate, an invalid one, a throttled one, the web
form, a failed admin sign-in, a database that cannot be reached, and every
way a withdrawal can go (privacy rule 9). SQL debugging is on for part of it,
since SQL parameters would carry the answer's text and its record key.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from cmbench.logging import JsonFormatter
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


# --- LOG_FORMAT=json ------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent

LOG_IN_A_FRESH_PROCESS = """
import logging
import django
from types import SimpleNamespace

django.setup()
log = logging.getLogger("cmbench.example")
log.warning("une ligne, %s", "deux mots")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("the division failed")
request = SimpleNamespace(method="GET", path="/fr/nope/", headers={"X-Request-ID": "req-42"})
logging.getLogger("django.request").warning(
    "Not Found: %s", "/fr/nope/", extra={"status_code": 404, "request": request}
)
withdrawal = SimpleNamespace(
    method="POST", path="/api/v1/responses/withdraw/", headers={"X-Request-ID": "req-43"}
)
logging.getLogger("django.request").warning(
    "Not Found: %s", "/api/v1/responses/withdraw/?receipt=7KQ2-M9XD-4HTA-PW3C-Y7CU",
    extra={"status_code": 404, "request": withdrawal},
)
logging.getLogger("django.security.csrf").warning(
    "Forbidden (CSRF cookie not set.): %s", "/en/survey/withdraw/7KQ2-M9XD-4HTA-PW3C-Y7CU",
    extra={"status_code": 403, "request": withdrawal},
)
"""


def run_logging(log_format: str | None) -> subprocess.CompletedProcess[str]:
    """LOG_FORMAT as production sets it: in the environment of a fresh process."""
    environment = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")
    if log_format is not None:
        environment["LOG_FORMAT"] = log_format
    return subprocess.run(
        [sys.executable, "-c", LOG_IN_A_FRESH_PROCESS],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_logs_are_one_object_per_line_through_the_same_filters() -> None:
    done = run_logging("json")

    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 5
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    plain, failed, not_found, withdrawal, csrf = records
    assert plain["message"] == "une ligne, deux mots"
    assert (plain["level"], plain["logger"]) == ("WARNING", "cmbench.example")
    assert plain["time"].endswith("+00:00")
    assert "exception" not in plain
    assert failed["level"] == "ERROR"
    assert "ZeroDivisionError: division by zero" in failed["exception"]
    assert failed["exception"].startswith("Traceback (most recent call last):")
    assert not_found == {
        "time": not_found["time"],
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /fr/nope/",
        "status_code": 404,
        "method": "GET",
        "path": "/fr/nope/",
        "request_id": "req-42",
    }
    # The withdrawal filter ran before the formatter: no path, no request, no code.
    assert withdrawal["message"] == "Not Found: [a withdrawal request]"
    assert csrf["message"] == "Forbidden (CSRF cookie not set.): [a withdrawal request]"
    for record in (withdrawal, csrf):
        assert {"path", "method", "request_id"}.isdisjoint(record)
    assert "7KQ2" not in done.stderr
    assert "withdraw/" not in done.stderr


def test_logs_stay_plain_text_by_default_and_refuse_an_unknown_format() -> None:
    default = run_logging(None)
    unknown = run_logging("xml")

    assert default.returncode == 0, default.stderr
    first = default.stderr.splitlines()[0]
    assert first.endswith(" WARNING cmbench.example une ligne, deux mots")
    assert not first.startswith("{")
    assert "7KQ2" not in default.stderr
    assert unknown.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'xml'." in unknown.stderr


@pytest.fixture
def json_console() -> Iterator[io.StringIO]:
    """The console handler of settings.LOGGING, its filters kept, writing JSON to a buffer."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(console, logging.StreamHandler)
    buffer = io.StringIO()
    formatter = console.formatter
    stream = console.setStream(buffer)
    console.setFormatter(JsonFormatter())
    try:
        yield buffer
    finally:
        console.setFormatter(formatter)
        console.setStream(stream)


def test_json_logs_of_real_requests_keep_withdrawals_out_and_tracebacks_in(
    json_console: io.StringIO, settings, monkeypatch
) -> None:
    EditionFactory(year=2026)
    client = Client(raise_request_exception=False)
    code = post_answer(client).json()["receipt"]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in the vocabulary")

    monkeypatch.setattr("surveys.api.views.VocabularyView.get", broken)
    responses = [
        client.post(
            "/api/v1/responses/withdraw/",
            data=json.dumps({"receipt": code}),
            content_type="application/json",
            REMOTE_ADDR=ADDRESS,
        ),
        client.post(
            "/api/v1/responses/withdraw/",
            data=json.dumps({"receipt": code}),
            content_type="application/json",
            REMOTE_ADDR=ADDRESS,
        ),
        client.delete(f"/api/v1/responses/{code}/", REMOTE_ADDR=ADDRESS),
        client.get("/en/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a", REMOTE_ADDR=ADDRESS),
        client.get("/api/v1/vocabulary/", HTTP_X_REQUEST_ID="lb-<script>", REMOTE_ADDR=ADDRESS),
    ]

    assert [r.status_code for r in responses] == [204, 404, 410, 404, 500]
    text = json_console.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    by_message = {record["message"]: record for record in records}
    assert by_message["Not Found: [a withdrawal request]"]["status_code"] == 404
    assert "path" not in by_message["Not Found: [a withdrawal request]"]
    assert "path" not in by_message["Gone: [a withdrawal request]"]
    page = by_message["Not Found: /en/no-such-page/"]
    assert (page["path"], page["request_id"]) == ("/en/no-such-page/", "lb-7f3a")
    error = by_message["Internal Server Error: /api/v1/vocabulary/"]
    assert error["level"] == "ERROR"
    assert "RuntimeError: a bug in the vocabulary" in error["exception"]
    # A request id that is not one is left out, not written as the client sent it.
    assert "request_id" not in error
    for secret in (code, code.replace("-", ""), ADDRESS, JOB_TITLE):
        assert secret not in text
