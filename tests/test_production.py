"""Production settings: `check --deploy` is clean, and every response carries the security headers.

The settings are read once per process, so what CMBENCH_PRODUCTION switches on
is checked in a fresh interpreter; the headers are checked in this one with
the same values put in place by `override_settings`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse

from benchmarks.build.snapshots import snapshot_publish
from surveys.models import EditionQuerySet
from tests.answers import store_answers
from tests.factories import EditionFactory, EditorFactory, valid_answers

REPO = Path(__file__).resolve().parent.parent
HSTS = "max-age=31536000; includeSubDomains; preload"
# What CMBENCH_PRODUCTION=1 turns on, for the tests that run in this process.
PRODUCTION_SETTINGS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


class HttpsClient(Client):
    """A test client whose every request comes over HTTPS (`secure=True`)."""

    def generic(self, method, path, *args, secure=True, **kwargs):  # type: ignore[no-untyped-def]
        return super().generic(method, path, *args, secure=True, **kwargs)


def publish_a_snapshot(count: int = 60) -> None:
    """The open 2026 edition with `count` answers and a snapshot published from them."""
    EditionFactory(year=2026)
    store_answers(count, seed=7)
    snapshot_publish()


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production server: a 50-character random key, one host."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_"))
        and key not in ("DEBUG", "BEHIND_TLS_PROXY", "NUM_PROXIES")
    }
    env.update(
        DEBUG="false",
        CMBENCH_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="cmbench.settings",
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


SETTINGS_AS_JSON = """
import json, django
django.setup()
from django.conf import settings
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_PROXY_SSL_HEADER", "SECRET_KEY_FALLBACKS", "DEBUG"]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Behind a load balancer that terminates TLS; and a server that speaks TLS to clients itself.
PROXY_SETTINGS = [
    {"NUM_PROXIES": "1", "BEHIND_TLS_PROXY": "true"},
    {"NUM_PROXIES": "0", "BEHIND_TLS_PROXY": "false"},
]


@pytest.mark.parametrize("proxies", PROXY_SETTINGS)
def test_check_deploy_prints_no_warning_under_production_settings(
    proxies: dict[str, str],
) -> None:
    result = check_deploy(production_env(**proxies))

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


@pytest.mark.parametrize(
    ("missing", "check_id"), [("NUM_PROXIES", "cmbench.E001"), ("BEHIND_TLS_PROXY", "cmbench.E002")]
)
@pytest.mark.parametrize("empty", [False, True], ids=["unset", "empty"])
def test_check_deploy_fails_unless_the_proxy_settings_are_explicit(
    missing: str, check_id: str, empty: bool
) -> None:
    env = production_env(**PROXY_SETTINGS[0])
    if empty:
        env[missing] = ""
    else:
        del env[missing]

    result = check_deploy(env)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"({check_id}) {missing} is not set in the environment." in output
    assert output.count("is not set in the environment.") == 1


def test_production_turns_on_every_https_only_setting() -> None:
    result = run_python(SETTINGS_AS_JSON, production_env(BEHIND_TLS_PROXY="true"))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECRET_KEY_FALLBACKS": [],
        "DEBUG": False,
    }


def test_old_secret_keys_come_from_the_environment_while_rotating() -> None:
    result = run_python(
        SETTINGS_AS_JSON, production_env(SECRET_KEY_FALLBACKS="old-key-1,old-key-2")
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SECRET_KEY_FALLBACKS"] == ["old-key-1", "old-key-2"]
    assert json.loads(result.stdout)["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "Set SECRET_KEY: CMBENCH_PRODUCTION is on."),
        ({"DEBUG": "true"}, "DEBUG must be off when CMBENCH_PRODUCTION is on."),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS: CMBENCH_PRODUCTION is on."),
    ],
)
def test_production_refuses_to_start_with_a_missing_or_unsafe_setting(
    change: dict[str, str], message: str
) -> None:
    env = production_env(**change)
    for name, value in change.items():
        if not value:
            del env[name]

    result = run_python("import django; django.setup()", env)

    assert result.returncode != 0
    assert message in result.stderr


