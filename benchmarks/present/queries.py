"""The query parameters of a benchmark read: one set of classes for the API and the pages.

Plain, owned parsing of single-cohort queries (nothing here filters a
queryset: figures are looked up in the published snapshot by
`benchmarks.read`). A `Parameters` class declares its `Parameter`s; the same
class serves a page (`parameters.form` renders them as <select> fields, its
`clean()` runs the same rules) and the API (`parameters.errors` names each
parameter; `api.views.query_parameters` turns the declarations into the
OpenAPI description), so the two cannot accept different input.

    parameters = DayRateParameters(request.GET, snapshot=lookup.published_snapshot())
    if parameters.is_valid():
        answer = answers.cohort_answer(published, metric=..., cohort=parameters.cohort())

What is refused, each with a message that names the parameter: a value not
in the vocabulary (the message lists the allowed codes), a parameter given
twice, a value longer than MAX_VALUE_LENGTH, a region outside the country,
more than one country, an edition with no published figures (listing those
with some), an amount that is not a positive number, and — with
`strict=True`, the default — a parameter the endpoint does not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from benchmarks.layout import BREAKDOWN_MAX_FILTERS, DAY_RATE_DIMENSIONS, DIMENSIONS
from benchmarks.models import Metric
from benchmarks.present.fields import (
    MAX_VALUE_LENGTH,
    AmountField,
    CodeField,
    WholeNumberField,
    allowed_codes,
)
from benchmarks.read.answers import Cohort
from benchmarks.read.lookup import PublishedSnapshot
from surveys import vocabulary as vocab
from surveys.validation import FIELDS_BY_NAME

# Parameters every endpoint tolerates: the language of messages, DRF's format.
COMMON_PARAMETERS = frozenset({"lang", "format"})
# The snapshot computes the mission breakdown for cohorts with at most this many
# filters besides country and year; a snapshot records its own value in
# `Snapshot.parameters["breakdown_max_filters"]`, which wins.
DEFAULT_BREAKDOWN_MAX_FILTERS = BREAKDOWN_MAX_FILTERS

REPEATED = gettext_lazy("Give %(parameter)s once: it was repeated.")
ONE_COUNTRY = gettext_lazy(
    "Give one country: benchmarks never mix currencies. Allowed values: %(allowed)s."
)
REGION_OUTSIDE_COUNTRY = gettext_lazy(
    "Region %(region)s is not in country %(country)s (add country=%(its_country)s). "
    "Regions of %(country)s: %(allowed)s."
)
UNKNOWN_PARAMETER = gettext_lazy("Unknown parameter %(parameter)s. Accepted: %(allowed)s.")
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


# The figures a query reads: salaries of employees, or day rates of freelancers.
SALARY, DAY_RATE = "salary", "day-rate"


def metric_of(figure: str, basis: str | None) -> str:
    """The snapshot's metric of a figure and a pay basis: salary + base -> salary_base.

    `basis` ("total", the default, or "base") only applies to salaries.
    """
    if figure == DAY_RATE:
        return Metric.DAY_RATE
    return Metric.SALARY_BASE if basis == "base" else Metric.SALARY


class Parameter:
    """One query parameter: its form field, its documentation, its default.

    `description` documents it (OpenAPI, a page's help text); `codes` are its
    allowed values when it takes a code; `default` applies when it is absent.
    The name is the attribute's it is assigned to in a `Parameters` class.
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
        self.name = ""
        self.description = description
        self.codes = tuple(codes)
        self.default = default
        self.example = example if example is not None else (self.codes[0] if codes else None)
        self.required = required
        self.label = label
        self.field_options = field_options

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def make_field(self) -> forms.Field:  # pragma: no cover - every parameter defines it
        raise NotImplementedError

    @property
    def field(self) -> forms.Field:
        """The form field that cleans this parameter, built once (fields keep no request state)."""
        if not hasattr(self, "_field"):
            self._field = self.make_field()
        return self._field

    def schema(self) -> dict[str, Any]:  # pragma: no cover - every parameter defines it
        """The parameter's JSON schema, for the OpenAPI description."""
        raise NotImplementedError

    def _with_default(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.default is not None:
            schema["default"] = self.default
        return schema


class CodeParameter(Parameter):
    """A code of a vocabulary (or of a short list), or empty for "all"."""

    def make_field(self) -> forms.Field:
        choices = self.field_options.get("choices") or [(code, code) for code in self.codes]
        empty = [] if self.required else [("", gettext_lazy("all"))]
        return CodeField(
            parameter=self.name,
            codes=self.codes,
            choices=[*empty, *choices],
            required=self.required,
            label=self.label,
            help_text=self.description,
        )

    def schema(self) -> dict[str, Any]:
        return self._with_default({"type": "string", "enum": list(self.codes)})


class AmountParameter(Parameter):
    """A positive amount of money, at most `maximum`."""

    def make_field(self) -> forms.Field:
        return AmountField(
            parameter=self.name,
            maximum=self.field_options["maximum"],
            example=int(self.example or 0),
            required=self.required,
            label=self.label,
            help_text=self.description,
        )

    def schema(self) -> dict[str, Any]:
        return self._with_default(
            {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": self.field_options["maximum"],
            }
        )


class WholeNumberParameter(Parameter):
    """A whole number from `minimum` to `maximum`."""

    def make_field(self) -> forms.Field:
        return WholeNumberField(
            parameter=self.name,
            minimum=self.field_options["minimum"],
            maximum=self.field_options["maximum"],
            example=int(self.example or 0),
            required=self.required,
            label=self.label,
            help_text=self.description,
        )

    def schema(self) -> dict[str, Any]:
        return self._with_default(
            {
                "type": "integer",
                "minimum": self.field_options["minimum"],
                "maximum": self.field_options["maximum"],
            }
        )


def _vocabulary_parameter(name: str, description: str, label: Any) -> CodeParameter:
    vocabulary = vocab.ALL[name]
    return CodeParameter(
        codes=vocabulary.codes, choices=vocabulary.choices, description=description, label=label
    )


def _region_choices() -> list[tuple[Any, list[tuple[str, Any]]]]:
    """Regions grouped by country, for a page's <select>."""
    return [
        (vocab.COUNTRY.choices[index][1], vocab.REGIONS_BY_COUNTRY[country].choices)
        for index, country in enumerate(vocab.COUNTRY.codes)
    ]


class _Fields(dict[str, forms.Field]):
    """A form's fields, copied field by field (QuickCopyField), without deepcopy's walk."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: field.__deepcopy__(memo) for name, field in self.items()}


class Checked(Protocol):
    """What the cross-field rules (`Parameters.check`) read and write while checking.

    A page's Django form offers it as it is; the API's `Parse` offers the same
    few members, so one set of rules serves both.
    """

    data: Any
    fields: Mapping[str, forms.Field]

    @property
    def errors(self) -> Mapping[str, Any]: ...

    def add_error(self, field: str | None, error: Any) -> None: ...

    def add_prefix(self, field_name: str) -> str: ...


class ParametersForm(forms.Form):
    """A page's form of a `Parameters` class: its fields, then its cross-field rules."""

    parameters: Parameters | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.parameters is not None:
            self.parameters.check(self, cleaned)
        return cleaned


class Parse:
    """The API's parse of a query: each value cleaned by its field, then the same rules.

    The API validates on every request and renders no form; a Django form
    copies every field and wraps each in a BoundField first, which costs as
    much as the rest of a cohort lookup. This cleans each value with the
    parameters' own fields (read-only: cleaning changes no field), then runs
    `Parameters.check` on itself (the `Checked` members). A page gets a real
    form from `Parameters.form`, whose `clean()` runs the same rules.
    """

    def __init__(self, parameters: Parameters) -> None:
        self.fields: Mapping[str, forms.Field] = parameters.form_class().base_fields
        self.data = parameters.data
        self.prefix = parameters.prefix
        self.errors: dict[str, list[ValidationError]] = {}
        self.cleaned_data: dict[str, Any] = {}
        for name, parameter_field in self.fields.items():
            try:
                self.cleaned_data[name] = parameter_field.clean(
                    self.data.get(self.add_prefix(name))
                )
            except ValidationError as error:
                self.errors.setdefault(name, []).extend(error.error_list)
        parameters.check(self, self.cleaned_data)

    def add_prefix(self, field_name: str) -> str:
        return f"{self.prefix}-{field_name}" if self.prefix else field_name

    def add_error(self, field: str | None, error: ValidationError | str) -> None:
        name = field or NON_FIELD_ERRORS
        error = error if isinstance(error, ValidationError) else ValidationError(error)
        self.errors.setdefault(name, []).extend(error.error_list)
        self.cleaned_data.pop(name, None)


class Parameters:
    """The parameters of one kind of benchmark read, declared as class attributes.

    Subclasses declare `Parameter`s and inherit their bases' (in the bases'
    order); setting an inherited name to None removes it (day rates have no
    employer). `declared` holds them, in order: the order of a page's fields,
    of the API's error messages and of the OpenAPI parameters.
    """

    declared: ClassVar[dict[str, Parameter]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = {name: value for name, value in vars(cls).items() if isinstance(value, Parameter)}
        removed = {name for name, value in vars(cls).items() if value is None}
        declared: dict[str, Parameter] = {}
        for base in cls.__bases__:
            for name, parameter in getattr(base, "declared", {}).items():
                if name not in removed and name not in declared:
                    declared[name] = parameter
        declared.update(own)
        cls.declared = declared
        cls._form_class = None

    _form_class: ClassVar[type[ParametersForm] | None] = None

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        snapshot: PublishedSnapshot | None = None,
        strict: bool = True,
        prefix: str | None = None,
    ) -> None:
        self.is_bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.prefix = prefix
        self.snapshot = snapshot
        self.strict = strict

    @classmethod
    def form_class(cls) -> type[ParametersForm]:
        """The page form of these parameters, built once per class (not per request)."""
        if cls._form_class is None:
            fields = {name: parameter.field for name, parameter in cls.declared.items()}
            form_class = type(f"{cls.__name__}Form", (ParametersForm,), fields)
            form_class.base_fields = _Fields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    @property
    def form(self) -> ParametersForm:
        """The parameters as a page's form (bound when the query is), made once."""
        if not hasattr(self, "_form"):
            form_class = self.form_class()
            if self.is_bound:
                self._form = form_class(self.data, prefix=self.prefix)
            else:
                self._form = form_class(prefix=self.prefix)
            self._form.parameters = self
        return self._form

    def unknown_parameters(self) -> list[str]:
        """Parameters this endpoint does not take (refused when `strict`)."""
        if not self.strict or not self.is_bound:
            return []
        known = set(self.declared) | COMMON_PARAMETERS
        return sorted(name for name in self.data if name not in known)

    @property
    def parse(self) -> Parse:
        """The parameters checked, once (a form's validation, without the form)."""
        if not hasattr(self, "_parse"):
            self._parse = Parse(self)
        return self._parse

    def is_valid(self) -> bool:
        return bool(self.is_bound and not self.parse.errors and not self.unknown_parameters())

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by parameter name, in the active language."""
        errors: dict[str, list[str]] = {
            name: [message for error in messages for message in error]
            for name, messages in self.parse.errors.items()
        }
        accepted = allowed_codes(list(self.declared))
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
            cleaned = dict(self.parse.cleaned_data)
            for name in self.declared:
                if cleaned.get(name) in (None, ""):
                    cleaned[name] = self.default_of(name)
            self._cleaned_data = cleaned
        return dict(self._cleaned_data)

    def default_of(self, name: str) -> Any:
        """The value a parameter takes when it is absent."""
        return self.declared[name].default

    def check(self, form: Checked, cleaned: dict[str, Any]) -> None:
        """Cross-field rules; a subclass adds its own after calling this one.

        `form` is the page's form, or the API's `Parse` standing in for it.
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
                                params={"allowed": allowed_codes(vocab.COUNTRY.codes)},
                            ),
                        )
                    else:
                        form.add_error(
                            name,
                            ValidationError(REPEATED, code="repeated", params={"parameter": name}),
                        )


