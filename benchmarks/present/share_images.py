"""Share images: the Open Graph / Twitter card PNGs of an explorer cohort and of a yearly report.

    /share/benchmarks.png?<cohort>   share-cohort  the cohort's median, interval, middle half
                                                   and n, beside its breakdown chart (the
                                                   explorer's `by`; by=shares for day rates)
    /share/report/<year>.png         share-report  the edition's headline: France's salary
                                                   median and its breakdown by experience

1200 × 630 pixels (what Facebook, LinkedIn and X show in full). The card is
an SVG composed here around the very chart the pages draw
(`present.charts`), with every figure written by `present.formatting`, then
rasterised by CairoSVG. CairoSVG (and cairo through it) is imported inside
`svg_to_png`, on the first image asked for: a web process never loads it at
start-up (tests/test_architecture.py).

A PNG is kept in the cache under the snapshot (id and publication time), the
language and the normalised query (`share_key`): drawn once per snapshot,
then served from the cache; a new snapshot is a new key. Responses carry the
snapshot's ETag and may be kept by any cache (`Cache-Control: public`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from benchmarks.models import Cell, Metric
from benchmarks.present import charts
from benchmarks.present.embeds import (
    CACHE_CONTROL,
    EmbedQuery,
    chart_context,
    embed_query,
    embed_validators,
)
from benchmarks.present.formatting import count_text, money_range_text, money_text, tier_text
from benchmarks.present.forms import DIMENSION_LABELS
from benchmarks.present.pages import (
    METRIC_TITLES,
    box_rows,
    breakdown_rows,
    cohort_labels,
    fragment_key,
    published_or_none,
)
from benchmarks.read import answers
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.stats.tiers import MIN_COHORT
from surveys import vocabulary as vocab

WIDTH, HEIGHT = 1200, 630
# A published snapshot never changes and its key changes with it: keep a card a day.
CACHE_SECONDS = 24 * 3600
# Part of the cache key and of the ETag: bump it when the card's drawing changes.
CARD_VERSION = "1"
# The card's columns, in pixels: figures on the left, the chart on the right.
MARGIN = 56.0
TEXT_WIDTH = 500.0
CHART_LEFT, CHART_TOP, CHART_WIDTH, CHART_HEIGHT = 600.0, 96.0, 548.0, 470.0
# Charts are drawn this wide, then scaled up to CHART_WIDTH: their text grows with them.
CHART_DRAWN_WIDTH = 440
# Average advance of a character, in ems, of the sans-serif cairo falls back on
# (DejaVu Sans runs wide): to wrap titles before they leave their column.
EM_ADVANCE = 0.6
ACCENT = charts.BOX_STROKE
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
_HALO = re.compile(r' stroke="#ffffff" stroke-width="[\d.]+" paint-order="stroke"')


def svg_to_png(svg: str) -> bytes:
    """Rasterise a card's SVG to a 1200 × 630 PNG (CairoSVG, imported here on first use)."""
    import cairosvg

    png: bytes = cairosvg.svg2png(
        bytestring=svg.encode("utf-8"), output_width=WIDTH, output_height=HEIGHT
    )
    return png


def share_key(kind: str, published: PublishedSnapshot, parts: tuple[Any, ...]) -> str:
    """The cache key of a card: its kind, the snapshot (as published), the language, the query."""
    return fragment_key(f"share-{kind}-{CARD_VERSION}", published, parts)


def wrap(text: str, *, size: float, width: float) -> list[str]:
    """`text` in lines that fit `width` pixels at `size` (estimated: EM_ADVANCE per character)."""
    per_line = max(int(width / (size * EM_ADVANCE)), 8)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _text(x: float, y: float, content: str, *, size: int, weight: int = 400, fill: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}">{escape(content)}</text>'
    )


def _placed(chart: str, *, x: float, y: float, width: float, height: float) -> str:
    """A page's chart (an <svg> with its viewBox) scaled into a box of the card, top left."""
    found = _VIEWBOX.search(chart)
    if not chart or found is None:
        return ""
    inner_width, inner_height = found.groups()
    # CairoSVG ignores paint-order: a label's white halo would be painted over its letters.
    chart = _HALO.sub("", chart)
    return (
        f'<svg x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'viewBox="0 0 {inner_width} {inner_height}" preserveAspectRatio="xMinYMin meet">'
        f"{chart}</svg>"
    )


