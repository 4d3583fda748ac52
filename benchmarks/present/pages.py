"""The benchmark pages: home, explorer, estimate, trends, methodology, and what pages share.

The explorer's CSV is `present.table_csv`, the pay checks `present.pay_checks`;
both use the helpers here (`page_context`, `level_label`, `api_url`...). Each
view parses its parameters with the API's (`present.queries`, dressed by
`present.forms`), reads the published snapshot through `benchmarks.read`
and renders. Nothing here reads raw answers. A cohort that is not published
renders the same "too few answers" block whether it is small or empty.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from benchmarks.layout import DAY_RATE_THRESHOLDS, DIMENSIONS, FENCE_K
from benchmarks.models import Cell, Metric
from benchmarks.present import charts
from benchmarks.present.formatting import (
    decimal_text,
    money_text,
    signed_money_text,
    signed_percent_text,
)
from benchmarks.present.forms import (
    DIMENSION_LABELS,
    ExplorerQuery,
    active_filters,
    estimate_parameters,
    explorer_query,
    trend_query,
)
from benchmarks.present.queries import DAY_RATE, SALARY
from benchmarks.read import answers, lookup
from benchmarks.read.answers import (
    ESTIMATE_LEVEL,
    Cohort,
    profile_estimate,
)
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.stats.perturbation import NOISE_BOUND
from benchmarks.stats.tiers import MIN_COHORT, MIN_TAILS, TIER_HIGH_FROM, TIER_MEDIUM_FROM
from surveys import vocabulary as vocab
from surveys.models import Edition

if TYPE_CHECKING:
    from benchmarks.stats.model import LogSalaryModel

# How long a rendered fragment is kept; a new snapshot changes the key at once.
FRAGMENT_CACHE_SECONDS = 3600
# Widths, in CSS pixels, of the two copies of each chart (CSS shows one).
NARROW, WIDE = 360, 720

METRIC_TITLES = {
    Metric.SALARY: _("Gross annual salary, full-time equivalent (base + variable)"),
    Metric.SALARY_BASE: _("Gross annual base salary, full-time equivalent"),
    Metric.DAY_RATE: _("Freelance day rate, excluding VAT"),
}
# URL names of the API endpoints a page links to (the same query, as JSON or CSV).
API_NAMES = {
    (SALARY, "cohort"): "api-salaries",
    (SALARY, "breakdown"): "api-salaries-breakdown",
    (DAY_RATE, "cohort"): "api-day-rates",
    (DAY_RATE, "breakdown"): "api-day-rates-breakdown",
    ("estimate", ""): "api-estimate",
    ("trends", ""): "api-trends",
    ("csv", ""): "api-cells-csv",
    ("salary-position", ""): "api-salaries-position",
    ("day-rate-position", ""): "api-day-rates-position",
}


def api_url(key: tuple[str, str], parameters: dict[str, Any] | None = None) -> str:
    path = reverse(API_NAMES[key])
    return f"{path}?{urlencode(parameters)}" if parameters else path


def level_label(dimension: str, code: str) -> str:
    """The reader's-language label of one level of a dimension."""
    if dimension == "region":
        return vocab.REGION.label(code) if code in vocab.REGION else code
    vocabulary = vocab.ALL.get(dimension)
    return vocabulary.label(code) if vocabulary is not None and code in vocabulary else code


def cohort_labels(cohort: Cohort) -> list[tuple[Any, str]]:
    """(dimension label, level label) of each filter of a cohort, for the page's headings."""
    return [
        (DIMENSION_LABELS[dimension], level_label(dimension, code))
        for dimension, code in cohort.filters.items()
    ]


def unpublished(request: HttpRequest) -> HttpResponse:
    return render(request, "benchmarks/unpublished.html", page_context(None))


def page_context(published: PublishedSnapshot | None, **values: Any) -> dict[str, Any]:
    """What every benchmark page's shared parts need (the demo banner, "too few answers")."""
    return {"published": published, "min_cohort": MIN_COHORT, "min_tails": MIN_TAILS, **values}


def _template(request: HttpRequest, name: str) -> str:
    """The page's template, or only its filters and results for `?fragment=explorer`.

    The page's script asks for the fragment when a filter changes and swaps it
    in: the form comes back too, so that it always shows what the server read
    (errors next to their fields, the regions of the country chosen).
    """
    return f"{name}#explorer" if request.GET.get("fragment") == "explorer" else name


