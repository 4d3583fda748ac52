"""What a valid answer is: one set of rules for the survey form, the API and the CSV import.

`FIELDS` describes every field of DESIGN.md; `validate_answers` applies it to one
answer and `surveys.importing.validate_frame` applies the same rules to a whole
CSV at once, with the same messages (a test holds the two in agreement).
Errors are keyed by field name and translated into the active language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab

# DESIGN.md, outliers stage 1: accepted but flagged, out of benchmarks until an
# editor releases them. Money in the country's currency.
DAY_RATE_FLOOR = 125  # the floor a major French freelance platform enforces
DAY_RATE_CEILING = 3_000
SALARY_CEILING = 500_000

FLAG_BELOW_LEGAL_MINIMUM = "below_legal_minimum"
FLAG_DAY_RATE_BELOW_FLOOR = "day_rate_below_floor"
FLAG_DAY_RATE_ABOVE_CEILING = "day_rate_above_ceiling"
FLAG_SALARY_ABOVE_CEILING = "salary_above_ceiling"
FLAG_LABELS = {
    FLAG_BELOW_LEGAL_MINIMUM: _("full-time salary under the legal minimum"),
    FLAG_DAY_RATE_BELOW_FLOOR: _("day rate under 125"),
    FLAG_DAY_RATE_ABOVE_CEILING: _("day rate over 3,000"),
    FLAG_SALARY_ABOVE_CEILING: _("salary over 500,000"),
}

# The messages, shared with the vectorized import so that both say the same.
MESSAGES = {
    "required": _("This field is required."),
    "integer": _("Enter a whole number."),
    "number": _("Enter a number."),
    "range": _("Enter a value between %(min)s and %(max)s."),
    "choice": _("“%(value)s” is not an allowed value; allowed values: %(allowed)s."),
    "text": _("Enter text."),
    "too_long": _("This text is longer than %(max)s characters."),
    "characters": _(
        "This text contains a character that cannot be stored (a NUL character or a lone "
        "surrogate): remove it."
    ),
    "unknown_field": _("The survey has no such field."),
    "not_a_list": _("Enter a list of codes."),
    "repeated": _("The code “%(value)s” is repeated."),
    "region_of_country": _("The region %(region)s is not in the country %(country)s."),
    "freelance_no_salary": _("Freelancers give a day rate and billed days, not a salary."),
    "freelance_no_employer": _("Freelancers have no employer: leave this field empty."),
    "salaried_no_day_rate": _("Employees and trainees give a salary, not a day rate."),
    "no_open_edition": _("No edition of the survey is open."),
    "unknown_edition": _("There is no %(value)s edition."),
    "closed_edition": _("The %(value)s edition is closed: it takes no more answers."),
}


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an answer: its kind and bounds. `required` ignores the status rules."""

    name: str
    kind: str  # "int", "float", "code", "codes", "text"
    required: bool = True
    min: float | None = None
    max: float | None = None
    vocabulary: vocab.Vocabulary | None = None
    max_length: int | None = None


FIELDS: tuple[Field, ...] = (
    Field("edition", "int", required=False, min=2000, max=2100),
    Field("status", "code", vocabulary=vocab.STATUS),
    Field("role", "code", vocabulary=vocab.ROLE),
    Field("job_title", "text", required=False, max_length=120),
    Field("experience_years", "int", min=0, max=50),
    Field("education", "code", vocabulary=vocab.EDUCATION),
    Field("employer_size", "code", required=False, vocabulary=vocab.EMPLOYER_SIZE),
    Field("employer_type", "code", required=False, vocabulary=vocab.EMPLOYER_TYPE),
    Field("country", "code", vocabulary=vocab.COUNTRY),
    Field("region", "code", vocabulary=vocab.REGION),
    Field("work_time_share", "float", min=0.1, max=1.0),
    # Hard bounds well outside the sanity bounds: beyond them a figure is a typo.
    Field("base_salary", "int", required=False, min=0, max=10_000_000),
    Field("variable_pay", "int", required=False, min=0, max=10_000_000),
    Field("day_rate", "int", required=False, min=1, max=100_000),
    Field("billed_days", "int", required=False, min=1, max=260),
    Field("missions", "codes", required=False, vocabulary=vocab.MISSIONS),
    Field("kpis", "codes", required=False, vocabulary=vocab.KPIS),
    Field("weekly_hours", "int", min=1, max=80),
    Field("remote_days", "int", min=0, max=5),
    Field("satisfaction", "int", min=1, max=5),
    Field("gender", "code", required=False, vocabulary=vocab.GENDER),
    Field("age_band", "code", required=False, vocabulary=vocab.AGE_BAND),
)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
FIELD_NAMES = tuple(FIELDS_BY_NAME)

