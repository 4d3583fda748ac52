"""Project-wide fixtures: fast hashing, a clean cache, and the optional real services.

Tests that need PostgreSQL or Chromium skip without them, unless the
CMBENCH_REQUIRE_POSTGRES / CMBENCH_REQUIRE_BROWSER variables say they must run
(CI sets both), in which case their absence is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from cmbench import limits


def pytest_sessionstart(session: pytest.Session) -> None:
    """WhiteNoise warns at every request handler's start when STATIC_ROOT is missing
    (`collectstatic` has not run): tests serve static files through the finders."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def forget_counts() -> None:
    """Every rate limit back to zero: the cache (Redis's counters) and this process's counters."""
    cache.clear()
    limits.forget_local_counts()


@pytest.fixture(autouse=True)
def _fast_hasher_and_clean_cache(settings_override: None) -> Iterator[None]:
    forget_counts()
    yield
    forget_counts()


@pytest.fixture
def settings_override(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SURVEY_MIN_FILL_SECONDS = 0
    # Pages render without `collectstatic`: the manifest storage would need one.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def requires(variable: str, reason: str) -> None:
    """Skip, or fail when `variable` says this part is required here."""
    if os.environ.get(variable, "") in ("1", "true", "yes"):
        pytest.fail(f"{reason} ({variable} is set, so this must run)")
    pytest.skip(reason)


@pytest.fixture
def postgres() -> None:
    """Skip (or fail when required) unless the test database is PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        requires("CMBENCH_REQUIRE_POSTGRES", "needs PostgreSQL: set DATABASE_URL")
