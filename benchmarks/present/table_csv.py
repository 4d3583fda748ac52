"""/benchmarks/table.csv: the explorer's table on screen, as a spreadsheet reads it.

The whole cohort, then each level of the breakdown, with codes beside labels
in the page's language; figures as plain numbers (whole units of the
currency), read from the published snapshot like the page itself
(`benchmarks.read.answers.breakdown`). The whole published table is
/api/v1/benchmarks/cells.csv.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from benchmarks.models import Cell
from benchmarks.present.formatting import tier_text
from benchmarks.present.forms import DIMENSION_LABELS, ExplorerQuery, explorer_query
from benchmarks.present.pages import (
    METRIC_TITLES,
    breakdown_levels,
    level_label,
    published_or_none,
)
from benchmarks.read import answers
from benchmarks.read.lookup import PublishedSnapshot
from surveys import vocabulary as vocab

# Excel reads a file without a byte-order mark in the machine's legacy code page
# ("Île-de-France" turns into "ÃŽle-de-France"), in every locale: both languages
# get one. French Excel splits columns on ";" (the comma is its decimal mark).
CSV_BOM = "\ufeff"
CSV_DELIMITERS = {"fr": ";", "en": ","}
TEXT = "text/plain; charset=utf-8"


def _csv_delimiter() -> str:
    return CSV_DELIMITERS.get((get_language() or "fr")[:2], ",")


def _table_header(query: ExplorerQuery) -> list[str]:
    """Code columns under the API's parameter names, each beside its label in the page's words."""
    cohort = query.cohort()
    header = ["metric", gettext("Figure"), "country", gettext("Country"), "year"]
    for dimension in cohort.filters:
        header += [dimension, str(DIMENSION_LABELS[dimension])]
    header += ["by", gettext("Break down by"), "level", str(DIMENSION_LABELS[query.by])]
    if query.by == "mission":
        header.append("done")
    header += [
        "n",
        "confidence",
        gettext("Confidence"),
        "currency",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "median_ci95_low",
        "median_ci95_high",
        gettext("Note"),
    ]
    return header


def _table_lines(query: ExplorerQuery, published: PublishedSnapshot) -> list[list[Any]]:
    """The whole cohort, then every level of the breakdown, as the explorer shows them."""
    cohort = query.cohort()
    found = answers.breakdown(
        published,
        metric=query.metric,
        cohort=cohort,
        by=query.by,
        year=int(cohort.year or published.years[-1]),
    )
    parent, children = found.parent, list(found.children)
    leading: list[Any] = [
        query.metric,
        str(METRIC_TITLES[query.metric]),
        cohort.country,
        vocab.COUNTRY.label(cohort.country),
        cohort.year,
    ]
    for dimension, code in cohort.filters.items():
        leading += [code, level_label(dimension, code)]
    leading += [query.by, str(DIMENSION_LABELS[query.by])]
    too_few = gettext("Too few answers to publish")

    def line(code: str, label: str, cell: Cell | None, done: bool | None) -> list[Any]:
        figures: list[Any]
        if cell is None:
            figures = ["", "", "", "", "", "", "", "", "", "", "", "", too_few]
        else:
            figures = [
                cell.n,
                cell.confidence,
                tier_text(cell.confidence),
                cell.currency,
                *(
                    "" if value is None else value
                    for value in (cell.p10, cell.p25, cell.p50, cell.p75, cell.p90)
                ),
                cell.median_ci_low,
                cell.median_ci_high,
                "",
            ]
        mission = [] if query.by != "mission" else ["" if done is None else str(done).lower()]
        return [*leading, code, label, *mission, *figures]

    lines = [line("", gettext("Whole cohort"), parent, None)]
    if parent is not None:
        levels = breakdown_levels(children, by=query.by, country=cohort.country)
        lines += [line(level.code, level.label, level.cell, level.done) for level in levels]
    return lines


@require_safe
def explorer_csv(request: HttpRequest) -> HttpResponse:
    """/benchmarks/table.csv: the explorer's table for the same query, in the page's language.

    The whole cohort and each level of the breakdown, with codes beside labels;
    figures as plain numbers (whole units of the currency), so a spreadsheet
    reads them as numbers. The whole published table stays at
    /api/v1/benchmarks/cells.csv (its columns: the methodology page).
    """
    published = published_or_none()
    if published is None:
        return HttpResponse(gettext("No figures are published yet."), status=503, content_type=TEXT)
    query = explorer_query(request.GET, published=published)
    if not query.is_valid():
        # The page's own messages (labels, what to do), one a line.
        form = query.dressed_form()
        messages = [
            message
            for bound_form in (query.figure_form, form)
            for errors in bound_form.errors.values()
            for message in errors
        ]
        return HttpResponse("\n".join(messages) + "\n", status=400, content_type=TEXT)
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer, delimiter=_csv_delimiter(), lineterminator="\r\n")
    writer.writerow(_table_header(query))
    writer.writerows(_table_lines(query, published))
    cohort = query.cohort()
    name = f"cmbench-{query.figure}-{cohort.country}-{cohort.year}-by-{query.by}.csv"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