# Fields each status must give (beyond the always-required ones) and must leave empty.
SALARIED_REQUIRED = ("base_salary", "employer_size", "employer_type")
FREELANCE_REQUIRED = ("day_rate", "billed_days")
FREELANCE_FORBIDDEN = ("base_salary", "variable_pay")
FREELANCE_NO_EMPLOYER = ("employer_size", "employer_type")
SALARIED_FORBIDDEN = ("day_rate", "billed_days")

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# Longer than this (sign included) and a figure is out of every range: int() is
# not even asked (past 4,300 digits it refuses, with an internal message).
MAX_INTEGER_DIGITS = 4_000
# What no database column takes: NUL (PostgreSQL refuses it in text) and lone
# surrogates (half a UTF-16 pair: not encodable as UTF-8, so not storable at all).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Characters a message must not quote as they are: controls and lone surrogates.
_UNQUOTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
QUOTED_MAX_LENGTH = 40


class InvalidAnswers(ValueError):
    """The answer breaks one or more rules; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    return isinstance(value, list | tuple) and len(value) == 0


def quoted(value: object) -> str:
    """`value` as an error message quotes it: short, and nothing in it unprintable.

    At most QUOTED_MAX_LENGTH characters; controls and lone surrogates become
    U+FFFD. Quoted whole, a 5,000-digit number would fill the page, and a lone
    surrogate cannot even be encoded in the response (a 500).
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > QUOTED_MAX_LENGTH:
        text = text[: QUOTED_MAX_LENGTH - 1] + "…"
    return _UNQUOTABLE.sub("\ufffd", text)


def _allowed(vocabulary: vocab.Vocabulary) -> str:
    return ", ".join(vocabulary.codes)


