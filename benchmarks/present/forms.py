"""The benchmark pages' filter forms: the API's parameter classes, dressed for a page.

Pages and API validate their parameters with the same classes of
`benchmarks.present.queries`, so they accept and refuse the same values with the
same messages. What this module adds only concerns a page: defaults filled in
so the form shows what the figures are about (country FR, the latest edition,
a breakdown dimension), <select> lists limited to what makes sense (published
editions, the chosen country's regions), translated labels, and the choice of
figure (salaries or day rates), which picks the parameters class.

Pages are lenient about parameter *names* (a link may carry a campaign tag),
never about *values*: an unknown code is an error shown next to its field.
A page speaks in labels, never in codes or API syntax: `speak_labels` rewords
each error of a page's form from its code and parameters ("FR-IDF is not in
country CH (add country=FR)" becomes "Île-de-France is not a region of the
country chosen (Switzerland)..."); the API keeps the parameter classes' own messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from benchmarks.layout import DIMENSIONS, EMPLOYER_DIMENSIONS
from benchmarks.models import Metric
from benchmarks.present.fields import AmountField, CodeField, WholeNumberField
from benchmarks.present.formatting import grouped
from benchmarks.present.queries import (
    DAY_RATE,
    SALARY,
    CohortParameters,
    DayRateBreakdownParameters,
    DayRatePositionParameters,
    EstimateParameters,
    SalaryBreakdownParameters,
    SalaryPositionParameters,
    TrendParameters,
    metric_of,
)
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from surveys import vocabulary as vocab

FIGURE_CHOICES = [(SALARY, _("Salaries (employees)")), (DAY_RATE, _("Day rates (freelancers)"))]
BASIS_CHOICES = [("total", _("Base + variable pay")), ("base", _("Base salary only"))]
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


# What a page says for each error code of the parameter classes' fields and rules: the
# field's label and the value's label, and what to do; never a code or `name=value`.
PAGE_MESSAGES = {
    "invalid_choice": _(
        "“%(value)s” is not one of the choices for “%(label)s”: pick one from the list."
    ),
    "too_long": _("The value of “%(label)s” is too long: choose or type it again."),
    "repeated": _("“%(label)s” was given twice: keep one value."),
    "region_outside_country": _(
        "%(region)s is not a region of the country chosen (%(country)s): pick one of its "
        "regions, or choose %(its_country)s as the country."
    ),
    "required": _("Fill in “%(label)s”, for example %(example)s."),
    "not_a_number": _("“%(label)s” must be a number, for example %(example)s."),
    "min_value": _("“%(label)s” must be greater than 0."),
    "max_value": _("“%(label)s” must be at most %(max)s."),
    "whole_number": _("“%(label)s” must be a whole number from %(min)d to %(max)d."),
    "unknown_year": _(
        "No figures are published for the edition %(value)s: pick one of %(allowed)s."
    ),
    "no_edition": _("No edition is published yet."),
    "by_filtered": _(
        "“%(label)s” is both a filter and the breakdown: remove the filter, or pick another "
        "breakdown."
    ),
    "no_employer": _(
        "Freelancers have no employer: remove the “%(label)s” filter, or show salaries."
    ),
}


def _choice_label(field: forms.Field, code: Any) -> str:
    """The label a <select> shows for `code` (itself when the field has no such choice)."""
    for value, label in getattr(field, "choices", ()):
        if isinstance(label, list | tuple):
            for inner_value, inner_label in label:
                if inner_value == code:
                    return str(inner_label)
        elif value == code:
            return str(label)
    return str(code)


def _page_message(name: str, field: forms.Field | None, error: ValidationError) -> str:
    """One error of a page's form in words: labels instead of codes, and what to do."""
    params = dict(error.params or {})
    code = error.code or ""
    label = str(field.label) if field is not None and field.label else name
    values: dict[str, Any] = {"label": label, **params}
    if code == "region_outside_country":
        values.update(
            region=vocab.REGION.label(params["region"]),
            country=vocab.COUNTRY.label(params["country"]),
            its_country=vocab.COUNTRY.label(params["its_country"]),
        )
    elif code == "unknown_year":
        code = "unknown_year" if params.get("allowed") else "no_edition"
    elif code == "invalid" and isinstance(field, AmountField):
        code = "not_a_number"
    elif code in ("invalid", "out_of_range") and isinstance(field, WholeNumberField):
        code = "whole_number"
        values.update(min=field.minimum, max=field.maximum)
    elif code == "max_value" and isinstance(field, AmountField):
        values["max"] = grouped(field.maximum)
    elif code == "by_filtered":
        values["label"] = str(DIMENSION_LABELS.get(params.get("by", ""), params.get("by", "")))
    elif code == "too_deep":
        return ngettext(
            "The breakdown by missions is published for groups with at most %(max)d filter "
            "besides country and edition: remove a filter.",
            "The breakdown by missions is published for groups with at most %(max)d filters "
            "besides country and edition: remove a filter.",
            params["max"],
        ) % {"max": params["max"]}
    elif code == "no_employer":
        values["label"] = str(DIMENSION_LABELS.get(params.get("parameter", ""), label))
    if code == "required" and field is not None:
        example = params.get("example", "")
        if isinstance(field, AmountField | WholeNumberField) and isinstance(example, int):
            values["example"] = grouped(example)
        else:
            values["example"] = _choice_label(field, example)
    message = PAGE_MESSAGES.get(code)
    if message is None:
        # A rule this map does not know yet: its own message, rather than none.
        return " ".join(error.messages)
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        return " ".join(error.messages)


