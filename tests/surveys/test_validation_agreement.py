"""One answer, the CSV import and the demo generator apply the same rules, to the row.

The rules live once (`surveys.rules`), but each path assembles them: one
answer (`validate_answers`, `sanity_flags`, `full_time_equivalents`), whole
columns of a CSV (`validate_frame`, `response_rows`), a whole synthetic sample
(`demo_frame`). They agree only if they report the same errors, clean to the
same values and store the same full-time equivalents, stage-1 flags and state,
for valid and invalid input alike. Hypothesis draws answers that start valid
for a random status and then have a few fields replaced by anything: valid
values, other fields' codes, out-of-range figures, odd spacing, Unicode
digits, garbage; the demo generator brings its own rows, deliberate outliers
included.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import demo
from surveys import vocabulary as vocab
from surveys.importing import MASK_COLUMNS, response_rows, validate_frame
from surveys.rules import flags
from surveys.rules.legal_minimums import LegalMinimumTable, default_table, minimum_in_force
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
        # Past every country's salary ceiling and day-rate ceiling (sanity_bounds.py).
        "base_salary": number(0, 1_400_000) if salaried else "",
        "variable_pay": pick(["", "0", "3000", "250000"]) if salaried else "",
        "day_rate": "" if salaried else number(1, 9_000),
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


def minimum_tables() -> st.SearchStrategy[LegalMinimumTable]:
    """Legal minimums as editors may keep them: some countries or regions, some years, or none."""
    years = st.lists(
        st.tuples(st.integers(2018, 2032), st.sampled_from([0, 21_876, 34_528, 90_000])),
        max_size=3,
        unique_by=lambda row: row[0],
    )
    areas = st.sampled_from([*vocab.COUNTRY.codes, *vocab.REGIONS_BY_COUNTRY["CA"].codes, "FR-IDF"])
    return st.dictionaries(areas, years, max_size=5)


def stored(rows: pd.DataFrame, position: int) -> tuple[Any, ...]:
    """What the import stores of one row: (state, flags, total FTE, base FTE)."""
    row = rows.iloc[position]
    return (
        row["state"],
        json.loads(row["flags"]),
        None if pd.isna(row["total_fte"]) else int(row["total_fte"]),
        None if pd.isna(row["base_fte"]) else int(row["base_fte"]),
    )


def built(clean: dict[str, Any], *, legal_minimum: int | None) -> tuple[Any, ...]:
    """What one answer stores (services.response_build): (state, flags, total FTE, base FTE)."""
    found = sanity_flags(clean, legal_minimum=legal_minimum)
    total, base = full_time_equivalents(
        clean["base_salary"], clean["variable_pay"], clean["work_time_share"]
    )
    return ("flagged" if found else "accepted", found, total, base)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(answers(), min_size=1, max_size=12), minimums=minimum_tables())
def test_the_vectorized_import_and_the_form_find_the_same_errors_values_and_flags(
    rows: list[dict[str, Any]], minimums: LegalMinimumTable
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
    # An answer without an edition goes to the open one: here, 2026.
    valid = clean.iloc[valid_rows].reset_index(drop=True)
    valid["edition"] = valid["edition"].fillna(2026)
    imported = response_rows(
        valid, edition_ids={year: year for year in range(2000, 2101)}, minimums=minimums
    )
    for index, position in enumerate(valid_rows):
        expected = validate_answers(rows[position])
        year = expected["edition"] or 2026
        minimum = minimum_in_force(
            expected["country"], year, region=expected["region"], table=minimums
        )
        assert stored(imported, index) == built(expected, legal_minimum=minimum), rows[position]


def text_cells(row: pd.Series) -> dict[str, str]:
    """A demo row as the cells of a CSV line (and of a form): text, lists `|`-separated."""
    cells: dict[str, str] = {}
    for name in FIELD_NAMES:
        field = FIELDS_BY_NAME[name]
        if field.kind == "codes":
            assert field.vocabulary is not None
            cells[name] = "|".join(vocab.codes_of(int(row[MASK_COLUMNS[name]]), field.vocabulary))
        elif pd.isna(row[name]):
            cells[name] = ""
        elif field.kind == "int":
            cells[name] = str(int(row[name]))
        else:
            cells[name] = str(row[name])
    return cells


@pytest.fixture(scope="module")
def demo_sample() -> pd.DataFrame:
    """Demo rows, every flagged one among 20,000 and as many accepted ones.

    An extra zero typed into a salary or a day rate is made far more common
    than in the demo data (salaries: 200 times), so that the ceilings flag some
    rows too: a salary ceiling is some fifteen times a country's median
    (sanity_bounds.py), so only the best paid pass it with one zero too many.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "SALARY_EXTRA_ZERO_SHARE", 0.2)
        patch.setattr(demo, "DAY_RATE_EXTRA_ZERO_SHARE", 0.1)
        sample = demo.demo_frame(responses=20_000, seed=12, editions=(2024, 2025, 2026))
    flagged = sample[sample["state"] == "flagged"]
    accepted = sample[sample["state"] == "accepted"].sample(len(flagged), random_state=12)
    return pd.concat([flagged, accepted]).reset_index(drop=True)


def test_the_demo_the_import_and_one_answer_give_the_same_flags_for_the_same_rows(
    demo_sample: pd.DataFrame,
) -> None:
    # The minimums a database starts with, as the demo generator uses them by default.
    minimums = default_table()
    cells = [text_cells(row) for _index, row in demo_sample.iterrows()]
    clean, errors = validate_frame(pd.DataFrame(cells))
    assert errors == []
    imported = response_rows(clean, edition_ids={2024: 1, 2025: 2, 2026: 3}, minimums=minimums)

    for position, row in demo_sample.iterrows():
        answer = validate_answers(cells[position])
        minimum = minimum_in_force(
            answer["country"], answer["edition"], region=answer["region"], table=minimums
        )
        generated = (
            row["state"],
            row["flags"],
            None if pd.isna(row["total_fte"]) else int(row["total_fte"]),
            None if pd.isna(row["base_fte"]) else int(row["base_fte"]),
        )
        assert generated == built(answer, legal_minimum=minimum) == stored(imported, position)
    # Every flag is met: each rule is held to agreement, not only the rows it spares.
    seen = {flag for row_flags in demo_sample["flags"] for flag in row_flags}
    assert seen == set(flags.FLAG_CODES)


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
