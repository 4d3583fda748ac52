"""Error answers: JSON under /api/, a page elsewhere, never a stack trace.

The URLconf's handler400, handler404 and handler500 point here, and the
middleware in cmbench.middleware answers 413, 429 and 503 with the same
`error_response`. A page that cannot render (its template reaching a database
that is down, say) falls back to a few lines of plain HTML.
"""

from __future__ import annotations

import logging
import sys

import redis
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Errors that mean "the database (or the Redis cache) cannot be reached now",
# not "this request is wrong".
SERVICE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Seconds a client should wait before trying again after a 503.
RETRY_AFTER_UNAVAILABLE = 30

MESSAGES = {
    400: _("The request could not be understood."),
    404: _("There is nothing at this address."),
    413: _("The request is too large."),
    429: _("Too many attempts: try again later."),
    500: _("Something went wrong on our side. It has been noted; please try again later."),
    503: _("The service is briefly unavailable. Please try again in a minute."),
}
TITLES = {
    400: _("Bad request"),
    404: _("Page not found"),
    413: _("Request too large"),
    429: _("Too many attempts"),
    500: _("Server error"),
    503: _("Service unavailable"),
}
CODES = {
    400: "bad_request",
    404: "not_found",
    413: "too_large",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def wants_json(request: HttpRequest) -> bool:
    """The API answers in JSON, everything else with a page."""
    return request.path.startswith(API_PREFIX)


def error_response(
    request: HttpRequest,
    *,
    status: int,
    message: str | None = None,
    retry_after: int | None = None,
) -> HttpResponse:
    """`{"detail", "code"}` under /api/, else the page `<status>.html` (or error.html)."""
    detail = str(message if message is not None else MESSAGES[status])
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"detail": detail, "code": CODES[status]}, status=status)
    else:
        response = HttpResponse(_page(request, status=status, detail=detail), status=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    # An error is about this moment: no cache, shared or private, may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, *, status: int, detail: str) -> str:
    context = {"status": status, "title": TITLES[status], "detail": detail}
    try:
        return render_to_string([f"{status}.html", "error.html"], context=context, request=request)
    except Exception:
        logger.exception("The %s page could not be rendered; sent the plain one.", status)
        return (
            f"<!doctype html><title>{escape(str(TITLES[status]))}</title>"
            f"<h1>{escape(str(TITLES[status]))}</h1><p>{escape(detail)}</p>"
        )


def service_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503: the database or the cache cannot be reached. Logged without the request's data."""
    logger.warning(
        "Database or cache unavailable (%s) on %s %s: answered 503.",
        type(error).__name__,
        request.method,
        _route(request),
    )
    return error_response(request, status=503, retry_after=RETRY_AFTER_UNAVAILABLE)


def _route(request: HttpRequest) -> str:
    """The URL pattern, not the path: a path can hold a receipt code."""
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else "(unresolved)"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400; a body past DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, not a 400."""
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, status=413)
    return error_response(request, status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/, the site's page elsewhere."""
    return error_response(request, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500; a database that cannot be reached is a 503 wherever it was raised.

    Django calls this while the exception is being handled, so `sys.exc_info`
    names it: this catches what the middleware's `process_exception` cannot
    see, such as a session saved after the view returned.
    """
    error = sys.exc_info()[1]
    if isinstance(error, SERVICE_UNAVAILABLE):
        return service_unavailable(request, error)
    return error_response(request, status=500)
