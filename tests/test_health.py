"""/healthz: the database and the cache, checked for a load balancer, never cached."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import override_settings

pytestmark = pytest.mark.django_db

# A Redis cache on a port where nothing listens: the client's connection is refused.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_it_answers_ok_when_the_database_and_the_cache_answer(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response.headers["Content-Type"] == "application/json"


def test_it_sets_no_cookie_and_is_never_cached(client) -> None:
    response = client.get("/healthz")

    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_it_answers_a_head_request_and_refuses_a_post(client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_it_is_not_translated(client) -> None:
    assert client.get("/en/healthz").status_code == 404


def test_it_answers_503_naming_the_database_when_the_database_fails(client, monkeypatch) -> None:
    def refuse(self: CursorWrapper, sql: str, params: object = None) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_it_answers_503_naming_the_cache_when_the_cache_fails(client) -> None:
    # A context, not the `settings` fixture: the cache must work again before
    # the shared fixtures clear it on teardown.
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


def test_a_plain_http_probe_is_not_redirected_to_https(client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/vocabulary/").status_code == 301
