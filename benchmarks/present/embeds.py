"""Embeds: a cohort's figures and a breakdown chart, small pages other sites put in a frame.

    /embed/benchmarks/?<cohort>             embed-cohort  median and its interval, p25-p75,
                                                          n and confidence (or "too few")
    /embed/benchmarks/chart/?by=<dim>&<cohort>  embed-chart   the breakdown's box plot and its
                                                          table; by=shares: the day-rate shares

The query is the explorer's (`present.forms.explorer_query`: metric, basis,
country, year, the six dimensions, by), read by the same parameter classes
as the API, so an embed shows exactly the figures of the explorer page its
attribution links to. A query that cannot be read is a small 400 page naming
each field, in the reader's language.

What makes these pages different from every other one (and why):
- they are the only pages allowed in a frame: `frame-ancestors *` in their
  Content-Security-Policy and no X-Frame-Options (`frameable`); everything
  else keeps `frame-ancestors 'none'` and X-Frame-Options DENY;
- they set no cookie and do not vary on cookies: rendered without the
  request (no context processor, so no CSRF token, session, user or
  message is touched), and their templates have no form;
- they are cacheable by anyone: `Cache-Control: public` and an ETag of the
  snapshot (a published snapshot never changes), answered 304 from the
  snapshot alone; the rendered body is kept in the cache under the
  snapshot, the language and the normalised query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from benchmarks.layout import DAY_RATE_THRESHOLDS
from benchmarks.models import Metric
from benchmarks.present import charts
from benchmarks.present.forms import DIMENSION_LABELS, ExplorerQuery, explorer_query, trend_query
from benchmarks.present.pages import (
    FRAGMENT_CACHE_SECONDS,
    METRIC_TITLES,
    SHARE_VOCABULARIES,
    box_rows,
    breakdown_rows,
    cohort_labels,
    family_share_bars,
    fragment_key,
    published_or_none,
    under_share_bars,
)
from benchmarks.present.queries import DAY_RATE, SALARY
from benchmarks.read import answers
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.stats.tiers import MIN_COHORT
from surveys import vocabulary as vocab

# Any cache may keep an embed five minutes, like the API's answers; a new
# snapshot changes the ETag, so a revalidation sees it at once.
CACHE_CONTROL = "public, max-age=300"
# Part of the ETag: bump it when the embeds' markup changes.
EMBED_VERSION = "1"
# Drawn at this width (CSS pixels) and scaled to the frame by CSS (viewBox).
CHART_WIDTH = 640
# `by=shares`: the shares of freelancers under each day-rate threshold, not a breakdown.
SHARES = "shares"
UNDER = "under"
SHARES_LABEL = _("Shares under day rates")
SHARE_TITLES = {UNDER: SHARES_LABEL, "missions": _("Missions"), "kpis": _("Indicators reported on")}
BY_LABEL = _("Break down by")
SHARES_FOR_DAY_RATES = _(
    "The shares under day rates are for freelancers: use it with metric=day-rate."
)
# The page's own policy, with one change: any site may frame it.
FRAMEABLE_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
# Heights (CSS pixels) the embed code proposes for the frame: room for the
# figures, and for the chart and its table, one row per published level.
COHORT_FRAME_HEIGHT = 330
CHART_FRAME_BASE, CHART_FRAME_ROW = 300, 100
# A report chart's code is written without its levels at hand: room for this many.
REPORT_CHART_ROWS = 6


def frameable[View: Callable[..., HttpResponse]](view: View) -> View:
    """An embed view: GET and HEAD only, and allowed in any site's frame (and only it)."""
    wrapped = xframe_options_exempt(csp_override(FRAMEABLE_CSP)(require_safe(view)))
    wrapped.frameable = True  # type: ignore[attr-defined]
    return wrapped


