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
"""

from __future__ import annotations

import logging
import re

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