def test_the_admin_path_comes_from_the_environment() -> None:
    code = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:login'))"
    )

    result = run_python(code, production_env(ADMIN_URL="editors-7f3a/"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/editors-7f3a/login/"


# --- Headers on every kind of response ---------------------------------------------------


def assert_security_headers(response, *, https: bool = True) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    if https:
        assert headers["Strict-Transport-Security"] == HSTS
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    if not response.streaming:
        assert b"Traceback" not in response.content


@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    """The HTTPS-only settings of CMBENCH_PRODUCTION=1, in this process."""
    for name, value in PRODUCTION_SETTINGS.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def https_client(production) -> Client:  # type: ignore[no-untyped-def]
    return HttpsClient(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/en/", 200),
        ("get", "/survey/", 200),
        ("get", "/api/v1/vocabulary/", 200),
        ("get", "/api/v1/benchmarks/salaries/", 200),
        ("get", "/healthz", 200),
        ("get", "/no-such-page/", 404),
        ("get", "/api/v1/no-such-endpoint/", 404),
        ("get", "/survey", 301),
        ("delete", "/api/v1/responses/AAAA-BBBB-CCCC-DDDD-EEEE/", 410),
    ],
)
def test_every_response_carries_the_security_headers(
    https_client: Client, method: str, path: str, status: int
) -> None:
    publish_a_snapshot()

    response = getattr(https_client, method)(path)

    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_malformed_json_body_is_a_400_with_the_security_headers(https_client: Client) -> None:
    EditionFactory(year=2026)

    response = https_client.post(
        "/api/v1/responses/", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/responses/", "/survey/"])
def test_an_oversized_body_is_a_413_with_the_security_headers(
    https_client: Client, path: str
) -> None:
    body = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = https_client.post(path, data=body, content_type="application/json")

    assert response.status_code == 413
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/responses/", "application/json"), ("/survey/", "text/html; charset=utf-8")],
)
def test_an_unreachable_database_is_a_503_with_the_security_headers(
    https_client: Client, monkeypatch, path: str, content_type: str
) -> None:
    EditionFactory(year=2026)

    def unreachable(self: EditionQuerySet) -> EditionQuerySet:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(EditionQuerySet, "open", unreachable)

    if path.startswith("/api/"):
        response = https_client.post(path, data=valid_answers(), content_type="application/json")
    else:
        response = https_client.get(path)

    assert response.status_code == 503
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Retry-After"] == "30"
    assert b"Connection refused" not in response.content
    assert_security_headers(response)


@pytest.mark.django_db
def test_an_unreachable_redis_cache_is_a_503_too(https_client: Client) -> None:
    EditionFactory(year=2026)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    # A context, not the `settings` fixture: the shared fixtures clear the cache on teardown.
    with override_settings(CACHES=unreachable):
        response = https_client.post(
            "/api/v1/responses/", data=valid_answers(), content_type="application/json"
        )

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_server_error_is_a_500_page_with_the_security_headers(
    https_client: Client, monkeypatch
) -> None:
    def broken(self: EditionQuerySet) -> EditionQuerySet:
        raise RuntimeError("a bug")

    monkeypatch.setattr(EditionQuerySet, "open", broken)

    page = https_client.get("/survey/")
    api = https_client.post(
        "/api/v1/responses/", data=valid_answers(), content_type="application/json"
    )

    assert page.status_code == 500
    assert b"a bug" not in page.content
    assert_security_headers(page)
    assert api.status_code == 500
    assert api.json() == {"detail": api.json()["detail"], "code": "server_error"}
    assert_security_headers(api)


@pytest.mark.django_db
def test_a_database_error_raised_outside_a_view_is_a_503_too(monkeypatch) -> None:
    """Second line: handler500 turns an unreachable database into a 503 wherever it was raised."""

    def unreachable(self: EditionQuerySet) -> EditionQuerySet:
        raise OperationalError("connection refused")

    monkeypatch.setattr(EditionQuerySet, "open", unreachable)
    middleware = [
        name
        for name in django_settings.MIDDLEWARE
        if name != "cmbench.middleware.DatabaseUnavailableMiddleware"
    ]

    with override_settings(MIDDLEWARE=middleware):
        response = Client(raise_request_exception=False).get("/survey/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_static_file_carries_the_security_headers(production) -> None:  # type: ignore[no-untyped-def]
    # WhiteNoise reads its settings when the middleware is built: a fresh client.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = HttpsClient().get("/static/css/site.css")

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_with_the_headers(production) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/vocabulary/")

    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/api/v1/vocabulary/"
    assert_security_headers(response, https=False)


@pytest.mark.django_db
def test_the_session_and_csrf_cookies_are_secure_and_http_only(https_client: Client) -> None:
    EditorFactory(username="editor", password="correct horse battery staple")
    login_page = https_client.get(reverse("admin:login"))
    csrf = login_page.cookies["csrftoken"]

    response = https_client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert csrf["secure"] is True
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


# --- Admin sign-in throttle ----------------------------------------------------------------


def admin_login(client: Client, *, password: str, address: str = "198.51.100.7"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:login"),
        {"username": "editor", "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_admin_sign_in_is_refused_after_five_failures_from_one_client(settings) -> None:
    settings.ADMIN_LOGIN_MAX_FAILURES = 5
    EditorFactory(username="editor", password="correct horse battery staple")
    client = Client()

    failures = [admin_login(client, password=f"guess-{n}").status_code for n in range(5)]
    refused = admin_login(client, password="guess-6")
    right_password_while_locked = admin_login(client, password="correct horse battery staple")

    assert failures == [200] * 5
    assert refused.status_code == 429
    # The window slides: five failures wait out at most 900 s x (1 + 1/5).
    assert 0 < int(refused.headers["Retry-After"]) <= 1080
    assert_security_headers(refused, https=False)
    assert right_password_while_locked.status_code == 429


@pytest.mark.django_db
def test_another_client_and_a_successful_sign_in_are_not_held_back(settings) -> None:
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    EditorFactory(username="editor", password="correct horse battery staple")
    client = Client()

    for n in range(2):
        admin_login(client, password=f"guess-{n}", address="198.51.100.7")
    elsewhere = admin_login(client, password="correct horse battery staple", address="192.0.2.9")
    page = client.get(reverse("admin:login"), REMOTE_ADDR="198.51.100.7")

    assert elsewhere.status_code == 302
    # The form is still shown to the locked-out client; only posting it is refused.
    assert page.status_code in (200, 302)


@pytest.mark.django_db
def test_successful_sign_ins_do_not_count_as_failures(settings) -> None:
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    EditorFactory(username="editor", password="correct horse battery staple")

    statuses = [
        admin_login(Client(), password="correct horse battery staple").status_code
        for _attempt in range(4)
    ]

    assert statuses == [302] * 4