def form_errors(*forms: Any) -> list[tuple[str, str, list[str]]]:
    """(parameter, its label, messages) for each field these forms got wrong, in words."""
    errors = []
    for form in forms:
        for name, messages in form.errors.items():
            field = form.fields.get(name)
            label = str(field.label) if field is not None and field.label else ""
            parameter = "" if name == NON_FIELD_ERRORS else name
            errors.append((parameter, label, [str(message) for message in messages]))
    return errors


@dataclass(frozen=True)
class EmbedQuery:
    """An embed's query: the explorer's, and the share chart asked instead of a breakdown.

    `shares`: "" (a breakdown, the explorer's `by`), "under" (`by=shares`: the
    freelancers' shares under each day rate), "missions" or "kpis" (the
    cohort's share doing each mission, or reporting on each indicator).
    """

    query: ExplorerQuery
    shares: str = ""

    def is_valid(self) -> bool:
        return self.query.is_valid() and not (
            self.shares == UNDER and self.query.figure != DAY_RATE
        )

    def errors(self) -> list[tuple[str, str, list[str]]]:
        """(parameter, its label, messages) for each field the query got wrong, in words."""
        errors = form_errors(self.query.figure_form, self.query.dressed_form())
        if self.shares == UNDER and self.query.figure != DAY_RATE:
            errors.append(("by", str(BY_LABEL), [str(SHARES_FOR_DAY_RATES)]))
        return errors

    def parameters(self, *, chart: bool, shares: bool = True) -> dict[str, Any]:
        """The normalised query (valid queries only): the explorer's, `by` for a chart only.

        `shares=False`: the explorer's `by` even where the embed shows the shares.
        """
        query = self.query
        parameters = explorer_parameters(
            figure=query.figure, metric=query.metric, cohort=query.cohort(), by=query.by
        )
        if self.shares and shares:
            parameters["by"] = SHARES if self.shares == UNDER else self.shares
        if not chart:
            parameters.pop("by")
        return parameters

    def cache_parts(self) -> tuple[Any, ...]:
        return (*self.query.cache_parts(), self.shares)


def embed_query(data: QueryDict, *, published: PublishedSnapshot) -> EmbedQuery:
    """Read an embed's query as the explorer reads its own (the share charts' `by` aside)."""
    by = data.get("by")
    shares = UNDER if by == SHARES else by if by in SHARE_VOCABULARIES else ""
    if shares:
        data = data.copy()
        data.pop("by")
    return EmbedQuery(query=explorer_query(data, published=published), shares=shares)


def embed_validators(published: PublishedSnapshot) -> tuple[str, int]:
    """The ETag and Last-Modified (epoch seconds) of every embed of a snapshot."""
    stamp = published.snapshot.published_at
    seconds = int(stamp.timestamp()) if stamp is not None else 0
    return f'"embed{EMBED_VERSION}-{published.id}-{seconds}"', seconds


def explorer_link(embed: EmbedQuery) -> str:
    """The explorer page of the embed's cohort (the attribution), path and query."""
    return f"{reverse('benchmarks')}?{urlencode(embed.parameters(chart=True, shares=False))}"


def _cohort_context(published: PublishedSnapshot, embed: EmbedQuery) -> dict[str, Any]:
    query = embed.query
    cohort = query.cohort()
    return {
        "published": published,
        "min_cohort": MIN_COHORT,
        "metric_title": METRIC_TITLES[query.metric],
        "country_label": vocab.COUNTRY.label(cohort.country),
        "year": cohort.year,
        "cohort_labels": cohort_labels(cohort),
        "explorer_url": explorer_link(embed),
    }