def _clean_int(field: Field, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(MESSAGES["integer"])
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        # The JSON parser's integers past a float's range (cmbench.parsers).
        _check_range(field, value)
        number = int(value)
    elif isinstance(value, str) and _INTEGER.match(value.strip().replace("\u202f", "")):
        digits = value.strip().replace("\u202f", "")
        if len(digits) > MAX_INTEGER_DIGITS:
            raise ValueError(_range_message(field))
        number = int(digits)
    else:
        raise ValueError(MESSAGES["integer"])
    _check_range(field, number)
    return number


def _clean_float(field: Field, value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(MESSAGES["number"])
    try:
        if isinstance(value, int | float | Decimal):
            number = float(value)
        elif isinstance(value, str) and _NUMBER.match(value.strip()):
            number = float(value.strip().replace(",", "."))
        else:
            raise ValueError(MESSAGES["number"])
    except OverflowError:
        # An integer past a float's range (float() of a Decimal gives inf instead).
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(MESSAGES["number"])
    _check_range(field, number)
    return number


def _check_range(field: Field, number: float | Decimal) -> None:
    if (field.min is not None and number < field.min) or (
        field.max is not None and number > field.max
    ):
        raise ValueError(_range_message(field))


def _range_message(field: Field) -> str:
    return str(MESSAGES["range"] % {"min": _fmt(field.min), "max": _fmt(field.max)})


def _fmt(bound: float | None) -> str:
    if bound is None:
        return ""
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _clean_code(field: Field, value: object) -> str:
    assert field.vocabulary is not None
    code = value.strip() if isinstance(value, str) else value
    if not isinstance(code, str) or code not in field.vocabulary:
        raise ValueError(
            MESSAGES["choice"] % {"value": quoted(value), "allowed": _allowed(field.vocabulary)}
        )
    return code


def _clean_codes(field: Field, value: object) -> list[str]:
    assert field.vocabulary is not None
    if isinstance(value, str):
        items: list[object] = [item for item in value.split("|") if item.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(MESSAGES["not_a_list"])
    codes: list[str] = []
    for item in items:
        code = _clean_code(field, item)
        if code in codes:
            raise ValueError(MESSAGES["repeated"] % {"value": quoted(code)})
        codes.append(code)
    return codes


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _clean_text(field: Field, value: object) -> str:
    # Text, or a number taken as its text (a JSON client may send a number); never
    # a list, an object, a boolean or infinity (a JSON 1e400) turned into their repr.
    if not isinstance(value, str) and not _is_finite_number(value):
        raise ValueError(MESSAGES["text"])
    text = str(value).strip()
    if UNSTORABLE.search(text):
        raise ValueError(MESSAGES["characters"])
    if field.max_length is not None and len(text) > field.max_length:
        raise ValueError(MESSAGES["too_long"] % {"max": field.max_length})
    return text


_CLEANERS = {
    "int": _clean_int,
    "float": _clean_float,
    "code": _clean_code,
    "codes": _clean_codes,
    "text": _clean_text,
}


def _empty(field: Field) -> Any:
    if field.kind == "codes":
        return []
    if field.kind in ("code", "text"):
        return ""
    return None


def validate_answers(raw: Mapping[str, Any], *, allow_unknown: bool = False) -> dict[str, Any]:
    """Clean one answer: every field of FIELDS, typed, plus the cross-field rules.

    Returns the cleaned answer (codes as str, lists as lists of codes, empty
    optional fields as "" / None / []). Raises InvalidAnswers with every error
    at once, keyed by field name ("__all__" never: each rule names a field).
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if not allow_unknown:
        for name in raw:
            if name not in FIELDS_BY_NAME:
                errors.setdefault(quoted(name), []).append(str(MESSAGES["unknown_field"]))
    for field in FIELDS:
        value = raw.get(field.name)
        if is_blank(value):
            clean[field.name] = _empty(field)
            if field.required:
                errors.setdefault(field.name, []).append(str(MESSAGES["required"]))
            continue
        try:
            clean[field.name] = _CLEANERS[field.kind](field, value)
        except ValueError as error:
            clean[field.name] = _empty(field)
            errors.setdefault(field.name, []).append(str(error))
    for name, message in cross_field_errors(clean, errors):
        errors.setdefault(name, []).append(message)
    if errors:
        raise InvalidAnswers(errors)
    return clean


def cross_field_errors(
    clean: Mapping[str, Any], errors: Mapping[str, list[str]] | None = None
) -> list[tuple[str, str]]:
    """The rules between fields, as (field, message); fields already in error are skipped."""
    errors = errors or {}
    found: list[tuple[str, str]] = []
    country, region, status = clean.get("country"), clean.get("region"), clean.get("status")
    if country and region and vocab.COUNTRY_OF_REGION.get(region) != country:
        found.append(
            ("region", str(MESSAGES["region_of_country"] % {"region": region, "country": country}))
        )
    if status == "freelance":
        for name in FREELANCE_REQUIRED:
            if is_blank(clean.get(name)) and name not in errors:
                found.append((name, str(MESSAGES["required"])))
        for name in FREELANCE_FORBIDDEN:
            if not is_blank(clean.get(name)):
                found.append((name, str(MESSAGES["freelance_no_salary"])))
        for name in FREELANCE_NO_EMPLOYER:
            if not is_blank(clean.get(name)):
                found.append((name, str(MESSAGES["freelance_no_employer"])))
    elif status in ("employee", "trainee"):
        for name in SALARIED_REQUIRED:
            if is_blank(clean.get(name)) and name not in errors:
                found.append((name, str(MESSAGES["required"])))
        for name in SALARIED_FORBIDDEN:
            if not is_blank(clean.get(name)):
                found.append((name, str(MESSAGES["salaried_no_day_rate"])))
    return found


def full_time_equivalents(
    base_salary: int | None, variable_pay: int | None, work_time_share: float
) -> tuple[int | None, int | None]:
    """(total, base) gross annual full-time equivalents, whole units, half rounded up.

    total = (base + variable) / work_time_share; base = base / work_time_share.
    """
    if base_salary is None:
        return None, None
    total = base_salary + (variable_pay or 0)
    return (
        math.floor(total / work_time_share + 0.5),
        math.floor(base_salary / work_time_share + 0.5),
    )


def sanity_flags(clean: Mapping[str, Any], *, legal_minimum: int | None) -> list[str]:
    """The stage-1 flags of DESIGN.md for a cleaned answer (empty: nothing to review).

    `legal_minimum` is the country's gross annual full-time minimum for the
    edition's year, or None where there is none. Trainees are not held to it.
    """
    flags: list[str] = []
    total_fte, _base_fte = full_time_equivalents(
        clean.get("base_salary"), clean.get("variable_pay"), clean["work_time_share"]
    )
    if (
        clean["status"] == "employee"
        and legal_minimum
        and total_fte is not None
        and total_fte < legal_minimum
    ):
        flags.append(FLAG_BELOW_LEGAL_MINIMUM)
    if total_fte is not None and total_fte > SALARY_CEILING:
        flags.append(FLAG_SALARY_ABOVE_CEILING)
    day_rate = clean.get("day_rate")
    if day_rate is not None:
        if day_rate < DAY_RATE_FLOOR:
            flags.append(FLAG_DAY_RATE_BELOW_FLOOR)
        elif day_rate > DAY_RATE_CEILING:
            flags.append(FLAG_DAY_RATE_ABOVE_CEILING)
    return flags
