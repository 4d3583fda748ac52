"""The API's one throttle class, keyed on a salted, rotating hash of the client (privacy rule 10).

Set once, in REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]: a view only names
its scope (`throttle_scope`, by default `READ_SCOPE` on `cmbench.api.PublicAPIView`),
and REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] gives each scope's rate. A view
with no scope is not throttled here: a submission's one limit is its
service's own, shared with the page that submits the same thing
(`surveys.services.response_submit`, `interviews.services.interview_submit`).
A page shares a scope's bucket through `page_throttle_wait`, so the withdrawal
page and the withdrawal endpoint count one client's attempts together
(privacy rule 9). Counting is `cmbench.limits`: atomic, so parallel requests
cannot slip past the rate.

Kept apart from `cmbench.api`: DRF imports the default throttle classes while
`rest_framework.views` is being imported, so this module must not import it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from cmbench import limits
from cmbench.clients import Client, client_address

# The scopes, keys of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
# Every public read of the API (THROTTLE_READ).
READ_SCOPE = "anon_read"
# Withdrawal attempts, by the API and the page: a tight rate of their own (THROTTLE_WITHDRAW).
WITHDRAW_SCOPE = "withdraw"


# An HttpRequest's attribute: {scope: limits.Hit} of a request counted before
# DRF's view ran (`count_request`); DRF's throttle reads it rather than count again.
COUNTED = "_cmbench_throttle_counted"


class ClientRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle (rate from the view's `throttle_scope`), keyed on the client.

    The key is `Client.from_address`'s daily-rotating HMAC of the address that
    `client_address` trusts (NUM_PROXIES), so the cache never holds an address
    and a forged X-Forwarded-For cannot open a fresh bucket. DRF's history
    list (read, then written back) is replaced by `cmbench.limits.hit`, one
    atomic count.
    """

    def __init__(self) -> None:
        # No rate is read here: ScopedRateThrottle reads it once the view is known.
        self._retry_after: int | None = None

    def get_rate(self) -> str | None:
        # Read at each request, not frozen at import as DRF's class attribute
        # is: a changed setting (tests, a reload) takes effect at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "") or super().get_rate()

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str:
        fingerprint = Client.from_address(client_address(request)).fingerprint
        return self.cache_format % {"scope": self.scope, "ident": fingerprint}

    def allow_request(self, request: Request | HttpRequest, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        counted = self.count(request)
        if counted is None:
            return True
        self._retry_after = None if counted.allowed else counted.retry_after
        return counted.allowed

    def count(self, request: Request | HttpRequest) -> limits.Hit | None:
        """`request`'s count under this throttle's scope (None: the scope has no limit).

        Counted once per request: a count already made in front of DRF's view
        (`count_request`) is read back, not made again.
        """
        if not self.scope:
            return None
        counted: limits.Hit | None = getattr(request, COUNTED, {}).get(self.scope)
        if counted is not None:
            return counted
        self.rate = self.get_rate()
        if self.rate is None:
            return None
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return limits.hit(
            self.get_cache_key(request, None),
            limit=self.num_requests,
            window_seconds=self.duration,
        )

    def wait(self) -> float | None:
        """Seconds until this client may try again (DRF puts it in Retry-After)."""
        return self._retry_after


def page_throttle_wait(request: HttpRequest, *, scope: str) -> int | None:
    """For a page: None when `request` is within `scope`'s rate (counting it), else seconds to wait.

    The same bucket as an API view of that scope: one client, one count.
    Only the cache is read and written, never the database.
    """
    throttle = ClientRateThrottle()
    view = SimpleNamespace(throttle_scope=scope)
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 1


def count_request(request: HttpRequest, *, scope: str | None) -> bool:
    """Count `request` against `scope`'s rate now: True while within it.

    For a plain view in front of a DRF view of the same scope
    (`benchmarks.present.api.answer_memo`): the verdict stays on the request,
    and DRF's throttle, if the request reaches it, reads it there instead of
    counting the request a second time (a refusal then gets DRF's 429).
    """
    throttle = ClientRateThrottle()
    throttle.scope = scope
    counted = throttle.count(request)
    if counted is None:
        return True
    request.__dict__.setdefault(COUNTED, {})[scope] = counted
    return counted.allowed