def published_or_none() -> PublishedSnapshot | None:
    published = lookup.published_snapshot()
    return published if published is not None and published.years else None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What cmbench is, the latest headline figures, and the way to its three uses."""
    published = published_or_none()
    headline: dict[str, Cell | None] = {}
    if published is not None:
        for figure, metric in ((SALARY, Metric.SALARY), (DAY_RATE, Metric.DAY_RATE)):
            headline[figure] = lookup.cell_lookup(
                snapshot=published.snapshot,
                metric=metric,
                country=vocab.DEFAULT_COUNTRY,
                year=published.years[-1],
            )
    return render(
        request,
        "home.html",
        page_context(
            published,
            salary=headline.get(SALARY),
            day_rate=headline.get(DAY_RATE),
            open_edition=Edition.objects.open().first(),
            country_label=vocab.COUNTRY.label(vocab.DEFAULT_COUNTRY),
        ),
    )


@dataclass(frozen=True)
class BreakdownRow:
    """One level of a breakdown: its label and its published cell."""

    label: str
    cell: Cell


@dataclass(frozen=True)
class BreakdownLevel:
    """One level of a breakdown's vocabulary: its code, its label, its cell if published.

    `done` tells the two levels of a mission apart (those who do it, those who do not).
    """

    code: str
    label: str
    cell: Cell | None
    done: bool | None = None


def breakdown_levels(children: list[Cell], *, by: str, country: str) -> list[BreakdownLevel]:
    """Every level of a breakdown in the vocabulary's order, published or not.

    A level with no published cell reads alike whether it has no answer or
    too few: nothing here can tell them apart.
    """
    if by == "mission":
        yes, no = gettext("%(mission)s: yes"), gettext("%(mission)s: no")
        published = {(cell.mission, cell.mission_done): cell for cell in children}
        return [
            BreakdownLevel(
                code=code,
                label=(yes if done else no) % {"mission": vocab.MISSIONS.label(code)},
                cell=published.get((code, done)),
                done=done,
            )
            for code in vocab.MISSIONS.codes
            for done in (True, False)
        ]
    codes = vocab.REGIONS_BY_COUNTRY[country].codes if by == "region" else vocab.ALL[by].codes
    by_code = {getattr(cell, by): cell for cell in children}
    return [
        BreakdownLevel(code=code, label=level_label(by, code), cell=by_code.get(code))
        for code in codes
    ]


def breakdown_rows(
    children: list[Cell], *, by: str, country: str
) -> tuple[list[BreakdownRow], list[str]]:
    """The published levels of a breakdown, and the labels of the others ("too few answers")."""
    levels = breakdown_levels(children, by=by, country=country)
    rows = [BreakdownRow(label=level.label, cell=level.cell) for level in levels if level.cell]
    missing = [level.label for level in levels if level.cell is None]
    return rows, missing


def box_rows(parent: Cell, rows: list[BreakdownRow]) -> list[charts.BoxRow]:
    box = charts.BoxRow.of_cell

    return [
        box(gettext("Whole cohort"), parent, emphasis=True),
        *(box(row.label, row.cell) for row in rows),
    ]


# Conventional thresholds of epsilon squared (Rea & Parker): under 0.01 negligible.
EFFECT_SIZES = ((0.01, _("negligible")), (0.08, _("small")), (0.26, _("moderate")))


def _comparison(comparison: dict[str, Any] | None) -> dict[str, Any] | None:
    """The snapshot's Kruskal-Wallis test across the published groups, in plain words."""
    if not comparison:
        return None
    epsilon = float(comparison["epsilon_squared"])
    p_value = float(comparison["p_value"])
    effect = next((label for bound, label in EFFECT_SIZES if epsilon < bound), _("large"))
    # "p = 0.000" would read as impossible: below a thousandth, say so.
    p_text = f"< {decimal_text(0.001, 3)}" if p_value < 0.001 else f"= {decimal_text(p_value, 3)}"
    return {
        "significant": p_value < 0.05,
        "p_text": p_text,
        "epsilon_squared": decimal_text(epsilon, 2),
        "effect": effect,
        "groups": len(comparison.get("groups", [])),
    }


