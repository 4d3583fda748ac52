"""The benchmark pages' filter forms: the API's FilterSets, dressed for a page.

Pages and API validate their parameters with the same classes of
`benchmarks.filtersets`, so they accept and refuse the same values with the
same messages. What this module adds only concerns a page: defaults filled in
so the form shows what the figures are about (country FR, the latest edition,
a breakdown dimension), <select> lists limited to what makes sense (published
editions, the chosen country's regions), translated labels, and the choice of
figure (salaries or day rates), which picks the FilterSet.

Pages are lenient about parameter *names* (a link may carry a campaign tag),
never about *values*: an unknown code is an error shown next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from benchmarks.filtersets import (
    CodeField,
    Cohort,
    CohortFilterSet,
    DayRateBreakdownFilterSet,
    EstimateFilterSet,
    SalaryBreakdownFilterSet,
    TrendFilterSet,
)
from benchmarks.models import DIMENSIONS, Metric
from benchmarks.selectors import PublishedSnapshot
from surveys import vocabulary as vocab

SALARY, DAY_RATE = "salary", "day-rate"
FIGURE_CHOICES = [(SALARY, _("Salaries (employees)")), (DAY_RATE, _("Day rates (freelancers)"))]
BASIS_CHOICES = [("total", _("Base + variable pay")), ("base", _("Base salary only"))]
EMPLOYER_DIMENSIONS = ("employer_size", "employer_type")
# The dimension a breakdown shows when none is asked for: the first one not filtered.
BY_PREFERENCE = ("experience", "education", "employer_size", "employer_type", "role", "region")
DIMENSION_LABELS = {
    "region": _("Region"),
    "experience": _("Experience"),
    "education": _("Education"),
    "employer_size": _("Employer size"),
    "employer_type": _("Employer type"),
    "role": _("Role"),
    "mission": _("Missions"),
}
# Query parameters of the page itself, never of the cohort.
PAGE_PARAMETERS = ("fragment",)


class FigureForm(forms.Form):
    """Which figure a page shows: salaries of employees or day rates of freelancers."""

    metric = CodeField(
        parameter="metric",
        codes=(SALARY, DAY_RATE),
        choices=FIGURE_CHOICES,
        required=False,
        label=_("Figure"),
        widget=forms.RadioSelect,
    )


def active_filters(filterset: CohortFilterSet) -> int:
    """How many of the cohort's dimensions the query sets (the page says so on its filters)."""
    if not filterset.is_bound:
        return 0
    return sum(1 for name in DIMENSIONS if name in filterset.filters and filterset.data.get(name))


def cell_metric(figure: str, basis: str | None) -> str:
    """The snapshot's metric code of a page's figure and pay basis."""
    if figure == DAY_RATE:
        return Metric.DAY_RATE
    return Metric.SALARY_BASE if basis == "base" else Metric.SALARY


def _with_defaults(data: QueryDict, defaults: dict[str, Any]) -> QueryDict:
    """A mutable copy of `data` without page parameters, each absent or empty value defaulted."""
    filled = data.copy()
    for name in PAGE_PARAMETERS:
        filled.pop(name, None)
    for name, value in defaults.items():
        if value is not None and not filled.get(name):
            filled[name] = str(value)
    return filled


def _drop_employer_filters(data: QueryDict) -> list[str]:
    """Remove the employer filters of a day-rate query; return the ones that were set."""
    dropped = [name for name in EMPLOYER_DIMENSIONS if data.get(name)]
    for name in EMPLOYER_DIMENSIONS:
        data.pop(name, None)
    return dropped


def _dress(filterset: CohortFilterSet, *, published: PublishedSnapshot | None) -> None:
    """Fit a FilterSet's form to a page: country without "all", editions and regions to pick."""
    fields = filterset.form.fields
    country_field = fields["country"]
    country_field.choices = list(vocab.COUNTRY.choices)
    if "year" in fields and published is not None:
        fields["year"].widget = forms.Select(
            choices=[(str(year), str(year)) for year in reversed(published.years)]
        )
    if "region" in fields:
        country = filterset.data.get("country") if filterset.is_bound else None
        if country not in vocab.REGIONS_BY_COUNTRY:
            country = vocab.DEFAULT_COUNTRY
        fields["region"].choices = [("", _("all")), *vocab.REGIONS_BY_COUNTRY[country].choices]
    if "basis" in fields:
        fields["basis"].choices = BASIS_CHOICES
        fields["basis"].widget = forms.RadioSelect(choices=BASIS_CHOICES)
    if "metric" in fields:
        fields["metric"].choices = FIGURE_CHOICES
        fields["metric"].widget = forms.RadioSelect(choices=FIGURE_CHOICES)
    if "by" in fields:
        fields["by"].choices = [
            (code, DIMENSION_LABELS.get(code, code)) for code in filterset.filters["by"].codes
        ]


