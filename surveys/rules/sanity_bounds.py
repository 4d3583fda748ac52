"""The sanity bounds of stage 1 (DESIGN.md), per country, in the country's currency.

Data, not code: `rules.flags` applies them. An amount outside them is not
refused: the answer is flagged and waits for an editor. They are there to
catch typing slips, which move an amount by a factor of 7 to 100 (an hourly
rate typed as a day rate, a monthly salary typed as a yearly one, one zero too
many), not to judge pay: so they sit far outside what anyone is paid.

France's figures are the reference (and tests pin them):

- day-rate floor 125 €: the floor a major French freelance platform enforces
  (no mission can be posted under it);
- day-rate ceiling 3,000 €: some five times the upper decile of the day rates
  freelance community managers publish on French platforms; one zero too many
  on a common rate (350 → 3,500) lands above it;
- salary ceiling 500,000 € a year, full time: some ten times the upper decile
  of the profession's salaries in France; a common salary with one zero too
  many (45,000 → 450,000) does not reach it, two do.

Elsewhere the same three bounds are France's multiplied by the country's pay
level against France's (PAY_LEVEL), in its own currency, then rounded (the
day-rate floor to 5, the day-rate ceiling to 500, the salary ceiling to
50,000), so that each bound sits as far from a country's pay as France's sits
from French pay. The pay level of a country with a national minimum wage is
the ratio of its yearly full-time minimum for 2026 (legal_minimums.py) to the
French one (SMIC, 21,876 €); Switzerland has none and takes the ratio of
cantonal minimum wages to the SMIC (see below). A money amount is never
converted at an exchange rate: 100 CHF does not buy in Geneva what 100 € buys
in Lyon, and pay follows the local level, not the rate of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SanityBounds:
    """One country's stage-1 bounds, in its currency (salaries: gross a year, full time)."""

    day_rate_floor: int
    day_rate_ceiling: int
    salary_ceiling: int


FRANCE = SanityBounds(day_rate_floor=125, day_rate_ceiling=3_000, salary_ceiling=500_000)

# A country's pay level against France's: the factor its bounds take, with its source.
PAY_LEVEL: dict[str, float] = {
    "FR": 1.0,
    # Belgium (EUR): the yearly minimum with its annual elements (RMMMG 2,111.00 € × 13.92,
    # legal_minimums.py) = 29,385 € against the SMIC's 21,876 €: 1.34.
    "BE": 1.3,
    # Luxembourg (EUR): unqualified social minimum wage 2,703.74 € × 12 = 32,445 € against
    # 21,876 €: 1.48.
    "LU": 1.5,
    # Switzerland (CHF): no national minimum wage. The cantonal ones, 2025: Geneva
    # 24.48 CHF/h, Neuchâtel 21.31 CHF/h (cantonal labour offices), at 42 h × 52 weeks
    # = 2,184 h a year: 53,464 and 46,541 CHF, 2.2 to 2.5 times the SMIC (21,622 € in
    # 2025). The upper end, as Swiss pay sits high above those floors (Federal
    # Statistical Office, Swiss Earnings Structure Survey 2022: median gross wage
    # 6,788 CHF a month).
    "CH": 2.5,
    # Canada (CAD): the provincial minimums of 1 January 2026 (legal_minimums.py) run
    # from 15.00 $/h (Alberta) to 19.75 $/h (Nunavut); Québec's 16.10 $/h and Ontario's
    # 17.60 $/h, where most answers come from, × 2,080 h = 33,488 and 36,608 CAD:
    # 1.53 and 1.67 times the SMIC.
    "CA": 1.6,
}


def _scaled(level: float) -> SanityBounds:
    def rounded(amount: float, step: int) -> int:
        return int(amount / step + 0.5) * step  # half up: 312.5 -> 315

    return SanityBounds(
        day_rate_floor=rounded(FRANCE.day_rate_floor * level, 5),
        day_rate_ceiling=rounded(FRANCE.day_rate_ceiling * level, 500),
        salary_ceiling=rounded(FRANCE.salary_ceiling * level, 50_000),
    )


# Written out, so that a change of PAY_LEVEL shows here and in the tests:
#   FR 125 / 3,000 / 500,000 €         BE 165 / 4,000 / 650,000 €
#   LU 190 / 4,500 / 750,000 €         CH 315 / 7,500 / 1,250,000 CHF
#   CA 200 / 5,000 / 800,000 CAD
BOUNDS: dict[str, SanityBounds] = {country: _scaled(level) for country, level in PAY_LEVEL.items()}


def bounds_for(country: str) -> SanityBounds | None:
    """The bounds of `country`, or None for a country outside the survey."""
    return BOUNDS.get(country)


def bound_columns(countries: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day-rate floor, day-rate ceiling, salary ceiling) of each row's country, as float64.

    NaN where the country has no bounds (empty, or unknown): such a row raises
    no flag. One lookup per distinct country; `countries` may be a pandas
    Series (categorical or not) or any sequence of codes.
    """
    if hasattr(countries, "to_numpy"):
        countries = countries.to_numpy(dtype=object, na_value="")
    codes = np.asarray(countries, dtype=object)
    codes = np.where(codes == None, "", codes).astype(str)  # noqa: E711 (element-wise)
    distinct, row_country = np.unique(codes, return_inverse=True)
    table = np.full((len(distinct), 3), np.nan)
    for position, country in enumerate(distinct.tolist()):
        bounds = BOUNDS.get(country)
        if bounds is not None:
            table[position] = (
                bounds.day_rate_floor,
                bounds.day_rate_ceiling,
                bounds.salary_ceiling,
            )
    rows = table[row_country.reshape(-1)]
    return rows[:, 0], rows[:, 1], rows[:, 2]
