"""`{% respondent_position response as position %}`: the survey's thank-you page asks here.

The survey app never imports the benchmarks app (its code reads raw answers;
public figures live here): its template loads this library instead. The
cohort is named and linked with the pay checks' own helpers, so both pages
name a cohort in the same words and link it to the same explorer query.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from benchmarks.present import charts
from benchmarks.present.formatting import money_text
from benchmarks.present.forms import DIMENSION_LABELS
from benchmarks.present.pages import level_label, page_url
from benchmarks.present.pay_checks import cohort_text
from benchmarks.read.respondent import RespondentPosition, respondent_position
from benchmarks.stats import TIER_HIGH_FROM
from surveys.models import SurveyResponse

register = template.Library()


@register.simple_tag(name="respondent_position")
def respondent_position_tag(response: SurveyResponse | None) -> RespondentPosition | None:
    """The respondent's position, or None when there is no answer to place (a reload)."""
    return respondent_position(response) if response is not None else None


@register.simple_tag
def position_cohort(position: RespondentPosition) -> dict[str, Any]:
    """The cohort a position was read in, for the page: its labels, the narrower cohorts
    skipped, and the explorer's address for that very cohort (figure, edition, filters)."""
    placed = position.placed
    if placed is None:
        return {}
    parameters: dict[str, Any] = {"metric": position.figure}
    if position.figure == "salary":
        parameters["basis"] = "total"  # base + variable, as the position is read
    parameters |= {"country": position.country, "year": position.year, **placed.filters}
    return {
        "labels": [
            (DIMENSION_LABELS[dimension], level_label(dimension, code))
            for dimension, code in placed.filters.items()
        ],
        "narrower": [cohort_text(filters) for filters in placed.narrower],
        "explorer_url": page_url("benchmarks", parameters),
        "band_from": TIER_HIGH_FROM,
    }


@register.simple_tag
def position_chart(position: RespondentPosition, width: int) -> SafeString:
    """The cohort's box with the respondent's own value marked on it.

    An amount far outside the group would squeeze its box to a line: as on the
    pay checks, the marker stops at half the lowest or one and a half times the
    highest published figure (its label still says the amount).
    """
    cell = position.cell
    if cell is None or position.value is None:
        return SafeString("")
    row = charts.BoxRow.of_cell(gettext("Your cohort"), cell, emphasis=True)
    published = [value for value in (cell.p10, cell.p25, cell.p75, cell.p90) if value]
    marker = min(max(position.value, min(published) // 2), max(published) * 3 // 2)
    return charts.box_plot(
        [row],
        currency=cell.currency,
        width=width,
        median_label=gettext("median"),
        marker=marker,
        marker_label=gettext("You: %(amount)s")
        % {"amount": money_text(position.value, cell.currency)},
        css_class="chart--wide" if width >= 560 else "chart--narrow",
    )
