"""Middleware of the production defences: body size, database faults, admin sign-in, replicas.

Each answers with `cmbench.errors.error_response`: JSON under /api/, a page
elsewhere, with the same security headers as any other response (the header
middleware sit outside these in settings.MIDDLEWARE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cmbench import limits
from cmbench.clients import Client, client_address
from cmbench.errors import SERVICE_UNAVAILABLE, error_response, service_unavailable
from cmbench.routers import replica_reads

logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponse]
SAFE_METHODS = frozenset({"GET", "HEAD"})


class RequestSizeLimitMiddleware:
    """413 for a body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anyone reads it.

    Django checks that limit only in `request.body` and `request.POST`; DRF's
    parsers read the stream directly, so without this a JSON body of any size
    would be read into memory. Without a Content-Length (chunked), WSGI gives
    an empty body, so the declared length is the whole story.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(request) > limit:
            return error_response(request, status=413)
        return self.get_response(request)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        # Django reads a malformed length as 0 too.
        return 0


class DatabaseUnavailableMiddleware:
    """503 (JSON under /api/, a page elsewhere) when a view cannot reach the database or Redis.

    The site recovers by itself: Django drops an unusable connection at the end
    of the request and opens a new one on the next. Errors raised outside a
    view (a session saved on the way out) reach `cmbench.errors.server_error`,
    which answers the same way.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SERVICE_UNAVAILABLE):
            return service_unavailable(request, exception)
        return None


class AdminLoginThrottleMiddleware:
    """429 on the admin's sign-in form after ADMIN_LOGIN_MAX_FAILURES failures per window.

    Failures are counted per client in the cache (Redis in production, shared
    by every app server) under the salted, daily-rotating hash of the address
    that the survey throttles use (DESIGN.md privacy rule 10): the cache never
    holds an address. Each sign-in attempt is counted before the form is
    checked (`cmbench.limits`, atomic), so parallel guesses cannot all pass
    the count; a success (a redirect) gives its count back, so only failures
    (the form shown again, 200) stay counted. The window slides: a locked-out
    editor waits at most ADMIN_LOGIN_WINDOW_SECONDS × (1 + 1 / the limit), and
    Retry-After says how long.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        counted: limits.Hit | None = getattr(request, "_admin_login_attempt", None)
        if counted is not None and response.status_code != 200:
            limits.release(counted)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.method != "POST" or not _is_admin_login(request):
            return None
        counted = limits.hit(
            _failures_key(request),
            limit=settings.ADMIN_LOGIN_MAX_FAILURES,
            window_seconds=settings.ADMIN_LOGIN_WINDOW_SECONDS,
        )
        if counted.allowed:
            request._admin_login_attempt = counted  # type: ignore[attr-defined]
            return None
        logger.warning("Admin sign-in refused: too many failures from one client.")
        return error_response(request, status=429, retry_after=counted.retry_after)


def _is_admin_login(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name == "admin:login"


def _failures_key(request: HttpRequest) -> str:
    return f"admin-login-failures:{Client.from_address(client_address(request)).fingerprint}"


class ReplicaReadsMiddleware:
    """Public GET and HEAD requests read the published snapshot from the replica.

    Not the admin (an editor must see what was just saved) and not a POST (it
    may read what it writes). Without DATABASE_REPLICA_URL there is no router
    and this changes nothing.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS or self._is_admin(request.path_info):
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)

    def _is_admin(self, path: str) -> bool:
        path = path.lstrip("/")
        first, _slash, rest = path.partition("/")
        if first in self.languages:
            path = rest
        return path.startswith(settings.ADMIN_URL)
