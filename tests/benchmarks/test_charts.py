"""The SVG charts' axes: tick labels never print over each other, even on a phone.

The narrow copy of a chart is drawn 360 px wide (`pages.NARROW`) and shown on
phones of 360 to 390 px, scaled with its text, so extents measured in the
SVG's own units hold on the screen. A label's extent is estimated here on its
own terms (0.6 em per character at 11 px, as generous as the chart's guess),
from the text-anchor each label is drawn with.
"""

from __future__ import annotations

import html
import re
from itertools import pairwise

import pytest
from django.utils import translation

from benchmarks.present import charts

NARROW = 360
# 11 px text: 0.6 em per character covers digits, spaces and currency marks.
CHAR_WIDTH = 0.6 * 11
TICK_TEXT = re.compile(
    r'<text x="(?P<x>[\d.]+)" y="[\d.]+" text-anchor="(?P<anchor>\w+)" font-size="11"[^>]*>'
    r"(?P<label>[^<]*)</text>"
)


def _tick_extents(svg: str) -> list[tuple[float, float, str]]:
    """(left, right, label) of each 11 px text of a box plot: its axis's tick labels."""
    extents = []
    for match in TICK_TEXT.finditer(svg):
        x, label = float(match["x"]), html.unescape(match["label"])
        width = len(label) * CHAR_WIDTH
        left = {"start": x, "end": x - width}.get(match["anchor"], x - width / 2)
        extents.append((left, left + width, label))
    return extents


def _overlaps(extents: list[tuple[float, float, str]]) -> list[tuple[str, str]]:
    return [
        (a_label, b_label)
        for (_a_left, a_right, a_label), (b_left, _b_right, b_label) in pairwise(extents)
        if a_right > b_left
    ]


def test_the_reported_phone_axis_gets_fewer_ticks_not_labels_over_each_other() -> None:
    # The pay check's chart of a thin group on a phone: p10 30 000 to p90 36 000 with
    # the checked amount; nice_ticks(count=4) gave steps of 2 000 whose first two labels
    # ("30 000 €" from its tick, "32 000 €" centred on its own) ran together.
    row = charts.BoxRow(label="Ce groupe", p10=30_000, p25=31_500, p50=33_000, p75=34_500,
                        p90=36_000, n=30, emphasis=True)  # fmt: skip
    with translation.override("fr"):
        svg = str(
            charts.box_plot(
                [row],
                currency="EUR",
                width=NARROW,
                median_label="médiane",
                marker=32_000,
                marker_label="Vérifié : 32 000 €",
            )
        )

    extents = _tick_extents(svg)
    assert len(extents) >= 2  # the axis still has its two ends at least
    assert _overlaps(extents) == []
    assert all(left >= 0 and right <= NARROW for left, right, _label in extents)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("currency", ["EUR", "CHF"])
@pytest.mark.parametrize("width", [NARROW, 720])
def test_no_two_tick_labels_overlap_whatever_the_spread(
    language: str, currency: str, width: int
) -> None:
    with translation.override(language):
        for low in range(18_000, 95_000, 1_300):
            for spread in (1_500, 3_000, 5_000, 8_000, 12_000, 25_000, 60_000):
                for marker in (None, low // 2, low + spread * 3 // 2):
                    row = charts.BoxRow(label="Ce groupe", p10=low, p25=low + spread // 4,
                                        p50=low + spread // 2, p75=low + spread * 3 // 4,
                                        p90=low + spread, n=30)  # fmt: skip
                    svg = str(
                        charts.box_plot(
                            [row],
                            currency=currency,
                            width=width,
                            median_label="median",
                            marker=marker,
                            marker_label="x",
                        )
                    )
                    extents = _tick_extents(svg)
                    assert len(extents) >= 2, (low, spread, marker)
                    assert _overlaps(extents) == [], (low, spread, marker, width)


def test_a_wide_chart_keeps_its_finer_steps() -> None:
    # 22 600 to 38 100 on a desktop: steps of 5 000, five labels with room between them.
    row = charts.BoxRow(label="All", p10=22_600, p25=26_000, p50=30_000, p75=34_000,
                        p90=38_100, n=200)  # fmt: skip
    with translation.override("en"):
        svg = str(charts.box_plot([row], currency="EUR", width=720, median_label="median"))

    assert [label for _left, _right, label in _tick_extents(svg)] == [
        "€20,000",
        "€25,000",
        "€30,000",
        "€35,000",
        "€40,000",
    ]