def speak_labels(form: forms.Form) -> None:
    """Reword a bound page form's errors with labels (validates the form if it has not)."""
    if not form.is_bound:
        return
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        form.errors[name] = form.error_class(
            [
                ValidationError(_page_message(name, field, error), code=error.code)
                for error in errors
            ],
            renderer=form.renderer,
        )


def active_filters(parameters: CohortParameters) -> int:
    """How many of the cohort's dimensions the query sets (the page says so on its filters)."""
    if not parameters.is_bound:
        return 0
    return sum(
        1 for name in DIMENSIONS if name in parameters.declared and parameters.data.get(name)
    )


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


def _dress(
    parameters: CohortParameters,
    *,
    published: PublishedSnapshot | None,
    regions_of_country: bool = True,
) -> None:
    """Fit a parameters class's form to a page: country without "all", editions and regions to pick.

    The region list holds the chosen country's regions (the explorer's script
    reloads the form when the country changes), or, with `regions_of_country`
    off, every region grouped by country (a form that must work without script).
    Help texts go: they document the API's parameters, in English.
    """
    fields = parameters.form.fields
    for page_field in fields.values():
        page_field.help_text = ""
    country_field = fields["country"]
    country_field.choices = list(vocab.COUNTRY.choices)
    if "year" in fields and published is not None:
        fields["year"].widget = forms.Select(
            choices=[(str(year), str(year)) for year in reversed(published.years)]
        )
    if "region" in fields and regions_of_country:
        country = parameters.data.get("country") if parameters.is_bound else None
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
            (code, DIMENSION_LABELS.get(code, code)) for code in parameters.declared["by"].codes
        ]
    speak_labels(parameters.form)


