"""Server-rendered SVG charts of the benchmark pages: box plots, trends, shares.

Drawn on the server so that the pages need no charting script and no inline
style (the Content-Security-Policy allows neither): every position is an SVG
attribute. Each chart is drawn at a given width in CSS pixels (a page draws a
narrow and a wide copy and CSS shows one), so that its text keeps a readable
size from a 375-pixel phone to a desktop. Charts are decoration for sighted
readers: the same figures are always in a table beside them, so each SVG is
hidden from assistive technology, and nothing is told by colour alone (the
whole cohort is in bold, medians are thick bars, intervals are whiskers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from benchmarks.present.formatting import grouped, money_text, percent_text

INK = "#1d2330"
MUTED = "#5b6475"
GRID = "#e3e6ee"
BOX_FILL = "#dbe6ff"
BOX_STROKE = "#0b3fa8"
COHORT_FILL = "#ffe3b3"
COHORT_STROKE = "#8a4b00"
MARKER = "#b3261e"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Generous advances of a character (system fonts differ; accented capitals and
# bold run wide), to decide whether a row's label and its summary share a line:
# guessing short printed region names over medians on a phone.
CHAR_WIDTH = 7.0  # 12 px, regular
LABEL_CHAR_WIDTH = 8.2  # 13 px, bold
# The same for an axis's tick labels (11 px, regular: digits, a space, a currency
# mark), and the room kept between two of them: "30 000 €32 000 €" on a phone.
TICK_CHAR_WIDTH = 6.6
TICK_GAP = 8.0


@dataclass(frozen=True)
class BoxRow:
    """One box of a box plot: published percentiles (p10 and p90 may be absent), in money."""

    label: str
    p25: int
    p50: int
    p75: int
    n: int
    p10: int | None = None
    p90: int | None = None
    # The whole cohort, drawn first and in bold, beside its groups.
    emphasis: bool = False

    @classmethod
    def of_cell(cls, label: str, cell: Any, *, emphasis: bool = False) -> BoxRow:
        """The box of a published cell (anything with p10..p90 and n): its figures as stored."""
        return cls(
            label=label,
            p10=cell.p10,
            p25=cell.p25,
            p50=cell.p50,
            p75=cell.p75,
            p90=cell.p90,
            n=cell.n,
            emphasis=emphasis,
        )


@dataclass(frozen=True)
class TrendPoint:
    """The median of one edition with its 95% interval, in money."""

    year: int
    p50: int
    low: int
    high: int
    n: int

    @classmethod
    def of_cell(cls, cell: Any) -> TrendPoint:
        """A published cell's point: its edition, median, median interval and n."""
        return cls(
            year=cell.year, p50=cell.p50, low=cell.median_ci_low, high=cell.median_ci_high, n=cell.n
        )


@dataclass(frozen=True)
class ShareBar:
    """A share in whole percents with its 95% interval."""

    label: str
    share: int
    low: int
    high: int


