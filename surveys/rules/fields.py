"""What each field of an answer takes, and the rules between fields, on arrays of values.

`FIELDS` describes every field of DESIGN.md ("What a response holds").
`clean_values(field, values)` applies a field's checks to an object array of
raw values at once: text as typed in a form or read from a CSV cell, or the
values a JSON client sends (numbers, booleans, lists, objects). It returns a
`Cleaned`: the typed values, which are valid or empty, and the rules broken
as a mask with a message per value. `cross_field_problems` then applies the rules between fields
(a region in its country; what each status must give and must leave empty)
to the `Cleaned` of every field.

One answer is an array of one value per field (`surveys.validation`); the CSV
import passes each column's distinct cells (`surveys.importing`). Messages are
translated into the active language when a check runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab

# The messages of every rule. The CSV import adds its own about the file
# (surveys.importing.IMPORT_MESSAGES); both speak the same words for the same rule.
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

INTEGER = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# Longer than this (sign included) and a figure is out of every range: int() is
# not even asked (past 4,300 digits it refuses, with an internal message).
MAX_INTEGER_DIGITS = 4_000
# Whole numbers are held in 64 bits: beyond this, a figure is out of every range
# (no bound comes near), so it is clamped here and the range check says so.
_CLAMP = 2**62
# What no database column takes: NUL (PostgreSQL refuses it in text) and lone
# surrogates (half a UTF-16 pair: not encodable as UTF-8, so not storable at all).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Characters a message must not quote as they are: controls and lone surrogates.
_UNQUOTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
QUOTED_MAX_LENGTH = 40


def is_blank(value: object) -> bool:
    """Whether a raw or cleaned value is empty: None, NaN, blank text, an empty list."""
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
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError:  # an integer past int()'s 4,300 digits: it has no text
        text = "…"
    if len(text) > QUOTED_MAX_LENGTH:
        text = text[: QUOTED_MAX_LENGTH - 1] + "…"
    return _UNQUOTABLE.sub("\ufffd", text)


def allowed_codes(vocabulary: vocab.Vocabulary) -> str:
    """The codes of a vocabulary as the "allowed values" of a message list them."""
    return ", ".join(vocabulary.codes)


def range_message(field: Field) -> str:
    """The message "Enter a value between min and max." with the field's bounds."""
    return str(MESSAGES["range"] % {"min": _bound(field.min), "max": _bound(field.max)})


def _bound(bound: float | None) -> str:
    if bound is None:
        return ""
    return str(int(bound)) if float(bound).is_integer() else str(bound)


# A broken rule: the values that break it (a mask), and its message, one for all
# of them or one per value (an object array, None where the mask is False).
Problem = tuple[np.ndarray, "str | np.ndarray"]


@dataclass(frozen=True, slots=True)
class Cleaned:
    """One field's values after its checks, position by position.

    `values`: int64 ("int"), float64 ("float"), object arrays of str ("code",
    "text") or of tuples of codes ("codes"); the field's empty value where not
    `valid`. `valid`: a value, in no error. `empty`: no value, and no error
    either (an optional field left empty). `problems`: the rules broken, as
    (mask, messages) with disjoint masks; a value breaks one rule at most.
    """

    field: Field
    values: np.ndarray
    valid: np.ndarray
    empty: np.ndarray
    problems: tuple[Problem, ...]

    def take(self, positions: np.ndarray) -> Cleaned:
        """The same checks spread over other positions (`positions` index this one's)."""
        return Cleaned(
            field=self.field,
            values=self.values[positions],
            valid=self.valid[positions],
            empty=self.empty[positions],
            problems=tuple(
                (mask[positions], message if isinstance(message, str) else message[positions])
                for mask, message in self.problems
            ),
        )

    def value(self, position: int) -> Any:
        """One cleaned value as Python holds it: int, float, str or list; empty if not valid.

        Empty is None for numbers, "" for codes and text, [] for lists of codes.
        """
        kind = self.field.kind
        if not self.valid[position]:
            return [] if kind == "codes" else "" if kind in ("code", "text") else None
        value = self.values[position]
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "codes":
            return list(value)
        return value


# What a check finds wrong with one value: the key of one of the field's
# messages, or (key, the value the message quotes) for "choice" and "repeated".
Broken = str | tuple[str, object] | None
Check = Callable[["Field", Any], tuple[Any, Broken]]


