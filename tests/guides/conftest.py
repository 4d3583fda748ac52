"""Fixtures of the guide tests: a published snapshot to read figures from, and guides."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Snapshot
from guides.models import Guide
from guides.services import guide_save
from tests.benchmarks.conftest import make_answers  # noqa: F401  (a fixture, used by name)
from tests.factories import EditionFactory, EditorFactory, SurveyResponseFactory

SMALL_COHORT = 9  # content managers: one short of MIN_COHORT, so never published


@pytest.fixture
def published(make_answers: Any) -> Snapshot:  # noqa: F811
    """A published snapshot of 2026 in France, with a content-manager cohort too small to show."""
    make_answers(300, seed=11)
    edition = EditionFactory(year=2026)
    SurveyResponseFactory.create_batch(SMALL_COHORT, edition=edition, role="content-manager")
    return snapshot_publish()


@pytest.fixture
def editor(db: None) -> Any:
    return EditorFactory()


@pytest.fixture
def make_guide(db: None, editor: Any) -> Any:
    """Save a guide as an editor would (with its first revision)."""

    def make(**fields: Any) -> Guide:
        values = {
            "slug": "test-guide",
            "position": 5,
            "title_fr": "Guide d'essai",
            "title_en": "Test guide",
            "summary_fr": "Un résumé.",
            "summary_en": "A summary.",
            "body_fr": "## Section\n\nTexte en français.",
            "body_en": "## Section\n\nEnglish text.",
            **fields,
        }
        guide = Guide(**values)
        guide_save(guide=guide, editor=editor, note="created")
        return guide

    return make
