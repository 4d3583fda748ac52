"""What a valid answer is, for one answer: the entry point of the survey form and the API.

The rules themselves live once, on arrays, in `surveys.rules` (what each field
takes, the rules between fields, normalization, stage-1 flags); the CSV import
applies the same ones to whole columns (`surveys.importing.validate_frame`).
Here one answer is an array of one value per field: `validate_answers` cleans
it, `full_time_equivalents` and `sanity_flags` normalize and flag it.
Errors are keyed by field name and translated into the active language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from surveys.rules import fte
from surveys.rules.fields import (
    FIELD_NAMES,
    FIELDS,
    FIELDS_BY_NAME,
    FREELANCE_REQUIRED,
    MESSAGES,
    SALARIED_REQUIRED,
    UNSTORABLE,
    Field,
    clean_values,
    cross_field_problems,
    is_blank,
    quoted,
)
from surveys.rules.flags import (
    DAY_RATE_CEILING,
    DAY_RATE_FLOOR,
    FLAG_BELOW_LEGAL_MINIMUM,
    FLAG_DAY_RATE_ABOVE_CEILING,
    FLAG_DAY_RATE_BELOW_FLOOR,
    FLAG_LABELS,
    FLAG_SALARY_ABOVE_CEILING,
    SALARY_CEILING,
    flag_bits,
    flags_of,
)

# What the form, the API and the admin read here: the rules' names, for one answer.
__all__ = [
    "DAY_RATE_CEILING",
    "DAY_RATE_FLOOR",
    "FIELDS",
    "FIELDS_BY_NAME",
    "FIELD_NAMES",
    "FLAG_BELOW_LEGAL_MINIMUM",
    "FLAG_DAY_RATE_ABOVE_CEILING",
    "FLAG_DAY_RATE_BELOW_FLOOR",
    "FLAG_LABELS",
    "FLAG_SALARY_ABOVE_CEILING",
    "FREELANCE_REQUIRED",
    "MESSAGES",
    "SALARIED_REQUIRED",
    "SALARY_CEILING",
    "UNSTORABLE",
    "Field",
    "InvalidAnswers",
    "full_time_equivalents",
    "is_blank",
    "quoted",
    "sanity_flags",
    "validate_answers",
]


class InvalidAnswers(ValueError):
    """The answer breaks one or more rules; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def validate_answers(raw: Mapping[str, Any], *, allow_unknown: bool = False) -> dict[str, Any]:
    """Clean one answer: every field of FIELDS, typed, plus the cross-field rules.

    Returns the cleaned answer (codes as str, lists as lists of codes, empty
    optional fields as "" / None / []). Raises InvalidAnswers with every error
    at once, keyed by field name ("__all__" never: each rule names a field).
    """
    errors: dict[str, list[str]] = {}
    if not allow_unknown:
        for name in raw:
            if name not in FIELDS_BY_NAME:
                errors.setdefault(quoted(name), []).append(str(MESSAGES["unknown_field"]))
    columns = {field.name: clean_values(field, _one(raw.get(field.name))) for field in FIELDS}
    problems = [(name, problem) for name, column in columns.items() for problem in column.problems]
    for name, (mask, message) in [*problems, *cross_field_problems(columns)]:
        if mask[0]:
            errors.setdefault(name, []).append(message if isinstance(message, str) else message[0])
    if errors:
        raise InvalidAnswers(errors)
    return {name: column.value(0) for name, column in columns.items()}


def full_time_equivalents(
    base_salary: int | None, variable_pay: int | None, work_time_share: float
) -> tuple[int | None, int | None]:
    """(total, base) gross annual full-time equivalents of one answer (`rules.fte`).

    total = (base + variable) / work_time_share; base = base / work_time_share;
    whole units, half rounded up; (None, None) without a base salary.
    """
    total, base = fte.full_time_equivalents(
        _number(base_salary), _number(variable_pay), _number(work_time_share)
    )
    return _whole(total[0]), _whole(base[0])


def sanity_flags(clean: Mapping[str, Any], *, legal_minimum: int | None) -> list[str]:
    """The stage-1 flags of DESIGN.md for a cleaned answer (empty: nothing to review).

    `legal_minimum` is the gross annual full-time minimum in force in the
    answer's country (province, in Canada) for the edition's year, or None
    where there is none; the other bounds are the country's. Trainees are not held to it
    (`rules.flags`).
    """
    total, _base = fte.full_time_equivalents(
        _number(clean.get("base_salary")),
        _number(clean.get("variable_pay")),
        _number(clean["work_time_share"]),
    )
    bits = flag_bits(
        status=_one(clean["status"]),
        country=_one(clean["country"]),
        total_fte=total,
        day_rate=_number(clean.get("day_rate")),
        legal_minimum=_number(legal_minimum),
    )
    return flags_of(int(bits[0]))


def _one(value: object) -> np.ndarray:
    """One value as a one-value object array (a list stays one value)."""
    array = np.empty(1, dtype=object)
    array[0] = value
    return array


def _number(value: float | None) -> np.ndarray:
    return np.array([np.nan if value is None else value], dtype=np.float64)


def _whole(value: float) -> int | None:
    return None if np.isnan(value) else int(value)