def clean_values(field: Field, values: np.ndarray, *, required: bool | None = None) -> Cleaned:
    """Apply the checks of `field` to each raw value of `values` (a 1-D object array).

    `required` (default: the field's own) makes an empty value an error.
    A raw value is text (spaces around it ignored), or what a JSON client
    sends: a number is taken as its value, a list as a list of codes; a
    boolean, an object, or a list where one value is expected is an error.

    Reading a value (its type, its text) is done value by value, in one pass;
    what comes out are arrays, for the rules between fields and for the
    columns of an import. Messages are translated only for rules broken.
    """
    required = field.required if required is None else required
    check, empty = _CHECKS[field.kind], _EMPTY[field.kind]
    cleaned: list[Any] = []
    broken: list[Broken] = []
    valid: list[bool] = []
    blank: list[bool] = []
    for value in values:
        if is_blank(value):
            cleaned.append(empty)
            broken.append("required" if required else None)
            valid.append(False)
            blank.append(not required)
            continue
        clean, problem = check(field, value)
        cleaned.append(clean)
        broken.append(problem)
        valid.append(problem is None)
        blank.append(False)
    problems: tuple[Problem, ...] = ()
    if any(problem is not None for problem in broken):
        messages = _Messages(field)
        texts = np.array([None if b is None else messages.of(b) for b in broken], dtype=object)
        problems = ((np.fromiter((b is not None for b in broken), bool, len(broken)), texts),)
    return Cleaned(
        field=field,
        values=_array(field.kind, cleaned),
        valid=np.array(valid, dtype=bool),
        empty=np.array(blank, dtype=bool),
        problems=problems,
    )


def code_masks(cleaned: Cleaned) -> np.ndarray:
    """A "codes" field's values as bit masks (vocabulary.mask_of); 0 where not valid."""
    assert cleaned.field.vocabulary is not None
    bits = {code: 1 << bit for bit, code in enumerate(cleaned.field.vocabulary.codes)}
    return np.fromiter(
        (sum(bits[code] for code in codes) for codes in cleaned.values),
        dtype=np.int64,
        count=len(cleaned.values),
    )


class _Messages:
    """The messages of one field's broken rules, translated once per check of an array."""

    def __init__(self, field: Field) -> None:
        self.field = field
        self.known: dict[str, str] = {}

    def of(self, broken: str | tuple[str, object]) -> str:
        if isinstance(broken, tuple):
            key, value = broken
            if key == "choice":
                assert self.field.vocabulary is not None
                allowed = allowed_codes(self.field.vocabulary)
                return str(MESSAGES["choice"] % {"value": quoted(value), "allowed": allowed})
            return str(MESSAGES[key] % {"value": quoted(value)})
        if broken not in self.known:
            if broken == "range":
                self.known[broken] = range_message(self.field)
            elif broken == "too_long":
                self.known[broken] = str(MESSAGES[broken] % {"max": self.field.max_length})
            else:
                self.known[broken] = str(MESSAGES[broken])
        return self.known[broken]


def _array(kind: str, cleaned: list[Any]) -> np.ndarray:
    if kind == "int":
        return np.array(cleaned, dtype=np.int64)
    if kind == "float":
        return np.array(cleaned, dtype=np.float64)
    if kind != "codes":
        return np.array(cleaned, dtype=object)
    array = np.empty(len(cleaned), dtype=object)
    for position, codes in enumerate(cleaned):  # each tuple one value, not a row of codes
        array[position] = codes
    return array


def _out_of_range(field: Field, number: float) -> bool:
    return (field.min is not None and number < field.min) or (
        field.max is not None and number > field.max
    )


def _clamped(number: int | Decimal) -> int:
    return int(max(min(number, _CLAMP), -_CLAMP))


def _check_int(field: Field, value: object) -> tuple[int, Broken]:
    """A whole number: `[+-]digits` once narrow no-break spaces are removed, within bounds.

    From a JSON client, an integer, a float such as 2.0, or the parser's
    integers past a float's range (Decimal, cmbench.parsers); never a boolean.
    """
    if isinstance(value, str):
        text = value.strip().replace("\u202f", "")
        if not INTEGER.match(text):
            return 0, "integer"
        # int() of the digits it accepts, Unicode ones included; past
        # MAX_INTEGER_DIGITS out of range without asking.
        number = _CLAMP if len(text) > MAX_INTEGER_DIGITS else _clamped(int(text))
    elif isinstance(value, bool):
        return 0, "integer"
    elif isinstance(value, int):
        number = _clamped(value)
    elif isinstance(value, float) and value.is_integer():
        number = _clamped(int(value))
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = _clamped(value)
    else:
        return 0, "integer"
    if _out_of_range(field, number):
        return 0, "range"
    return number, None