class CohortParameters(Parameters):
    """The filters of a salary cohort: country, edition and the six dimensions."""

    country = CodeParameter(
        codes=vocab.COUNTRY.codes,
        choices=vocab.COUNTRY.choices,
        default=vocab.DEFAULT_COUNTRY,
        description="ISO 3166-1 alpha-2; one country at a time (its currency). Default FR.",
        label=gettext_lazy("Country"),
    )
    year = WholeNumberParameter(
        minimum=1900,
        maximum=2999,
        example=2026,
        description="Survey edition; default the latest published one.",
        label=gettext_lazy("Edition"),
    )
    region = CodeParameter(
        codes=vocab.REGION.codes,
        choices=_region_choices(),
        description="ISO 3166-2 region; it must belong to `country`.",
        label=gettext_lazy("Region"),
    )
    experience = _vocabulary_parameter(
        "experience", "Years in community / social media roles.", gettext_lazy("Experience")
    )
    education = _vocabulary_parameter(
        "education", "Highest level of education.", gettext_lazy("Education")
    )
    employer_size = _vocabulary_parameter(
        "employer_size", "Employer's number of employees.", gettext_lazy("Employer size")
    )
    employer_type = _vocabulary_parameter(
        "employer_type", "Kind of employer.", gettext_lazy("Employer type")
    )
    role = _vocabulary_parameter("role", "The closest role.", gettext_lazy("Role"))

    # The dimensions this kind of cohort can filter on.
    dimensions: ClassVar[tuple[str, ...]] = DIMENSIONS

    def default_of(self, name: str) -> Any:
        if name == "year":
            return self.snapshot.latest_year if self.snapshot is not None else None
        return super().default_of(name)

    def check(self, form: Checked, cleaned: dict[str, Any]) -> None:
        super().check(form, cleaned)
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
                            "allowed": allowed_codes(regions),
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
                        "allowed": allowed_codes([str(y) for y in self.snapshot.years]),
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
                if dimension in self.declared and cleaned.get(dimension)
            },
        )