def _respond(
    request: HttpRequest,
    published: PublishedSnapshot,
    *,
    page: str,
    parts: tuple[Any, ...],
    body: Callable[[], str],
) -> HttpResponse:
    """The embed, or 304, with the snapshot's validators; its body kept in the cache."""
    etag, seconds = embed_validators(published)
    response = get_conditional_response(request, etag=etag, last_modified=seconds)
    if response is None:
        key = fragment_key(page, published, parts)
        html = cache.get(key)
        if html is None:
            html = body()
            cache.set(key, html, FRAGMENT_CACHE_SECONDS)
        response = HttpResponse(html)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(seconds)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _unavailable() -> HttpResponse:
    html = render_to_string("benchmarks/embed_base.html", {"unavailable": True})
    response = HttpResponse(html, status=503)
    response.headers["Cache-Control"] = "no-store"
    return response


def _bad_query(errors: list[tuple[str, str, list[str]]]) -> HttpResponse:
    """400: the fields the embed's address got wrong, each named, in the reader's language."""
    html = render_to_string("benchmarks/embed_base.html", {"errors": errors})
    response = HttpResponse(html, status=400)
    response.headers["Cache-Control"] = "no-store"
    return response


@frameable
def cohort(request: HttpRequest) -> HttpResponse:
    """/embed/benchmarks/: one cohort's headline figures, or "too few answers"."""
    published = published_or_none()
    if published is None:
        return _unavailable()
    embed = embed_query(request.GET, published=published)
    if not embed.is_valid():
        return _bad_query(embed.errors())

    def body() -> str:
        query = embed.query
        answer = answers.cohort_answer(published, metric=query.metric, cohort=query.cohort())
        context = _cohort_context(published, embed) | {"cell": answer.cell}
        return render_to_string("benchmarks/embed_cohort.html", context)

    return _respond(request, published, page="embed-cohort", parts=embed.cache_parts(), body=body)


def chart_context(
    published: PublishedSnapshot, embed: EmbedQuery, *, width: int = CHART_WIDTH
) -> dict[str, Any]:
    """A breakdown's chart (`width` CSS pixels), its table and its unpublished levels.

    With `by=shares`, the shares of freelancers under each day-rate threshold instead.
    """
    query = embed.query
    cohort_ = query.cohort()
    context = _cohort_context(published, embed)
    if embed.shares:
        cell = answers.cohort_answer(published, metric=query.metric, cohort=cohort_).cell
        if cell is None:
            bars = []
        elif embed.shares == UNDER:
            bars = under_share_bars(cell)
        else:
            bars = family_share_bars(cell, embed.shares)
        return context | {
            "cell": cell,
            "family": embed.shares,
            "chart_title": SHARE_TITLES[embed.shares],
            "shares": bars,
            "chart": charts.share_bars(bars, width=width),
        }
    found = answers.breakdown(
        published,
        metric=query.metric,
        cohort=cohort_,
        by=query.by,
        year=int(cohort_.year or published.years[-1]),
    )
    context.update(cell=found.parent, by_label=DIMENSION_LABELS[query.by])
    if found.parent is None:
        return context
    rows, missing = breakdown_rows(list(found.children), by=query.by, country=cohort_.country)
    return context | {
        "chart_title": gettext("By %(dimension)s")
        % {"dimension": str(DIMENSION_LABELS[query.by]).lower()},
        "rows": rows,
        "missing": missing,
        "chart": charts.box_plot(
            box_rows(found.parent, rows),
            currency=found.parent.currency,
            width=width,
            median_label=gettext("median"),
        )
        if rows
        else "",
    }


@frameable
def chart(request: HttpRequest) -> HttpResponse:
    """/embed/benchmarks/chart/?by=...: a cohort's breakdown chart with its small table."""
    published = published_or_none()
    if published is None:
        return _unavailable()
    embed = embed_query(request.GET, published=published)
    if not embed.is_valid():
        return _bad_query(embed.errors())

    def body() -> str:
        return render_to_string("benchmarks/embed_chart.html", chart_context(published, embed))

    return _respond(request, published, page="embed-chart", parts=embed.cache_parts(), body=body)


