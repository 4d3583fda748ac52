"""A respondent's own position in their cohort, read from the published snapshot only.

Shown on /survey/done/. The answer itself never enters the figures it is
compared with (those are the published snapshot's, computed before it), and
it is placed as the pay checks place an amount (`answers.pay_position`): in
the narrowest published cohort of role × experience × region, then wider ones,
between the cell's published percentiles, as a band where the cell's n is
under 50. So the page reveals nothing a cohort's published figures do not
already say (DESIGN.md privacy rules 3 and 7), and a respondent and a pay
check of the same amount and profile read the same position.

A flagged answer gets no position: its amount is what an editor will check.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.models import Cell, Metric
from benchmarks.read import lookup
from benchmarks.read.answers import CohortPosition, pay_position
from surveys import vocabulary as vocab
from surveys.models import SurveyResponse


@dataclass(frozen=True)
class RespondentPosition:
    """Where one answer's pay stands.

    `kind` is "salary" (employees: gross annual full-time equivalent, base +
    variable, in `currency`), "day_rate" (freelancers, excluding VAT),
    "trainee" (no trainee benchmark is published), "flagged" (an editor checks
    the answer first: no position) or "unpublished" (no cohort of theirs is
    published yet). For the first two, `placed` is the amount placed in the
    narrowest published cohort of edition `year` in `country`.
    """

    kind: str
    value: int | None = None
    currency: str = ""
    country: str = ""
    year: int | None = None
    placed: CohortPosition | None = None

    @property
    def cell(self) -> Cell | None:
        return self.placed.cell if self.placed is not None else None

    @property
    def figure(self) -> str:
        """The explorer's name of the figure: "salary" or "day-rate"."""
        return "day-rate" if self.kind == "day_rate" else "salary"

    @property
    def country_label(self) -> str:
        return vocab.COUNTRY.label(self.country) if self.country else ""


def respondent_position(response: SurveyResponse) -> RespondentPosition:
    """The position of `response`'s pay in its narrowest published cohort (at most 7 queries).

    The edition is the answer's own when the snapshot publishes it, else the
    latest published one (a new edition's first answers are compared with the
    previous edition's figures, and the page says which edition).
    """
    if response.state != SurveyResponse.State.ACCEPTED:
        return RespondentPosition(kind="flagged")
    if response.status == "trainee":
        return RespondentPosition(kind="trainee")
    if response.status == "freelance":
        kind, metric, value = "day_rate", Metric.DAY_RATE, response.day_rate
    else:
        kind, metric, value = "salary", Metric.SALARY, response.total_fte
    published = lookup.published_snapshot()
    if published is None or not published.years or value is None:
        return RespondentPosition(kind="unpublished")
    year = (
        response.edition.year if response.edition.year in published.years else published.years[-1]
    )
    placed = pay_position(
        snapshot=published.snapshot,
        metric=metric,
        country=response.country,
        year=year,
        profile={
            "role": response.role,
            "experience": vocab.experience_band(response.experience_years),
            "region": response.region,
        },
        value=float(value),
    )
    if placed is None:
        return RespondentPosition(kind="unpublished")
    return RespondentPosition(
        kind=kind,
        value=int(value),
        currency=placed.cell.currency,
        country=response.country,
        year=year,
        placed=placed,
    )