def under_share_bars(cell: Cell) -> list[charts.ShareBar]:
    """Shares of freelancers under each day-rate threshold, with their 95% intervals."""
    under = answers.cell_shares(cell).get("under", {})
    return [
        charts.ShareBar(
            label=gettext("under %(amount)s")
            % {"amount": money_text(int(threshold), cell.currency)},
            share=share,
            low=low,
            high=high,
        )
        for threshold, (share, low, high) in sorted(under.items(), key=lambda item: int(item[0]))
    ]


# The multi-answer families a cohort's share chart can show, and their codes.
SHARE_VOCABULARIES = {"missions": vocab.MISSIONS, "kpis": vocab.KPIS}


def family_share_bars(cell: Cell, family: str) -> list[charts.ShareBar]:
    """The cohort's share doing each mission (or reporting on each KPI), most common first."""
    vocabulary = SHARE_VOCABULARIES[family]
    shares = answers.cell_shares(cell).get(family, {})
    bars = [
        charts.ShareBar(label=vocabulary.label(code), share=share, low=low, high=high)
        for code in vocabulary.codes
        if code in shares
        for share, low, high in [shares[code]]
    ]
    return sorted(bars, key=lambda bar: -bar.share)


def page_url(name: str, parameters: dict[str, Any]) -> str:
    return f"{reverse(name)}?{urlencode(parameters)}" if parameters else reverse(name)


def _explorer_parameters(query: ExplorerQuery) -> dict[str, Any]:
    """The explorer's own query string for a valid query: figure, pay basis, cohort, breakdown."""
    parameters: dict[str, Any] = {"metric": query.figure}
    if query.figure == SALARY:
        parameters["basis"] = "base" if query.metric == Metric.SALARY_BASE else "total"
    return {**parameters, **query.cohort().as_dict(), "by": query.by}


def _explorer_results(query: ExplorerQuery, published: PublishedSnapshot) -> dict[str, Any]:
    """Everything the results part of the explorer shows, for a valid query (one query)."""
    cohort = query.cohort()
    by = query.by
    found = answers.breakdown(
        published,
        metric=query.metric,
        cohort=cohort,
        by=by,
        year=int(cohort.year or published.years[-1]),
    )
    parent, children = found.parent, list(found.children)
    parameters: dict[str, Any] = cohort.as_dict()
    if query.figure == SALARY and query.metric == Metric.SALARY_BASE:
        parameters["basis"] = "base"
    results: dict[str, Any] = {
        "cohort": cohort,
        "cohort_labels": cohort_labels(cohort),
        "country_label": vocab.COUNTRY.label(cohort.country),
        "figure": query.figure,
        "metric": query.metric,
        "metric_title": METRIC_TITLES[query.metric],
        "by": by,
        "by_label": DIMENSION_LABELS[by],
        "parent": parent,
        "api_url": api_url((query.figure, "breakdown"), {**parameters, "by": by}),
        "api_cohort_url": api_url((query.figure, "cohort"), parameters),
        "csv_url": page_url("benchmarks-table-csv", _explorer_parameters(query)),
        "data_dictionary_url": f"{reverse('methodology')}#data",
    }
    # A thin country's latest edition: the cohort pooled over editions (DESIGN.md, Thin
    # data), shown apart and labelled; None (and no query) for any other country.
    results["pooled"] = answers.pooled_cohort(
        published,
        metric=query.metric,
        cohort=replace(cohort, year=int(cohort.year or published.years[-1])),
    )
    if parent is None:
        return results
    rows, missing = breakdown_rows(children, by=by, country=cohort.country)
    boxes = box_rows(parent, rows)
    median = gettext("median")
    results.update(
        rows=rows,
        missing=missing,
        chart_narrow=charts.box_plot(
            boxes,
            currency=parent.currency,
            width=NARROW,
            median_label=median,
            css_class="chart--narrow",
        ),
        chart_wide=charts.box_plot(
            boxes,
            currency=parent.currency,
            width=WIDE,
            median_label=median,
            css_class="chart--wide",
        ),
        comparison=_comparison(found.comparison),
        tails_published=parent.p10 is not None,
        # Some row carries a smoothed median (a thin cell, n < 50): the table explains it.
        smoothed=any(row.cell.smoothed_p50 is not None for row in rows)
        or parent.smoothed_p50 is not None,
    )
    if query.figure == DAY_RATE:
        bars = under_share_bars(parent)
        results.update(
            shares=bars,
            shares_narrow=charts.share_bars(bars, width=NARROW, css_class="chart--narrow"),
            shares_wide=charts.share_bars(bars, width=WIDE, css_class="chart--wide"),
        )
    return results


