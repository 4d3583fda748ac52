"""The one rate limiter: atomic counts in the shared cache, a sliding window of fixed length.

Every limit of the site counts here: the API throttles (`cmbench.throttling`,
the withdrawal page's bucket included), answers and interviews per client
(`surveys.services`, `interviews.services`) and failed admin sign-ins
(`cmbench.middleware`). Counting is one atomic increment, never a read then a
write: N requests arriving together get N distinct counts, so exactly `limit`
of them pass, however many app servers or threads serve them. (DRF's own
throttles read a history list and write it back: parallel requests all read
the same list, and 40 parallel answers got 11 through a limit of 10.)

The window slides, approximated with two fixed windows (the "sliding window
counter" of Cloudflare and Redis rate limiters): a request at a fraction `f`
of window `k` passes when

    count(k) + count(k - 1) * (1 - f) <= limit

counting itself in count(k). So a burst at the end of one window does not
open a full new allowance at the start of the next, as plain fixed windows
would (up to twice the limit in a few seconds). A refused request gives its
count back at once, so refusals never lengthen the wait, as in DRF.

Atomic wherever counts are kept: in Redis when the cache is Redis
(production: shared by every app server; one round trip, INCR + EXPIRE + GET
in a pipeline), otherwise in the process itself (`LocalCounts`, under a lock:
development and tests, one process, as the settings' local-memory cache
would count; `forget_local_counts` empties it as `cache.clear()` empties
Redis's).

Keys hold only what the caller gives (a scope and the salted, rotating hash of
the client, DESIGN.md privacy rule 10) and the window's number; each lives two
windows, the time it can still be the previous window of a request.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from cmbench import metrics


@dataclass(frozen=True)
class Hit:
    """One request counted against a limit: whether it passes and, if not, when one would.

    `retry_after` is in whole seconds (0 when allowed). `counter` is the cache
    key the request was counted under: `release` gives the count back there,
    even once the window has moved on.
    """

    allowed: bool
    retry_after: int
    counter: str


def hit(key: str, *, limit: int, window_seconds: int, now: float | None = None) -> Hit:
    """Count one request under `key`: allowed while the sliding count stays within `limit`.

    `window_seconds` is the window's length (3600 for "per hour"). A refused
    request is not counted (its increment is given back at once).
    """
    now = time.time() if now is None else now
    window, number, elapsed, counter, previous_counter = _window(key, window_seconds, now)
    # The counter must outlive its window by one more: it is then the previous one.
    timeout = max(1, math.ceil((number + 2) * window - now))
    previous_weight = 1 - elapsed / window
    # The previous window let at most `limit` requests through: while this
    # window's count is within `limit * (1 - previous_weight)`, the request
    # passes whatever that count was, and local memory is not asked for it.
    count, previous = _increment(
        counter,
        previous_counter,
        timeout=timeout,
        previous_needed_above=limit - limit * previous_weight,
    )
    if count + previous * previous_weight <= limit:
        return Hit(allowed=True, retry_after=0, counter=counter)
    _decrement(counter)
    # Operators see refusals per scope (cmbench.metrics; the key's client hash is left out).
    metrics.throttle_refused(key)
    wait = _seconds_until_allowed(
        others=count - 1,
        previous=previous,
        limit=limit,
        elapsed=elapsed,
        window=window,
    )
    return Hit(allowed=False, retry_after=wait, counter=counter)


def full(key: str, *, limit: int, window_seconds: int, now: float | None = None) -> Hit | None:
    """The refusal `hit` would give one more request under `key` now, or None; counts nothing.

    For turning a client past its limit away before costly work (validating an
    answer): one read of the counts. A request that gets None must still be
    counted by `hit`, which alone decides, atomically, whether it passes.
    """
    now = time.time() if now is None else now
    window, _number, elapsed, counter, previous_counter = _window(key, window_seconds, now)
    count, previous = _read(counter, previous_counter)
    if count + 1 + previous * (1 - elapsed / window) <= limit:
        return None
    wait = _seconds_until_allowed(
        others=count, previous=previous, limit=limit, elapsed=elapsed, window=window
    )
    return Hit(allowed=False, retry_after=wait, counter=counter)


def _window(key: str, window_seconds: int, now: float) -> tuple[int, float, float, str, str]:
    """(window length, its number, seconds into it, its counter, the previous window's counter)."""
    window = max(1, int(window_seconds))
    number, elapsed = divmod(now, window)
    return window, number, elapsed, f"{key}:{int(number)}", f"{key}:{int(number) - 1}"


def release(counted: Hit) -> None:
    """Give back an allowed request's count: what it was counted for did not happen.

    For a request refused later for another reason, or failed: a submission
    that hit the database's error, a sign-in that succeeded. A refused hit
    was never counted; releasing it does nothing.
    """
    if counted.allowed:
        _decrement(counted.counter)


class LocalCounts:
    """The counters of one process, for a site whose cache is not Redis (development, tests).

    What the local-memory cache of the settings would do with them — counts
    atomic under a lock, each counter gone `timeout` seconds after it was
    started — without pickling an int and checking memcached's key rules on
    every request: every API read is counted. Expired counters are swept at
    most once a minute.
    """

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # counter -> [count, monotonic time it expires]
        self._counts: dict[str, list[float]] = {}
        self._next_sweep = 0.0

    def increment(
        self, counter: str, previous_counter: str, *, timeout: int, previous_needed_above: float
    ) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            entry = self._counts.get(counter)
            if entry is None or entry[1] <= now:
                entry = self._counts[counter] = [0, now + timeout]
            entry[0] += 1
            count = int(entry[0])
            if count <= previous_needed_above:
                return count, 0
            return count, self._live(previous_counter, now)

    def read(self, counter: str, previous_counter: str) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            return self._live(counter, now), self._live(previous_counter, now)

    def _live(self, counter: str, now: float) -> int:
        """A counter's count, 0 once it has expired (or was never started)."""
        entry = self._counts.get(counter)
        return int(entry[0]) if entry is not None and entry[1] > now else 0

    def decrement(self, counter: str) -> None:
        with self._lock:
            entry = self._counts.get(counter)
            # A counter that expired meanwhile has nothing left to give back.
            if entry is not None and entry[1] > time.monotonic():
                entry[0] -= 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def _sweep(self, now: float) -> None:
        for counter in [counter for counter, entry in self._counts.items() if entry[1] <= now]:
            del self._counts[counter]
        self._next_sweep = now + self.SWEEP_SECONDS


_local_counts = LocalCounts()


def forget_local_counts() -> None:
    """Empty this process's counters (tests, like `cache.clear()` for Redis's)."""
    _local_counts.clear()


def _increment(
    counter: str, previous_counter: str, *, timeout: int, previous_needed_above: float
) -> tuple[int, int]:
    """(count of `counter` after adding this request, count of `previous_counter`).

    In this process, the previous count is read only when this one is above
    `previous_needed_above` (0 stands for it otherwise); Redis reads it in the
    same round trip anyway.
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _increment_redis(cache, counter, previous_counter, timeout=timeout)
    return _local_counts.increment(
        counter, previous_counter, timeout=timeout, previous_needed_above=previous_needed_above
    )


def _read(counter: str, previous_counter: str) -> tuple[int, int]:
    """(count of `counter`, count of `previous_counter`), as they stand: one read."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return _local_counts.read(counter, previous_counter)
    counts = cache.get_many([counter, previous_counter])
    return int(counts.get(counter) or 0), int(counts.get(previous_counter) or 0)


def _increment_redis(
    cache: RedisCache, counter: str, previous_counter: str, *, timeout: int
) -> tuple[int, int]:
    """One round trip: INCR (atomic, creates the key at 0 if need be), EXPIRE, GET.

    Django's RedisCache.incr checks that the key exists, then increments: two
    round trips, and a key that expires in between is created without a TTL.
    The raw client does it in one. Integers are stored raw by Django's Redis
    serializer, so `cache.get` reads these counters back as ints.
    """
    key = cache.make_and_validate_key(counter)
    previous_key = cache.make_and_validate_key(previous_counter)
    client = cache._cache.get_client(key, write=True)
    pipeline = client.pipeline(transaction=False)
    pipeline.incr(key)
    # The same deadline at every hit of the window (timeout counts from now).
    pipeline.expire(key, timeout)
    pipeline.get(previous_key)
    count, _expiry_set, previous = pipeline.execute()
    return int(count), int(previous or 0)


# DECR only if the counter is still there: one atomic round trip. (Django's
# RedisCache.decr checks, then decrements: two round trips, and a plain DECR
# would start an expired counter again at -1, without a TTL.)
_DECREMENT_IF_PRESENT = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end"
)


def _decrement(counter: str) -> None:
    """Give one count back; a counter that expired meanwhile has nothing left to give back."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        _local_counts.decrement(counter)
        return
    key = cache.make_and_validate_key(counter)
    cache._cache.get_client(key, write=True).eval(_DECREMENT_IF_PRESENT, 1, key)


def _seconds_until_allowed(
    *, others: int, previous: int, limit: int, elapsed: float, window: int
) -> int:
    """Seconds until one more request would pass, if no other arrives meanwhile.

    Within this window, the previous window's weight must fall until
    others + previous * (1 - f) + 1 <= limit; if this window alone is full,
    into the next one, where this window becomes the previous.
    """
    if limit < 1:
        return window
    fraction_now = elapsed / window
    if others + 1 <= limit and previous > 0:
        fraction_needed = 1 - (limit - others - 1) / previous
        seconds = (fraction_needed - fraction_now) * window
    else:
        fraction_needed = 1 - (limit - 1) / others if others > 0 else 0.0
        seconds = (1 - fraction_now) * window + max(0.0, fraction_needed) * window
    return max(1, math.ceil(seconds))
