"""The pay checks: where a salary or a day rate stands, without answering the survey.

/benchmarks/salary-check/ and /benchmarks/day-rate-check/ place an amount in
the narrowest published cohort of a profile (`benchmarks.read.answers.pay_position`)
and say it in words: a percentile, or, where the cohort has fewer than 50
answers, a band (the 95% Wilson interval of the interpolated rank at the
published n: `stats.percentile_interval`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from benchmarks.present import charts
from benchmarks.present.formatting import money_text, ordinal_text, percent_text
from benchmarks.present.forms import DIMENSION_LABELS, PayCheckQuery, pay_check_query
from benchmarks.present.pages import (
    NARROW,
    WIDE,
    api_url,
    level_label,
    page_context,
    page_url,
    published_or_none,
    unpublished,
)
from benchmarks.present.queries import DAY_RATE, SALARY
from benchmarks.read.answers import CohortPosition, pay_position
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.stats.tiers import TIER_HIGH_FROM
from surveys import vocabulary as vocab


def cohort_text(filters: dict[str, str]) -> str:
    """A cohort's filters in words: "Community manager · 3–5 years · Île-de-France"."""
    if not filters:
        return gettext("everyone")
    return " · ".join(level_label(dimension, code) for dimension, code in filters.items())


def _position_sentences(position: CohortPosition) -> tuple[str, str]:
    """The position's headline and its plain reading, as a band where n < 50."""
    if position.below is not None:
        return (
            gettext("Below the %(rank)s percentile") % {"rank": ordinal_text(position.below)},
            gettext("Lower than %(percent)s or more of this group.")
            % {"percent": percent_text(100 - position.below)},
        )
    if position.above is not None:
        return (
            gettext("Above the %(rank)s percentile") % {"rank": ordinal_text(position.above)},
            gettext("Higher than %(percent)s or more of this group.")
            % {"percent": percent_text(position.above)},
        )
    if position.percentile_band is not None:
        # n < 50: the 95% Wilson band of the interpolated rank (stats.percentile_interval).
        band_low, band_high = position.percentile_band
        return (
            gettext("Between the %(low)s and the %(high)s percentile")
            % {"low": ordinal_text(band_low), "high": ordinal_text(band_high)},
            gettext("Higher than %(low)s to %(high)s of this group.")
            % {"low": percent_text(band_low), "high": percent_text(band_high)},
        )
    if position.band is not None and position.band[0] != position.band[1]:
        low, high = position.band
        return (
            gettext("Between the %(low)s and the %(high)s percentile")
            % {"low": ordinal_text(low or 0), "high": ordinal_text(high or 100)},
            gettext("Higher than %(low)s to %(high)s of this group.")
            % {"low": percent_text(low or 0), "high": percent_text(high or 100)},
        )
    rank = position.band[0] if position.band is not None else position.percentile
    rank = int(rank or 0)
    return (
        gettext("Around the %(rank)s percentile") % {"rank": ordinal_text(rank)},
        gettext("Higher than about %(percent)s of this group.") % {"percent": percent_text(rank)},
    )


def _pay_check_result(query: PayCheckQuery, published: PublishedSnapshot) -> dict[str, Any]:
    cleaned = query.parameters.cleaned_data
    country, year = cleaned["country"], int(cleaned["year"])
    position = pay_position(
        snapshot=published.snapshot,
        metric=query.metric,
        country=country,
        year=year,
        profile=query.profile(),
        value=query.value,
    )
    result: dict[str, Any] = {
        "asked": True,
        "country_label": vocab.COUNTRY.label(country),
        "year": year,
        "value": query.value,
        "currency": vocab.CURRENCY_BY_COUNTRY[country],
    }
    if position is None:
        return result
    cell = position.cell
    headline, reading = _position_sentences(position)
    explorer_parameters: dict[str, Any] = {"metric": query.figure}
    api_parameters: dict[str, Any] = {query.amount_name: _plain_amount(query.value)}
    if query.figure == SALARY:
        explorer_parameters["basis"] = api_parameters["basis"] = cleaned.get("basis") or "total"
    cohort = {"country": country, "year": year, **position.filters}
    box = charts.BoxRow.of_cell(gettext("This group"), cell, emphasis=True)
    marker_label = gettext("Checked: %(amount)s") % {
        "amount": money_text(query.value, cell.currency)
    }

    # An amount far outside the group would squeeze its box to a line: the marker stops
    # at half the lowest or one and a half times the highest published figure (its
    # label still says the amount).
    published_figures = [value for value in (cell.p10, cell.p25, cell.p75, cell.p90) if value]
    marker = min(
        max(round(query.value), min(published_figures) // 2), max(published_figures) * 3 // 2
    )

    def chart(width: int, css_class: str) -> Any:
        return charts.box_plot(
            [box],
            currency=cell.currency,
            width=width,
            median_label=gettext("median"),
            marker=marker,
            marker_label=marker_label,
            css_class=css_class,
        )

    result.update(
        position=position,
        cell=cell,
        headline=headline,
        reading=reading,
        cohort_labels=[
            (DIMENSION_LABELS[dimension], level_label(dimension, code))
            for dimension, code in position.filters.items()
        ],
        narrower=[cohort_text(filters) for filters in position.narrower],
        explorer_url=page_url("benchmarks", {**explorer_parameters, **cohort}),
        api_url=api_url((f"{query.figure}-position", ""), {**api_parameters, **cohort}),
        chart_narrow=chart(NARROW, "chart--narrow"),
        chart_wide=chart(WIDE, "chart--wide"),
        tails_published=cell.p10 is not None,
    )
    return result


def _plain_amount(value: float) -> str:
    """An amount as the API reads it: 38000, or 450.5 (no grouping, no trailing .0)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _pay_check(request: HttpRequest, figure: str) -> HttpResponse:
    published = published_or_none()
    if published is None:
        return unpublished(request)
    query = pay_check_query(request.GET, figure=figure, published=published)
    context = page_context(
        published,
        form=query.parameters.form,
        figure=figure,
        amount_field=query.parameters.form[query.amount_name],
        band_from=TIER_HIGH_FROM,
    )
    status = 200
    if query.is_bound:
        if query.is_valid():
            context.update(_pay_check_result(query, published))
        else:
            status = 400
    return render(request, "benchmarks/pay_check.html", context, status=status)


@require_safe
def salary_check(request: HttpRequest) -> HttpResponse:
    """/benchmarks/salary-check/: where a gross annual salary stands, in its narrowest cohort."""
    return _pay_check(request, SALARY)


@require_safe
def day_rate_check(request: HttpRequest) -> HttpResponse:
    """/benchmarks/day-rate-check/: where a freelance day rate stands, in its narrowest cohort."""
    return _pay_check(request, DAY_RATE)
