"""API rate limits keyed on a salted, rotating hash of the client address (privacy rule 6)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from surveys.clients import client_address
from surveys.services import Client


class ClientRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle (rate from the view's `throttle_scope`), keyed on the client.

    Answers use the scope "submission" (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).
    The key is `Client.from_address`'s daily-rotating HMAC of the address that
    `client_address` trusts (NUM_PROXIES), so the cache never holds an address
    and a forged X-Forwarded-For cannot open a fresh bucket.
    """

    def get_rate(self) -> str | None:
        # Read at each request, not frozen at import as DRF's class attribute
        # is: a changed setting (tests, a reload) takes effect at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "") or super().get_rate()

    def get_cache_key(self, request: Request, view: Any) -> str:
        fingerprint = Client.from_address(client_address(request)).fingerprint
        return self.cache_format % {"scope": self.scope, "ident": fingerprint}
