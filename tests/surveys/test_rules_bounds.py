"""Stage-1 bounds by country and the legal minimums by province, against hand-computed figures.

The bounds (surveys.rules.sanity_bounds) are France's scaled to each country's
pay level; the legal minimums (surveys.rules.legal_minimums) hold Belgium's
annual pay elements and Canada's provincial rates; migration surveys/0012
brings an existing database there.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from surveys import vocabulary as vocab
from surveys.models import Edition, LegalMinimum, SurveyResponse
from surveys.rules import flags
from surveys.rules.legal_minimums import (
    MINIMUMS,
    default_table,
    minimum_in_force,
    minimums_in_force,
)
from surveys.rules.sanity_bounds import BOUNDS, bound_columns
from surveys.services import legal_minimum_for, response_build
from surveys.validation import sanity_flags, validate_answers

# By hand: France's 125 / 3,000 / 500,000 times the pay level (BE 1.3, LU 1.5, CH 2.5,
# CA 1.6), the floor rounded half up to 5, the ceilings to 500 and 50,000:
# BE 162.5 -> 165, 3,900 -> 4,000, 650,000; LU 187.5 -> 190, 4,500, 750,000;
# CH 312.5 -> 315, 7,500, 1,250,000; CA 200, 4,800 -> 5,000, 800,000.
EXPECTED_BOUNDS = {
    "FR": (125, 3_000, 500_000),
    "BE": (165, 4_000, 650_000),
    "LU": (190, 4_500, 750_000),
    "CH": (315, 7_500, 1_250_000),
    "CA": (200, 5_000, 800_000),
}
REGION_OF = {"FR": "FR-IDF", "BE": "BE-BRU", "LU": "LU-LU", "CH": "CH-GE", "CA": "CA-QC"}


def answer(country: str, *, region: str | None = None, **figures: Any) -> dict[str, Any]:
    """A cleaned answer of `country`: an employee unless a day rate is given."""
    freelance = "day_rate" in figures
    raw = {
        "edition": "2026",
        "status": "freelance" if freelance else figures.pop("status", "employee"),
        "role": "community-manager",
        "experience_years": "5",
        "education": "bac5",
        "employer_size": "" if freelance else "medium",
        "employer_type": "" if freelance else "brand",
        "country": country,
        "region": region or REGION_OF[country],
        "work_time_share": str(figures.pop("work_time_share", 1.0)),
        "billed_days": "150" if freelance else "",
        "weekly_hours": "38",
        "remote_days": "2",
        "satisfaction": "4",
        **{name: str(value) for name, value in figures.items()},
    }
    return validate_answers(raw)


def minimum(clean: dict[str, Any]) -> int | None:
    """The minimum a database starts with, for a cleaned answer (its province in Canada)."""
    return minimum_in_force(
        clean["country"], clean["edition"], region=clean["region"], table=default_table()
    )


def flags_of(clean: dict[str, Any]) -> list[str]:
    return sanity_flags(clean, legal_minimum=minimum(clean))


# --- The bounds -------------------------------------------------------------------------


def test_each_country_has_its_bounds_and_france_keeps_its_figures() -> None:
    found = {
        country: (b.day_rate_floor, b.day_rate_ceiling, b.salary_ceiling)
        for country, b in BOUNDS.items()
    }
    assert found == EXPECTED_BOUNDS
    assert set(BOUNDS) == set(vocab.COUNTRY.codes)
    assert (flags.DAY_RATE_FLOOR, flags.DAY_RATE_CEILING, flags.SALARY_CEILING) == (
        125,
        3_000,
        500_000,
    )


def test_amounts_that_france_would_flag_are_ordinary_in_swiss_francs() -> None:
    # 600,000 a year, a day rate of 3,500: over France's ceilings, under Switzerland's.
    assert flags_of(answer("FR", base_salary=600_000)) == ["salary_above_ceiling"]
    assert flags_of(answer("CH", base_salary=600_000)) == []
    assert flags_of(answer("FR", day_rate=3_500)) == ["day_rate_above_ceiling"]
    assert flags_of(answer("CH", day_rate=3_500)) == []
    # And the other way: 200 CHF a day is under Switzerland's floor, not France's.
    assert flags_of(answer("CH", day_rate=200)) == ["day_rate_below_floor"]
    assert flags_of(answer("FR", day_rate=200)) == []
    # 900,000 CAD: over Canada's ceiling (800,000), 1,300,000 CHF over Switzerland's.
    assert flags_of(answer("CA", base_salary=900_000)) == ["salary_above_ceiling"]
    assert flags_of(answer("CH", base_salary=1_300_000)) == ["salary_above_ceiling"]


def test_every_bound_of_every_country_holds_at_its_edge_on_a_column() -> None:
    countries, statuses, totals, rates, expected = [], [], [], [], []
    for country, (floor, ceiling, salary_ceiling) in EXPECTED_BOUNDS.items():
        for rate, bits in ((floor - 1, 4), (floor, 0), (ceiling, 0), (ceiling + 1, 8)):
            countries.append(country)
            statuses.append("freelance")
            totals.append(None)
            rates.append(rate)
            expected.append(bits)
        for total, bits in ((salary_ceiling, 0), (salary_ceiling + 1, 2)):
            countries.append(country)
            statuses.append("employee")
            totals.append(total)
            rates.append(None)
            expected.append(bits)
    # A country outside the survey has no bounds: nothing is flagged.
    countries.append("XX")
    statuses.append("freelance")
    totals.append(None)
    rates.append(1)
    expected.append(0)

    bits = flags.flag_bits(
        status=np.array(statuses, dtype=object),
        country=np.array(countries, dtype=object),
        total_fte=totals,
        day_rate=rates,
        legal_minimum=[None] * len(rates),
    )
    assert bits.tolist() == expected


def test_bound_columns_read_a_categorical_column_with_missing_countries() -> None:
    import pandas as pd

    column = pd.Series(pd.Categorical(["CH", None, "FR"]))
    floor, ceiling, salary = bound_columns(column)
    np.testing.assert_array_equal(floor, [315, np.nan, 125])
    np.testing.assert_array_equal(ceiling, [7_500, np.nan, 3_000])
    np.testing.assert_array_equal(salary, [1_250_000, np.nan, 500_000])


# --- The legal minimums -----------------------------------------------------------------


def test_belgiums_yearly_minimum_adds_the_13th_month_and_the_double_holiday_pay() -> None:
    # RMMMG × 12 + one month (end-of-year premium) + 92 % of a month (double holiday pay):
    # 2024: 23,930.16 + 1,994.18 + 1,834.6456 = 27,758.99 -> 27,759
    # 2025: 24,845.76 + 2,070.48 + 1,904.8416 = 28,821.08 -> 28,821
    # 2026: 25,332.00 + 2,111.00 + 1,942.12   = 29,385.12 -> 29,385
    table = default_table()
    assert table["BE"] == [(2024, 27_759), (2025, 28_821), (2026, 29_385)]
    for region in vocab.REGIONS_BY_COUNTRY["BE"].codes:
        assert minimum_in_force("BE", 2026, region=region, table=table) == 29_385
    # 26,000 € is over 12 monthly minimums (25,332) but under the yearly minimum.
    assert flags_of(answer("BE", base_salary=26_000)) == ["below_legal_minimum"]
    assert flags_of(answer("BE", base_salary=29_400)) == []


def test_canada_has_a_minimum_per_province_and_none_for_the_whole_country() -> None:
    table = default_table()
    canadian = {region for country, region, *_rest in MINIMUMS if country == "CA"}
    assert canadian == set(vocab.REGIONS_BY_COUNTRY["CA"].codes)
    assert "CA" not in table
    # Hourly rate on 1 January × 2,080 h, by hand.
    assert table["CA-ON"] == [(2024, 34_424), (2025, 35_776), (2026, 36_608)]  # 16.55, 17.20, 17.60
    assert table["CA-QC"] == [(2024, 31_720), (2025, 32_760), (2026, 33_488)]  # 15.25, 15.75, 16.10
    assert table["CA-AB"] == [(2024, 31_200), (2025, 31_200), (2026, 31_200)]  # 15.00
    assert table["CA-YT"][0] == (2024, 34_882)  # 16.77 × 2,080 = 34,881.6
    assert table["CA-NU"][2] == (2026, 41_080)  # 19.75 × 2,080


def test_an_ontario_salary_under_its_minimum_is_flagged_not_in_a_province_with_a_lower_one() -> (
    None
):
    # 35,000 CAD full time in 2026: under Ontario's 36,608, over Alberta's 31,200.
    assert flags_of(answer("CA", region="CA-ON", base_salary=35_000)) == ["below_legal_minimum"]
    assert flags_of(answer("CA", region="CA-AB", base_salary=35_000)) == []
    # Part time counts as its full-time equivalent: 17,500 at half time is 35,000.
    half = answer("CA", region="CA-ON", base_salary=17_500, work_time_share=0.5)
    assert flags_of(half) == ["below_legal_minimum"]
    # A trainee is not held to it.
    assert flags_of(answer("CA", region="CA-ON", base_salary=20_000, status="trainee")) == []


def test_a_region_with_figures_of_its_own_reads_them_alone() -> None:
    table = {"CA": [(2020, 50_000)], "CA-ON": [(2024, 30_000)], "FR": [(2024, 21_203)]}

    found = minimums_in_force(
        ["CA", "CA", "CA", "FR", "FR"],
        [2026, 2026, 2023, 2026, 2026],
        regions=["CA-ON", "CA-BC", "CA-ON", "FR-IDF", None],
        table=table,
    )

    # Ontario: its own row; British Columbia: none, the country's; Ontario before its
    # first row: nothing (the country's rows are not mixed in); France: national.
    np.testing.assert_array_equal(found, [30_000, 50_000, np.nan, 21_203, 21_203])


# --- One rule for one answer, a column and the demo ------------------------------------


def test_the_column_and_one_answer_agree_on_a_random_batch() -> None:
    rng = np.random.default_rng(2026)
    n = 600
    countries = rng.choice(vocab.COUNTRY.codes, size=n)
    regions = np.array(
        [rng.choice(vocab.REGIONS_BY_COUNTRY[country].codes) for country in countries]
    )
    years = rng.choice([2023, 2024, 2025, 2026, 2027], size=n)
    statuses = rng.choice(vocab.STATUS.codes, size=n)
    freelance = statuses == "freelance"
    share = rng.choice([1.0, 0.8, 0.5], size=n)
    # Log-uniform amounts, from far under every floor to past every ceiling.
    salary = np.where(freelance, np.nan, np.round(np.exp(rng.uniform(9.5, 14.5, n))))
    rate = np.where(freelance, np.round(np.exp(rng.uniform(4.0, 9.2, n))), np.nan)
    table = default_table()

    total = salary / share
    bits = flags.flag_bits(
        status=statuses,
        country=countries,
        total_fte=np.round(total),
        day_rate=rate,
        legal_minimum=minimums_in_force(countries, years, regions=regions, table=table),
    )

    seen: set[str] = set()
    for i in range(n):
        clean = {
            "status": str(statuses[i]),
            "country": str(countries[i]),
            "base_salary": None if np.isnan(salary[i]) else int(salary[i]),
            "variable_pay": None,
            "work_time_share": float(share[i]),
            "day_rate": None if np.isnan(rate[i]) else int(rate[i]),
        }
        legal = minimum_in_force(
            str(countries[i]), int(years[i]), region=str(regions[i]), table=table
        )
        one = sanity_flags(clean, legal_minimum=legal)
        assert flags.flags_of(int(bits[i])) == one, clean
        seen.update(one)
    assert seen == set(flags.FLAG_CODES)


@pytest.mark.django_db
def test_one_answer_reads_its_provinces_minimum_from_the_table() -> None:
    # The test database is migrated: 0012 put the provincial rows in LegalMinimum.
    edition = Edition(year=2026)
    ontario = answer("CA", region="CA-ON", base_salary=35_000)
    alberta = answer("CA", region="CA-AB", base_salary=35_000)

    assert legal_minimum_for("CA", 2026, region="CA-ON") == 36_608
    assert legal_minimum_for("CA", 2026, region="CA-AB") == 31_200
    for clean, state in ((ontario, "flagged"), (alberta, "accepted")):
        built = response_build(
            answers=clean,
            edition=edition,
            source=SurveyResponse.Source.SURVEY,
            legal_minimum=legal_minimum_for("CA", 2026, region=clean["region"]),
        )
        assert built.state == state


# --- The migration ----------------------------------------------------------------------


BEFORE = ("surveys", "0011_price_index")
FIRST_MINIMUMS = importlib.import_module("surveys.migrations.0002_legal_minimums").MINIMUMS
AFTER = ("surveys", "0012_legal_minimums_by_province")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_corrects_an_existing_database_and_spares_editors_changes() -> None:
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("surveys", "LegalMinimum")
        # A database of before: 0002's figures (an earlier test may have flushed them),
        # one of them changed by an editor, one added.
        old.objects.all().delete()
        for country, year, gross, source in FIRST_MINIMUMS:
            old.objects.create(country=country, year=year, annual_gross=gross, source=source)
        assert dict(old.objects.filter(country="CA").values_list("year", "annual_gross")) == {
            2024: 32_760,
            2025: 33_488,
            2026: 34_528,
        }
        assert old.objects.get(country="BE", year=2025).annual_gross == 24_846
        old.objects.filter(country="BE", year=2026).update(annual_gross=25_500)
        old.objects.create(country="CA", year=2027, annual_gross=40_000, source="editor")

        executor.loader.build_graph()
        executor.migrate([AFTER])
        new = executor.loader.project_state([AFTER]).apps.get_model("surveys", "LegalMinimum")
        rows = {
            (c, r, y): g
            for c, r, y, g in new.objects.values_list("country", "region", "year", "annual_gross")
        }

        expected = {(c, r, y): g for c, r, y, g, _source in MINIMUMS}
        expected["BE", "", 2026] = 25_500  # the editor's figure stays
        expected["CA", "", 2027] = 40_000  # and so does the editor's row
        assert rows == expected
        # Reading it: Ontario's own rows; a national row stays the country's.
        assert new.objects.get(country="CA", region="CA-ON", year=2026).annual_gross == 36_608

        # And back: the schema before has no region.
        executor.loader.build_graph()
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("surveys", "LegalMinimum")
        assert dict(old.objects.filter(country="CA").values_list("year", "annual_gross")) == {
            2024: 32_760,
            2025: 33_488,
            2026: 34_528,
            2027: 40_000,
        }
        assert old.objects.get(country="BE", year=2025).annual_gross == 24_846
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert LegalMinimum.objects.filter(country="CA", region="CA-QC").count() == 3
