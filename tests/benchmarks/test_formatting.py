"""One cohort's median reads the same wherever it is shown: one formatting module for all.

The explorer, a guide's live figure and the pay check write a published
median through `benchmarks.present.formatting`; these tests read the three
pages as a visitor would, in French and in English, and compare the strings.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from benchmarks.models import Cell, Metric, Snapshot
from benchmarks.present import formatting
from benchmarks.read import lookup
from tests.guides.conftest import editor, make_guide, published  # noqa: F401  (fixtures)

NBSP, NARROW_NBSP = "\u00a0", "\u202f"
ROLE = "social-media-manager"
PREFIX = {"fr": "", "en": "/en"}


def _median_cell(snapshot: Snapshot) -> Cell:
    cell = lookup.cell_lookup(
        snapshot=snapshot, metric=Metric.SALARY, country="FR", year=2026, filters={"role": ROLE}
    )
    assert cell is not None and cell.p50 >= 1000  # grouped in thousands
    return cell


def _percentile_median(page: str) -> str:
    """The median of the page's list of percentiles (explorer and pay check alike)."""
    found = re.search(r'<div class="median"><dt>[^<]*</dt><dd>([^<]*)</dd>', page)
    assert found is not None
    return html.unescape(found.group(1))


def _guide_figure(page: str) -> str:
    found = re.search(r'<span class="figure">([^<]*)</span>', page)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "written"),
    [
        # 34 000 € with non-breaking spaces in French; €34,000 in English.
        ("fr", lambda p50: f"{p50:,}".replace(",", NBSP) + f"{NBSP}€"),
        ("en", lambda p50: f"€{p50:,}"),
    ],
)
def test_a_cohorts_median_reads_the_same_on_the_explorer_in_a_guide_and_on_the_pay_check(
    client: Client,
    published: Snapshot,  # noqa: F811
    make_guide: Any,  # noqa: F811
    language: str,
    written: Any,
) -> None:
    cell = _median_cell(published)
    make_guide(
        body_fr=f"Médiane [[salary.p50 role={ROLE}]].",
        body_en=f"Median [[salary.p50 role={ROLE}]].",
    )
    prefix = PREFIX[language]

    explorer = client.get(f"{prefix}/benchmarks/", {"role": ROLE}).content.decode()
    guide = client.get(f"{prefix}/guides/test-guide/").content.decode()
    check = client.get(
        f"{prefix}/benchmarks/salary-check/", {"salary": cell.p50, "role": ROLE}
    ).content.decode()

    expected = written(cell.p50)
    with translation.override(language):
        assert formatting.money_text(cell.p50, cell.currency) == expected
    assert _percentile_median(explorer) == expected
    assert _guide_figure(guide) == expected
    assert _percentile_median(check) == expected
    assert "EUR" not in _guide_figure(guide)


@pytest.mark.parametrize(
    ("language", "money", "percent", "count", "ordinal", "change", "change_percent"),
    [
        (
            "fr",
            f"1{NBSP}250{NBSP}${NBSP}CA",
            f"62{NARROW_NBSP}%",
            f"1{NBSP}250",
            "62e",
            f"\u2212300{NBSP}€",
            f"+1,5{NARROW_NBSP}%",
        ),
        ("en", "CA$1,250", "62%", "1,250", "62nd", "\u2212€300", "+1.5%"),
    ],
)
def test_each_language_writes_money_percents_counts_and_ranks_its_own_way(
    language: str,
    money: str,
    percent: str,
    count: str,
    ordinal: str,
    change: str,
    change_percent: str,
) -> None:
    with translation.override(language):
        assert formatting.money_text(1250, "CAD") == money
        assert formatting.percent_text(62) == percent
        assert formatting.count_text(1250) == count
        assert formatting.ordinal_text(62) == ordinal
        assert formatting.signed_money_text(-300, "EUR") == change
        assert formatting.signed_percent_text(1.5) == change_percent
        assert formatting.money_text(None, "EUR") == formatting.percent_text(None) == ""
        assert formatting.money_range_text(31_000, 35_000, "EUR") == (
            f"{formatting.money_text(31_000, 'EUR')} – {formatting.money_text(35_000, 'EUR')}"
        )