@dataclass
class ExplorerQuery:
    """What /benchmarks/ was asked: the figure, its FilterSet, the filters left out."""

    figure_form: FigureForm
    filterset: SalaryBreakdownFilterSet | DayRateBreakdownFilterSet
    # Employer filters given with day rates (freelancers have none): left out, and said so.
    ignored: list[str] = field(default_factory=list)
    published: PublishedSnapshot | None = None

    def dressed_form(self) -> forms.Form:
        """The filters' form fitted to the page; only needed to render (validation is the same)."""
        _dress(self.filterset, published=self.published)
        return self.filterset.form

    @property
    def figure(self) -> str:
        if self.figure_form.is_valid():
            return self.figure_form.cleaned_data["metric"] or SALARY
        return SALARY

    def is_valid(self) -> bool:
        # Both forms validate, so that every error shows at once.
        figure_valid = self.figure_form.is_valid()
        return self.filterset.is_valid() and figure_valid

    @property
    def metric(self) -> str:
        return cell_metric(self.figure, self.filterset.cleaned_data.get("basis"))

    @property
    def by(self) -> str:
        return str(self.filterset.cleaned_data["by"])

    def cohort(self) -> Cohort:
        return self.filterset.cohort()

    def cache_parts(self) -> tuple[Any, ...]:
        """What the rendered page depends on, from the validated query (call is_valid first)."""
        cohort = self.cohort()
        return (
            self.figure,
            self.metric,
            cohort.country,
            cohort.year,
            tuple(sorted(cohort.filters.items())),
            self.by,
            tuple(self.ignored),
        )


def default_by(filters: QueryDict, codes: tuple[str, ...]) -> str:
    """The breakdown dimension shown by default: the first of BY_PREFERENCE not filtered."""
    for dimension in BY_PREFERENCE:
        if dimension in codes and not filters.get(dimension):
            return dimension
    return "mission"


def explorer_query(data: QueryDict, *, published: PublishedSnapshot) -> ExplorerQuery:
    """Bind the explorer's parameters: the figure picks the salary or the day-rate FilterSet."""
    figure_form = FigureForm(_with_defaults(data, {"metric": SALARY}))
    figure = data.get("metric") or SALARY
    day_rates = figure == DAY_RATE
    filterset_class = DayRateBreakdownFilterSet if day_rates else SalaryBreakdownFilterSet
    filled = _with_defaults(
        data,
        {"country": vocab.DEFAULT_COUNTRY, "year": published.latest_year}
        | ({} if day_rates else {"basis": "total"}),
    )
    ignored = _drop_employer_filters(filled) if day_rates else []
    by_codes = filterset_class.base_filters["by"].codes
    # Filtering on the dimension shown broken down leaves one level, and day rates have
    # no employer dimension: show another breakdown. (The API refuses such a query; a
    # page follows the reader's last choice, and its form shows the breakdown it took.)
    by = filled.get("by")
    if not by or (by in DIMENSIONS and (filled.get(by) or by not in by_codes)):
        filled["by"] = default_by(filled, by_codes)
    filterset = filterset_class(filled, snapshot=published, strict=False)
    return ExplorerQuery(
        figure_form=figure_form, filterset=filterset, ignored=ignored, published=published
    )


@dataclass
class TrendQuery:
    """What /benchmarks/trends/ was asked."""

    filterset: TrendFilterSet
    ignored: list[str] = field(default_factory=list)

    def is_valid(self) -> bool:
        return self.filterset.is_valid()

    @property
    def figure(self) -> str:
        return str(self.filterset.cleaned_data.get("metric") or SALARY)

    @property
    def metric(self) -> str:
        return cell_metric(self.figure, self.filterset.cleaned_data.get("basis"))


def trend_query(data: QueryDict, *, published: PublishedSnapshot) -> TrendQuery:
    """Bind the trend page's parameters (no edition: every published one is shown)."""
    filled = _with_defaults(
        data, {"country": vocab.DEFAULT_COUNTRY, "metric": SALARY, "basis": "total"}
    )
    ignored = _drop_employer_filters(filled) if filled.get("metric") == DAY_RATE else []
    filterset = TrendFilterSet(filled, snapshot=published, strict=False)
    _dress(filterset, published=published)
    return TrendQuery(filterset=filterset, ignored=ignored)


def estimate_filterset(data: QueryDict, *, published: PublishedSnapshot) -> EstimateFilterSet:
    """The profile form: unbound until a profile is sent, then bound with defaults filled in."""
    if not any(value for name, value in data.items() if name not in PAGE_PARAMETERS):
        filterset = EstimateFilterSet(None, snapshot=published, strict=False)
    else:
        filled = _with_defaults(
            data, {"country": vocab.DEFAULT_COUNTRY, "year": published.latest_year}
        )
        filterset = EstimateFilterSet(filled, snapshot=published, strict=False)
    _dress(filterset, published=published)
    experience = filterset.form.fields["experience_years"]
    experience.widget = forms.NumberInput(
        attrs={
            "min": experience.minimum,
            "max": experience.maximum,
            "step": 1,
            "inputmode": "numeric",
        }
    )
    return filterset
