"""Answers for the benchmark tests, built through the same path as real submissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from surveys.models import SurveyResponse
from tests.answers import store_answers

MakeAnswers = Callable[..., list[SurveyResponse]]


@pytest.fixture
def make_answers(db: None) -> MakeAnswers:
    """Store `count` random valid answers in an edition (created closed if missing)."""

    def make(
        count: int,
        *,
        seed: int = 1,
        year: int = 2026,
        country: str = "FR",
        source: str = SurveyResponse.Source.SURVEY,
        freelance_share: float = 0.2,
    ) -> list[SurveyResponse]:
        return store_answers(
            count,
            seed=seed,
            year=year,
            country=country,
            freelance_share=freelance_share,
            source=source,
        )

    return make
