"""Fixtures of the survey tests: an open edition and the people who use the survey."""

from __future__ import annotations

import pytest

from surveys.models import Edition
from tests.factories import EditionFactory, EditorFactory


@pytest.fixture
def edition(db: None) -> Edition:
    """The open 2026 edition."""
    return EditionFactory(year=2026)


@pytest.fixture
def editor_client(client, db: None):  # type: ignore[no-untyped-def]
    """A test client logged in as an editor (staff)."""
    client.force_login(EditorFactory())
    return client
