"""A published snapshot shared by the tests of one API module (publishing takes seconds).

`published` stores answers and publishes once per test module, committed
outside the tests' transactions, and deletes it all when the module is done.
Each test still runs in its own transaction, so a test may change anything
(unpublish the snapshot, say) and it is rolled back.

The answers: France 2026 (600, a third of them freelancers), France 2025 (300)
for the trends, and Belgium 2026 (14, too few for most cohorts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

import pytest
from pytest_django import DjangoDbBlocker

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Snapshot
from benchmarks.read import lookup
from surveys.models import Edition, SurveyResponse
from tests.answers import store_answers

ANSWERS = (
    # (year, country, count, seed, freelance share)
    (2026, "FR", 600, 101, 0.35),
    (2025, "FR", 300, 102, 0.35),
    (2026, "BE", 14, 103, 0.3),
)


@dataclass(frozen=True)
class Published:
    snapshot: Snapshot


def store_all_answers() -> None:
    for year, country, count, seed, freelance_share in ANSWERS:
        store_answers(count, seed=seed, year=year, country=country, freelance_share=freelance_share)


def wipe() -> None:
    Snapshot.objects.all().delete()
    SurveyResponse.objects.all().delete()
    Edition.objects.all().delete()
    lookup.forget_published_snapshot()


@pytest.fixture(scope="module")
def published(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Published]:
    """One snapshot published from ANSWERS for the whole module, removed afterwards."""
    with django_db_blocker.unblock():
        wipe()
        try:
            store_all_answers()
            yield Published(snapshot=snapshot_publish())
        finally:
            wipe()


def cell(
    published: Published, metric: str, *, year: int = 2026, country: str = "FR", **filters: str
):  # type: ignore[no-untyped-def]
    """The stored cell of a cohort, read directly (None when unpublished)."""
    return lookup.cell_lookup(
        snapshot=published.snapshot, metric=metric, country=country, year=year, filters=filters
    )


def published_json(published: Published) -> dict[str, object]:
    """The `snapshot` block every answer ends with."""
    snapshot = published.snapshot
    return {
        "id": snapshot.pk,
        "published_at": snapshot.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "demo": False,
    }