@require_safe
def explorer(request: HttpRequest) -> HttpResponse:
    """/benchmarks/: one cohort's figures and its breakdown along one dimension.

    `?fragment=explorer` renders the filters and results alone, for the page's
    script. Invalid parameters answer 400 with the form and each error next to
    its field.
    """
    published = published_or_none()
    if published is None:
        return unpublished(request)
    query = explorer_query(request.GET, published=published)
    if not query.is_valid():
        context = _explorer_context(query, published, results=None)
        return render(request, _template(request, "benchmarks/explorer.html"), context, status=400)
    # A valid query's filters and results depend only on the snapshot, the
    # language and the query: rendered once (their form widgets cost the most),
    # then read from the cache until a new snapshot changes the key. So is the
    # whole page for visitors with nothing of their own on it (`_shareable`).
    as_fragment = request.GET.get("fragment") == "explorer"
    shareable = not as_fragment and _shareable(request)
    page_key = fragment_key("explorer-page", published, query.cache_parts())
    if shareable and (page := cache.get(page_key)) is not None:
        return HttpResponse(_personalized(page, request))
    # A shared page holds its fragment: the fragment alone is kept for the others.
    key = fragment_key("explorer", published, query.cache_parts())
    fragment = None if shareable else cache.get(key)
    if fragment is None:
        context = _explorer_context(query, published, results=_explorer_results(query, published))
        fragment = render_to_string("benchmarks/explorer.html#explorer", context, request=request)
        if not shareable:
            cache.set(key, fragment, FRAGMENT_CACHE_SECONDS)
    if as_fragment:
        return HttpResponse(fragment)
    # The fragment is our own template output, from the cache: already escaped.
    context = page_context(published, explorer_html=mark_safe(fragment))
    if not shareable:
        return render(request, "benchmarks/explorer.html", context)
    page = render_to_string(
        "benchmarks/explorer.html", {**context, **_placeholders(request)}, request=request
    )
    cache.set(page_key, page, FRAGMENT_CACHE_SECONDS)
    return HttpResponse(_personalized(page, request))


# What differs between two anonymous visitors of one page, left as placeholders in
# the cached copy and filled in for each: the CSRF token of the language switch,
# the CSP nonce (should a template use one), and the address the switch returns to.
CSRF_PLACEHOLDER = "cmbench-csrf-token-placeholder"
NONCE_PLACEHOLDER = "cmbench-csp-nonce-placeholder"
PATH_PLACEHOLDER = "/cmbench-path-placeholder"
# Cookies that make a page a visitor's own (a signed-in editor, a respondent's
# receipt, a pending message): such a visitor always gets a page of their own.
PRIVATE_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