class SalaryParameters(CohortParameters):
    """GET salaries/: a salary cohort, on total pay (base + variable) or base pay."""

    basis = CodeParameter(
        codes=("total", "base"),
        default="total",
        description="total: base + variable pay (default); base: base salary only.",
        label=gettext_lazy("Pay"),
    )


class DayRateParameters(CohortParameters):
    """GET day-rates/: a cohort of freelancers (no employer: no employer filters)."""

    employer_size = None  # type: ignore[assignment]
    employer_type = None  # type: ignore[assignment]
    dimensions = DAY_RATE_DIMENSIONS


class BreakdownMixin:
    """`by`: the dimension (or `mission`) a cohort is broken down along."""

    def check_by(self, form: Checked, cleaned: dict[str, Any]) -> None:
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


class SalaryBreakdownParameters(BreakdownMixin, SalaryParameters):
    by = CodeParameter(
        codes=(*DIMENSIONS, "mission"),
        required=True,
        description="The dimension to break the cohort down along, or `mission`.",
        label=gettext_lazy("Break down by"),
    )

    def check(self, form: Checked, cleaned: dict[str, Any]) -> None:
        super().check(form, cleaned)
        self.check_by(form, cleaned)


class DayRateBreakdownParameters(BreakdownMixin, DayRateParameters):
    by = CodeParameter(
        codes=(*DAY_RATE_DIMENSIONS, "mission"),
        required=True,
        description="The dimension to break the cohort down along, or `mission`.",
        label=gettext_lazy("Break down by"),
    )

    def check(self, form: Checked, cleaned: dict[str, Any]) -> None:
        super().check(form, cleaned)
        self.check_by(form, cleaned)


