"""The query parameters of a benchmark read: one set of FilterSets for the API and the pages.

A FilterSet here filters no queryset: it validates parameters as a form and
hands the cohort to the selectors, the only readers of published figures
(`filterset.cohort()`, `filterset.cleaned_data`). The same class serves a page
(`filterset.form` renders the filters as <select> fields) and the API (its
`errors` name each parameter), so the two cannot accept different input.

    filterset = DayRateFilterSet(request.GET, snapshot=selectors.published_snapshot())
    if filterset.is_valid():
        cell = selectors.cell_lookup(snapshot=..., **filterset.cohort().lookup())

What is refused, each with a message that names the parameter: a value not
in the vocabulary (the message lists the allowed codes), a parameter given
twice, a value longer than MAX_VALUE_LENGTH, a region outside the country,
more than one country, an edition with no published figures (listing those
with some), an amount that is not a positive number, and — with
`strict=True`, the default — a parameter the endpoint does not know.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from benchmarks.models import DIMENSIONS, Cell
from benchmarks.selectors import PublishedSnapshot
from benchmarks.snapshots import BREAKDOWN_MAX_FILTERS, DAY_RATE_DIMENSIONS
from surveys import vocabulary as vocab
from surveys.validation import FIELDS_BY_NAME

# Longer values are refused before they are looked at: no code is longer than
# 24 characters, no amount longer than a dozen digits.
MAX_VALUE_LENGTH = 64
# Parameters every endpoint tolerates: the language of messages, DRF's format.
COMMON_PARAMETERS = frozenset({"lang", "format"})
# The snapshot computes the mission breakdown for cohorts with at most this many
# filters besides country and year; a snapshot records its own value in
# `Snapshot.parameters["breakdown_max_filters"]`, which wins.
DEFAULT_BREAKDOWN_MAX_FILTERS = BREAKDOWN_MAX_FILTERS

UNKNOWN_CODE = gettext_lazy("Unknown %(parameter)s %(value)s. Allowed values: %(allowed)s.")
TOO_LONG = gettext_lazy("The value of %(parameter)s is too long (at most %(max)d characters).")
REPEATED = gettext_lazy("Give %(parameter)s once: it was repeated.")
ONE_COUNTRY = gettext_lazy(
    "Give one country: benchmarks never mix currencies. Allowed values: %(allowed)s."
)
REGION_OUTSIDE_COUNTRY = gettext_lazy(
    "Region %(region)s is not in country %(country)s (add country=%(its_country)s). "
    "Regions of %(country)s: %(allowed)s."
)
UNKNOWN_PARAMETER = gettext_lazy("Unknown parameter %(parameter)s. Accepted: %(allowed)s.")
REQUIRED = gettext_lazy("%(parameter)s is required, e.g. %(parameter)s=%(example)s.")
NOT_A_NUMBER = gettext_lazy("%(parameter)s must be a number, e.g. %(parameter)s=%(example)s.")
NOT_POSITIVE = gettext_lazy("%(parameter)s must be greater than 0.")
TOO_LARGE = gettext_lazy("%(parameter)s must be at most %(max)s.")
NOT_WHOLE_YEARS = gettext_lazy("%(parameter)s must be a whole number from %(min)d to %(max)d.")
UNKNOWN_YEAR = gettext_lazy(
    "No figures are published for edition %(value)s. Published editions: %(allowed)s."
)
NO_EDITION = gettext_lazy("No edition is published yet.")
BY_AND_FILTER = gettext_lazy(
    "by=%(by)s breaks the cohort down along %(by)s: remove the %(by)s filter."
)
MISSION_TOO_DEEP = ngettext_lazy(
    "The mission breakdown is published for cohorts with at most %(max)d filter besides "
    "country and year.",
    "The mission breakdown is published for cohorts with at most %(max)d filters besides "
    "country and year.",
    "max",
)
EMPLOYER_FOR_DAY_RATES = gettext_lazy(
    "Day rates are freelancers' and have no %(parameter)s: remove it, or ask for metric=salary."
)


def _allowed(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def _shallow_copy(thing: Any) -> Any:
    copied = object.__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


class QuickCopyField(forms.Field):
    """A field a form copies cheaply: a form copies its fields on every request.

    Django's deep copy walks each field generically, and ChoiceField also
    copies and re-normalizes every (code, lazy label) pair: together they cost
    more than the whole cohort lookup. What a request may change is copied
    (widget, its attrs, messages, validators); the rest, choices included, is
    constant and shared.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> QuickCopyField:
        result = _shallow_copy(self)
        memo[id(self)] = result
        result.widget = _shallow_copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class CodeField(QuickCopyField, forms.ChoiceField):
    """One code of a vocabulary, or empty; refusals name the parameter and the allowed codes."""

    def __init__(self, *, parameter: str, codes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.codes = tuple(codes)
        self._code_set = frozenset(self.codes)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        return text

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            if self.required:
                raise ValidationError(
                    REQUIRED,
                    code="required",
                    params={"parameter": self.parameter, "example": self.codes[0]},
                )
            return
        if value not in self._code_set:
            raise ValidationError(
                UNKNOWN_CODE,
                code="invalid_choice",
                params={
                    "parameter": self.parameter,
                    "value": value,
                    "allowed": _allowed(self.codes),
                },
            )


class AmountField(QuickCopyField):
    """A positive amount of money (salary, day rate): digits with an optional decimal point."""

    widget = forms.NumberInput

    def __init__(self, *, parameter: str, maximum: int, example: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.maximum = maximum
        self.example = example

    def to_python(self, value: Any) -> float | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        params = {"parameter": self.parameter, "example": self.example}
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        try:
            amount = float(text)
        except ValueError:
            raise ValidationError(NOT_A_NUMBER, code="invalid", params=params) from None
        if not math.isfinite(amount):
            raise ValidationError(NOT_A_NUMBER, code="invalid", params=params)
        if amount <= 0:
            raise ValidationError(NOT_POSITIVE, code="min_value", params=params)
        if amount > self.maximum:
            raise ValidationError(
                TOO_LARGE,
                code="max_value",
                params={"parameter": self.parameter, "max": f"{self.maximum:,}".replace(",", " ")},
            )
        return amount

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(
                REQUIRED,
                code="required",
                params={"parameter": self.parameter, "example": self.example},
            )


class WholeNumberField(QuickCopyField):
    """A whole number within bounds (experience years, an edition's year)."""

    widget = forms.NumberInput

    def __init__(
        self, *, parameter: str, minimum: int, maximum: int, example: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.minimum = minimum
        self.maximum = maximum
        self.example = example

    def to_python(self, value: Any) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        params = {"parameter": self.parameter, "min": self.minimum, "max": self.maximum}
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        # Digits only: int() would also take "+4", " 4", "٤" or "4_0".
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(NOT_WHOLE_YEARS, code="invalid", params=params)
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(NOT_WHOLE_YEARS, code="out_of_range", params=params)
        return number

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(
                REQUIRED,
                code="required",
                params={"parameter": self.parameter, "example": self.example},
            )


class ParameterFilter(django_filters.Filter):
    """A parameter validated by a field that knows its own name (for the messages).

    `description` documents it (OpenAPI, a page's help text); `codes` are its
    allowed values when it takes a code; `default` applies when it is absent.
    """

    def __init__(
        self,
        *,
        description: str,
        codes: Sequence[str] = (),
        default: str | int | None = None,
        example: str | int | None = None,
        required: bool = False,
        label: Any = None,
        **field_options: Any,
    ) -> None:
        super().__init__(label=label, required=required)
        self.description = description
        self.codes = tuple(codes)
        self.default = default
        self.example = example if example is not None else (self.codes[0] if codes else None)
        self.required = required
        self.field_options = field_options

    def make_field(self) -> forms.Field:
        raise NotImplementedError

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            self._field = self.make_field()
        return self._field


class CodeFilter(ParameterFilter):
    def make_field(self) -> forms.Field:
        choices = self.field_options.get("choices") or [(code, code) for code in self.codes]
        empty = [] if self.required else [("", gettext_lazy("all"))]
        return CodeField(
            parameter=self.field_name,
            codes=self.codes,
            choices=[*empty, *choices],
            required=self.required,
            label=self.label,
            help_text=self.description,
        )


class AmountFilter(ParameterFilter):
    def make_field(self) -> forms.Field:
        return AmountField(
            parameter=self.field_name,
            maximum=self.field_options["maximum"],
            example=int(self.example or 0),
            required=self.required,
            label=self.label,
            help_text=self.description,
        )


class WholeNumberFilter(ParameterFilter):
    def make_field(self) -> forms.Field:
        return WholeNumberField(
            parameter=self.field_name,
            minimum=self.field_options["minimum"],
            maximum=self.field_options["maximum"],
            example=int(self.example or 0),
            required=self.required,
            label=self.label,
            help_text=self.description,
        )


def _vocabulary_filter(name: str, description: str, label: Any) -> CodeFilter:
    vocabulary = vocab.ALL[name]
    return CodeFilter(
        codes=vocabulary.codes, choices=vocabulary.choices, description=description, label=label
    )


def _region_choices() -> list[tuple[Any, list[tuple[str, Any]]]]:
    """Regions grouped by country, for a page's <select>."""
    return [
        (vocab.COUNTRY.choices[index][1], vocab.REGIONS_BY_COUNTRY[country].choices)
        for index, country in enumerate(vocab.COUNTRY.codes)
    ]


@dataclass(frozen=True)
class Cohort:
    """A validated cohort: one country, one edition (None for trends) and its filters.

    `filters` holds the dimensions that are set, in the order of DIMENSIONS.
    """

    country: str
    year: int | None
    filters: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str | int]:
        """The cohort as the API echoes it: {"country": "FR", "year": 2026, "experience": ...}."""
        echo: dict[str, str | int] = {"country": self.country}
        if self.year is not None:
            echo["year"] = self.year
        echo.update(self.filters)
        return echo

    def lookup(self) -> dict[str, Any]:
        """Keyword arguments of `selectors.cell_lookup` and its siblings."""
        arguments: dict[str, Any] = {"country": self.country, "filters": self.filters}
        if self.year is not None:
            arguments["year"] = self.year
        return arguments


class _Fields(dict[str, forms.Field]):
    """A form's fields, copied field by field (QuickCopyField), without deepcopy's walk."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: field.__deepcopy__(memo) for name, field in self.items()}


class ParametersForm(forms.Form):
    """The form of a BenchmarkFilterSet: its fields, then the filterset's cross-field rules."""

    filterset: BenchmarkFilterSet | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.filterset is not None:
            self.filterset.check_parameters(self, cleaned)
        return cleaned


class Validation:
    """A ParametersForm's validation without building the form: the same fields, the same rules.

    The API validates on every request and renders no form; a Django form
    copies every field and wraps each in a BoundField first, which costs as
    much as the rest of a cohort lookup. This cleans each value with the
    filterset's own fields (read-only: cleaning changes no field), then calls
    `check_parameters` with itself in the form's place: it offers what that
    method uses of a form (`data`, `fields`, `errors`, `add_error`,
    `add_prefix`, `cleaned_data`). A page still gets a real form from
    `filterset.form`, whose `clean()` runs the same rules.
    """

    def __init__(
        self, filterset: BenchmarkFilterSet, fields: Mapping[str, forms.Field], data: Any
    ) -> None:
        self.fields = fields
        self.data = data
        self.prefix = filterset.form_prefix
        self.errors: dict[str, list[ValidationError]] = {}
        self.cleaned_data: dict[str, Any] = {}
        for name, parameter_field in fields.items():
            try:
                self.cleaned_data[name] = parameter_field.clean(data.get(self.add_prefix(name)))
            except ValidationError as error:
                self.errors.setdefault(name, []).extend(error.error_list)
        filterset.check_parameters(self, self.cleaned_data)

    def add_prefix(self, name: str) -> str:
        return f"{self.prefix}-{name}" if self.prefix else name

    def add_error(self, name: str, error: ValidationError | str) -> None:
        error = error if isinstance(error, ValidationError) else ValidationError(error)
        self.errors.setdefault(name, []).extend(error.error_list)
        self.cleaned_data.pop(name, None)


class BenchmarkFilterSet(django_filters.FilterSet):
    """Base of every benchmark FilterSet; `snapshot` gives the published editions."""

    class Meta:
        model = Cell
        fields: list[str] = []
        form = ParametersForm

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        snapshot: PublishedSnapshot | None = None,
        strict: bool = True,
        prefix: str | None = None,
    ) -> None:
        # Not BaseFilterSet.__init__: it deep-copies every filter and builds a
        # queryset for each request, and these filters hold no state of a
        # request (each one's form field is copied by the form, as usual).
        self.is_bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.queryset = None
        self.request = None
        self.form_prefix = prefix
        self.filters = self.base_filters
        self.snapshot = snapshot
        self.strict = strict

    @classmethod
    def get_form_class(cls) -> type[ParametersForm]:  # type: ignore[override]
        """The form of this FilterSet's parameters, built once per class (not per request)."""
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            fields = {name: parameter.field for name, parameter in cls.base_filters.items()}
            form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            form_class.base_fields = _Fields(form_class.base_fields)
            cls._form_class = form_class
        return form_class

    @property
    def form(self) -> ParametersForm:
        form: ParametersForm = super().form
        form.filterset = self
        return form

    @property
    def qs(self) -> QuerySet[Cell]:
        raise NotImplementedError(
            "Benchmark FilterSets only validate: read figures through benchmarks.selectors."
        )

    def unknown_parameters(self) -> list[str]:
        """Parameters this endpoint does not take (refused when `strict`)."""
        if not self.strict or not self.is_bound:
            return []
        known = set(self.filters) | COMMON_PARAMETERS
        return sorted(name for name in self.data if name not in known)

    @property
    def validation(self) -> Validation:
        """The parameters checked, once (a form's validation, without the form)."""
        if not hasattr(self, "_validation"):
            self._validation = Validation(self, self.get_form_class().base_fields, self.data)
        return self._validation

    def is_valid(self) -> bool:
        return bool(self.is_bound and not self.validation.errors and not self.unknown_parameters())

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by parameter name, in the active language."""
        errors: dict[str, list[str]] = {
            name: [message for error in messages for message in error]
            for name, messages in self.validation.errors.items()
        }
        accepted = _allowed(list(self.filters))
        for name in self.unknown_parameters():
            # An unknown name is echoed back: keep it short.
            errors[name[:MAX_VALUE_LENGTH]] = [
                gettext(UNKNOWN_PARAMETER)
                % {"parameter": name[:MAX_VALUE_LENGTH], "allowed": accepted}
            ]
        return errors

    @property
    def cleaned_data(self) -> dict[str, Any]:
        """Every parameter's value, defaults applied; call `is_valid()` first (a copy each time)."""
        if not hasattr(self, "_cleaned_data"):
            cleaned = dict(self.validation.cleaned_data)
            for name, parameter in self.filters.items():
                if cleaned.get(name) in (None, "") and isinstance(parameter, ParameterFilter):
                    cleaned[name] = self.default_of(name)
            self._cleaned_data = cleaned
        return dict(self._cleaned_data)

    def default_of(self, name: str) -> Any:
        """The value a parameter takes when it is absent."""
        parameter = self.filters[name]
        return parameter.default if isinstance(parameter, ParameterFilter) else None

    def check_parameters(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        """Cross-field rules; a subclass adds its own after calling this one.

        `form` is the page's form, or the API's Validation standing in for it.
        """
        data = form.data
        if hasattr(data, "getlist"):
            for name in form.fields:
                if len(data.getlist(form.add_prefix(name))) > 1:
                    if name == "country":
                        form.add_error(
                            name,
                            ValidationError(
                                ONE_COUNTRY,
                                code="repeated",
                                params={"allowed": _allowed(vocab.COUNTRY.codes)},
                            ),
                        )
                    else:
                        form.add_error(
                            name,
                            ValidationError(REPEATED, code="repeated", params={"parameter": name}),
                        )


class CohortFilterSet(BenchmarkFilterSet):
    """The filters of a salary cohort: country, edition and the six dimensions."""

    country = CodeFilter(
        codes=vocab.COUNTRY.codes,
        choices=vocab.COUNTRY.choices,
        default=vocab.DEFAULT_COUNTRY,
        description="ISO 3166-1 alpha-2; one country at a time (its currency). Default FR.",
        label=gettext_lazy("Country"),
    )
    year = WholeNumberFilter(
        minimum=1900,
        maximum=2999,
        example=2026,
        description="Survey edition; default the latest published one.",
        label=gettext_lazy("Edition"),
    )
    region = CodeFilter(
        codes=vocab.REGION.codes,
        choices=_region_choices(),
        description="ISO 3166-2 region; it must belong to `country`.",
        label=gettext_lazy("Region"),
    )
    experience = _vocabulary_filter(
        "experience", "Years in community / social media roles.", gettext_lazy("Experience")
    )
    education = _vocabulary_filter(
        "education", "Highest level of education.", gettext_lazy("Education")
    )
    employer_size = _vocabulary_filter(
        "employer_size", "Employer's number of employees.", gettext_lazy("Employer size")
    )
    employer_type = _vocabulary_filter(
        "employer_type", "Kind of employer.", gettext_lazy("Employer type")
    )
    role = _vocabulary_filter("role", "The closest role.", gettext_lazy("Role"))

    # The dimensions this kind of cohort can filter on.
    dimensions: ClassVar[tuple[str, ...]] = DIMENSIONS

    def default_of(self, name: str) -> Any:
        if name == "year":
            return self.snapshot.latest_year if self.snapshot is not None else None
        return super().default_of(name)

    def check_parameters(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        super().check_parameters(form, cleaned)
        country = cleaned.get("country") or vocab.DEFAULT_COUNTRY
        region = cleaned.get("region")
        if region and "country" not in form.errors:
            regions = vocab.REGIONS_BY_COUNTRY[country].codes
            if region not in regions:
                form.add_error(
                    "region",
                    ValidationError(
                        REGION_OUTSIDE_COUNTRY,
                        code="region_outside_country",
                        params={
                            "region": region,
                            "country": country,
                            "its_country": vocab.COUNTRY_OF_REGION[region],
                            "allowed": _allowed(regions),
                        },
                    ),
                )
        year = cleaned.get("year")
        snapshot = self.snapshot
        if year is not None and "year" in form.fields and snapshot and year not in snapshot.years:
            form.add_error(
                "year",
                ValidationError(
                    UNKNOWN_YEAR if self.snapshot.years else NO_EDITION,
                    code="unknown_year",
                    params={
                        "value": year,
                        "allowed": _allowed([str(y) for y in self.snapshot.years]),
                    },
                ),
            )

    def cohort(self) -> Cohort:
        """The validated cohort; call `is_valid()` first."""
        cleaned = self.cleaned_data
        return Cohort(
            country=cleaned["country"],
            year=cleaned.get("year"),
            filters={
                dimension: cleaned[dimension]
                for dimension in DIMENSIONS
                if dimension in self.filters and cleaned.get(dimension)
            },
        )


class SalaryFilterSet(CohortFilterSet):
    """GET salaries/: a salary cohort, on total pay (base + variable) or base pay."""

    basis = CodeFilter(
        codes=("total", "base"),
        default="total",
        description="total: base + variable pay (default); base: base salary only.",
        label=gettext_lazy("Pay"),
    )


class DayRateFilterSet(CohortFilterSet):
    """GET day-rates/: a cohort of freelancers (no employer: no employer filters)."""

    employer_size = None  # type: ignore[assignment]
    employer_type = None  # type: ignore[assignment]
    dimensions = DAY_RATE_DIMENSIONS


class BreakdownMixin:
    """`by`: the dimension (or `mission`) a cohort is broken down along."""

    def check_by(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        by = cleaned.get("by")
        if not by:
            return
        if by != "mission" and cleaned.get(by):
            form.add_error(
                "by", ValidationError(BY_AND_FILTER, code="by_filtered", params={"by": by})
            )
        if by == "mission":
            depth = sum(1 for dimension in DIMENSIONS if cleaned.get(dimension))
            snapshot: PublishedSnapshot | None = getattr(self, "snapshot", None)
            parameters = snapshot.snapshot.parameters if snapshot is not None else {}
            deepest = int(parameters.get("breakdown_max_filters", DEFAULT_BREAKDOWN_MAX_FILTERS))
            if depth > deepest:
                form.add_error(
                    "by",
                    ValidationError(MISSION_TOO_DEEP, code="too_deep", params={"max": deepest}),
                )


class SalaryBreakdownFilterSet(BreakdownMixin, SalaryFilterSet):
    by = CodeFilter(
        codes=(*DIMENSIONS, "mission"),
        required=True,
        description="The dimension to break the cohort down along, or `mission`.",
        label=gettext_lazy("Break down by"),
    )

    def check_parameters(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        super().check_parameters(form, cleaned)
        self.check_by(form, cleaned)


class DayRateBreakdownFilterSet(BreakdownMixin, DayRateFilterSet):
    by = CodeFilter(
        codes=(*DAY_RATE_DIMENSIONS, "mission"),
        required=True,
        description="The dimension to break the cohort down along, or `mission`.",
        label=gettext_lazy("Break down by"),
    )

    def check_parameters(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        super().check_parameters(form, cleaned)
        self.check_by(form, cleaned)


class SalaryPositionFilterSet(SalaryFilterSet):
    salary = AmountFilter(
        required=True,
        maximum=FIELDS_BY_NAME["base_salary"].max or 10_000_000,
        example=38000,
        description="Gross annual salary, full-time equivalent, whole units of the currency.",
        label=gettext_lazy("Salary"),
    )


class DayRatePositionFilterSet(DayRateFilterSet):
    rate = AmountFilter(
        required=True,
        maximum=FIELDS_BY_NAME["day_rate"].max or 100_000,
        example=350,
        description="Day rate excluding VAT, in the country's currency.",
        label=gettext_lazy("Day rate"),
    )


class TrendFilterSet(CohortFilterSet):
    """GET trends/: one cohort in every published edition (no `year`)."""

    year = None  # type: ignore[assignment]
    metric = CodeFilter(
        codes=("salary", "day-rate"),
        default="salary",
        description="salary (default) or day-rate.",
        label=gettext_lazy("Figure"),
    )
    basis = CodeFilter(
        codes=("total", "base"),
        default="total",
        description="For salaries: total (default) or base pay.",
        label=gettext_lazy("Pay"),
    )

    def check_parameters(self, form: forms.Form | Validation, cleaned: dict[str, Any]) -> None:
        super().check_parameters(form, cleaned)
        if cleaned.get("metric") == "day-rate":
            for name in ("employer_size", "employer_type"):
                if cleaned.get(name):
                    form.add_error(
                        name,
                        ValidationError(
                            EMPLOYER_FOR_DAY_RATES, code="no_employer", params={"parameter": name}
                        ),
                    )


class EstimateFilterSet(CohortFilterSet):
    """GET estimate/: a profile for the log-salary model (experience in years, not a band)."""

    experience = None  # type: ignore[assignment]
    experience_years = WholeNumberFilter(
        required=True,
        minimum=FIELDS_BY_NAME["experience_years"].min or 0,
        maximum=FIELDS_BY_NAME["experience_years"].max or 50,
        example=4,
        description="Completed years in community / social media roles.",
        label=gettext_lazy("Years of experience"),
    )

    def profile(self) -> dict[str, Any]:
        """The model's inputs: experience years and each factor's code (None when not given)."""
        cleaned = self.cleaned_data
        return {
            "experience_years": cleaned["experience_years"],
            **{
                name: cleaned.get(name) or None
                for name in ("education", "employer_size", "employer_type", "region", "role")
            },
        }
