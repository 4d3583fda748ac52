"""Smoothed medians of thin cells (DESIGN.md, Thin data), from the published figures alone.

Computed after the privacy rules, from what a snapshot publishes (rounded
medians and intervals, perturbed n): a post-processing that discloses nothing
more (rule 7). The statistics are `stats.smoothing.smooth_published_medians`;
this module finds each cell's parent and sibling group in the build's frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.build import store
from benchmarks.layout import ALL, DIMENSIONS, SMOOTHED_CELL_COLUMNS
from benchmarks.stats.smoothing import smooth_published_medians
from benchmarks.stats.tiers import TIER_HIGH_FROM
from surveys import vocabulary as vocab

KEY_COLUMNS = ("metric", "country", "year", *DIMENSIONS, "mission", "mission_done")


def smoothed(cells: pd.DataFrame) -> pd.DataFrame:
    """Each thin cell's median partially pooled toward its parent (DESIGN.md, Thin data).

    A cell's parent is the same cohort with one filter fewer: for a cell of the
    main table, its *last* filtered dimension in `layout.DIMENSIONS` order is set
    back to "all" (region, experience=3-5, role=cm -> region, experience=3-5); for a
    mission cell, the same cohort without the mission split. Its siblings are the
    published cells of the same parent along the same dimension (the roles of
    region, experience=3-5; the "does it" / "does not" pair of one mission), and
    they all inform the between-sibling spread, whatever their n. The overall
    cohort has no parent.

    Inputs are published figures only: the median and its interval rounded as
    they are stored (`store.published_money`, rule 4) and the published
    (perturbed, or carried) n; `stats.smoothing.smooth_published_medians` does
    the rest. Kept for cells with a published n under 50 (the low and medium
    tiers) that were pooled; elsewhere the three columns stay empty (n >= 50, no
    parent published, no sibling with a measured interval: the raw figures
    stand). Returns ``cells`` with SMOOTHED_CELL_COLUMNS added, unrounded
    (`store.cell_table` rounds them like every amount). One vectorized pass:
    the parents are found by one index lookup, the sibling groups by one
    factorization inside the statistics.
    """
    # Added in place: ``cells`` is the build's own frame, and a copy of it (every
    # column of every cell) would be the build's largest allocation.
    for column in SMOOTHED_CELL_COLUMNS:
        cells[column] = np.nan
    if cells.empty:
        return cells
    dims = list(DIMENSIONS)
    dimension_values = cells[dims].to_numpy(dtype=object)
    filtered = dimension_values != ALL
    mission = cells["mission"].to_numpy(dtype=object)
    is_mission = mission != ALL
    has_filter = filtered.any(axis=1)
    # The last filtered dimension (argmax over the reversed columns finds the last True).
    last = len(dims) - 1 - np.argmax(filtered[:, ::-1], axis=1)
    split = np.flatnonzero(has_filter & ~is_mission)
    # Each cell's key and its parent's as one integer (mixed radix over the key
    # columns' codes): an index of integers, where tuples of strings would cost
    # several times the cells' own memory at a million answers.
    own_key = np.zeros(len(cells), dtype=np.int64)
    parent_key = np.zeros(len(cells), dtype=np.int64)
    radix = 1
    for column in KEY_COLUMNS:
        codes, uniques = pd.factorize(cells[column].to_numpy())
        size = len(uniques)
        own_key += codes * radix
        if column in dims or column in ("mission", "mission_done"):
            # The parent's value here: "all" (True for mission_done), coded like the cells'.
            parent_value = True if column == "mission_done" else ALL
            parent_code = int(pd.Index(uniques).get_indexer([parent_value])[0])
            if parent_code < 0:
                parent_code, size = size, size + 1
            if column in dims:
                parent_codes = codes.copy()
                parent_codes[split[last[split] == dims.index(column)]] = parent_code
            else:
                parent_codes = np.full(len(cells), parent_code, dtype=codes.dtype)
            parent_key += parent_codes * radix
        else:
            parent_key += codes * radix
        radix *= max(size, 1)  # about 10^11 in all: far from int64's limit
    parent_at = pd.Index(own_key).get_indexer(parent_key)
    # Sibling group: the parent and the dimension broken down (0-5), or the mission (6+).
    mission_slot = pd.Series(mission).map(
        {code: len(dims) + i for i, code in enumerate(vocab.MISSIONS.codes)}
    )
    slot = np.where(is_mission, mission_slot.fillna(-1).to_numpy(), last).astype(np.int64)

    median = store.published_money(cells["p50"], cells["metric"]).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    low = store.published_money(cells["median_ci_low"], cells["metric"]).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    high = store.published_money(cells["median_ci_high"], cells["metric"]).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    n = cells["published_n"].to_numpy(dtype=np.int64)
    usable = (median > 0) & (low > 0) & (high >= low)  # False on NaN too
    at = np.maximum(parent_at, 0)
    candidate = (
        (parent_at >= 0)
        & (is_mission | has_filter)
        & (slot >= 0)
        & usable
        & usable[at]
        & (np.arange(len(cells)) != parent_at)
    )
    if not candidate.any():
        return cells
    rows = np.flatnonzero(candidate)
    parents = at[rows]
    result = smooth_published_medians(
        median=median[rows],
        low=low[rows],
        high=high[rows],
        n=n[rows],
        parent=parents * (len(dims) + len(vocab.MISSIONS.codes)) + slot[rows],
        parent_median=median[parents],
        parent_low=low[parents],
        parent_high=high[parents],
        parent_n=n[parents],
    )
    # A bound that overflows (an absurdly wide interval) is not an estimate worth showing.
    finite = np.isfinite(result.low) & np.isfinite(result.high)
    kept = result.pooled & (n[rows] < TIER_HIGH_FROM) & finite
    for column, values in zip(
        SMOOTHED_CELL_COLUMNS, (result.median, result.low, result.high), strict=True
    ):
        column_values = np.full(len(cells), np.nan)
        column_values[rows[kept]] = values[kept]
        cells[column] = column_values
    return cells