@dataclass
class ExplorerQuery:
    """What /benchmarks/ was asked: the figure, its parameters class, the filters left out."""

    figure_form: FigureForm
    parameters: SalaryBreakdownParameters | DayRateBreakdownParameters
    # Employer filters given with day rates (freelancers have none): left out, and said so.
    ignored: list[str] = field(default_factory=list)
    published: PublishedSnapshot | None = None

    def dressed_form(self) -> forms.Form:
        """The filters' form fitted to the page; only needed to render (validation is the same)."""
        _dress(self.parameters, published=self.published)
        speak_labels(self.figure_form)
        return self.parameters.form

    @property
    def figure(self) -> str:
        if self.figure_form.is_valid():
            return self.figure_form.cleaned_data["metric"] or SALARY
        return SALARY

    def is_valid(self) -> bool:
        # Both forms validate, so that every error shows at once.
        figure_valid = self.figure_form.is_valid()
        return self.parameters.is_valid() and figure_valid

    @property
    def metric(self) -> str:
        return metric_of(self.figure, self.parameters.cleaned_data.get("basis"))

    @property
    def by(self) -> str:
        return str(self.parameters.cleaned_data["by"])

    def cohort(self) -> Cohort:
        return self.parameters.cohort()

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
    """Bind the explorer's parameters: the figure picks salary or day-rate parameters."""
    figure_form = FigureForm(_with_defaults(data, {"metric": SALARY}))
    figure = data.get("metric") or SALARY
    day_rates = figure == DAY_RATE
    parameters_class = DayRateBreakdownParameters if day_rates else SalaryBreakdownParameters
    filled = _with_defaults(
        data,
        {"country": vocab.DEFAULT_COUNTRY, "year": published.latest_year}
        | ({} if day_rates else {"basis": "total"}),
    )
    ignored = _drop_employer_filters(filled) if day_rates else []
    by_codes = parameters_class.declared["by"].codes
    # Filtering on the dimension shown broken down leaves one level, and day rates have
    # no employer dimension: show another breakdown. (The API refuses such a query; a
    # page follows the reader's last choice, and its form shows the breakdown it took.)
    by = filled.get("by")
    if not by or (by in DIMENSIONS and (filled.get(by) or by not in by_codes)):
        filled["by"] = default_by(filled, by_codes)
    parameters = parameters_class(filled, snapshot=published, strict=False)
    return ExplorerQuery(
        figure_form=figure_form, parameters=parameters, ignored=ignored, published=published
    )


@dataclass
class TrendQuery:
    """What /benchmarks/trends/ was asked."""

    parameters: TrendParameters
    ignored: list[str] = field(default_factory=list)

    def is_valid(self) -> bool:
        return self.parameters.is_valid()

    @property
    def figure(self) -> str:
        return str(self.parameters.cleaned_data.get("metric") or SALARY)

    @property
    def metric(self) -> str:
        return metric_of(self.figure, self.parameters.cleaned_data.get("basis"))

    def link_parameters(self) -> dict[str, Any]:
        """The valid query, normalised: the address of the trends page and of the API's trends."""
        parameters: dict[str, Any] = {**self.parameters.cohort().as_dict(), "metric": self.figure}
        if self.metric == Metric.SALARY_BASE:
            parameters["basis"] = "base"
        return parameters


def trend_query(data: QueryDict, *, published: PublishedSnapshot) -> TrendQuery:
    """Bind the trend page's parameters (no edition: every published one is shown)."""
    filled = _with_defaults(
        data, {"country": vocab.DEFAULT_COUNTRY, "metric": SALARY, "basis": "total"}
    )
    ignored = _drop_employer_filters(filled) if filled.get("metric") == DAY_RATE else []
    parameters = TrendParameters(filled, snapshot=published, strict=False)
    _dress(parameters, published=published)
    return TrendQuery(parameters=parameters, ignored=ignored)


def estimate_parameters(data: QueryDict, *, published: PublishedSnapshot) -> EstimateParameters:
    """The profile form: unbound until a profile is sent, then bound with defaults filled in."""
    if not any(value for name, value in data.items() if name not in PAGE_PARAMETERS):
        parameters = EstimateParameters(None, snapshot=published, strict=False)
    else:
        filled = _with_defaults(
            data, {"country": vocab.DEFAULT_COUNTRY, "year": published.latest_year}
        )
        parameters = EstimateParameters(filled, snapshot=published, strict=False)
    _dress(parameters, published=published)
    experience = parameters.form.fields["experience_years"]
    experience.widget = forms.NumberInput(
        attrs={
            "min": experience.minimum,
            "max": experience.maximum,
            "step": 1,
            "inputmode": "numeric",
        }
    )
    return parameters


