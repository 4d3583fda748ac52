"""The profile estimate as every reader sees it: one answer for the page and the API.

Read from the published snapshot only (DESIGN.md privacy rule 7): the stored
log-salary model of the country and edition, its perturbed row count (rule 5),
and amounts rounded like every published salary (rule 4). A factor the reader
leaves open is averaged over its mix in the fitted data (a predictive margin,
DESIGN.md "Statistics"), never read at one level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks import selectors
from benchmarks.models import MONEY_STEPS, Metric, Snapshot
from benchmarks.stats.perturbation import round_money
from surveys import vocabulary as vocab

# The profile estimate's prediction interval (DESIGN.md, Statistics).
ESTIMATE_LEVEL = 0.80


@dataclass(frozen=True)
class Estimate:
    """A rounded profile estimate: amounts in whole units of ``currency``, gross per year.

    ``fitted_on`` is the perturbed number of answers the model was fitted on;
    ``levels_used`` maps each factor to the model level read for it.
    """

    estimate: int
    low: int
    high: int
    level: float
    currency: str
    fitted_on: int
    levels_used: Mapping[str, str]


def salary_amount(value: float) -> int:
    """A salary as published: rounded to the salary step (privacy rule 4)."""
    return int(round_money([value], step=MONEY_STEPS[Metric.SALARY])[0])


def profile_estimate(
    *, snapshot: Snapshot, country: str, year: int, profile: Mapping[str, object]
) -> Estimate | None:
    """The estimate of a profile in one country and edition, or None without a model."""
    published = selectors.profile_model(snapshot=snapshot, country=country, year=year)
    if published is None:
        return None
    prediction = published.model.predict(profile, level=ESTIMATE_LEVEL)
    return Estimate(
        estimate=salary_amount(prediction.estimate),
        low=salary_amount(prediction.low),
        high=salary_amount(prediction.high),
        level=prediction.level,
        currency=vocab.CURRENCY_BY_COUNTRY[country],
        fitted_on=published.fitted_on,
        levels_used=dict(prediction.levels_used),
    )
