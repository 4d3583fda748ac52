"""One published snapshot for a report test module: two editions of France, and Belgium.

Publishing takes seconds, so a module publishes once (committed) and its
tests only read it; what a test writes (editors' texts) rolls back with it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.models import Snapshot
from tests.answers import snapshot_for_module


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """500 answers in 2025 and 600 in 2026 in France, 80 in Belgium in 2026; published."""
    yield from snapshot_for_module(
        django_db_blocker,
        {"count": 500, "seed": 41, "year": 2025, "freelance_share": 0.3},
        {"count": 600, "seed": 42, "year": 2026, "freelance_share": 0.3},
        {"count": 80, "seed": 43, "year": 2026, "country": "BE", "freelance_share": 0.3},
    )