# The pay checks: an amount and a profile (country, edition, region, experience band,
# role), read with the API's position parameter classes.
PAY_CHECK_FIELDS = {
    SALARY: ("salary", "basis", "country", "year", "region", "experience", "role"),
    DAY_RATE: ("rate", "country", "year", "region", "experience", "role"),
}
PAY_CHECK_AMOUNT = {SALARY: "salary", DAY_RATE: "rate"}
AMOUNT_LABELS = {SALARY: _("Gross annual salary"), DAY_RATE: _("Day rate")}
AMOUNT_HELP = {
    SALARY: _(
        "Base + variable pay for a year, before social contributions and income tax (in "
        "France, the payslip's “brut”, not its “net à payer”). Part-time: the full-time "
        "equivalent."
    ),
    DAY_RATE: _("Per day billed, excluding VAT."),
}
_THOUSANDS = re.compile(r"\d{1,3}(?:([,.])\d{3})(?:\1\d{3})*")
# Spaces of every width, apostrophes (Swiss grouping: 1'200) and currency marks.
_NOT_PART_OF_AN_AMOUNT = re.compile(r"[\s\u00a0\u202f'’€$]|CHF|CAD|EUR|CA", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def amount_as_typed(text: str) -> str:
    """An amount as people type it, in the form the API reads: 38 000 € -> 38000, 450,5 -> 450.5.

    Spaces (plain, non-breaking, narrow), apostrophes and currency marks go; a
    comma or a dot that groups thousands ("38,000", "38.000") goes; a remaining
    comma is a decimal comma. Anything that still is not a number is left as
    typed, for the field to refuse and the form to show again.
    """
    compact = _NOT_PART_OF_AN_AMOUNT.sub("", text)
    if _THOUSANDS.fullmatch(compact):
        compact = compact.replace(",", "").replace(".", "")
    elif compact.count(",") == 1 and "." not in compact:
        compact = compact.replace(",", ".")
    return compact if _NUMBER.fullmatch(compact) else text.strip()


@dataclass
class PayCheckQuery:
    """What a pay check was asked: an amount (salary or day rate) and a profile."""

    figure: str
    parameters: SalaryPositionParameters | DayRatePositionParameters

    @property
    def amount_name(self) -> str:
        return PAY_CHECK_AMOUNT[self.figure]

    @property
    def is_bound(self) -> bool:
        return self.parameters.is_bound

    def is_valid(self) -> bool:
        return self.parameters.is_valid()

    @property
    def metric(self) -> str:
        return metric_of(self.figure, self.parameters.cleaned_data.get("basis"))

    @property
    def value(self) -> float:
        return float(self.parameters.cleaned_data[self.amount_name])

    def profile(self) -> dict[str, str | None]:
        """The profile's role, experience band and region (None where left at "all")."""
        cleaned = self.parameters.cleaned_data
        return {name: cleaned.get(name) or None for name in ("role", "experience", "region")}


def pay_check_query(data: QueryDict, *, figure: str, published: PublishedSnapshot) -> PayCheckQuery:
    """The pay-check form: unbound until something is sent, then bound with defaults filled in.

    Only the page's own fields are read: a link's other parameters (a campaign
    tag, an explorer filter the check does not use) are left aside.
    """
    parameters_class = SalaryPositionParameters if figure == SALARY else DayRatePositionParameters
    names = PAY_CHECK_FIELDS[figure]
    amount = PAY_CHECK_AMOUNT[figure]
    if not any(data.get(name) for name in names):
        parameters = parameters_class(None, snapshot=published, strict=False)
    else:
        filled = QueryDict(mutable=True)
        for name in names:
            for value in data.getlist(name):
                filled.appendlist(name, amount_as_typed(value) if name == amount else value)
        defaults: dict[str, Any] = {"country": vocab.DEFAULT_COUNTRY, "year": published.latest_year}
        if figure == SALARY:
            defaults["basis"] = "total"
        parameters = parameters_class(
            _with_defaults(filled, defaults), snapshot=published, strict=False
        )
    fields = parameters.form.fields
    fields[amount].label = AMOUNT_LABELS[figure]
    _dress(parameters, published=published, regions_of_country=False)
    fields[amount].help_text = AMOUNT_HELP[figure]
    # Text, not a number input: "38 000" and "450,50" are how people write amounts.
    fields[amount].widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    return PayCheckQuery(figure=figure, parameters=parameters)
