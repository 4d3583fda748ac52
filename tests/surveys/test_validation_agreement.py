"""`validate_frame` (a whole CSV, vectorized) and `validate_answers` (one answer) agree.

Validation lives in one place only if both paths report the same errors, clean
to the same values and raise the same stage-1 flags, for valid and invalid
input alike. Hypothesis draws answers that start valid for a random status and
then have a few fields replaced by anything: valid values, other fields'
codes, out-of-range figures, odd spacing, Unicode digits, garbage.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import vocabulary as vocab
from surveys.importing import (
    MASK_COLUMNS,
    full_time_equivalents_frame,
    sanity_flags_frame,
    validate_frame,
)
from surveys.validation import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    InvalidAnswers,
    full_time_equivalents,
    sanity_flags,
    validate_answers,
)

ALL_CODES = sorted({code for vocabulary in vocab.ALL.values() for code in vocabulary.codes})
ODD_NUMBERS = [
    "",
    " ",
    "abc",
    "1.5",
    "+7",
    " 12 ",
    "35\u202f000",
    "35 000",
    "\u0663",
    "9" * 25,
    "-0",
    "0x10",
    "1_000",
    "12\n",
    "0,5",
    ".5",
    "1.",
    "1e-1",
    "inf",
    "nan",
    "9" * 400,
    "-1",
    "\u0660.\u0665",
    "+.5",
    "1,",
    "--1",
    "0.1",
    "1.0",
    "1.00000000000000001",
    "0.0999999999999999999",
    "9" * 5_000,
    "-" + "1" * 4_001,
    "1\x00",
    "\x00",
]
# What no database column takes, and the characters a message must not quote as they are.
UNSTORABLE_TEXT = ["\x00", "a\x00", "\x00b", "\ud800", "x\udfff", "\x1b[2J", "\u0085"]


def int_text(name: str) -> st.SearchStrategy[str]:
    field = FIELDS_BY_NAME[name]
    low, high = int(field.min or 0), int(field.max or 100)
    return st.one_of(
        st.integers(low, high).map(str),
        st.integers(low - 3, high + 3).map(str),
        st.sampled_from(ODD_NUMBERS),
        st.text(max_size=4),
    )


def float_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(0.1, 1.0).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(ODD_NUMBERS),
        st.text(max_size=4),
    )


def code_text(name: str) -> st.SearchStrategy[str]:
    vocabulary = FIELDS_BY_NAME[name].vocabulary
    assert vocabulary is not None
    own = st.sampled_from(vocabulary.codes)
    return st.one_of(
        own,
        own.map(lambda code: f"  {code} "),
        own.map(str.upper),
        st.sampled_from(ALL_CODES),
        st.sampled_from(["", " ", "\t", "|"]),
        st.sampled_from(UNSTORABLE_TEXT),
        st.text(max_size=4),
    )


def codes_text(name: str) -> st.SearchStrategy[str]:
    vocabulary = FIELDS_BY_NAME[name].vocabulary
    assert vocabulary is not None
    item = st.one_of(
        st.sampled_from(vocabulary.codes),
        st.sampled_from(vocabulary.codes).map(lambda code: f" {code}  "),
        st.sampled_from(["", " ", "nope", "FR", "content\x00", *UNSTORABLE_TEXT]),
        st.text(max_size=3),
    )
    return st.lists(item, max_size=5).map("|".join)


def any_text(name: str) -> st.SearchStrategy[str]:
    kind = FIELDS_BY_NAME[name].kind
    if kind == "int":
        return int_text(name)
    if kind == "float":
        return float_text()
    if kind == "code":
        return code_text(name)
    if kind == "codes":
        return codes_text(name)
    return st.one_of(
        st.text(max_size=10),
        st.just("a" * 121),
        st.just(" " + "b" * 120 + " "),
        st.just(""),
        st.sampled_from(UNSTORABLE_TEXT),
        st.sampled_from(UNSTORABLE_TEXT).map(lambda text: text + "c" * 130),
    )


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """An answer valid for a random status, then up to 4 fields replaced by anything."""
    status = draw(st.sampled_from(vocab.STATUS.codes))
    country = draw(st.sampled_from(vocab.COUNTRY.codes))
    salaried = status != "freelance"

    def pick(values: tuple[str, ...] | list[str]) -> str:
        return draw(st.sampled_from(values))

    def number(low: int, high: int) -> str:
        return str(draw(st.integers(low, high)))

    row: dict[str, Any] = {
        "edition": number(2020, 2030),
        "status": status,
        "role": pick(vocab.ROLE.codes),
        "job_title": pick(["", "CM", "Social media manager"]),
        "experience_years": number(0, 50),
        "education": pick(vocab.EDUCATION.codes),
        "employer_size": pick(vocab.EMPLOYER_SIZE.codes) if salaried else "",
        "employer_type": pick(vocab.EMPLOYER_TYPE.codes) if salaried else "",
        "country": country,
        "region": pick(vocab.REGIONS_BY_COUNTRY[country].codes),
        "work_time_share": pick(["1", "1.0", "0.8", "0,5", "0.1", "0.33"]),
        "base_salary": number(0, 700_000) if salaried else "",
        "variable_pay": pick(["", "0", "3000", "250000"]) if salaried else "",
        "day_rate": "" if salaried else number(1, 4_000),
        "billed_days": "" if salaried else number(1, 260),
        "missions": "|".join(draw(st.lists(st.sampled_from(vocab.MISSIONS.codes), unique=True))),
        "kpis": "|".join(draw(st.lists(st.sampled_from(vocab.KPIS.codes), unique=True))),
        "weekly_hours": number(1, 80),
        "remote_days": number(0, 5),
        "satisfaction": number(1, 5),
        "gender": pick(["", *vocab.GENDER.codes]),
        "age_band": pick(["", *vocab.AGE_BAND.codes]),
    }
    for name in draw(st.sets(st.sampled_from(FIELD_NAMES), max_size=4)):
        if draw(st.integers(0, 9)) == 0:
            del row[name]  # a missing key: an empty cell in the frame
        else:
            row[name] = draw(any_text(name))
    return row


def frame_value(clean: pd.DataFrame, row: int, name: str) -> Any:
    value = clean[MASK_COLUMNS.get(name, name)].iloc[row]
    if FIELDS_BY_NAME[name].kind in ("int", "float"):
        return None if pd.isna(value) else value
    if FIELDS_BY_NAME[name].kind == "codes":
        return int(value)
    return str(value)


def answer_value(clean: dict[str, Any], name: str) -> Any:
    vocabulary = FIELDS_BY_NAME[name].vocabulary
    if FIELDS_BY_NAME[name].kind == "codes":
        assert vocabulary is not None
        return vocab.mask_of(clean[name], vocabulary)
    return clean[name]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(answers(), min_size=1, max_size=12),
    minimums=st.lists(st.sampled_from([None, 0, 21_876, 34_528]), min_size=12, max_size=12),
)
def test_the_vectorized_import_and_the_form_find_the_same_errors_values_and_flags(
    rows: list[dict[str, Any]], minimums: list[int | None]
) -> None:
    frame = pd.DataFrame(rows)
    clean, errors = validate_frame(frame)

    frame_errors: dict[int, dict[str, list[str]]] = {}
    for error in errors:
        frame_errors.setdefault(error.line - 2, {}).setdefault(error.field, []).append(
            error.message
        )
    valid_rows: list[int] = []
    for position, raw in enumerate(rows):
        try:
            expected = validate_answers(raw)
        except InvalidAnswers as invalid:
            assert frame_errors.get(position) == invalid.errors, raw
            continue
        assert position not in frame_errors, raw
        valid_rows.append(position)
        for name in FIELD_NAMES:
            assert frame_value(clean, position, name) == answer_value(expected, name), (name, raw)

    if not valid_rows:
        return
    valid = clean.iloc[valid_rows].reset_index(drop=True)
    legal = np.array([np.nan if minimums[i] is None else minimums[i] for i in valid_rows])
    flags = sanity_flags_frame(valid, legal_minimum=legal)
    total, base = full_time_equivalents_frame(valid)
    for index, position in enumerate(valid_rows):
        expected = validate_answers(rows[position])
        assert flags.iloc[index] == sanity_flags(expected, legal_minimum=minimums[position])
        expected_total, expected_base = full_time_equivalents(
            expected["base_salary"], expected["variable_pay"], expected["work_time_share"]
        )
        assert (None if pd.isna(total.iloc[index]) else total.iloc[index]) == expected_total
        assert (None if pd.isna(base.iloc[index]) else base.iloc[index]) == expected_base


def test_an_unknown_column_is_an_error_on_every_row_as_an_unknown_key_is() -> None:
    raw = {"status": "employee", "salary": "30000"}
    try:
        validate_answers(raw)
    except InvalidAnswers as invalid:
        expected = invalid.errors["salary"]
    _clean, errors = validate_frame(pd.DataFrame([raw, raw]))
    assert [(e.line, e.message) for e in errors if e.field == "salary"] == [
        (2, expected[0]),
        (3, expected[0]),
    ]
