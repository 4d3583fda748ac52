"""The answer rules (surveys.rules) on arrays: hand-computed cases, and what they may import."""

from __future__ import annotations

import importlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.utils.translation import override

from surveys.rules import flags, fte
from surveys.rules.fields import FIELDS, FIELDS_BY_NAME, Cleaned, clean_values, code_masks
from surveys.rules.legal_minimums import (
    MINIMUMS,
    default_table,
    minimum_in_force,
    minimums_in_force,
)

ROOT = Path(__file__).resolve().parents[2]
NAN = np.nan


def test_the_migrations_hold_a_copy_of_the_legal_minimums_of_the_rules() -> None:
    # A migration must not change when the module does: each keeps its own literal
    # copy. 0002 loaded the first figures; 0012 replaced Belgium's and Canada's.
    first = importlib.import_module("surveys.migrations.0002_legal_minimums")
    fix = importlib.import_module("surveys.migrations.0012_legal_minimums_by_province")
    rows = {(c, "", year): (gross, source) for c, year, gross, source in first.MINIMUMS}
    for country, year, _gross, _source in fix.OLD_CANADA:
        del rows[country, "", year]
    for country, region, year, gross, source in [*fix.NEW_BELGIUM, *fix.NEW_CANADA]:
        rows[country, region, year] = (gross, source)

    assert sorted((*key, *value) for key, value in rows.items()) == sorted(MINIMUMS)


def test_the_rules_and_one_answer_load_neither_pandas_nor_the_orm() -> None:
    # One answer is checked in web processes, which load no pandas.
    code = (
        "import sys, surveys.validation, surveys.rules.legal_minimums; "
        "print(sorted(m for m in ('pandas', 'scipy', 'surveys.models', 'django.db.models') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_full_time_equivalents_of_a_column_round_half_up_and_skip_rows_without_salary() -> None:
    total, base = fte.full_time_equivalents(
        pd.array([24_000, 15_001, None, 30_000], dtype="Int64"),
        [1_000, None, 5_000, None],
        np.array([0.8, 0.4, 1.0, 1.0]),
    )
    # (24,000 + 1,000) / 0.8 = 31,250; 15,001 / 0.4 = 37,502.5 -> 37,503; no base: NaN
    np.testing.assert_array_equal(total, [31_250, 37_503, NAN, 30_000])
    np.testing.assert_array_equal(base, [30_000, 37_503, NAN, 30_000])


def test_flag_bits_follow_the_order_of_the_flag_codes() -> None:
    bits = flags.flag_bits(
        status=np.array(["employee", "trainee", "employee", "employee", "freelance", "freelance"]),
        country=["FR"] * 6,
        total_fte=[20_000, 5_000, 20_000, 600_000, None, None],
        day_rate=[None, None, None, None, 124, 3_001],
        legal_minimum=[21_876, 21_876, NAN, 0, NAN, NAN],
    )
    # An employee under the minimum: bit 0; a trainee is not held to it; no
    # minimum (NaN or 0), no flag; over 500,000: bit 1; day rates: bits 2 and 3.
    assert bits.tolist() == [1, 0, 0, 2, 4, 8]
    assert flags.flag_lists(bits).tolist() == [
        ["below_legal_minimum"],
        [],
        [],
        ["salary_above_ceiling"],
        ["day_rate_below_floor"],
        ["day_rate_above_ceiling"],
    ]
    assert flags.flags_of(3) == ["below_legal_minimum", "salary_above_ceiling"]


def test_flag_bits_take_a_categorical_column_of_statuses() -> None:
    status = pd.Series(pd.Categorical(["employee", "freelance"]))

    bits = flags.flag_bits(
        status=status,
        country=pd.Series(pd.Categorical(["FR", "CH"])),
        total_fte=[1_000, None],
        day_rate=[None, 100],
        legal_minimum=[21_876] * 2,
    )
    assert bits.tolist() == [1, 4]


def test_the_minimum_in_force_is_the_latest_of_that_year_or_before() -> None:
    table = default_table()
    countries = ["FR", "FR", "FR", "FR", "CH", "CA", "LU", "FR"]
    regions = ["FR-IDF", "FR-BRE", "FR-IDF", "FR-OCC", "CH-GE", "CA-QC", "LU-LU", "FR-IDF"]
    years = pd.array([2023, 2024, 2025, 2031, 2026, 2026, 2024, None], dtype="Int64")

    found = minimums_in_force(countries, years, regions=regions, table=table)

    # Before the first figure, in Switzerland (none) and without a year: nothing.
    # Québec on 1 January 2026: 16.10 $/h × 2,080 h = 33,488.
    np.testing.assert_array_equal(found, [NAN, 21_203, 21_622, 21_876, NAN, 33_488, 30_851, NAN])
    assert minimum_in_force("FR", 2031, region="FR-IDF", table=table) == 21_876
    assert minimum_in_force("CH", 2026, region="CH-VD", table=table) is None


RAW_VALUES = [
    "4",
    " 12 ",
    "35\u202f000",
    "\u0663",
    "-1",
    "abc",
    "",
    None,
    7,
    2.0,
    2.5,
    True,
    Decimal("1E+400"),
    "0,5",
    "1.2",
    "FR",
    " FR ",
    "fr",
    "content|animation",
    "content|content",
    ["reach"],
    ["reach", 3],
    "a\x00",
    "x" * 130,
    float("inf"),
]


def messages_at(cleaned: Cleaned, position: int) -> list[str]:
    return [
        message if isinstance(message, str) else message[position]
        for mask, message in cleaned.problems
        if mask[position]
    ]


def one_per_position(values: list[object]) -> np.ndarray:
    """An object array of these values (a list stays one value)."""
    array = np.empty(len(values), dtype=object)
    for position, value in enumerate(values):
        array[position] = value
    return array


@pytest.mark.parametrize("name", [field.name for field in FIELDS])
def test_a_column_of_values_is_cleaned_as_each_value_alone(name: str) -> None:
    field = FIELDS_BY_NAME[name]
    values = one_per_position(RAW_VALUES)

    with override("en"):
        column = clean_values(field, values)
        alone = [clean_values(field, one_per_position([value])) for value in RAW_VALUES]

    for position, single in enumerate(alone):
        assert column.value(position) == single.value(0)
        assert column.valid[position] == single.valid[0]
        assert column.empty[position] == single.empty[0]
        assert messages_at(column, position) == messages_at(single, 0)


def test_lists_of_codes_become_the_bit_masks_of_the_vocabulary() -> None:
    values = one_per_position(["content|animation", "", ["nope"]])

    masks = code_masks(clean_values(FIELDS_BY_NAME["missions"], values))

    # animation is bit 0, content bit 1; empty or in error: 0.
    assert masks.tolist() == [0b11, 0, 0]


def test_an_integer_too_long_to_print_is_refused_by_name_not_with_an_internal_message() -> None:
    # Past 4,300 digits Python will not turn an integer into text (str() raises).
    huge = 10**5000
    values = one_per_position([huge])

    with override("en"):
        code = clean_values(FIELDS_BY_NAME["education"], values)
        text = clean_values(FIELDS_BY_NAME["job_title"], values)
        number = clean_values(FIELDS_BY_NAME["experience_years"], values)

    assert messages_at(code, 0)[0].startswith("“…” is not an allowed value")
    assert messages_at(text, 0) == ["This text is longer than 120 characters."]
    assert messages_at(number, 0) == ["Enter a value between 0 and 50."]
