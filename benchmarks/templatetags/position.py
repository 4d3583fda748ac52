"""`{% respondent_position response as position %}`: the survey's thank-you page asks here.

The survey app never imports the benchmarks app (its code reads raw answers;
public figures live here): its template loads this library instead.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from benchmarks.present import charts
from benchmarks.read.respondent import RespondentPosition, respondent_position
from benchmarks.templatetags.benchmark_format import money_text
from surveys.models import SurveyResponse

register = template.Library()


@register.simple_tag(name="respondent_position")
def respondent_position_tag(response: SurveyResponse | None) -> RespondentPosition | None:
    """The respondent's position, or None when there is no answer to place (a reload)."""
    return respondent_position(response) if response is not None else None


@register.simple_tag
def position_chart(position: RespondentPosition, width: int) -> SafeString:
    """The cohort's box with the respondent's own value marked on it."""
    cell = position.cell
    if cell is None or position.value is None:
        return SafeString("")
    row = charts.BoxRow.of_cell(gettext("Your cohort"), cell, emphasis=True)
    return charts.box_plot(
        [row],
        currency=cell.currency,
        width=width,
        median_label=gettext("median"),
        marker=position.value,
        marker_label=gettext("You: %(amount)s")
        % {"amount": money_text(position.value, cell.currency)},
        css_class="chart--wide" if width >= 560 else "chart--narrow",
    )
