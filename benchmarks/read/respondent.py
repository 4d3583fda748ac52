"""A respondent's own position in their cohort, read from the published snapshot only.

Shown once on /survey/done/. The answer itself never enters the figures it is
compared with (those are the published snapshot's, computed before it), and
the position is interpolated between the cell's published percentiles
(`answers.position_in_cell`), so the page reveals nothing a cohort's
published figures do not already say (DESIGN.md privacy rule 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.models import Cell, Metric
from benchmarks.read import lookup
from benchmarks.read.answers import position_in_cell
from surveys import vocabulary as vocab
from surveys.models import SurveyResponse

# The cohorts tried, narrowest first: role and experience band, experience band, everyone.
ROLE_AND_EXPERIENCE, EXPERIENCE, OVERALL = "role_experience", "experience", "overall"


@dataclass(frozen=True)
class RespondentPosition:
    """Where one answer's pay stands.

    `kind` is "salary" (employees: gross annual full-time equivalent, base +
    variable, in `currency`), "day_rate" (freelancers, excluding VAT),
    "trainee" (no trainee benchmark is published) or "unpublished" (no cohort
    of theirs is published yet). For the first two, `cell` is the narrowest
    published cohort (`cohort` says which) of edition `year`, and exactly one
    of `percentile`, `below` (under the lowest published percentile) and
    `above` (over the highest) is set.
    """

    kind: str
    value: int | None = None
    currency: str = ""
    cell: Cell | None = None
    cohort: str = ""
    year: int | None = None
    percentile: int | None = None
    below: int | None = None
    above: int | None = None

    @property
    def role_label(self) -> str:
        return vocab.ROLE.label(self.cell.role) if self.cell is not None and self.cell.role else ""

    @property
    def experience_label(self) -> str:
        if self.cell is None or not self.cell.experience:
            return ""
        return vocab.EXPERIENCE.label(self.cell.experience)

    @property
    def country_label(self) -> str:
        return vocab.COUNTRY.label(self.cell.country) if self.cell is not None else ""


def respondent_position(response: SurveyResponse) -> RespondentPosition:
    """The position of `response`'s pay in its narrowest published cohort (at most 4 queries).

    The edition is the answer's own when the snapshot publishes it, else the
    latest published one (a new edition's first answers are compared with the
    previous edition's figures, and the page says which edition).
    """
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
    band = vocab.experience_band(response.experience_years)
    cohorts: list[tuple[str, dict[str, str]]] = [
        (ROLE_AND_EXPERIENCE, {"role": response.role, "experience": band}),
        (EXPERIENCE, {"experience": band}),
        (OVERALL, {}),
    ]
    for name, filters in cohorts:
        cell = lookup.cell_lookup(
            snapshot=published.snapshot,
            metric=metric,
            country=response.country,
            year=year,
            filters=filters,
        )
        if cell is None:
            continue
        position = position_in_cell(cell, float(value))
        return RespondentPosition(
            kind=kind,
            value=int(value),
            currency=cell.currency,
            cell=cell,
            cohort=name,
            year=year,
            percentile=position.percentile,
            below=position.below,
            above=position.above,
        )
    return RespondentPosition(kind="unpublished")
