"""Outliers, stage 1 (DESIGN.md): sanity bounds that flag an answer for an editor's review.

A flagged answer is accepted but stays out of benchmarks until an editor
releases it. Money in the country's currency, bounds by country
(sanity_bounds.py: France's 125 / 3,000 / 500,000 €, the others scaled to
their pay level):

- below_legal_minimum: an employee's full-time total (fte.py) under the
  legal minimum in force for the row's country (province, in Canada) and the
  edition's year (legal_minimums.py); trainees are not held to it, and a
  country without a minimum flags nothing;
- salary_above_ceiling: a full-time total over the country's salary ceiling;
- day_rate_below_floor / day_rate_above_ceiling: a day rate under the
  country's day-rate floor or over its day-rate ceiling.

Each flag is a bit (bit i is FLAG_CODES[i]), so a row's flags are one small
integer; a row's list of flags names them in FLAG_CODES order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from surveys.rules.fte import as_floats
from surveys.rules.sanity_bounds import FRANCE, bound_columns

# France's bounds (the other countries': sanity_bounds.BOUNDS).
DAY_RATE_FLOOR = FRANCE.day_rate_floor  # the floor a major French freelance platform enforces
DAY_RATE_CEILING = FRANCE.day_rate_ceiling
SALARY_CEILING = FRANCE.salary_ceiling

FLAG_BELOW_LEGAL_MINIMUM = "below_legal_minimum"
FLAG_DAY_RATE_BELOW_FLOOR = "day_rate_below_floor"
FLAG_DAY_RATE_ABOVE_CEILING = "day_rate_above_ceiling"
FLAG_SALARY_ABOVE_CEILING = "salary_above_ceiling"
FLAG_LABELS = {
    FLAG_BELOW_LEGAL_MINIMUM: _("full-time salary under the legal minimum"),
    FLAG_DAY_RATE_BELOW_FLOOR: _("day rate under the country's floor"),
    FLAG_DAY_RATE_ABOVE_CEILING: _("day rate over the country's ceiling"),
    FLAG_SALARY_ABOVE_CEILING: _("salary over the country's ceiling"),
}
# Bit i of a row's flags is FLAG_CODES[i]; a list of flags follows this order.
FLAG_CODES = (
    FLAG_BELOW_LEGAL_MINIMUM,
    FLAG_SALARY_ABOVE_CEILING,
    FLAG_DAY_RATE_BELOW_FLOOR,
    FLAG_DAY_RATE_ABOVE_CEILING,
)
# The flags of every combination of bits, by its value: COMBINATIONS[0] is ().
COMBINATIONS: tuple[tuple[str, ...], ...] = tuple(
    tuple(code for bit, code in enumerate(FLAG_CODES) if value >> bit & 1)
    for value in range(1 << len(FLAG_CODES))
)


def flag_bits(
    *, status: Any, country: Any, total_fte: Any, day_rate: Any, legal_minimum: Any
) -> np.ndarray:
    """Each row's stage-1 flags as bits of an int64 (0: nothing to review).

    `status`: status codes; `country`: country codes, whose bounds apply
    (sanity_bounds.py; an unknown country has none); `total_fte`: full-time
    totals (fte.py), empty without a salary; `day_rate`: day rates, empty
    without one; `legal_minimum`: the minimum in force for the row's country
    (or province) and year, empty (or 0) where there is none. Empty is NaN or
    None, or pandas' NA.
    """
    total = as_floats(total_fte)
    rate = as_floats(day_rate)
    minimum = np.nan_to_num(as_floats(legal_minimum), nan=0.0)
    rate_floor, rate_ceiling, salary_ceiling = bound_columns(country)
    employee = _is_code(status, "employee")
    # NaN compares False: an empty figure, or a country without bounds, raises no flag.
    below = employee & (minimum > 0) & (total < minimum)
    above = total > salary_ceiling
    under_floor = rate < rate_floor
    over_ceiling = ~under_floor & (rate > rate_ceiling)
    bits = np.zeros(len(total), dtype=np.int64)
    for bit, mask in enumerate((below, above, under_floor, over_ceiling)):
        bits |= mask.astype(np.int64) << bit
    return bits


def flag_lists(bits: np.ndarray) -> np.ndarray:
    """Each row's flags as a list of codes (an object array).

    Rows with the same flags share one list: do not mutate them.
    """
    lists = np.empty(len(COMBINATIONS), dtype=object)
    for value, codes in enumerate(COMBINATIONS):
        lists[value] = list(codes)
    return np.asarray(lists[bits])


def flags_of(bits: int) -> list[str]:
    """The flags of one row's bits, as a new list of codes."""
    return list(COMBINATIONS[bits])


def _is_code(codes: Any, code: str) -> np.ndarray:
    """Where `codes` (an array or a pandas Series, categorical or not) is `code`."""
    if hasattr(codes, "to_numpy"):
        return np.asarray((codes == code).to_numpy(dtype=bool, na_value=False))
    return np.asarray(np.asarray(codes, dtype=object) == code)
