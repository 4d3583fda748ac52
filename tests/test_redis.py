"""Redis as the shared cache and throttle store, against the real server (REDIS_TEST_URL).

Skipped without REDIS_TEST_URL, failed instead when CMBENCH_REQUIRE_REDIS=1
(CI sets both). Each test writes under a key prefix of its own and deletes
only those keys: other engineers' tests may use the same Redis database, so
nothing here flushes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import requires
from tests.factories import EditionFactory, EditorFactory, valid_answers

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.50"


@pytest.fixture
def shared_redis() -> Iterator[tuple[redis.Redis, str]]:
    """Django's cache on the test Redis under a fresh prefix; a separate client to read it."""
    url = os.environ.get("REDIS_TEST_URL", "")
    if not url:
        requires("CMBENCH_REQUIRE_REDIS", "needs Redis: set REDIS_TEST_URL")
    reader = redis.Redis.from_url(url)
    try:
        reader.ping()
    except redis.ConnectionError:
        requires("CMBENCH_REQUIRE_REDIS", f"Redis at {url} does not answer")
    prefix = f"cmbench-test-{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches):
        yield reader, prefix
    for key in reader.scan_iter(match=f"{prefix}:*"):
        reader.delete(key)
    reader.close()


def keys_under(reader: redis.Redis, prefix: str) -> dict[str, bytes]:
    return {key.decode(): reader.get(key) for key in reader.scan_iter(match=f"{prefix}:*")}


def submit(client: Client, **answers: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/responses/",
        data=valid_answers(**answers),
        content_type="application/json",
        REMOTE_ADDR=ADDRESS,
    )


def test_survey_counters_live_in_redis_and_refuse_the_third_answer(shared_redis, settings) -> None:
    reader, prefix = shared_redis
    settings.SURVEY_SUBMISSIONS_PER_HOUR = 2
    EditionFactory(year=2026)
    client = Client()

    statuses = [submit(client, base_salary=salary).status_code for salary in (30_000, 31_000)]
    stored = keys_under(reader, prefix)
    refused = submit(client, base_salary=32_000)

    assert statuses == [201, 201]
    assert refused.status_code == 429
    (count_key,) = [key for key in stored if ":survey:count:" in key]
    # Read by another Redis client, as another app server would: the count is shared.
    assert stored[count_key] == b"2"
    # A window's counter lives out the next window too, where it is the previous one.
    assert 0 < reader.ttl(count_key) <= 2 * 3600
    assert len([key for key in stored if ":survey:dup:" in key]) == 2
    assert not any(
        ADDRESS in key or ADDRESS.encode() in (value or b"") for key, value in stored.items()
    )


def test_the_api_throttle_buckets_are_in_redis_too(shared_redis, settings) -> None:
    reader, prefix = shared_redis
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_read": "3/min", "submission": "20/hour"},
    }
    client = Client()

    statuses = [
        client.get("/api/v1/vocabulary/", REMOTE_ADDR=ADDRESS).status_code for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    buckets = [key for key in keys_under(reader, prefix) if "throttle_anon_read" in key]
    assert len(buckets) == 1
    assert ADDRESS not in buckets[0]
    # cmbench.limits counts the window's requests in one integer (the refused one gave its back).
    assert reader.get(buckets[0]) == b"3"


def test_admin_sign_in_failures_are_counted_in_redis(shared_redis, settings) -> None:
    reader, prefix = shared_redis
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    EditorFactory(username="editor")
    client = Client()
    login = reverse("admin:login")

    statuses = [
        client.post(
            login, {"username": "editor", "password": f"guess-{n}"}, REMOTE_ADDR=ADDRESS
        ).status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]
    (failures,) = [key for key in keys_under(reader, prefix) if ":admin-login-failures:" in key]
    assert reader.get(failures) == b"2"
    assert 0 < reader.ttl(failures) <= 2 * 900


def test_the_health_check_sees_redis(shared_redis, client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
