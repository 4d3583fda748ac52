"""Log filters: a withdrawal request reaches no log, neither its path nor its body.

A receipt code is a key to one answer; it never reaches a log (DESIGN.md
privacy rule 9). The API takes it in the body of a POST, but Django logs the
path of every 4xx and 5xx response ("Not Found: /api/v1/responses/withdraw/",
"Gone: /api/v1/responses/<code>/" for the old address, which held the code)
and hands the request itself (path, body, POST data) to every handler as
`record.request`. `WithdrawalRequestFilter` is installed on the loggers that do
so (settings.LOGGING): a record about a withdrawal request keeps its level,
reason and status code, but its message names no path and it carries no
request.

A logger's filters see only the records logged on that very logger, not those
of its children nor those propagated to it; hence one entry per logger in
settings.LOGGING, and the same filter on the console handler as a last net.

`JsonFormatter` (LOG_FORMAT=json) writes each record as one JSON object on one
line, for a log shipper. A handler's filters run before its formatter, so it
formats what the filters left: a withdrawal's record without its path.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

# The withdrawal page (with or without a language prefix), the withdrawal
# endpoint and the old address (anything under /api/v1/responses/ but the
# collection itself), up to the end of the path and its query string.
WITHDRAWAL_PATH = re.compile(
    r"(?:/[a-z]{2}(?:-[a-z]+)?)?/survey/withdraw[^\s\"']*"
    r"|/api/v1/responses/[^\s\"'/?][^\s\"']*"
)
REDACTED = "[a withdrawal request]"


def is_withdrawal_path(path: str) -> bool:
    """Whether `path` is one of the withdrawal addresses (or the old one, code and all)."""
    return WITHDRAWAL_PATH.search(path) is not None


class WithdrawalRequestFilter(logging.Filter):
    """Keeps the record, without the path or the request of a withdrawal."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and is_withdrawal_path(path):
            # Handlers such as AdminEmailHandler would show its path, body and POST data.
            record.request = None
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as usual
            return True
        if is_withdrawal_path(message):
            record.msg = WITHDRAWAL_PATH.sub(REDACTED, message)
            record.args = ()
        return True


# What a load balancer puts in X-Request-ID (nginx's $request_id, a UUID, ...);
# anything else is left out rather than written to the log as the client sent it.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per record: time, level, logger, message, and where known the rest.

    {"time": "2026-11-26T04:08:47.123+00:00", "level": "WARNING",
     "logger": "django.request", "message": "Not Found: /fr/nope/",
     "status_code": 404, "method": "GET", "path": "/fr/nope/",
     "request_id": "5f0c…", "exception": "Traceback (most recent call last): …"}

    `method`, `path` and `request_id` come from the request Django attaches to
    its records (django.request, django.security.*), `request_id` from the
    load balancer's X-Request-ID header; `exception` is the formatted
    traceback. A fixed list of fields, unlike python-json-logger's default,
    which adds every attribute of the record: `request` itself, and any
    `extra` a caller passes, would then reach the log unread.
    """

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        # A dict logged as the message is written as text, as the plain format does.
        log_data["message"] = (
            record.getMessage() if isinstance(record.msg, dict) else record.message
        )
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            log_data["status_code"] = status_code
        request = getattr(record, "request", None)
        if request is not None:
            log_data.update(_request_fields(request))
        if exception := message_dict.get("exc_info"):
            log_data["exception"] = exception
        if stack := message_dict.get("stack_info"):
            log_data["stack"] = stack


def _request_fields(request: Any) -> dict[str, str]:
    """Method, path and request id of a record's request; never a withdrawal's path."""
    fields: dict[str, str] = {}
    method = getattr(request, "method", None)
    if isinstance(method, str):
        fields["method"] = method
    path = getattr(request, "path", None)
    # WithdrawalRequestFilter already took such a request away; a handler without it must not leak.
    if isinstance(path, str) and not is_withdrawal_path(path):
        fields["path"] = path
    headers = getattr(request, "headers", None)
    request_id = headers.get("X-Request-ID", "") if headers is not None else ""
    if REQUEST_ID.fullmatch(request_id):
        fields["request_id"] = request_id
    return fields
