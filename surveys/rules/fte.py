"""Normalization: a salary as a gross annual full-time equivalent (DESIGN.md, "Normalization").

    total = (base_salary + variable_pay) / work_time_share
    base  = base_salary / work_time_share

in whole units of the country's currency, half rounded up (floor(x + 0.5)).
Recruiters ask for both, so both are stored. No base salary (a freelancer),
no full-time equivalent; an empty variable pay counts as 0.

On float64 arrays, NaN for an empty figure: the same IEEE operations whether
one answer or a million are normalized, so every path stores the same figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_floats(values: Any) -> np.ndarray:
    """`values` as a float64 array, NaN where empty (None, pandas' NA).

    Takes numpy arrays, sequences, and pandas Series or arrays (nullable
    integers included) without importing pandas.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64, copy=False)
    if hasattr(values, "to_numpy"):
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.array([np.nan if value is None else value for value in values], dtype=np.float64)


def full_time_equivalents(
    base_salary: Any, variable_pay: Any, work_time_share: Any
) -> tuple[np.ndarray, np.ndarray]:
    """(total, base) gross annual full-time equivalents, float64 whole numbers, NaN without a base.

    total = (base + variable) / work_time_share, base = base / work_time_share,
    each rounded half up: floor(x + 0.5).
    """
    base = as_floats(base_salary)
    variable = np.nan_to_num(as_floats(variable_pay), nan=0.0)
    share = as_floats(work_time_share)
    with np.errstate(invalid="ignore"):
        total = np.floor((base + variable) / share + 0.5)
        base_fte = np.floor(base / share + 0.5)
    return total, base_fte
