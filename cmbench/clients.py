"""Who is on the other end of a request, as far as abuse defences need to know."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    """The address rate limits and duplicate checks are keyed on.

    With no proxy in front (`NUM_PROXIES` = 0), REMOTE_ADDR: X-Forwarded-For is
    then whatever the client chose to send and is ignored. Behind k proxies,
    the k-th entry from the right of X-Forwarded-For: each proxy appends the
    address it saw, so the entries to the left of that one are the client's to
    invent and must not pick the throttle bucket. The address is only ever
    hashed (`Client.from_address`), never stored.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or ""
    num_proxies = settings.NUM_PROXIES
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies <= 0 or not forwarded_for.strip():
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    # Fewer entries than proxies: a proxy did not append; the leftmost entry is
    # then the nearest thing to the client that a proxy wrote.
    return hops[-min(num_proxies, len(hops))] or remote_addr


@dataclass(frozen=True)
class Client:
    """Who is submitting, as far as abuse defences need to know: a salted, rotating hash.

    The hash is salted with SECRET_KEY and the current day, so it rotates daily
    and cannot be reversed or linked across days; it lives only in the cache,
    never beside an answer (DESIGN.md privacy rule 10).
    """

    fingerprint: str

    @classmethod
    def from_address(cls, address: str) -> Client:
        day = timezone.now().date().isoformat()
        digest = _keyed_for_the_day(settings.SECRET_KEY, day).copy()
        digest.update(address.encode())
        return cls(fingerprint=digest.hexdigest()[:32])


@lru_cache(maxsize=2)
def _keyed_for_the_day(secret_key: str, day: str) -> hmac.HMAC:
    """HMAC-SHA256 keyed with SECRET_KEY, fed with "<day>|": each address continues a copy.

    The same digest as hashing "<day>|<address>" in one go (HMAC is fed
    as a stream), without keying a new HMAC on every request.
    """
    return hmac.new(secret_key.encode(), f"{day}|".encode(), hashlib.sha256)