class SalaryPositionParameters(SalaryParameters):
    salary = AmountParameter(
        required=True,
        maximum=FIELDS_BY_NAME["base_salary"].max or 10_000_000,
        example=38000,
        description="Gross annual salary, full-time equivalent, whole units of the currency.",
        label=gettext_lazy("Salary"),
    )


class DayRatePositionParameters(DayRateParameters):
    rate = AmountParameter(
        required=True,
        maximum=FIELDS_BY_NAME["day_rate"].max or 100_000,
        example=350,
        description="Day rate excluding VAT, in the country's currency.",
        label=gettext_lazy("Day rate"),
    )


class TrendParameters(CohortParameters):
    """GET trends/: one cohort in every published edition (no `year`)."""

    year = None  # type: ignore[assignment]
    metric = CodeParameter(
        codes=("salary", "day-rate"),
        default="salary",
        description="salary (default) or day-rate.",
        label=gettext_lazy("Figure"),
    )
    basis = CodeParameter(
        codes=("total", "base"),
        default="total",
        description="For salaries: total (default) or base pay.",
        label=gettext_lazy("Pay"),
    )

    def check(self, form: Checked, cleaned: dict[str, Any]) -> None:
        super().check(form, cleaned)
        if cleaned.get("metric") == "day-rate":
            for name in ("employer_size", "employer_type"):
                if cleaned.get(name):
                    form.add_error(
                        name,
                        ValidationError(
                            EMPLOYER_FOR_DAY_RATES, code="no_employer", params={"parameter": name}
                        ),
                    )


class EstimateParameters(CohortParameters):
    """GET estimate/: a profile for the log-salary model (experience in years, not a band)."""

    experience = None  # type: ignore[assignment]
    experience_years = WholeNumberParameter(
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