def nice_ticks(low: float, high: float, *, count: int) -> list[float]:
    """About `count` round tick values covering [low, high] (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not math.isfinite(low) or not math.isfinite(high):
        raise ValueError("tick bounds must be finite")
    if high <= low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw_step = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    steps = round((last - first) / step)
    return [first + index * step for index in range(steps + 1)]


def _scale(domain: tuple[float, float], pixels: tuple[float, float]) -> Callable[[float], float]:
    (d0, d1), (r0, r1) = domain, pixels
    span = (d1 - d0) or 1.0
    return lambda value: r0 + (value - d0) * (r1 - r0) / span


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 12,
    weight: int = 400,
    fill: str = INK,
    halo: bool = False,
) -> str:
    # A white outline under the letters keeps a label readable where it crosses a line.
    outline = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}"{outline}>{escape(content)}</text>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, *, stroke: str, width: float = 1, dash: str = ""
) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{stroke}" stroke-width="{width}"{dashed}/>'
    )


def _svg(width: int, height: float, body: list[str], *, css_class: str) -> SafeString:
    # Safe: every text above went through escape(), every attribute is a number or a constant.
    return mark_safe(
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'font-family="{FONT}" aria-hidden="true" focusable="false">' + "".join(body) + "</svg>"
    )


def _tick_anchor(index: int, count: int) -> str:
    return "start" if index == 0 else "end" if index == count - 1 else "middle"


def tick_extents(positions: Sequence[float], labels: Sequence[str]) -> list[tuple[float, float]]:
    """The estimated horizontal extent of each tick label, anchored as the axis draws them.

    The first label starts at its tick, the last ends at it, the others are
    centred on it; each character counts TICK_CHAR_WIDTH pixels.
    """
    extents = []
    for index, (position, label) in enumerate(zip(positions, labels, strict=True)):
        span = len(label) * TICK_CHAR_WIDTH
        anchor = _tick_anchor(index, len(labels))
        start = (
            position
            if anchor == "start"
            else position - span
            if anchor == "end"
            else (position - span / 2)
        )
        extents.append((start, start + span))
    return extents


def _labels_overlap(extents: Sequence[tuple[float, float]]) -> bool:
    return any(end + TICK_GAP > start for (_, end), (start, _) in pairwise(extents))


def readable_ticks(
    low: float,
    high: float,
    *,
    count: int,
    pixels: tuple[float, float],
    label: Callable[[float], str],
) -> list[float]:
    """Round ticks covering [low, high] whose labels fit side by side on `pixels`.

    Asks `nice_ticks` for about `count` ticks, then fewer, until no two labels'
    estimated extents (`tick_extents`) come within TICK_GAP pixels: a narrow
    chart of close amounts gets fewer, wider steps rather than labels printed
    over each other. If even two or three ticks collide, only the two ends are kept.
    """
    ticks: list[float] = []
    for attempt in range(max(count, 2), 1, -1):
        ticks = nice_ticks(low, high, count=attempt)
        x = _scale((ticks[0], ticks[-1]), pixels)
        if not _labels_overlap(tick_extents([x(t) for t in ticks], [label(t) for t in ticks])):
            return ticks
    return [ticks[0], ticks[-1]]


def _within(value: float, span: tuple[float, float], *, margin: float = 4.0) -> bool:
    return span[0] - margin <= value <= span[1] + margin


def _fits_on_one_line(label: str, summary: str, width: int) -> bool:
    """Whether a row's label (left) and summary (right) fit side by side, with a gap."""
    return len(label) * LABEL_CHAR_WIDTH + len(summary) * CHAR_WIDTH + 32 < width - 16


