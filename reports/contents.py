"""The yearly report's figures: every one read from the published snapshot, none typed by hand.

A report is one edition of France's benchmark told from start to end: the
headline figures, pay along each dimension, day rates and their shares under
200 to 500, what the job is made of (missions and KPIs), the differences the
tests support, the change since the previous edition and who answered. Each
part asks the read lane (`benchmarks.read.answers` for cohorts, breakdowns
and trends; `benchmarks.read.sample` for the sample's make-up), so a figure
here is the figure of the explorer, the API and the guides: published cells
only (privacy rule 7), perturbed counts (rule 3), rounded money (rule 4).
Money, percents and counts are written by `benchmarks.present.formatting`
(in templates through its `benchmark_format` filters).

Differences are worded as the explorer words them
(`benchmarks.present.pages.EFFECT_SIZES`): a Kruskal–Wallis test across a
dimension's published groups, its bias-corrected epsilon squared, and only
when that test finds a difference, the pairs that Holm-adjusted Mann–Whitney
tests separate, with the rank-biserial correlation as their size.

Each chart's part carries `metric` and `by` (a dimension, "missions", "kpis",
"under" or "year"), so that a chart can be pointed at by an embed page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Cell, Metric
from benchmarks.present import charts
from benchmarks.present.formatting import (
    decimal_text,
)
from benchmarks.present.forms import DIMENSION_LABELS
from benchmarks.present.pages import (
    EFFECT_SIZES,
    METRIC_TITLES,
    NARROW,
    WIDE,
    breakdown_levels,
    change_text,
    under_share_bars,
)
from benchmarks.present.pages import level_label as dimension_level_label
from benchmarks.present.sample_tables import sample_tables
from benchmarks.read import answers
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from benchmarks.read.sample import sample_makeup
from benchmarks.stats.tiers import MIN_COHORT, MIN_TAILS
from surveys import vocabulary as vocab

# The report tells one country's edition: the default one (France).
REPORT_COUNTRY = vocab.DEFAULT_COUNTRY
# Pay is broken down along these dimensions, in this order (each a chart and a table).
PAY_DIMENSIONS = ("experience", "education", "employer_size", "employer_type", "region", "role")
# Freelance day rates are broken down by experience (freelancers have no employer).
DAY_RATE_DIMENSIONS = ("experience",)
# A difference is "significant" below this p-value, as on the explorer.
SIGNIFICANCE = 0.05

SECTION_TITLES = {
    "experience": _("Pay by experience"),
    "education": _("Pay by education"),
    "employer_size": _("Pay by employer size"),
    "employer_type": _("Pay by employer type"),
    "region": _("Pay by region"),
    "role": _("Pay by role"),
}
DAY_RATE_TITLES = {"experience": _("Day rates by experience")}


def _p_text(p_value: float) -> str:
    # "p = 0.000" would read as impossible: below a thousandth, say so (as the explorer does).
    return f"< {decimal_text(0.001, 3)}" if p_value < 0.001 else f"= {decimal_text(p_value, 3)}"


def difference_words(found: answers.Breakdown) -> dict[str, Any] | None:
    """The breakdown's group comparison in plain words, or None where none was computed.

    `significant` follows the Kruskal–Wallis test (p < 0.05); `effect` names
    epsilon squared's size (Rea & Parker's bounds, as the explorer); `pairs`
    lists, only when the groups differ, each pair whose Holm-adjusted
    Mann–Whitney p is under 0.05: which group tends to be paid more, with the
    rank-biserial r (P(a > b) − P(a < b)), largest first.
    """
    comparison = found.comparison
    if not comparison:
        return None
    epsilon = float(comparison["epsilon_squared"])
    p_value = float(comparison["p_value"])
    significant = p_value < SIGNIFICANCE
    effect = next((label for bound, label in EFFECT_SIZES if epsilon < bound), _("large"))
    pairs = []
    if significant:
        for pair in comparison.get("pairwise", []):
            r = float(pair["rank_biserial"])
            if float(pair["p_holm"]) >= SIGNIFICANCE or r == 0:
                continue
            higher, lower = (pair["a"], pair["b"]) if r > 0 else (pair["b"], pair["a"])
            pairs.append(
                {
                    "higher": dimension_level_label(found.by, str(higher)),
                    "lower": dimension_level_label(found.by, str(lower)),
                    "p_text": _p_text(float(pair["p_holm"])),
                    "r": decimal_text(abs(r), 2),
                    "size": abs(r),
                }
            )
        pairs.sort(key=lambda pair: -float(pair["size"]))
    return {
        "significant": significant,
        "p_text": _p_text(p_value),
        "epsilon_squared": decimal_text(epsilon, 2),
        "effect": effect,
        "groups": len(comparison.get("groups", [])),
        "pairs": pairs,
    }


def breakdown_part(
    published: PublishedSnapshot, *, year: int, metric: str, by: str
) -> dict[str, Any]:
    """One chart part: a box plot of the cohort and its published groups, their table, the test."""
    found = answers.breakdown(
        published, metric=metric, cohort=Cohort(country=REPORT_COUNTRY, year=year), by=by, year=year
    )
    parent = found.parent
    levels = breakdown_levels(list(found.children), by=by, country=REPORT_COUNTRY)
    rows = [{"label": level.label, "cell": level.cell} for level in levels if level.cell]
    part: dict[str, Any] = {
        "key": by if metric == Metric.SALARY else f"day-rate-{by}",
        "metric": str(metric),
        "by": by,
        "by_label": DIMENSION_LABELS[by],
        "title": (SECTION_TITLES if metric == Metric.SALARY else DAY_RATE_TITLES).get(
            by, DIMENSION_LABELS[by]
        ),
        "parent": parent,
        "rows": rows,
        "missing": [level.label for level in levels if level.cell is None],
        "comparison": difference_words(found),
        "breakdown": found,
    }
    if parent is not None and rows:
        boxes = [
            charts.BoxRow.of_cell(gettext("Whole cohort"), parent, emphasis=True),
            *(charts.BoxRow.of_cell(row["label"], row["cell"]) for row in rows),
        ]
        median = gettext("median")
        part["chart_narrow"], part["chart_wide"] = (
            charts.box_plot(
                boxes,
                currency=parent.currency,
                width=width,
                median_label=median,
                css_class=f"chart--{name}",
            )
            for name, width in (("narrow", NARROW), ("wide", WIDE))
        )
    return part


def _share_bars(bars: list[charts.ShareBar]) -> dict[str, Any]:
    return {
        "chart_narrow": charts.share_bars(bars, width=NARROW, css_class="chart--narrow"),
        "chart_wide": charts.share_bars(bars, width=WIDE, css_class="chart--wide"),
    }


def day_rate_shares(cell: Cell | None) -> dict[str, Any]:
    """Freelancers under each day-rate threshold: (percent, ci low, ci high) and the chart."""
    bars = under_share_bars(cell) if cell is not None else []
    return {"metric": str(Metric.DAY_RATE), "by": "under", "bars": bars, **_share_bars(bars)}


def _shares_part(
    family: str, vocabulary: vocab.Vocabulary, employees: Cell | None, freelancers: Cell | None
) -> dict[str, Any]:
    """Missions or KPIs: each code's share among employees and freelancers, most common first.

    The chart draws the employees' shares (the larger group); the table gives both.
    """
    of_employees = answers.figures_of(employees).shares.get(family, {}) if employees else {}
    of_freelancers = answers.figures_of(freelancers).shares.get(family, {}) if freelancers else {}
    rows = [
        {
            "code": code,
            "label": vocabulary.label(code),
            "employees": of_employees.get(code),
            "freelancers": of_freelancers.get(code),
        }
        for code in vocabulary.codes
        if code in of_employees or code in of_freelancers
    ]
    rows.sort(key=lambda row: -(row["employees"] or row["freelancers"] or (0,))[0])
    bars = [
        charts.ShareBar(label=row["label"], share=share, low=low, high=high)
        for row in rows
        if row["employees"] is not None
        for share, low, high in [row["employees"]]
    ]
    return {"metric": str(Metric.SALARY), "by": family, "rows": rows, **_share_bars(bars)}


def change_part(published: PublishedSnapshot, *, year: int, metric: str) -> dict[str, Any]:
    """The median in every edition up to `year`, and its change since the previous edition."""
    found = answers.trend(
        published, metric=metric, cohort=Cohort(country=REPORT_COUNTRY, year=None)
    )
    editions = [edition for edition in found.editions if edition.year <= year]
    this = next((edition for edition in editions if edition.year == year), None)
    change = this.change if this is not None else None
    currency = vocab.CURRENCY_BY_COUNTRY[REPORT_COUNTRY]
    points = [
        charts.TrendPoint.of_cell(edition.cell) for edition in editions if edition.cell is not None
    ]
    part: dict[str, Any] = {
        "key": f"change-{metric}",
        "metric": str(metric),
        "by": "year",
        "title": METRIC_TITLES[Metric(metric)],
        "cells": [edition.cell for edition in editions if edition.cell is not None],
        "change": change,
        "nominal": change_text(change.nominal, currency) if change else None,
        "constant": change_text(change.constant, currency) if change and change.constant else None,
        "currency": currency,
    }
    if len(points) > 1:
        part["chart_narrow"], part["chart_wide"] = (
            charts.trend_chart(points, currency=currency, width=width, css_class=f"chart--{name}")
            for name, width in (("narrow", NARROW), ("wide", WIDE))
        )
    return part


def sample_part(published: PublishedSnapshot, *, year: int) -> dict[str, Any]:
    """Who answered: per country employees and freelancers, and by experience in France.

    From `benchmarks.read.sample.sample_makeup` (published one-filter cells,
    perturbed counts; an unpublished level is None, never 0).
    """
    makeup = sample_makeup(published, year=year)
    countries = [
        {
            "code": sample.country,
            "label": vocab.COUNTRY.label(sample.country),
            "employees": sample.n_of("status", "employee"),
            "freelancers": sample.n_of("status", "freelance"),
        }
        for sample in makeup.countries
    ]
    home = makeup.country(REPORT_COUNTRY)
    experience = []
    if home is not None:
        freelancers = dict(home.freelance_by_dimension.get("experience", ()))
        experience = [
            {
                "label": vocab.EXPERIENCE.label(code),
                "employees": n,
                "freelancers": freelancers.get(code),
            }
            for code, n in home.by_dimension.get("experience", ())
        ]
    # The home country's regions and employer sizes, and its weighted median, as the
    # methodology page shows them (status and experience are in the tables above).
    home_tables = next(
        (tables for tables in sample_tables(makeup) if tables.country == REPORT_COUNTRY), None
    )
    if home_tables is not None:
        home_tables = replace(
            home_tables,
            tables=tuple(
                table
                for table in home_tables.tables
                if table.id.endswith(("-region", "-employer_size"))
            ),
        )
    return {
        "countries": countries,
        "experience": experience,
        "home": home,
        "home_tables": home_tables,
        "weighted": home.weighted if home is not None else None,
    }


def report_contents(published: PublishedSnapshot, *, year: int) -> dict[str, Any]:
    """Every figure of edition `year`'s report, in the active language's labels.

    About twenty queries (cells, breakdowns, trends, the sample), no raw answer.
    The caller makes sure `year` is a published edition.
    """
    cohort = Cohort(country=REPORT_COUNTRY, year=year)
    salary = answers.cohort_answer(published, metric=Metric.SALARY, cohort=cohort).cell
    day_rate = answers.cohort_answer(published, metric=Metric.DAY_RATE, cohort=cohort).cell
    shares = day_rate_shares(day_rate)
    # (percent, 95 % low, 95 % high) of freelancers billing under 200 a day, or None.
    under_200 = (
        answers.figures_of(day_rate).shares.get("under", {}).get("200")
        if day_rate is not None
        else None
    )
    pay = [
        breakdown_part(published, year=year, metric=Metric.SALARY, by=by) for by in PAY_DIMENSIONS
    ]
    day_rate_parts = [
        breakdown_part(published, year=year, metric=Metric.DAY_RATE, by=by)
        for by in DAY_RATE_DIMENSIONS
    ]
    compared = [part for part in (*pay, *day_rate_parts) if part["comparison"] is not None]
    previous = [edition for edition in published.years if edition < year]
    return {
        "year": year,
        "previous_year": previous[-1] if previous else None,
        "country": REPORT_COUNTRY,
        "country_label": vocab.COUNTRY.label(REPORT_COUNTRY),
        "snapshot": published.snapshot,
        "salary": salary,
        "salary_title": METRIC_TITLES[Metric.SALARY],
        "day_rate": day_rate,
        "day_rate_title": METRIC_TITLES[Metric.DAY_RATE],
        "under_200": under_200,
        "pay": pay,
        "day_rate_parts": day_rate_parts,
        "shares": shares,
        # (part, title, first column's label, table caption) of missions and KPIs.
        "share_parts": [
            (
                _shares_part("missions", vocab.MISSIONS, salary, day_rate),
                _("Missions"),
                _("Mission"),
                # xgettext:no-python-format
                _("Share doing each mission, with its 95% interval"),
            ),
            (
                _shares_part("kpis", vocab.KPIS, salary, day_rate),
                _("Indicators reported on"),
                _("Indicator"),
                # xgettext:no-python-format
                _("Share reporting on each indicator, with its 95% interval"),
            ),
        ],
        "differences": [part for part in compared if part["comparison"]["significant"]],
        "no_differences": [part for part in compared if not part["comparison"]["significant"]],
        "changes": [
            change_part(published, year=year, metric=metric)
            for metric in (Metric.SALARY, Metric.DAY_RATE)
        ],
        "sample": sample_part(published, year=year),
        "min_cohort": MIN_COHORT,
        "min_tails": MIN_TAILS,
        "methodology_url": reverse("methodology"),
    }