def _check_float(field: Field, value: object) -> tuple[float, Broken]:
    """A decimal number, with . or , (the French decimal comma), finite, within bounds."""
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER.match(text):
            return math.nan, "number"
        # A huge digit string gives inf: refused below.
        number = float(text.replace(",", "."))
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            # An integer past a float's range (float() of a Decimal gives inf instead).
            number = math.inf
        except ValueError:
            return math.nan, "number"  # a signalling NaN Decimal
    else:
        return math.nan, "number"
    if not math.isfinite(number):
        return math.nan, "number"
    if _out_of_range(field, number):
        return math.nan, "range"
    return number, None


def _check_code(field: Field, value: object) -> tuple[str, Broken]:
    """A code of the field's vocabulary, spaces around it ignored.

    The message quotes the value as given, spaces included.
    """
    assert field.vocabulary is not None
    code = value.strip() if isinstance(value, str) else None
    if code is None or code not in field.vocabulary:
        return "", ("choice", value)
    return code, None


def _check_codes(field: Field, value: object) -> tuple[tuple[str, ...], Broken]:
    """A list of codes, none unknown or repeated: `|`-separated text, or a JSON list.

    In text, blank items are dropped ("a||b"); in a JSON list every item counts.
    The first bad item, in order, is the one reported.
    """
    assert field.vocabulary is not None
    if isinstance(value, str):
        items: list[object] = [item for item in value.split("|") if item.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return (), "not_a_list"
    codes: list[str] = []
    for item in items:
        code = item.strip() if isinstance(item, str) else None
        if code is None or code not in field.vocabulary:
            return (), ("choice", item)
        if code in codes:
            return (), ("repeated", code)
        codes.append(code)
    return tuple(codes), None


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _check_text(field: Field, value: object) -> tuple[str, Broken]:
    """Free text, spaces around it removed: storable (no NUL, no lone surrogate), not too long.

    A JSON number is taken as its text; a list, an object, a boolean or
    infinity (a JSON 1e400) is not text and is never turned into its repr.
    """
    if not isinstance(value, str) and not _is_finite_number(value):
        return "", "text"
    try:
        text = str(value).strip()
    except ValueError:  # an integer past int()'s 4,300 digits: longer than any text
        return "", "too_long"
    if UNSTORABLE.search(text):
        return "", "characters"
    if field.max_length is not None and len(text) > field.max_length:
        return "", "too_long"
    return text, None


_CHECKS: dict[str, Check] = {
    "int": _check_int,
    "float": _check_float,
    "code": _check_code,
    "codes": _check_codes,
    "text": _check_text,
}
# The empty value of each kind: what a value empty or in error is cleaned to.
_EMPTY: dict[str, Any] = {"int": 0, "float": math.nan, "code": "", "codes": (), "text": ""}


def cross_field_problems(columns: Mapping[str, Cleaned]) -> list[tuple[str, Problem]]:
    """The rules between fields, as (field, problem), on the `Cleaned` of every field.

    A region must be in the country; a freelancer gives a day rate and billed
    days, no salary and no employer; an employee or a trainee gives a salary
    and an employer, no day rate. A field already in error is not also
    reported missing. In the order an answer lists them; only the rules broken.
    """
    # Codes are "" where not valid.
    status, country = columns["status"].values, columns["country"].values
    region = columns["region"].values
    found: list[tuple[str, Problem]] = []
    region_country = np.array(
        [vocab.COUNTRY_OF_REGION.get(code, "") for code in region.tolist()], dtype=object
    )
    wrong_country = (region_country != country) & (country != "") & (region != "")
    if wrong_country.any():
        messages = np.full(len(region), None, dtype=object)
        template = str(MESSAGES["region_of_country"])
        for position in np.flatnonzero(wrong_country).tolist():
            messages[position] = template % {
                "region": region[position],
                "country": country[position],
            }
        found.append(("region", (wrong_country, messages)))

    freelance = status == "freelance"
    salaried = (status == "employee") | (status == "trainee")
    rules = (
        (freelance, FREELANCE_REQUIRED, True, "required"),
        (freelance, FREELANCE_FORBIDDEN, False, "freelance_no_salary"),
        (freelance, FREELANCE_NO_EMPLOYER, False, "freelance_no_employer"),
        (salaried, SALARIED_REQUIRED, True, "required"),
        (salaried, SALARIED_FORBIDDEN, False, "salaried_no_day_rate"),
    )
    for applies, names, when_empty, message in rules:
        if not applies.any():
            continue
        for name in names:
            column = columns[name]
            mask = applies & (column.empty if when_empty else column.valid)
            if mask.any():
                found.append((name, (mask, str(MESSAGES[message]))))
    return found
