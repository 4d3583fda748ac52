"""Answers for tests, built through the same path as real submissions: one place.

`random_answers` draws valid API-shaped answers with a fixed seed; `store_answers`
validates and stores them in an edition; `make_answers` (tests/benchmarks/conftest.py)
is the fixture form of the same; `snapshot_for_module` is the body of a module-scoped
fixture that publishes one snapshot for every test of a module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Cell, ProfileModel, Snapshot
from surveys import vocabulary as vocab
from surveys.models import Edition, SurveyResponse
from surveys.services import response_build
from surveys.validation import validate_answers


def random_answers(
    count: int, *, seed: int, country: str = "FR", freelance_share: float = 0.2
) -> list[dict[str, object]]:
    """`count` valid answers (API-shaped), drawn with a fixed seed; no sanity flags."""
    rng = np.random.default_rng(seed)
    regions = vocab.REGIONS_BY_COUNTRY[country].codes[:4]
    answers = []
    for _ in range(count):
        freelance = rng.random() < freelance_share
        experience_years = int(rng.integers(0, 14))
        answer: dict[str, object] = {
            "status": "freelance" if freelance else "employee",
            "role": str(rng.choice(["community-manager", "social-media-manager", "moderator"])),
            "experience_years": experience_years,
            "education": str(rng.choice(["bac3", "bac5", "bac5", "bac2"])),
            "country": country,
            "region": str(rng.choice(regions)),
            "work_time_share": 1.0,
            "missions": [
                m for m in ("animation", "content", "moderation", "crisis") if rng.random() < 0.5
            ],
            "kpis": [k for k in ("reach", "engagement") if rng.random() < 0.6],
            "weekly_hours": 37,
            "remote_days": int(rng.integers(0, 4)),
            "satisfaction": int(rng.integers(1, 6)),
        }
        if freelance:
            answer["day_rate"] = int(rng.lognormal(np.log(260), 0.3)) + 130
            answer["billed_days"] = int(rng.integers(80, 220))
        else:
            answer["base_salary"] = int(26_000 + 1_200 * experience_years + rng.normal(0, 3_000))
            answer["employer_size"] = str(rng.choice(["micro", "small", "large"]))
            answer["employer_type"] = str(rng.choice(["brand", "agency"]))
        answers.append(answer)
    return answers


def store_answers(
    count: int,
    *,
    seed: int,
    year: int = 2026,
    country: str = "FR",
    freelance_share: float = 0.2,
    state: str | None = None,
    source: str = SurveyResponse.Source.SURVEY,
) -> list[SurveyResponse]:
    """Validate and store `count` random answers in `year`'s edition (created if missing,
    in `state` when given, else the model's default state)."""
    defaults = {"state": state} if state is not None else {}
    edition, _ = Edition.objects.get_or_create(year=year, defaults=defaults)
    return SurveyResponse.objects.bulk_create(
        response_build(
            answers=validate_answers(raw), edition=edition, source=source, legal_minimum=None
        )
        for raw in random_answers(
            count, seed=seed, country=country, freelance_share=freelance_share
        )
    )


def forget_everything() -> None:
    """Delete every snapshot, answer and edition (what a module's committed rows leave)."""
    Cell.objects.all().delete()
    ProfileModel.objects.all().delete()
    Snapshot.objects.all().delete()
    SurveyResponse.objects.all().delete()
    Edition.objects.all().delete()


def snapshot_for_module(django_db_blocker: Any, *batches: dict[str, Any]) -> Iterator[Snapshot]:
    """A module-scoped fixture's body: one snapshot published from `batches`, then removed.

    Each batch is `store_answers`'s keyword arguments. The rows are committed
    (outside any test's transaction), so every test of the module reads the
    same snapshot; everything is deleted before and after. Use it as
    `yield from snapshot_for_module(django_db_blocker, {"count": 600, "seed": 22})`.
    """
    with django_db_blocker.unblock():
        forget_everything()
        for batch in batches:
            store_answers(**batch)
        published = snapshot_publish()
    try:
        yield published
    finally:
        with django_db_blocker.unblock():
            forget_everything()
