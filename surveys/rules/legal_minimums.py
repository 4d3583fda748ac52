"""The legal minimum wages that stage-1 sanity checks compare full-time salaries with.

Gross per year, full time, in the country's currency: the figures in force on
1 January of each year (a rise later in the year counts from the next year:
the lower figure, so that no answer is flagged for a rise it may not have had
yet). The minimum in force in a year is the latest one of that year or before;
a country with none (Switzerland) flags nothing.

A minimum is national (region "") or regional: Canada's are set by each
province and territory, and a Canadian answer is held to its province's
(`region`, the ISO 3166-2 code of surveys.vocabulary). A region with figures
of its own is read alone; any other region reads its country's.

MINIMUMS is the one place these figures are written, with the computation and
source of each in the comments and in `source`. Migrations keep literal copies
(a migration must not change when this module does): surveys/0002 loaded the
first figures, surveys/0012 corrected Belgium's and put Canada's by province;
a test holds the two migrations, applied in turn, equal to MINIMUMS. Editors
keep the LegalMinimum table up to date in the admin: a running site reads the
table (surveys.services.legal_minimum_table), and the demo generator, which
needs no database, reads MINIMUMS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from surveys.rules.fte import as_floats


def _whole(amount: Decimal) -> int:
    """A yearly figure in whole currency units, half up (as the SMIC's: 21,203.04 -> 21,203)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# France: SMIC, monthly gross for 151.67 h a month (35 h a week), × 12. Source: the
# yearly decrees on the SMIC (service-public.fr, « Smic : montant »).
_FRANCE = (
    ("FR", "", 2024, 21_203, "SMIC 1 766,92 € brut mensuel × 12 (151,67 h)"),
    ("FR", "", 2025, 21_622, "SMIC 1 801,80 € brut mensuel × 12 (151,67 h)"),
    ("FR", "", 2026, 21_876, "SMIC 1 823,03 € brut mensuel × 12 (151,67 h)"),
)

# Belgium: the guaranteed average minimum monthly income (RMMMG, CCT 43 of the
# National Labour Council, as indexed; emploi.belgique.be, « Salaire minimum »),
# paid 12 times, plus the yearly pay elements every employee at that level is owed:
# - the end-of-year premium ("13th month"): one month's pay, under the collective
#   agreement of joint committee 200 (the auxiliary committee for white-collar
#   employees, where most community managers fall; sectors differ, 200 is the
#   reference);
# - the double holiday pay of white-collar employees: 92 % of a month's pay (Royal
#   Decree of 30 March 1967, art. 38; the "simple" holiday pay is the usual salary
#   paid during the holidays, already among the 12 months).
# Yearly = monthly × (12 + 1 + 0.92) = monthly × 13.92, rounded to the euro. The
# survey asks for the yearly gross with a 13th month and bonuses (the form counts 13
# or 14 payments), so it is this yearly figure that an answer is compared with.
_FRENCH_FIGURES = str.maketrans({",": " ", ".": ","})
BELGIUM_MONTHLY = {2024: Decimal("1994.18"), 2025: Decimal("2070.48"), 2026: Decimal("2111.00")}
BELGIUM_YEARLY_MONTHS = Decimal(12) + Decimal(1) + Decimal("0.92")
_BELGIUM = tuple(
    (
        "BE",
        "",
        year,
        _whole(monthly * BELGIUM_YEARLY_MONTHS),
        f"RMMMG {monthly:,.2f} € × 12 + 13e mois (CP 200) + double pécule 92 %".translate(
            _FRENCH_FIGURES
        ),
    )
    for year, monthly in BELGIUM_MONTHLY.items()
)

# Luxembourg: unqualified social minimum wage (salaire social minimum), monthly × 12
# (guichet.lu, « Salaire social minimum »). No statutory 13th month.
_LUXEMBOURG = (
    ("LU", "", 2024, 30_851, "salaire social minimum non qualifié 2 570,93 € × 12"),
    ("LU", "", 2025, 31_653, "salaire social minimum non qualifié 2 637,79 € × 12"),
    ("LU", "", 2026, 32_445, "salaire social minimum non qualifié 2 703,74 € × 12"),
)

# Canada: the general hourly minimum of each province and territory in force on
# 1 January (later rises count from the next year), × 2,080 h (40 h × 52 weeks,
# the usual full-time year of Canadian pay), rounded to the dollar. Sources: the
# Government of Canada's database of current and forthcoming minimum wage rates
# (srv116.services.gc.ca/dimt-wid/sm-mw/rpt2.aspx) and each province's
# labour-standards office; the rises behind them:
#   AB 15.00 since 26 Jun 2018, unchanged;
#   BC 16.75 (1 Jun 2023), 17.40 (1 Jun 2024), 17.85 (1 Jun 2025);
#   MB 15.30 (1 Oct 2023), 15.80 (1 Oct 2024), 16.00 (1 Oct 2025);
#   NB 14.75 (1 Apr 2023), 15.30 (1 Apr 2024), 15.65 (1 Apr 2025);
#   NL 15.00 (1 Oct 2023), 15.60 (1 Apr 2024), 16.00 (1 Apr 2025);
#   NS 15.00 (1 Oct 2023), 15.20 (1 Apr 2024), 15.70 (1 Apr 2025), 16.50 (1 Oct 2025);
#   NT 16.05 (1 Sep 2023), 16.70 (1 Sep 2024), 16.95 (1 Sep 2025);
#   NU 19.00 (1 Jan 2024), 19.75 (2025);
#   ON 16.55 (1 Oct 2023), 17.20 (1 Oct 2024), 17.60 (1 Oct 2025);
#   PE 15.00 (1 Oct 2023), 15.40 (1 Apr 2024), 16.00 (1 Oct 2024), 16.50 (1 Oct 2025);
#   QC 15.25 (1 May 2023), 15.75 (1 May 2024), 16.10 (1 May 2025);
#   SK 14.00 (1 Oct 2023), 15.00 (1 Oct 2024), 15.35 (1 Oct 2025);
#   YT 16.77 (1 Apr 2023), 17.59 (1 Apr 2024), 17.94 (1 Apr 2025).
# (Until surveys/0012, all of Canada read Québec's rate of 1 May of the year.)
CANADA_HOURS_A_YEAR = 2_080
CANADA_HOURLY: dict[str, tuple[str, str, str]] = {  # region: rates of 1 Jan 2024, 2025, 2026
    "CA-AB": ("15.00", "15.00", "15.00"),
    "CA-BC": ("16.75", "17.40", "17.85"),
    "CA-MB": ("15.30", "15.80", "16.00"),
    "CA-NB": ("14.75", "15.30", "15.65"),
    "CA-NL": ("15.00", "15.60", "16.00"),
    "CA-NS": ("15.00", "15.20", "16.50"),
    "CA-NT": ("16.05", "16.70", "16.95"),
    "CA-NU": ("19.00", "19.00", "19.75"),
    "CA-ON": ("16.55", "17.20", "17.60"),
    "CA-PE": ("15.00", "16.00", "16.50"),
    "CA-QC": ("15.25", "15.75", "16.10"),
    "CA-SK": ("14.00", "15.00", "15.35"),
    "CA-YT": ("16.77", "17.59", "17.94"),
}
_CANADA = tuple(
    (
        "CA",
        region,
        year,
        _whole(Decimal(rate) * CANADA_HOURS_A_YEAR),
        f"{region[3:]} {rate.replace('.', ',')} $/h au 1er janvier × 2 080 h",
    )
    for region, rates in CANADA_HOURLY.items()
    for year, rate in zip((2024, 2025, 2026), rates, strict=True)
)

# (country, region or "", year, annual gross, source). Switzerland has no national
# minimum wage: no row, no flag.
MINIMUMS: tuple[tuple[str, str, int, int, str], ...] = (
    *_FRANCE,
    *_BELGIUM,
    *_LUXEMBOURG,
    *_CANADA,
)

# {area: [(year, annual gross), ...]}: every minimum of each area, an area being a
# country code ("FR") for national figures or a region code ("CA-ON") for regional ones.
LegalMinimumTable = Mapping[str, Sequence[tuple[int, int]]]


def table_of(rows: Iterable[tuple[str, str, int, int]]) -> dict[str, list[tuple[int, int]]]:
    """A LegalMinimumTable from (country, region or "", year, annual gross) rows."""
    table: dict[str, list[tuple[int, int]]] = {}
    for country, region, year, annual_gross in rows:
        table.setdefault(region or country, []).append((year, annual_gross))
    return table


def default_table() -> dict[str, list[tuple[int, int]]]:
    """MINIMUMS as a LegalMinimumTable: the figures a database starts with."""
    return table_of(
        (country, region, year, gross) for country, region, year, gross, _source in MINIMUMS
    )


def area_of(country: str, region: str, *, table: LegalMinimumTable) -> str:
    """The key of the table whose figures hold in `region` of `country`.

    The region's if it has figures of its own, else the country's.
    """
    return region if region and region in table else country


def minimum_in_force(
    country: str, year: int, *, region: str, table: LegalMinimumTable
) -> int | None:
    """The minimum in force in `region` of `country` in `year`, or None.

    The latest figure of that year or before, among the region's own figures if
    it has any (Canada's provinces), else among the country's.
    """
    return _latest(table.get(area_of(country, region or "", table=table), ()), year)


def _latest(rows: Sequence[tuple[int, int]], year: int) -> int | None:
    """The figure of the latest row of `year` or before, or None."""
    earlier = [row for row in rows if row[0] <= year]
    return max(earlier)[1] if earlier else None


def minimums_in_force(
    countries: Any, years: Any, *, regions: Any, table: LegalMinimumTable
) -> np.ndarray:
    """minimum_in_force of each row, as float64 (NaN where there is none, or no year).

    One lookup per distinct (area, year) pair: a column of answers holds a few
    dozen.
    """
    country_values = _codes(countries)
    region_values = _codes(regions)
    own = np.isin(region_values, np.array(list(table), dtype=str)) & (region_values != "")
    areas = np.where(own, region_values, country_values)
    area_codes, area_index = np.unique(areas, return_inverse=True)
    year_values = as_floats(years)
    known = ~np.isnan(year_values)
    # One integer per (area, year) pair; -1 where the year is missing.
    pairs = np.where(
        known, area_index.reshape(-1).astype(np.int64) * 10_000 + np.nan_to_num(year_values), -1
    ).astype(np.int64)
    distinct, row_pair = np.unique(pairs, return_inverse=True)
    minimums = np.full(len(distinct), np.nan)
    for position, pair in enumerate(distinct.tolist()):
        if pair < 0:
            continue
        minimum = _latest(table.get(str(area_codes[pair // 10_000]), ()), pair % 10_000)
        if minimum is not None:
            minimums[position] = minimum
    return minimums[row_pair.reshape(-1)]


def _codes(values: Any) -> np.ndarray:
    """Codes as a str array ("" for None or pandas' NA), from a Series or a sequence."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy(dtype=object, na_value="")
    array = np.asarray(values, dtype=object)
    return np.where(array == None, "", array).astype(str)  # noqa: E711 (element-wise)