def box_plot(
    rows: Sequence[BoxRow],
    *,
    currency: str,
    width: int,
    median_label: str,
    marker: int | None = None,
    marker_label: str = "",
    css_class: str = "",
) -> SafeString:
    """Horizontal box plots, one per row: whiskers p10-p90, box p25-p75, a thick median bar.

    Each row's label sits above its box, with "median ... · n" at the right
    when both fit on one line, else on a line of its own under the label: a
    text never prints over another. `marker` draws one more value (an amount
    being checked, a respondent's own pay) as a labelled dashed line drawn
    behind the texts, which keep a white outline, and as a solid one over each
    box: it crosses no label.
    """
    if not rows:
        return mark_safe("")
    values = [v for row in rows for v in (row.p10, row.p25, row.p50, row.p75, row.p90) if v]
    if marker is not None:
        values.append(marker)
    left, right = 40.0, width - 40.0
    ticks = readable_ticks(
        min(values),
        max(values),
        count=6 if width >= 560 else 4,
        pixels=(left, right),
        label=lambda tick: money_text(tick, currency),
    )
    x = _scale((ticks[0], ticks[-1]), (left, right))
    row_height, summary_line = 52.0, 16.0
    top = 8.0 + (22.0 if marker is not None else 0.0)
    summaries = [
        f"{median_label} {money_text(row.p50, currency)} · n = {grouped(row.n)}" for row in rows
    ]
    one_line = [
        _fits_on_one_line(row.label, summary, width)
        for row, summary in zip(rows, summaries, strict=True)
    ]
    row_tops = [top]
    for single in one_line:
        row_tops.append(row_tops[-1] + row_height + (0.0 if single else summary_line))
    bottom = row_tops[-1]
    body = [f'<rect width="{width}" height="{bottom + 28:.0f}" fill="#ffffff"/>']
    for tick in ticks:
        body.append(_line(x(tick), top, x(tick), bottom, stroke=GRID))
    for index, tick in enumerate(ticks):
        body.append(
            _text(
                x(tick),
                bottom + 18,
                money_text(tick, currency),
                anchor=_tick_anchor(index, len(ticks)),
                size=11,
                fill=MUTED,
            )
        )
    if marker is not None:
        # Dashed from its label down to the axis, hidden wherever a row's text lies across it.
        mx = x(marker)
        gaps = []
        for row, summary, single, y in zip(rows, summaries, one_line, row_tops, strict=False):
            label_end = 8 + len(row.label) * LABEL_CHAR_WIDTH
            summary_span = (
                (width - 8 - len(summary) * CHAR_WIDTH, width - 8.0)
                if single
                else (8.0, 8 + len(summary) * CHAR_WIDTH)
            )
            if 8 - 4 <= mx <= label_end + 4 or (single and _within(mx, summary_span)):
                gaps.append((y + 1, y + 20))
            if not single and _within(mx, summary_span):
                gaps.append((y + 1 + summary_line, y + 20 + summary_line))
        body.append(_line(mx, top - 6, mx, bottom - 4, stroke=MARKER, width=2, dash="4 3"))
        body.extend(
            f'<rect x="{mx - 3:.1f}" y="{gap_start:.1f}" width="6" '
            f'height="{gap_end - gap_start:.1f}" fill="#ffffff"/>'
            for gap_start, gap_end in gaps
        )
    box_bands = []
    for row, summary, single, y in zip(rows, summaries, one_line, row_tops, strict=False):
        fill, stroke = (COHORT_FILL, COHORT_STROKE) if row.emphasis else (BOX_FILL, BOX_STROKE)
        weight = 700 if row.emphasis else 600
        body.append(_text(8, y + 15, row.label, weight=weight, size=13, halo=True))
        if single:
            body.append(_text(width - 8, y + 15, summary, anchor="end", fill=MUTED, halo=True))
        else:
            body.append(_text(8, y + 15 + summary_line, summary, fill=MUTED, halo=True))
        middle = y + 33 + (0.0 if single else summary_line)
        box_bands.append(middle)
        if row.p10 is not None and row.p90 is not None:
            body.append(_line(x(row.p10), middle, x(row.p25), middle, stroke=INK))
            body.append(_line(x(row.p75), middle, x(row.p90), middle, stroke=INK))
            for end in (row.p10, row.p90):
                body.append(_line(x(end), middle - 6, x(end), middle + 6, stroke=INK))
        box_width = max(x(row.p75) - x(row.p25), 1.0)
        body.append(
            f'<rect x="{x(row.p25):.1f}" y="{middle - 10:.1f}" width="{box_width:.1f}" '
            f'height="20" rx="2" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        body.append(_line(x(row.p50), middle - 12, x(row.p50), middle + 12, stroke=INK, width=4))
    if marker is not None:
        mx = x(marker)
        # Solid over the boxes, which hide the dashed line behind them.
        for middle in box_bands:
            body.append(_line(mx, middle - 14, mx, middle + 14, stroke=MARKER, width=2))
        anchor = "start" if mx < width * 0.25 else "end" if mx > width * 0.75 else "middle"
        body.append(
            _text(mx, top - 10, marker_label, anchor=anchor, weight=700, fill=MARKER, halo=True)
        )
    return _svg(width, bottom + 28, body, css_class=css_class)


def trend_chart(
    points: Sequence[TrendPoint], *, currency: str, width: int, css_class: str = ""
) -> SafeString:
    """Medians per edition joined by a line, each with its 95% interval as a vertical whisker."""
    if not points:
        return mark_safe("")
    height, top, bottom = 280.0, 24.0, 244.0
    ticks = nice_ticks(
        min(p.low for p in points), max(p.high for p in points), count=5 if width >= 560 else 4
    )
    y = _scale((ticks[0], ticks[-1]), (bottom, top))
    left = 86.0 if width >= 560 else 74.0
    right = width - 24.0
    step = (right - left) / len(points)
    xs = [left + step * (index + 0.5) for index in range(len(points))]
    body = [f'<rect width="{width}" height="{height:.0f}" fill="#ffffff"/>']
    for tick in ticks:
        body.append(_line(left, y(tick), right, y(tick), stroke=GRID))
        body.append(
            _text(
                left - 8, y(tick) + 4, money_text(tick, currency), anchor="end", size=11, fill=MUTED
            )
        )
    if len(points) > 1:
        path = " ".join(f"{cx:.1f},{y(p.p50):.1f}" for cx, p in zip(xs, points, strict=True))
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{BOX_STROKE}" stroke-width="2"/>'
        )
    for cx, point in zip(xs, points, strict=True):
        body.append(_line(cx, y(point.low), cx, y(point.high), stroke=INK, width=1.5))
        for end in (point.low, point.high):
            body.append(_line(cx - 6, y(end), cx + 6, y(end), stroke=INK, width=1.5))
        body.append(
            f'<circle cx="{cx:.1f}" cy="{y(point.p50):.1f}" r="5.5" fill="{BOX_STROKE}" '
            f'stroke="#ffffff" stroke-width="2"/>'
        )
        body.append(
            _text(
                cx + 9,
                y(point.p50) - 7,
                money_text(point.p50, currency),
                weight=600,
                size=12,
                halo=True,
            )
        )
        body.append(_text(cx, bottom + 22, str(point.year), anchor="middle", weight=600, size=13))
    return _svg(width, height, body, css_class=css_class)