@frameable
def trend(request: HttpRequest) -> HttpResponse:
    """/embed/benchmarks/trend/: a cohort's median in every published edition, the trends
    page's chart with its table (the report's "change since the previous edition")."""
    published = published_or_none()
    if published is None:
        return _unavailable()
    query = trend_query(request.GET, published=published)
    if not query.is_valid():
        return _bad_query(form_errors(query.parameters.form))

    def body() -> str:
        cohort_ = query.parameters.cohort()
        found = answers.trend(published, metric=query.metric, cohort=cohort_)
        currency = vocab.CURRENCY_BY_COUNTRY[cohort_.country]
        points = [charts.TrendPoint.of_cell(cell) for cell in found.cells]
        context = {
            "published": published,
            "min_cohort": MIN_COHORT,
            "metric_title": METRIC_TITLES[query.metric],
            "country_label": vocab.COUNTRY.label(cohort_.country),
            "cohort_labels": cohort_labels(cohort_),
            "cells": found.cells,
            "chart": charts.trend_chart(points, currency=currency, width=CHART_WIDTH)
            if points
            else "",
            "explorer_url": f"{reverse('benchmarks-trends')}?{urlencode(query.link_parameters())}",
        }
        return render_to_string("benchmarks/embed_trend.html", context)

    parts = (query.metric, tuple(sorted(query.parameters.cohort().as_dict().items())))
    return _respond(request, published, page="embed-trend", parts=parts, body=body)


# --- What the explorer shows: the embed codes and the share card's meta tags -----------------


def explorer_parameters(*, figure: str, metric: str, cohort: Cohort, by: str) -> dict[str, Any]:
    """The explorer's own query for a cohort: figure, pay basis, cohort, breakdown."""
    parameters: dict[str, Any] = {"metric": figure}
    if figure == SALARY:
        parameters["basis"] = "base" if metric == Metric.SALARY_BASE else "total"
    return {**parameters, **cohort.as_dict(), "by": by}


