"""Perturbed counts by the cell key method (DESIGN.md privacy rule 3) and rounded money (rule 4).

Suppression alone does not survive linear algebra across linked tables: a
flexible table builder publishes every margin and crossing, and "a cell equals
the sum of its children" recovers what was hidden. Statistical offices add a
small, *consistent* noise to every published count (the cell key method of the
Australian Bureau of Statistics' TableBuilder and of the UK's 2021 census):

- each response carries a **record key**, a random integer in
  [0, KEY_RANGE) drawn once when it is stored and never shown;
- a **cell key** is the sum of its records' keys modulo KEY_RANGE: the same set
  of responses always has the same cell key, whatever table, page or snapshot
  it appears in, while two sets that differ by even one response have
  unrelated keys (the difference is a uniformly random record key);
- the published count is ``n + PERTURBATION_TABLE[row(n), cell key]``.

The table (rows by true count; columns by cell key, 256 of them), each row as
the number of keys giving each noise, out of 256:

=========  ====  ====  ====  ====  ====  =================================
true n      −2    −1     0    +1    +2   why
=========  ====  ====  ====  ====  ====  =================================
0             .     .   256     .     .  a zero stays a zero (structural)
1             .   115    52    63    26  never below 0
2–9          38    64    52    64    38  share numerators only
10            .     .   256     .     .  never below MIN_COHORT = 10
11            .   115    52    63    26  never below MIN_COHORT
12 and up    38    64    52    64    38
=========  ====  ====  ====  ====  ====  =================================

Properties (checked by tests over every row and key):

- **bounded**: the noise is an integer in −NOISE_BOUND..+NOISE_BOUND (2);
- **unbiased**: every row's mean is exactly 0 (for rows 1 and 11:
  −115 + 63 + 2·26 = 0), so sums of many cells stay unbiased;
- **rarely exact**: the noise is 0 for 52/256 ≈ 20 % of keys in every row
  but the two rows where a mean of 0 forces it (n = 0 and n = 10; bounded
  below by the floor, a non-zero noise could only be positive); on a snapshot
  of 100,000 demo answers 22.8 % of published counts come out exact
  (bench/privacy_report.py), under the design's 30 %;
- **never under the threshold**: a published cell has n ≥ 10, and n + noise
  ≥ 10; a share's numerator never goes below 0. A numerator may exceed its
  published denominator by the noise: :func:`perturbed_share_counts` clips it;
- **consistent**: a function of (true count, cell key) only, so the same
  responses give the same published count in the API, the pages, the CSV, the
  guides and every later snapshot: asking again teaches nothing.

Money is rounded where it is published (:func:`round_money`): salaries to the
nearest 100, day rates to the nearest 5, so no published amount is one
respondent's exact value.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import StatsError
from benchmarks.stats.tiers import MIN_COHORT

__all__ = [
    "KEY_RANGE",
    "NOISE_BOUND",
    "PERTURBATION_TABLE",
    "cell_keys",
    "perturbed_counts",
    "perturbed_share_counts",
    "round_money",
]

KEY_RANGE: Final = 256
"""Record and cell keys are integers in [0, KEY_RANGE)."""
NOISE_BOUND: Final = 2
"""A published count differs from the true one by at most this much."""

# Keys per noise value (−2, −1, 0, +1, +2), out of KEY_RANGE, for the three row shapes.
_SYMMETRIC: Final = (38, 64, 52, 64, 38)
_ONE_ABOVE_FLOOR: Final = (0, 115, 52, 63, 26)
_AT_FLOOR: Final = (0, 0, 256, 0, 0)
# Rows 0 .. LAST_ROW; a count above LAST_ROW reads the last row.
_ROW_SHAPES: Final = (
    _AT_FLOOR,  # 0
    _ONE_ABOVE_FLOOR,  # 1
    *([_SYMMETRIC] * (MIN_COHORT - 2)),  # 2 .. 9
    _AT_FLOOR,  # 10
    _ONE_ABOVE_FLOOR,  # 11
    _SYMMETRIC,  # 12 and up
)


def _table() -> NDArray[np.int8]:
    rows = []
    for shape in _ROW_SHAPES:
        if sum(shape) != KEY_RANGE:
            raise AssertionError(f"a perturbation row must cover {KEY_RANGE} keys: {shape}")
        # Keys 0.. map to −2, then −1, ... in blocks: cell keys are uniform, so
        # only the block sizes matter.
        rows.append(np.repeat(np.arange(-NOISE_BOUND, NOISE_BOUND + 1), shape))
    table = np.array(rows, dtype=np.int8)
    table.setflags(write=False)
    return table


PERTURBATION_TABLE: Final = _table()
"""Noise by (row of the true count, cell key); see the module docstring."""


def cell_keys(record_key_sums: ArrayLike) -> NDArray[np.int64]:
    """Cell keys from the sums of each cell's record keys: sum mod KEY_RANGE.

    Record keys are summed first (e.g. a weighted ``np.bincount``), so a cell
    key costs one pass over the rows per grouping, like its count.
    """
    sums = np.asarray(record_key_sums, dtype=np.float64)
    if not np.isfinite(sums).all() or (sums < 0).any() or (sums != np.round(sums)).any():
        raise StatsError("record key sums must be whole, non-negative numbers")
    return np.mod(sums.astype(np.int64), KEY_RANGE)


def perturbed_counts(counts: ArrayLike, keys: ArrayLike) -> NDArray[np.int64]:
    """Published counts: n + PERTURBATION_TABLE[row(n), key], elementwise.

    ``counts`` are true counts (whole, ≥ 0); ``keys`` cell keys in [0, KEY_RANGE).
    A count of 0 stays 0, a count of 10 or more stays 10 or more, and any count
    stays ≥ 0. Deterministic: the same (n, key) always gives the same result.
    """
    n = np.asarray(counts)
    key = np.asarray(keys)
    if n.shape != key.shape:
        raise StatsError(f"counts and keys differ in shape: {n.shape} / {key.shape}")
    if n.size and (n.dtype.kind not in "iu" or (n < 0).any()):
        raise StatsError("counts must be whole, non-negative integers")
    if key.size and (key.dtype.kind not in "iu" or (key < 0).any() or (key >= KEY_RANGE).any()):
        raise StatsError(f"cell keys must be integers in [0, {KEY_RANGE})")
    n64 = n.astype(np.int64)
    rows = np.minimum(n64, len(_ROW_SHAPES) - 1)
    return n64 + PERTURBATION_TABLE[rows, key.astype(np.int64)].astype(np.int64)


def perturbed_share_counts(
    counts: ArrayLike, keys: ArrayLike, published_n: ArrayLike
) -> NDArray[np.int64]:
    """Published numerators of shares: perturbed like any count, then at most the published n.

    ``published_n`` broadcasts against ``counts`` (e.g. one denominator per cell
    as a column). A numerator equal to its cell's count is the same set of
    responses, hence the same key and the same noise: 100 % stays 100 % once the
    cell has 12 responses or more.
    """
    perturbed = perturbed_counts(counts, keys)
    return np.minimum(perturbed, np.asarray(published_n, dtype=np.int64))


def round_money(values: ArrayLike, *, step: int) -> NDArray[np.float64]:
    """Amounts to the nearest multiple of ``step``, halves up; NaN stays NaN.

    round_money([34_049.9, 34_050], step=100) -> [34_000, 34_100]. The one rounding
    of every published amount (percentiles, median intervals, estimates).
    """
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 1:
        raise StatsError(f"step must be a whole number of at least 1, got {step!r}")
    amounts = np.asarray(values, dtype=np.float64)
    return np.floor(amounts / step + 0.5) * step