def share_bars(bars: Sequence[ShareBar], *, width: int, css_class: str = "") -> SafeString:
    """Horizontal bars on a 0-100% scale, each with its 95% interval as a whisker."""
    if not bars:
        return mark_safe("")
    label_width = 150.0 if width >= 560 else 110.0
    left, right = label_width, width - 56.0
    x = _scale((0.0, 100.0), (left, right))
    row_height, top = 34.0, 8.0
    bottom = top + row_height * len(bars)
    body = [f'<rect width="{width}" height="{bottom + 26:.0f}" fill="#ffffff"/>']
    for tick in (0, 25, 50, 75, 100):
        body.append(_line(x(tick), top, x(tick), bottom, stroke=GRID))
        body.append(
            _text(x(tick), bottom + 18, percent_text(tick), anchor="middle", size=11, fill=MUTED)
        )
    for index, bar in enumerate(bars):
        middle = top + index * row_height + row_height / 2
        body.append(_text(8, middle + 4, bar.label, weight=600, size=13))
        body.append(
            f'<rect x="{left:.1f}" y="{middle - 9:.1f}" width="{max(x(bar.share) - left, 0):.1f}" '
            f'height="18" fill="{BOX_FILL}" stroke="{BOX_STROKE}" stroke-width="1.5"/>'
        )
        body.append(_line(x(bar.low), middle, x(bar.high), middle, stroke=INK, width=1.5))
        for end in (bar.low, bar.high):
            body.append(_line(x(end), middle - 5, x(end), middle + 5, stroke=INK, width=1.5))
        body.append(
            _text(
                max(x(bar.high), x(bar.share)) + 6, middle + 4, percent_text(bar.share), weight=600
            )
        )
    return _svg(width, bottom + 26, body, css_class=css_class)