def card_svg(
    *,
    kicker: str,
    title: str,
    cohort_line: str,
    cell: Cell | None,
    chart_title: str = "",
    chart: str = "",
    demo: bool = False,
) -> str:
    """The card: brand and title, the cohort, its headline figures (or "too few"), the chart."""
    body = [
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<rect width="12" height="{HEIGHT}" fill="{ACCENT}"/>',
        _text(MARGIN, 72, kicker, size=26, weight=700, fill=ACCENT),
    ]
    y = 120.0
    for line in wrap(title, size=30, width=TEXT_WIDTH)[:3]:
        body.append(_text(MARGIN, y, line, size=30, weight=700, fill=charts.INK))
        y += 38
    for line in wrap(cohort_line, size=22, width=TEXT_WIDTH)[:3]:
        body.append(_text(MARGIN, y, line, size=22, fill=charts.MUTED))
        y += 30
    y += 26
    if cell is None:
        body.append(
            _text(
                MARGIN, y + 30, gettext("Not enough answers"), size=40, weight=700, fill=charts.INK
            )
        )
        for line in wrap(
            # The embeds' sentence (templates/benchmarks/embed_cohort.html): one msgid.
            gettext("Figures are published only for groups of at least %(min_cohort)s answers.")
            % {"min_cohort": MIN_COHORT},
            size=22,
            width=TEXT_WIDTH,
        ):
            y += 32
            body.append(_text(MARGIN, y + 40, line, size=22, fill=charts.MUTED))
    else:
        currency = cell.currency
        body += [
            _text(MARGIN, y + 10, gettext("Median"), size=24, weight=600, fill=charts.MUTED),
            _text(
                MARGIN, y + 86, money_text(cell.p50, currency), size=76, weight=700, fill=charts.INK
            ),
            _text(
                MARGIN,
                y + 126,
                gettext("95%% interval: %(interval)s")
                % {"interval": money_range_text(cell.median_ci_low, cell.median_ci_high, currency)},
                size=24,
                fill=charts.INK,
            ),
            _text(
                MARGIN,
                y + 164,
                gettext("Middle half: %(range)s")
                % {"range": money_range_text(cell.p25, cell.p75, currency)},
                size=24,
                fill=charts.INK,
            ),
            _text(
                MARGIN,
                y + 202,
                gettext("%(n)s answers · confidence: %(tier)s")
                % {"n": count_text(cell.n), "tier": tier_text(cell.confidence)},
                size=24,
                fill=charts.INK,
            ),
        ]
    if chart:
        body.append(_text(CHART_LEFT, 72, chart_title, size=26, weight=700, fill=charts.INK))
        body.append(
            _placed(chart, x=CHART_LEFT, y=CHART_TOP, width=CHART_WIDTH, height=CHART_HEIGHT)
        )
    if demo:
        body.append(
            _text(
                MARGIN,
                HEIGHT - 28,
                gettext("Demo data: synthetic answers, not real pay."),
                size=20,
                weight=600,
                fill="#8a1c14",
            )
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{charts.FONT}">' + "".join(body) + "</svg>"
    )


def _cohort_line(cohort: Cohort) -> str:
    parts = [str(vocab.COUNTRY.label(cohort.country)), str(cohort.year)]
    parts += [f"{dimension}: {level}" for dimension, level in cohort_labels(cohort)]
    return " · ".join(parts)


def cohort_card(published: PublishedSnapshot, embed: EmbedQuery) -> str:
    """The explorer cohort's card: its figures and the chart the embed of its breakdown shows."""
    context = chart_context(published, embed, width=CHART_DRAWN_WIDTH)
    query = embed.query
    return card_svg(
        kicker="cmbench",
        title=str(METRIC_TITLES[query.metric]),
        cohort_line=_cohort_line(query.cohort()),
        cell=context.get("cell"),
        chart_title=str(context.get("chart_title", "")),
        chart=str(context.get("chart", "")),
        demo=published.snapshot.is_demo,
    )


def report_card(published: PublishedSnapshot, year: int) -> str:
    """An edition's headline card: France's salary median, and its breakdown by experience."""
    cohort = Cohort(country=vocab.DEFAULT_COUNTRY, year=year)
    found = answers.breakdown(
        published, metric=Metric.SALARY, cohort=cohort, by="experience", year=year
    )
    chart = ""
    if found.parent is not None:
        rows, _missing = breakdown_rows(
            list(found.children), by="experience", country=cohort.country
        )
        chart = charts.box_plot(
            box_rows(found.parent, rows),
            currency=found.parent.currency,
            width=CHART_DRAWN_WIDTH,
            median_label=gettext("median"),
        )
    return card_svg(
        kicker=gettext("cmbench · the %(year)s barometer") % {"year": year},
        title=gettext("Pay of community managers in %(year)s") % {"year": year},
        cohort_line=f"{vocab.COUNTRY.label(cohort.country)} · {METRIC_TITLES[Metric.SALARY]}",
        cell=found.parent,
        chart_title=gettext("By %(dimension)s")
        % {"dimension": str(DIMENSION_LABELS["experience"]).lower()},
        chart=str(chart),
        demo=published.snapshot.is_demo,
    )


def _png_response(
    request: HttpRequest,
    published: PublishedSnapshot,
    *,
    key: str,
    draw: Callable[[], str],
) -> HttpResponse:
    etag, seconds = embed_validators(published)
    etag = f'"card{CARD_VERSION}-{etag.strip(chr(34))}"'
    response = get_conditional_response(request, etag=etag, last_modified=seconds)
    if response is None:
        png = cache.get(key)
        if png is None:
            png = svg_to_png(draw())
            cache.set(key, png, CACHE_SECONDS)
        response = HttpResponse(png, content_type="image/png")
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(seconds)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_lines(errors: Sequence[tuple[str, str, list[str]]]) -> str:
    return "\n".join(
        f"{parameter}{f' ({label})' if label else ''}: {' '.join(messages)}"
        if parameter
        else " ".join(messages)
        for parameter, label, messages in errors
    )


@require_safe
def cohort_image(request: HttpRequest) -> HttpResponse:
    """/share/benchmarks.png?<cohort>: the explorer cohort's card (400 naming a bad field)."""
    published = published_or_none()
    if published is None:
        return _plain(gettext("No figures are published yet."), 503)
    embed = embed_query(request.GET, published=published)
    if not embed.is_valid():
        return _plain(_error_lines(embed.errors()), 400)
    key = share_key("cohort", published, embed.cache_parts())
    return _png_response(request, published, key=key, draw=lambda: cohort_card(published, embed))


@require_safe
def report_image(request: HttpRequest, year: int) -> HttpResponse:
    """/share/report/<year>.png: an edition's headline card (404 for an unpublished edition)."""
    published = published_or_none()
    if published is None or year not in published.years:
        raise Http404(gettext("No figures are published for this edition."))
    key = share_key("report", published, (year,))
    return _png_response(request, published, key=key, draw=lambda: report_card(published, year))
