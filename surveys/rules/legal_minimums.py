"""The legal minimum wages that stage-1 sanity checks compare full-time salaries with.

Gross per year, full time, in the country's currency: the figures in force on
1 January of each year. The minimum in force in a year is the latest one of
that year or before; a country with none (Switzerland) flags nothing.

MINIMUMS is the one place these figures are written. Migration
surveys/0002_legal_minimums loaded a literal copy of them into the
LegalMinimum table (a migration must not change when this module does; a test
holds the two equal), where editors keep them up to date in the admin: a
running site reads the table (surveys.services.legal_minimum_table), and the
demo generator, which needs no database, reads MINIMUMS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from surveys.rules.fte import as_floats

# (country, year, annual gross, source)
MINIMUMS: tuple[tuple[str, int, int, str], ...] = (
    ("FR", 2024, 21_203, "SMIC 1 766,92 € brut mensuel × 12 (151,67 h)"),
    ("FR", 2025, 21_622, "SMIC 1 801,80 € brut mensuel × 12 (151,67 h)"),
    ("FR", 2026, 21_876, "SMIC 1 823,03 € brut mensuel × 12 (151,67 h)"),
    ("BE", 2024, 23_930, "RMMMG 1 994,18 € × 12"),
    ("BE", 2025, 24_846, "RMMMG 2 070,48 € × 12"),
    ("BE", 2026, 25_332, "RMMMG 2 111,00 € × 12"),
    ("LU", 2024, 30_851, "salaire social minimum non qualifié 2 570,93 € × 12"),
    ("LU", 2025, 31_653, "salaire social minimum non qualifié 2 637,79 € × 12"),
    ("LU", 2026, 32_445, "salaire social minimum non qualifié 2 703,74 € × 12"),
    # Canada: the minimum is provincial; most answers come from Québec, whose
    # general rate is used (hourly rate × 2 080 h).
    ("CA", 2024, 32_760, "Québec 15,75 $/h × 2 080 h"),
    ("CA", 2025, 33_488, "Québec 16,10 $/h × 2 080 h"),
    ("CA", 2026, 34_528, "Québec 16,60 $/h × 2 080 h"),
    # Switzerland has no national minimum wage: no row, no flag.
)

# {country: [(year, annual gross), ...]}: every minimum of each country.
LegalMinimumTable = Mapping[str, Sequence[tuple[int, int]]]


def table_of(rows: Iterable[tuple[str, int, int]]) -> dict[str, list[tuple[int, int]]]:
    """A LegalMinimumTable from (country, year, annual gross) rows."""
    table: dict[str, list[tuple[int, int]]] = {}
    for country, year, annual_gross in rows:
        table.setdefault(country, []).append((year, annual_gross))
    return table


def default_table() -> dict[str, list[tuple[int, int]]]:
    """MINIMUMS as a LegalMinimumTable: the figures a database starts with."""
    return table_of((country, year, gross) for country, year, gross, _source in MINIMUMS)


def minimum_in_force(country: str, year: int, *, table: LegalMinimumTable) -> int | None:
    """The minimum in force in `country` in `year`: the latest of that year or before, or None."""
    earlier = [row for row in table.get(country, ()) if row[0] <= year]
    return max(earlier)[1] if earlier else None


def minimums_in_force(countries: Any, years: Any, *, table: LegalMinimumTable) -> np.ndarray:
    """minimum_in_force of each row, as float64 (NaN where there is none, or no year).

    One lookup per distinct (country, year) pair: a column of answers holds a
    few dozen.
    """
    country_codes, country_index = np.unique(
        np.asarray(countries, dtype=object).astype(str), return_inverse=True
    )
    year_values = as_floats(years)
    known = ~np.isnan(year_values)
    # One integer per (country, year) pair; -1 where the year is missing.
    pairs = np.where(
        known, country_index.astype(np.int64) * 10_000 + np.nan_to_num(year_values), -1
    ).astype(np.int64)
    distinct, row_pair = np.unique(pairs, return_inverse=True)
    minimums = np.full(len(distinct), np.nan)
    for position, pair in enumerate(distinct.tolist()):
        if pair < 0:
            continue
        minimum = minimum_in_force(str(country_codes[pair // 10_000]), pair % 10_000, table=table)
        if minimum is not None:
            minimums[position] = minimum
    return minimums[row_pair]