def embed_codes(request: HttpRequest, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The explorer's embed codes for the results it shows: its cohort, and its chart.

    Built from the results' context alone (no query to the database): the
    explorer's own figures say whether the cohort, and so its chart, is published.
    """
    metric, by = results["metric"], results["by"]
    parameters = explorer_parameters(
        figure=results["figure"], metric=metric, cohort=results["cohort"], by=by
    )
    cohort_parameters = {name: value for name, value in parameters.items() if name != "by"}
    by_label = str(DIMENSION_LABELS[by]).lower()
    codes = [
        _embed_code(
            request,
            reverse("embed-cohort"),
            cohort_parameters,
            title=gettext("Key figures of this group"),
            height=COHORT_FRAME_HEIGHT,
            frame_title=gettext("%(figure)s: key figures (cmbench)")
            % {"figure": METRIC_TITLES[metric]},
        )
    ]
    if results.get("parent") is not None and results.get("rows"):
        codes.append(
            _embed_code(
                request,
                reverse("embed-chart"),
                parameters,
                title=gettext("Chart by %(dimension)s") % {"dimension": by_label},
                height=CHART_FRAME_BASE + CHART_FRAME_ROW * (len(results["rows"]) + 1),
                frame_title=gettext("%(figure)s by %(dimension)s (cmbench)")
                % {"figure": METRIC_TITLES[metric], "dimension": by_label},
            )
        )
    return codes


def report_chart_codes(
    request: HttpRequest, *, metric: str, by: str, year: int, country: str
) -> list[dict[str, Any]]:
    """The embed code of one of the yearly report's charts (reports.contents), or none.

    A report chart is the edition's national cohort broken down by one
    dimension (`by`), or, with `by="under"`, the freelancers' shares under each
    day rate, or with `by="missions"` / `"kpis"` the share doing each mission or
    reporting on each indicator; with `by="year"`, the median in each edition
    (the trend embed).
    """
    figure = DAY_RATE if metric == Metric.DAY_RATE else SALARY
    cohort = Cohort(country=country, year=year)
    if by == "under" and figure == DAY_RATE:
        parameters = explorer_parameters(
            figure=figure, metric=Metric(metric), cohort=cohort, by=SHARES
        )
        by_label = str(SHARES_LABEL).lower()
        rows = len(DAY_RATE_THRESHOLDS)
    elif by == "year":
        trend_parameters = {"metric": figure, "country": country}
        return [
            _embed_code(
                request,
                reverse("embed-trend"),
                trend_parameters,
                title=gettext("Chart of the median by edition"),
                height=CHART_FRAME_BASE + CHART_FRAME_ROW * 3,
                frame_title=gettext("%(figure)s by edition (cmbench)")
                % {"figure": METRIC_TITLES[Metric(metric)]},
            )
        ]
    elif by in SHARE_VOCABULARIES:
        parameters = explorer_parameters(figure=figure, metric=Metric(metric), cohort=cohort, by=by)
        by_label = str(SHARE_TITLES[by]).lower()
        rows = len(SHARE_VOCABULARIES[by].codes)
    elif by in DIMENSION_LABELS:
        parameters = explorer_parameters(figure=figure, metric=Metric(metric), cohort=cohort, by=by)
        by_label = str(DIMENSION_LABELS[by]).lower()
        rows = REPORT_CHART_ROWS
    else:
        return []
    return [
        _embed_code(
            request,
            reverse("embed-chart"),
            parameters,
            title=gettext("Chart by %(dimension)s") % {"dimension": by_label},
            height=CHART_FRAME_BASE + CHART_FRAME_ROW * rows,
            frame_title=gettext("%(figure)s by %(dimension)s (cmbench)")
            % {"figure": METRIC_TITLES[Metric(metric)], "dimension": by_label},
        )
    ]


def explorer_sharing(
    request: HttpRequest, published: PublishedSnapshot | None
) -> dict[str, Any] | None:
    """The explorer's Open Graph values for the query it shows (None if it cannot be read).

    Read again from the request's query, with no query to the database: the
    whole explorer page is cached for anonymous visitors, and its head (the
    meta tags) is rendered without the results' context. The card itself
    (`share-cohort`) carries the figures.
    """
    if published is None or not published.years:
        return None
    embed = embed_query(request.GET, published=published)
    if embed.shares or not embed.is_valid():
        return None
    query = embed.query
    cohort_ = query.cohort()
    parameters = explorer_parameters(
        figure=query.figure, metric=query.metric, cohort=cohort_, by=query.by
    )
    labels = [str(vocab.COUNTRY.label(cohort_.country)), str(cohort_.year)]
    labels += [f"{dimension}: {level}" for dimension, level in cohort_labels(cohort_)]
    image = f"{reverse('share-cohort')}?{urlencode(parameters)}"
    return {
        "title": f"{METRIC_TITLES[query.metric]} · {' · '.join(labels)}",
        "description": gettext(
            "The median with its 95%% interval, the percentiles and the number of answers, "
            "by %(dimension)s: cmbench, the pay benchmark of community managers."
        )
        % {"dimension": str(DIMENSION_LABELS[query.by]).lower()},
        "image_url": request.build_absolute_uri(image),
        "page_url": request.build_absolute_uri(f"{reverse('benchmarks')}?{urlencode(parameters)}"),
    }


def _embed_code(
    request: HttpRequest,
    path: str,
    parameters: dict[str, Any],
    *,
    title: str,
    height: int,
    frame_title: str,
) -> dict[str, Any]:
    """One embed's address and the iframe HTML to paste (the frame's title says what it shows).

    No `style` attribute: a partner whose policy forbids inline styles can paste it as it is.
    """
    url = request.build_absolute_uri(f"{path}?{urlencode(parameters)}")
    html = (
        f'<iframe src="{escape(url)}" title="{escape(frame_title)}" width="100%" '
        f'height="{height}" frameborder="0" loading="lazy"></iframe>'
    )
    return {"title": title, "url": url, "html": html}