class _PlaceholderRequest:
    """The request as a shared page sees it: the same for everyone but its address."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def get_full_path(self) -> str:
        return PATH_PLACEHOLDER

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _placeholders(request: HttpRequest) -> dict[str, Any]:
    """Template variables that render as placeholders (they override the context processors')."""
    return {
        "request": _PlaceholderRequest(request),
        "csrf_token": CSRF_PLACEHOLDER,
        "csp_nonce": NONCE_PLACEHOLDER,
    }


def shared_page(
    request: HttpRequest, key: str, render_page: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    """A page that reads the same for every visitor with nothing of their own on it.

    Rendered once per `key` (which must name everything the page depends on:
    snapshot, language, query), then read from the cache with this visitor's
    CSRF token, CSP nonce and address filled in. `render_page(extra)` renders
    the page with `extra` added to its context: the placeholders, or nothing
    for a visitor with a session or a message, who always gets a page of
    their own.
    """
    if not _shareable(request):
        return HttpResponse(render_page({}))
    remembered = not transaction.get_connection().in_atomic_block
    page = _page_memo.get(key) if remembered else None
    if page is None:
        page = cache.get(key)
        if page is None:
            page = render_page(_placeholders(request))
            cache.set(key, page, FRAGMENT_CACHE_SECONDS)
        if remembered:
            if len(_page_memo) >= PAGE_MEMO_SIZE:
                # Another thread of this worker may change the memo meanwhile.
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                    del _page_memo[next(iter(_page_memo))]
            _page_memo[key] = page
    return HttpResponse(_personalized(page, request))


# Shared pages kept in the process as well, outside a transaction (as the read
# lane's memos): a large page, the report's 230 kB, costs more to fetch from the
# shared cache on each request than a small one to render. Keys name the snapshot,
# so a new one is never served from here; the oldest entry goes first.
PAGE_MEMO_SIZE = 32
_page_memo: dict[str, str] = {}


def _shareable(request: HttpRequest) -> bool:
    """Whether this visitor may get the shared copy of a page: no session, no message."""
    return not any(name in request.COOKIES for name in PRIVATE_COOKIES)


def _personalized(page: str, request: HttpRequest) -> str:
    """A shared page with this visitor's CSRF token, CSP nonce and address filled in."""
    page = page.replace(CSRF_PLACEHOLDER, get_token(request))
    page = page.replace(PATH_PLACEHOLDER, escape(request.get_full_path()))
    if NONCE_PLACEHOLDER in page:
        page = page.replace(NONCE_PLACEHOLDER, str(get_nonce(request)))
    return page


def _explorer_context(
    query: ExplorerQuery, published: PublishedSnapshot, *, results: dict[str, Any] | None
) -> dict[str, Any]:
    return page_context(
        published,
        query=query,
        form=query.dressed_form(),
        figure_form=query.figure_form,
        active_filters=active_filters(query.parameters),
        ignored=[DIMENSION_LABELS[name] for name in query.ignored],
        results=results,
    )


def fragment_key(page: str, published: PublishedSnapshot, parts: tuple[Any, ...]) -> str:
    """A cache key of a page fragment: the snapshot (as published), the language, the query."""
    snapshot = published.snapshot
    stamp = snapshot.published_at.isoformat() if snapshot.published_at else ""
    identity = repr((page, published.id, stamp, snapshot.is_demo, get_language(), parts))
    return f"cmbench:fragment:{page}:{hashlib.sha256(identity.encode()).hexdigest()}"


def _factor_notes(profile: dict[str, Any], model: LogSalaryModel) -> list[dict[str, Any]]:
    """How the model read each factor: the level given, the level used, and why they differ.

    A factor not given is averaged over its mix in the fitted answers (a
    predictive margin). A level whose group is not published stands with the
    model's "other" group, or with the most common level when "other" is itself
    too small; an unknown level reads the same way, so a level with no answers
    and a suppressed one look alike (privacy rule 1).
    """
    notes = []
    for factor in ("role", "education", "employer_size", "employer_type", "region"):
        given = profile.get(factor)
        if not given:
            notes.append(
                {
                    "factor": DIMENSION_LABELS[factor],
                    "given": "",
                    "used": gettext("every level, in the answers' mix"),
                    "reason": gettext("not given: averaged over the answers"),
                }
            )
            continue
        used = model.resolve_level(factor, given)
        if used == model.other_label and used not in (vocab.ALL.get(factor) or ()):
            used_label = gettext("other (groups too small to stand alone)")
        else:
            used_label = level_label(factor, used)
        notes.append(
            {
                "factor": DIMENSION_LABELS[factor],
                "given": level_label(factor, given),
                "used": used_label,
                "reason": gettext("too few answers for this level alone") if used != given else "",
            }
        )
    return notes


@require_safe
def estimate(request: HttpRequest) -> HttpResponse:
    """/benchmarks/estimate/: a profile's salary estimate with its 80% prediction interval."""
    published = published_or_none()
    if published is None:
        return unpublished(request)
    parameters = estimate_parameters(request.GET, published=published)
    context = page_context(published, form=parameters.form)
    status = 200
    if parameters.is_bound:
        if parameters.is_valid():
            context.update(_estimate_result(parameters, published))
        else:
            status = 400
    return render(request, "benchmarks/estimate.html", context, status=status)


def _estimate_result(parameters: Any, published: PublishedSnapshot) -> dict[str, Any]:
    cleaned = parameters.cleaned_data
    country, year = cleaned["country"], cleaned["year"]
    profile = parameters.profile()
    estimate = profile_estimate(
        snapshot=published.snapshot, country=country, year=year, profile=profile
    )
    result: dict[str, Any] = {
        "asked": True,
        "country_label": vocab.COUNTRY.label(country),
        "year": year,
        "profile": profile,
        "experience_band": vocab.experience_band(profile["experience_years"]),
    }
    stored = lookup.profile_model(snapshot=published.snapshot, country=country, year=year)
    if estimate is None or stored is None:
        return result
    explorer_parameters = {
        "country": country,
        "year": year,
        "experience": vocab.experience_band(profile["experience_years"]),
        **({"role": profile["role"]} if profile["role"] else {}),
    }
    result.update(
        prediction={
            "estimate": estimate.estimate,
            "low": estimate.low,
            "high": estimate.high,
            "n": estimate.fitted_on,
            "level": estimate.level_percent,
            "currency": estimate.currency,
        },
        factors=_factor_notes(profile, stored.model),
        explorer_url=f"{reverse('benchmarks')}?{urlencode(explorer_parameters)}",
        api_url=api_url(
            ("estimate", ""),
            {"country": country, "year": year}
            | {name: value for name, value in profile.items() if value not in (None, "")},
        ),
    )
    return result


def change_text(change: answers.ChangeInterval, currency: str) -> dict[str, Any]:
    """One change and its 95 % interval, written for the trends page."""
    return {
        "amount": signed_money_text(change.absolute, currency),
        "low": signed_money_text(change.low, currency),
        "high": signed_money_text(change.high, currency),
        "percent": signed_percent_text(change.percent),
        "percent_low": signed_percent_text(change.percent_low),
        "percent_high": signed_percent_text(change.percent_high),
        # "rise", "fall", or None when the interval includes 0 (no clear change).
        "direction": None if not change.clear else "rise" if change.low > 0 else "fall",
    }


def _trend_changes(found: answers.Trend, currency: str) -> list[dict[str, Any]]:
    """Each change of the trend, nominal and in constant money (None where no price index)."""
    return [
        {
            "from_year": change.from_year,
            "to_year": change.to_year,
            "nominal": change_text(change.nominal, currency),
            "constant": None if change.constant is None else change_text(change.constant, currency),
        }
        for change in found.changes
    ]


@require_safe
def trends(request: HttpRequest) -> HttpResponse:
    """/benchmarks/trends/: a cohort's median in every published edition, with intervals."""
    published = published_or_none()
    if published is None:
        return unpublished(request)
    query = trend_query(request.GET, published=published)
    template = _template(request, "benchmarks/trends.html")
    context = page_context(
        published,
        form=query.parameters.form,
        figure=query.parameters.data.get("metric"),
        active_filters=active_filters(query.parameters),
        ignored=[DIMENSION_LABELS[name] for name in query.ignored],
    )
    if not query.is_valid():
        return render(request, template, context, status=400)
    cohort = query.parameters.cohort()
    found = answers.trend(published, metric=query.metric, cohort=cohort)
    cells = found.cells
    editions = [
        {"year": edition.year, "cell": edition.cell}
        | (
            {"change": edition.change.absolute, "change_percent": edition.change.percent}
            if edition.change is not None
            else {}
        )
        for edition in found.editions
    ]
    points = [charts.TrendPoint.of_cell(cell) for cell in cells]
    currency = vocab.CURRENCY_BY_COUNTRY[cohort.country]
    context.update(
        results=True,
        cohort_labels=cohort_labels(cohort),
        country_label=vocab.COUNTRY.label(cohort.country),
        metric_title=METRIC_TITLES[query.metric],
        editions=editions,
        changes=_trend_changes(found, currency),
        any_published=bool(cells),
        currency=currency,
        chart_narrow=charts.trend_chart(
            points, currency=currency, width=NARROW, css_class="chart--narrow"
        ),
        chart_wide=charts.trend_chart(
            points, currency=currency, width=WIDE, css_class="chart--wide"
        ),
        api_url=api_url(("trends", ""), query.link_parameters()),
    )
    return render(request, template, context)


def _data_dictionary() -> list[tuple[str, str]]:
    """The columns of /api/v1/benchmarks/cells.csv and what each holds, for the methodology."""
    thresholds = ", ".join(str(threshold) for threshold in DAY_RATE_THRESHOLDS)
    return [
        (
            "metric",
            gettext(
                "salary: gross annual salary, full-time equivalent, base + variable pay; "
                "salary_base: base pay only; day_rate: freelance day rate, excluding VAT."
            ),
        ),
        (
            "country",
            gettext("Country, ISO 3166-1 code: %(codes)s.")
            % {"codes": ", ".join(vocab.COUNTRY.codes)},
        ),
        ("year", gettext("Survey edition.")),
        (
            ", ".join(DIMENSIONS),
            gettext(
                "The group's level of each dimension, as a code; empty for all levels. "
                "Regions are ISO 3166-2 codes."
            ),
        ),
        (
            "mission, mission_done",
            gettext(
                "The mission breakdown: a mission's code, with mission_done 1 for those who do "
                "it and 0 for those who do not; mission empty (and mission_done 1) otherwise."
            ),
        ),
        (
            "n",
            gettext(
                "Number of answers, with its small deliberate noise (see “Protecting "
                "respondents”); never under %(min)d."
            )
            % {"min": MIN_COHORT},
        ),
        (
            "confidence",
            gettext("low (%(min)d to %(medium)d answers), medium (up to %(high)d), high (more).")
            % {"min": MIN_COHORT, "medium": TIER_MEDIUM_FROM - 1, "high": TIER_HIGH_FROM - 1},
        ),
        ("currency", gettext("EUR, CHF or CAD: the currency of every amount of the line.")),
        (
            "p10, p25, p50, p75, p90",
            gettext(
                "Percentiles in whole units of the currency, rounded (salaries to the nearest "
                "100, day rates to the nearest 5); p50 is the median. p10 and p90 are empty "
                "under %(tails)d answers."
            )
            % {"tails": MIN_TAILS},
        ),
        ("median_ci_low, median_ci_high", gettext("95%% confidence interval of the median.") % {}),
        (
            "under_<rate>_percent, _ci95_low, _ci95_high",
            gettext(
                "Day rates: share of freelancers billing less than each rate (%(rates)s), in "
                "whole percents, with its 95%% interval."
            )
            % {"rates": thresholds},
        ),
        (
            "mission_<code>_percent, _ci95_low, _ci95_high",
            gettext("Share of the group doing each mission, with its 95%% interval.") % {},
        ),
        (
            "kpi_<code>_percent, _ci95_low, _ci95_high",
            gettext("Share of the group reporting on each indicator, with its 95%% interval.") % {},
        ),
    ]


@require_safe
def methodology(request: HttpRequest) -> HttpResponse:
    """/methodology/: how figures are computed and protected, in plain words; who answered."""
    from benchmarks.present.sample_tables import sample_tables
    from benchmarks.read.sample import sample_makeup

    published = published_or_none()

    def render_page(extra: dict[str, Any]) -> str:
        who_answered = (
            sample_tables(sample_makeup(published, year=published.years[-1]))
            if published is not None and published.latest_year is not None
            else []
        )
        context = page_context(
            published,
            who_answered=who_answered,
            who_answered_year=published.latest_year if published is not None else None,
            tier_medium=TIER_MEDIUM_FROM,
            tier_high=TIER_HIGH_FROM,
            fence_k=f"{FENCE_K:g}",
            estimate_level=round(ESTIMATE_LEVEL * 100),
            noise_bound=NOISE_BOUND,
            data_dictionary=_data_dictionary(),
            cells_csv_url=reverse("api-cells-csv"),
            vocabulary_url=reverse("api-vocabulary"),
            api_docs_url=reverse("api-docs"),
        )
        return render_to_string("methodology.html", {**context, **extra}, request)

    if published is None:
        return HttpResponse(render_page({}))
    # Who answered is read from the snapshot's cells: the same page for every
    # anonymous reader of a snapshot and language, rendered once.
    return shared_page(request, fragment_key("methodology-page", published, ()), render_page)
