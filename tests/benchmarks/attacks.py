"""The attacker of DESIGN.md's privacy rules: pure functions over what a snapshot publishes.

The threat model of DESIGN.md ("Privacy rules") is an outsider who downloads
every public output of every snapshot and does arithmetic on it. This module is
that outsider, written as functions over pandas frames, so that tests and
`bench/privacy_report.py` can measure what leaks and assert DESIGN's targets:

- `linear_attack`: one snapshot's published table (cells.csv) as a system of
  linear constraints on the true counts of every cohort with up to three
  filters — each parent is the sum of its children along every dimension, each
  overall and one-filter cohort is the sum of those who do a mission and those
  who do not, a published count is the true one within the noise bound, a
  published mission share (whole percent and Wilson interval, given the
  published n) pins its numerator to a range (`invert_shares`). Interval
  propagation over the integers, then linear programs (HiGHS) for the min and
  the max of what propagation left open: a suppressed cohort is *pinned* when
  a single integer in 1..9 remains. A least-squares fit of the same system
  gives the attacker's best guess of every count (`score_linear_attack`: how
  often the rounded guess is exactly right).
- `difference_attack`: two snapshots of the same edition; the change of every
  cohort's true count, bounded by both snapshots' systems and itself additive
  (Δn(parent) − Δn(children)): a group of 1–9 new (or withdrawn) answers whose
  size is pinned reveals who answered.
- `recover_added_salary`: the profile estimates before and after one answer
  was added: the one-row least-squares update solved for that answer's salary.
- `invert_shares` / `share_inversion_attack`: the numerator behind a published
  share.
- `money_off_step`, `count_errors`, `median_errors`: rounding and noise as
  published.

Nothing here knows the true counts but the scoring functions, whose `truth`
argument comes from the raw answers (the test's side, `universe_counts` and
`true_counts`). The attack is sound: every bound it derives holds for the
true counts (an assertion checks it against the truth in the tests), so a
pinned value is a certain disclosure, not a guess. To stay fast, the linear
programs run only for the `targets` the caller names (the tests pass the
suppressed cohorts whose true count is 1..9): since bounds always contain the
truth, only those can be pinned to a value in 1..9, so none is left untried.
(Refining the other cells too could tighten, through propagation, what the
targets' own programs start from: a small loss of strength, traded for time.)
"""

from __future__ import annotations

import io
import itertools
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.linalg import lsqr

from benchmarks.stats import share_percent

ALL = ""
MONEY_COLUMNS = ("p10", "p25", "p50", "p75", "p90", "median_ci_low", "median_ci_high")
# The rounding step of each metric's published money (DESIGN.md privacy rule 4).
MONEY_STEPS = {"salary": 100, "salary_base": 100, "day_rate": 5}
MIN_COHORT = 10
# Rule 8: a cell whose true n moved by fewer than MIN_COHORT keeps its old figures.
CARRY_WINDOW = MIN_COHORT - 1
EPSILON = 1e-6

Key = tuple[Any, ...]


# --- What an outsider reads -----------------------------------------------------------------


def read_cells_csv(text: str) -> pd.DataFrame:
    """cells.csv as a frame: codes as strings ("" for all), n as int, figures as floats."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame["year"] = frame["year"].astype(int)
    frame["n"] = frame["n"].astype(int)
    frame["mission_done"] = frame["mission_done"].isin(["1", "True", "true"])
    for column in frame.columns:
        if column in MONEY_COLUMNS or column.endswith(("_percent", "_ci95_low", "_ci95_high")):
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    return frame


def cell_keys(cells: pd.DataFrame, dims: Sequence[str]) -> list[Key]:
    """Each cell's key: its level (or "") on every dimension, then mission and mission_done."""
    columns = [*dims, "mission", "mission_done"]
    return [(*row[:-1], bool(row[-1])) for row in cells[columns].itertuples(index=False, name=None)]


# --- The truth (the test's side) ------------------------------------------------------------


def flag_columns(
    rows: pd.DataFrame,
    *,
    missions: Sequence[str],
    kpis: Sequence[str],
    thresholds: Sequence[int] = (),
    value: str | None = None,
) -> pd.DataFrame:
    """One bool column per share the site publishes: "missions:<code>", "kpis:<code>",
    "under:<threshold>" (value strictly under it)."""
    flags: dict[str, NDArray[np.bool_]] = {}
    missions_mask = rows["missions_mask"].to_numpy(np.int64)
    kpis_mask = rows["kpis_mask"].to_numpy(np.int64)
    for bit, code in enumerate(missions):
        flags[f"missions:{code}"] = (missions_mask >> bit & 1).astype(bool)
    for bit, code in enumerate(kpis):
        flags[f"kpis:{code}"] = (kpis_mask >> bit & 1).astype(bool)
    if thresholds and value is not None:
        values = rows[value].to_numpy(np.float64)
        for threshold in thresholds:
            flags[f"under:{threshold}"] = values < threshold
    return pd.DataFrame(flags, index=rows.index)


def universe_counts(
    rows: pd.DataFrame,
    *,
    dims: Sequence[str],
    max_filters: int,
    missions: Sequence[str],
    mission_max_filters: int = 1,
) -> pd.DataFrame:
    """The true n of every non-empty cohort with up to `max_filters` filters, and of every
    mission cell (does / does not) of the cohorts with up to `mission_max_filters`.

    `rows`: one country's, edition's and status's answers after the stage-3 fence,
    with the dimension columns (experience as its band) and missions_mask.
    Columns: dims, mission, mission_done, n_true.
    """
    codes: dict[str, NDArray[np.int64]] = {}
    names: dict[str, NDArray[np.object_]] = {}
    for dim in dims:
        found, uniques = pd.factorize(rows[dim].astype(str).to_numpy())
        codes[dim] = found.astype(np.int64)
        names[dim] = np.asarray(uniques, dtype=object)
    masks = rows["missions_mask"].to_numpy(np.int64)
    frames = []

    def counted(pattern: Sequence[str], key: NDArray[np.int64], **extra: Any) -> pd.DataFrame:
        present, counts = np.unique(key, return_counts=True)
        columns: dict[str, Any] = {dim: ALL for dim in dims}
        for dim in reversed(pattern):
            columns[dim] = names[dim][present % len(names[dim])]
            present = present // len(names[dim])
        return pd.DataFrame({**columns, **extra, "n_true": counts})

    for k in range(max_filters + 1):
        for pattern in itertools.combinations(dims, k):
            key = np.zeros(len(rows), dtype=np.int64)
            for dim in pattern:
                key = key * len(names[dim]) + codes[dim]
            if len(rows):
                frames.append(counted(pattern, key, mission=ALL, mission_done=True))
            if k > mission_max_filters or not len(rows):
                continue
            for bit, code in enumerate(missions):
                done = (masks >> bit & 1).astype(np.int64)
                for flag in (1, 0):
                    chosen = done == flag
                    if chosen.any():
                        frames.append(
                            counted(pattern, key[chosen], mission=code, mission_done=bool(flag))
                        )
    columns = [*dims, "mission", "mission_done", "n_true"]
    if not frames:
        return pd.DataFrame(columns=columns)
    universe = pd.concat(frames, ignore_index=True)
    universe["mission_done"] = universe["mission_done"].astype(bool)
    return universe[columns]


def true_counts(
    cells: pd.DataFrame, rows: pd.DataFrame, flags: pd.DataFrame, *, dims: Sequence[str]
) -> pd.DataFrame:
    """The true n of each cell of `cells` and, for cells of the main table, the true count
    behind each of its shares ("k:<flag>"), in the order of `cells`.

    A mission cell (mission = code) counts the cohort's answers that do (or do not)
    that mission. `flags` is `flag_columns(rows, ...)`.
    """
    size = len(cells)
    n_true = np.zeros(size, dtype=np.int64)
    numerators = np.zeros((size, flags.shape[1]), dtype=np.int64)
    flag_matrix = flags.to_numpy(dtype=np.int64)
    row_codes: dict[str, NDArray[np.int64]] = {}
    cell_codes: dict[str, NDArray[np.int64]] = {}
    radix: dict[str, int] = {}
    for dim in dims:
        found, uniques = pd.factorize(rows[dim].astype(str).to_numpy())
        row_codes[dim] = found.astype(np.int64)
        radix[dim] = len(uniques) + 1
        position = {level: code for code, level in enumerate(uniques)}
        cell_codes[dim] = np.array(
            [position.get(level, -1) for level in cells[dim].to_numpy()], dtype=np.int64
        )
    filtered = (cells[list(dims)] != ALL).to_numpy()
    bits = filtered @ (1 << np.arange(len(dims)))
    missions = cells["mission"].to_numpy()
    done = cells["mission_done"].to_numpy(dtype=bool)
    for pattern_bits in np.unique(bits):
        pattern = [dim for i, dim in enumerate(dims) if pattern_bits >> i & 1]
        row_key = np.zeros(len(rows), dtype=np.int64)
        cell_key = np.zeros(size, dtype=np.int64)
        for dim in pattern:
            row_key = row_key * radix[dim] + row_codes[dim]
            # An unknown level (-1) gets a key no row has.
            cell_key = cell_key * radix[dim] + np.where(
                cell_codes[dim] < 0, radix[dim] - 1, cell_codes[dim]
            )
        members = bits == pattern_bits
        for mission in np.unique(missions[members]):
            for flag in (True, False) if mission != ALL else (True,):
                chosen = np.flatnonzero(members & (missions == mission) & (done == flag))
                if chosen.size == 0:
                    continue
                selected = np.ones(len(rows), dtype=bool)
                if mission != ALL:
                    selected = flags[f"missions:{mission}"].to_numpy(dtype=bool) == flag
                keys, inverse = np.unique(row_key[selected], return_inverse=True)
                if keys.size == 0:
                    continue
                counts = np.bincount(inverse, minlength=keys.size)
                at = np.minimum(np.searchsorted(keys, cell_key[chosen]), keys.size - 1)
                hit = keys[at] == cell_key[chosen]
                n_true[chosen[hit]] = counts[at[hit]]
                if mission == ALL and flag_matrix.shape[1]:
                    sums = np.zeros((keys.size, flag_matrix.shape[1]), dtype=np.int64)
                    np.add.at(sums, inverse, flag_matrix[selected])
                    numerators[chosen[hit]] = sums[at[hit]]
    result = pd.DataFrame(numerators, index=cells.index, columns=[f"k:{f}" for f in flags])
    result.insert(0, "n_true", n_true)
    return result


def true_medians(
    cells: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    dims: Sequence[str],
    value: str,
    missions: Sequence[str],
) -> NDArray[np.float64]:
    """The true median (type 7) of `value` in each cell of `cells`, NaN where it is empty."""
    medians = np.full(len(cells), np.nan)
    mask = rows["missions_mask"].to_numpy(np.int64)
    filtered = (cells[list(dims)] != ALL).to_numpy()
    bits = filtered @ (1 << np.arange(len(dims)))
    data = rows[[*dims, value]].copy()
    for dim in dims:
        data[dim] = data[dim].astype(str)
    positions = np.arange(len(cells))
    for pattern_bits in np.unique(bits):
        by = [dim for i, dim in enumerate(dims) if pattern_bits >> i & 1]
        members = cells[bits == pattern_bits]
        member_positions = positions[bits == pattern_bits]
        for (mission, done), group in members.groupby(["mission", "mission_done"]):
            chosen = data
            if mission != ALL:
                bit = list(missions).index(mission)
                chosen = data[((mask >> bit) & 1).astype(bool) == bool(done)]
            at = member_positions[members.index.get_indexer(group.index)]
            if by:
                found = chosen.groupby(by)[value].median()
                index = pd.MultiIndex.from_frame(group[by]) if len(by) > 1 else group[by[0]]
                medians[at] = found.reindex(index).to_numpy(np.float64)
            else:
                medians[at] = chosen[value].median()
    return medians


def median_errors(
    published: NDArray[np.float64], truth: NDArray[np.float64], *, step: int
) -> dict[str, float]:
    """How close published medians are to the true ones: the share within 0.5 (the exact
    median, rounded to the unit) and within half the rounding step and the step."""
    published = np.asarray(published, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    both = np.isfinite(published) & np.isfinite(truth)
    gap = np.abs(published[both] - truth[both])
    if gap.size == 0:
        return {"cells": 0, "exact": 0.0, "within_half_step": 0.0, "within_step": 0.0}
    return {
        "cells": int(gap.size),
        "exact": float((gap <= 0.5).mean()),
        "within_half_step": float((gap <= step / 2).mean()),
        "within_step": float((gap <= step).mean()),
    }


# --- Share inversion ------------------------------------------------------------------------


def invert_shares(
    percent: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    n: NDArray[np.int64],
    *,
    chunk: int = 20_000,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The smallest and largest numerator k in 0..n whose share, computed as the site does
    (`benchmarks.stats.share_percent`: whole percent and 95% Wilson bounds), gives the
    published (percent, low, high) with the published n. NaN where nothing is published
    or nothing matches.

    round(100 k / n) = percent puts k / n within half a percent of it, so only a window of
    about n / 100 + 3 numerators is tried per share, vectorized.
    """
    percent = np.asarray(percent, dtype=np.float64)
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    total = np.asarray(n, dtype=np.int64)
    k_min = np.full(percent.shape, np.nan)
    k_max = np.full(percent.shape, np.nan)
    usable = np.flatnonzero(
        np.isfinite(percent) & np.isfinite(low) & np.isfinite(high) & (total > 0)
    )
    for begin in range(0, usable.size, chunk):
        rows = usable[begin : begin + chunk]
        size = total[rows].astype(np.float64)
        start = np.clip(np.floor((percent[rows] - 0.5) * size / 100) - 1, 0, size)
        stop = np.clip(np.ceil((percent[rows] + 0.5) * size / 100) + 1, 0, size)
        width = int((stop - start).max()) + 1
        candidates = start[:, None] + np.arange(width)[None, :]
        valid = candidates <= stop[:, None]
        numerators = np.minimum(candidates, size[:, None]).astype(np.int64)
        shares = share_percent(numerators, np.broadcast_to(total[rows][:, None], numerators.shape))
        match = (
            valid
            & (shares.percent == percent[rows][:, None])
            & (shares.low == low[rows][:, None])
            & (shares.high == high[rows][:, None])
        )
        found = match.any(axis=1)
        k_min[rows] = np.where(found, np.where(match, candidates, np.inf).min(axis=1), np.nan)
        k_max[rows] = np.where(found, np.where(match, candidates, -np.inf).max(axis=1), np.nan)
    return k_min, k_max


def share_columns(cells: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(flag name, CSV prefix, family) of every share the CSV publishes: "missions:animation"
    is the CSV's mission_animation_percent / _ci95_low / _ci95_high."""
    prefixes = {"under": "under", "mission": "missions", "kpi": "kpis"}
    found = []
    for column in cells.columns:
        if not column.endswith("_percent"):
            continue
        prefix, _, rest = column.removesuffix("_percent").partition("_")
        if prefix in prefixes:
            found.append((f"{prefixes[prefix]}:{rest}", column.removesuffix("_percent"), prefix))
    return found


@dataclass(frozen=True)
class ShareInversion:
    """How often a published share gives away its exact true numerator."""

    shares: int  # published shares inverted (cell x code)
    pinned: int  # inverted to a single numerator
    pinned_true: int  # ... equal to the true numerator
    pinned_true_nonzero: int  # ... equal to a true numerator that is not 0
    scored_nonzero: int  # shares whose true numerator is not 0

    @property
    def rate(self) -> float:
        """Share of published shares whose true numerator the inversion pins."""
        return self.pinned_true / self.shares if self.shares else 0.0

    @property
    def rate_nonzero(self) -> float:
        """The same among shares of a true numerator above 0 (a true 0 may stay 0 by design)."""
        return self.pinned_true_nonzero / self.scored_nonzero if self.scored_nonzero else 0.0


def share_inversion_attack(cells: pd.DataFrame, truth: pd.DataFrame) -> ShareInversion:
    """Invert every published share of `cells` with the published n; compare with `truth`
    (`true_counts` of the same cells: "k:<flag>" columns)."""
    shares = pinned = pinned_true = pinned_true_nonzero = scored_nonzero = 0
    n = cells["n"].to_numpy(np.int64)
    for flag, prefix, _family in share_columns(cells):
        column = f"k:{flag}"
        if column not in truth.columns:
            continue
        percent = cells[f"{prefix}_percent"].to_numpy(np.float64)
        published = np.isfinite(percent)
        k_min, k_max = invert_shares(
            percent,
            cells[f"{prefix}_ci95_low"].to_numpy(np.float64),
            cells[f"{prefix}_ci95_high"].to_numpy(np.float64),
            n,
        )
        true_k = truth[column].to_numpy(np.float64)
        single = published & (k_min == k_max)
        exact = single & (k_min == true_k)
        shares += int(published.sum())
        pinned += int(single.sum())
        pinned_true += int(exact.sum())
        pinned_true_nonzero += int((exact & (true_k > 0)).sum())
        scored_nonzero += int((published & (true_k > 0)).sum())
    return ShareInversion(shares, pinned, pinned_true, pinned_true_nonzero, scored_nonzero)


# --- The linear system of one snapshot ------------------------------------------------------


@dataclass
class CountSystem:
    """Unknown true counts of every cohort with up to `max_filters` filters (and the mission
    cells of the coarsest ones), linked by A x = 0: each row is a parent minus its
    children along one dimension, or a cohort minus those who do and do not a mission.

    `pattern` is each unknown's set of filtered dimensions as a bit mask (bit i for
    dims[i]); `published` its published count, NaN where the cell is absent.
    """

    dims: tuple[str, ...]
    keys: list[Key]
    index: dict[Key, int]
    matrix: sparse.csr_matrix
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    published: NDArray[np.float64]
    pattern: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.keys)

    def frame(self, **columns: NDArray[Any]) -> pd.DataFrame:
        """The unknowns' keys as columns (dims, mission, mission_done), plus `columns`."""
        width = len(self.dims)
        frame = pd.DataFrame.from_records([key[:width] for key in self.keys], columns=self.dims)
        frame["mission"] = [key[width] for key in self.keys]
        frame["mission_done"] = [key[width + 1] for key in self.keys]
        for name, values in columns.items():
            frame[name] = values
        return frame


def published_bounds(
    n: NDArray[np.int64], *, noise_bound: int, floor: int = MIN_COHORT, slack: Any = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The true counts a published n allows: within the noise bound (plus `slack`, e.g. the
    rule-8 window of a cell that may carry old figures), never under the floor (rule 1 is
    decided on the true count)."""
    n = np.asarray(n, dtype=np.float64)
    slack = np.asarray(slack, dtype=np.float64)
    return np.maximum(n - noise_bound - slack, floor), n + noise_bound + slack


def build_count_system(
    cells: pd.DataFrame,
    *,
    dims: Sequence[str],
    levels: Mapping[str, Sequence[str]],
    missions: Sequence[str],
    noise_bound: int,
    max_filters: int = 3,
    mission_max_filters: int = 1,
    floor: int = MIN_COHORT,
    slack: Mapping[Key, float] | None = None,
    use_shares: bool = True,
) -> CountSystem:
    """The constraints one metric, country and edition's published cells put on true counts.

    `cells`: the published cells (the CSV's rows of that metric, country and year).
    `slack`: extra width, by key, around published counts that may be stale (rule 8).
    `use_shares`: a published mission share of an overall or one-filter cohort, inverted
    (`invert_shares`), bounds the count of that cohort's answers doing the mission.
    """
    dims = tuple(dims)
    width = len(dims)
    slack = slack or {}
    keys: list[Key] = []
    pattern: list[int] = []
    for k in range(max_filters + 1):
        for filtered in itertools.combinations(range(width), k):
            bits = sum(1 << i for i in filtered)
            for combo in itertools.product(*(levels[dims[i]] for i in filtered)):
                chosen = dict(zip(filtered, combo, strict=True))
                keys.append((*(chosen.get(i, ALL) for i in range(width)), ALL, True))
                pattern.append(bits)
    coarse = [
        (key, bits)
        for key, bits in zip(keys, pattern, strict=True)
        if bits.bit_count() <= mission_max_filters
    ]
    for code in missions:
        for key, bits in coarse:
            for done in (True, False):
                keys.append((*key[:width], code, done))
                pattern.append(bits)
    index = {key: position for position, key in enumerate(keys)}

    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    equations = itertools.count()

    def equation(parent: Key, children: Iterable[Key]) -> None:
        row = next(equations)
        rows.append(row)
        columns.append(index[parent])
        values.append(1.0)
        for child in children:
            rows.append(row)
            columns.append(index[child])
            values.append(-1.0)

    for key, bits in zip(keys, pattern, strict=True):
        if key[width] != ALL or bits.bit_count() >= max_filters:
            continue
        for position, dim in enumerate(dims):
            if key[position] == ALL:
                equation(
                    key, ((*key[:position], level, *key[position + 1 :]) for level in levels[dim])
                )
    root = (*(ALL,) * width, ALL, True)
    for code in missions:
        for key, _bits in coarse:
            equation(key, ((*key[:width], code, True), (*key[:width], code, False)))
        for done in (True, False):
            for position, dim in enumerate(dims):
                equation(
                    (*root[:width], code, done),
                    (
                        (*root[:position], level, *root[position + 1 : width], code, done)
                        for level in levels[dim]
                    ),
                )
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(rows[-1] + 1, len(keys)))

    lower = np.zeros(len(keys))
    upper = np.full(len(keys), np.inf)
    published = np.full(len(keys), np.nan)
    cell_list = cell_keys(cells, dims)
    n = cells["n"].to_numpy(np.int64)
    positions = np.array([index.get(key, -1) for key in cell_list], dtype=np.int64)
    known = positions >= 0
    extra = np.array([slack.get(key, 0.0) for key in cell_list], dtype=np.float64)
    low, high = published_bounds(n, noise_bound=noise_bound, floor=floor, slack=extra)
    lower[positions[known]] = low[known]
    upper[positions[known]] = high[known]
    published[positions[known]] = n[known]

    if use_shares and missions:
        main = (cells["mission"] == ALL).to_numpy()
        for code in missions:
            prefix = f"mission_{code}"
            if f"{prefix}_percent" not in cells.columns:
                continue
            k_min, k_max = invert_shares(
                cells[f"{prefix}_percent"].to_numpy(np.float64),
                cells[f"{prefix}_ci95_low"].to_numpy(np.float64),
                cells[f"{prefix}_ci95_high"].to_numpy(np.float64),
                n,
            )
            for i in np.flatnonzero(main & np.isfinite(k_min)):
                target = index.get((*cell_list[i][:width], code, True))
                if target is None:
                    continue
                lower[target] = max(lower[target], k_min[i] - noise_bound - extra[i])
                upper[target] = min(upper[target], k_max[i] + noise_bound + extra[i])
    return CountSystem(
        dims=dims,
        keys=keys,
        index=index,
        matrix=matrix,
        lower=lower,
        upper=upper,
        published=published,
        pattern=np.asarray(pattern, dtype=np.int64),
    )


class InconsistentBounds(ValueError):
    """The constraints admit no counts: the attacker's model of the rules is wrong."""


def propagate_bounds(
    matrix: sparse.csr_matrix,
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    *,
    integral: bool = True,
    max_rounds: int = 5000,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Tighten bounds on x with A x = 0 by interval arithmetic, to a fixed point.

    For each equation and each of its unknowns, x_j = -(sum of the others) / a_j
    bounds x_j by the others' bounds (a sum with one infinite term is handled
    apart). Counts are whole numbers, so bounds are rounded inwards (`integral`).
    Sound: every bound holds for every solution, the true counts included.
    """
    coo = matrix.tocoo()
    rows, columns, a = coo.row, coo.col, coo.data
    equations = matrix.shape[0]
    low, high = lower.astype(np.float64).copy(), upper.astype(np.float64).copy()
    for _round in range(max_rounds):
        term_low = np.where(a > 0, a * low[columns], a * high[columns])
        term_high = np.where(a > 0, a * high[columns], a * low[columns])
        low_infinite = ~np.isfinite(term_low)
        high_infinite = ~np.isfinite(term_high)
        sum_low = np.bincount(rows, np.where(low_infinite, 0.0, term_low), equations)[rows]
        sum_high = np.bincount(rows, np.where(high_infinite, 0.0, term_high), equations)[rows]
        infinite_low = np.bincount(rows, low_infinite, equations)[rows]
        infinite_high = np.bincount(rows, high_infinite, equations)[rows]
        others_low = np.where(
            low_infinite,
            np.where(infinite_low == 1, sum_low, -np.inf),
            np.where(infinite_low == 0, sum_low - term_low, -np.inf),
        )
        others_high = np.where(
            high_infinite,
            np.where(infinite_high == 1, sum_high, np.inf),
            np.where(infinite_high == 0, sum_high - term_high, np.inf),
        )
        new_low = low.copy()
        new_high = high.copy()
        np.maximum.at(new_low, columns, np.where(a > 0, -others_high / a, -others_low / a))
        np.minimum.at(new_high, columns, np.where(a > 0, -others_low / a, -others_high / a))
        if integral:
            new_low = np.ceil(new_low - EPSILON)
            new_high = np.floor(new_high + EPSILON)
        if (new_low > new_high + EPSILON).any():
            bad = int(np.flatnonzero(new_low > new_high + EPSILON)[0])
            raise InconsistentBounds(f"unknown {bad}: {new_low[bad]} > {new_high[bad]}")
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            break
        low, high = new_low, new_high
    return low, high


def _pinned(low: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Exactly one whole number left between the bounds."""
    return np.ceil(low - EPSILON) == np.floor(high + EPSILON)


def _open(low: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.bool_]:
    return np.floor(high + EPSILON) > np.ceil(low - EPSILON)


@dataclass
class LpStats:
    """The linear programs an attack solved (a cost, reported by the bench)."""

    tables: int = 0
    solved: int = 0
    seconds: float = 0.0
    out_of_budget: int = 0  # targets left unrefined when the time budget ran out
    skipped_tables: int = 0  # tables over `max_table_unknowns`, left to propagation


def _lp_bounds(
    low: NDArray[np.float64], high: NDArray[np.float64]
) -> list[tuple[float | None, float | None]]:
    return [
        (float(lo) if math.isfinite(lo) else None, float(hi) if math.isfinite(hi) else None)
        for lo, hi in zip(low, high, strict=True)
    ]


def refine_with_lp(
    system: CountSystem,
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    targets: NDArray[np.int64],
    *,
    table_size: int = 3,
    max_table_unknowns: int = 2_000,
    max_cover_rounds: int = 40,
    stats: LpStats | None = None,
    budget_seconds: float = 120.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact LP bounds of the `targets` that propagation left open, table by table.

    A table is a set of `table_size` dimensions: the cohorts filtered on a subset
    of them and the sums among them (mission cells in one-dimension tables of
    their own), bounded by what the whole system propagated — a linear program
    HiGHS solves in tens of milliseconds (the whole system's takes seconds, being
    highly degenerate). A target is pinned only if
    its LP range holds a single whole number, so it is settled as soon as two
    feasible points show it at values two whole numbers apart. Covering programs
    find such points for most targets at once: with m_t the smallest whole number
    at or above the lowest value seen, maximize Σ min(x_t − m_t, 1) over the
    targets still open, and repeat while it settles some. The few left get their
    own max (and, if still open, min) program. After each table the new bounds
    are propagated through the whole system. A table of more than
    `max_table_unknowns` unknowns is skipped (and counted in `stats`). Sound:
    bounds only tighten around every feasible point, the true counts included.
    """
    stats = stats if stats is not None else LpStats()
    started = time.perf_counter()
    low, high = low.copy(), high.copy()
    width = len(system.dims)
    wanted = np.zeros(len(system), dtype=bool)
    wanted[targets] = True
    magnitude = abs(system.matrix)
    row_size = magnitude @ np.ones(len(system))
    is_mission = np.array([key[width] != ALL for key in system.keys], dtype=bool)
    # Mission cells exist for the overall and one-filter cohorts only: one table per
    # dimension holds them with their sums; the larger tables leave them out, their
    # information already propagated into the bounds of the cohorts they split.
    tables = [(1 << i, True) for i in range(width)] if is_mission.any() else []
    tables += [
        (sum(1 << i for i in table), False)
        for table in itertools.combinations(range(width), min(table_size, width))
    ]
    for bits, with_missions in tables:
        inside = ((system.pattern & ~bits) == 0) & (with_missions | ~is_mission)
        local_targets = np.flatnonzero(inside & wanted & _open(low, high))
        if local_targets.size == 0:
            continue
        if time.perf_counter() - started > budget_seconds:
            stats.out_of_budget += int(local_targets.size)
            continue
        if inside.sum() > max_table_unknowns:
            stats.skipped_tables += 1
            continue
        stats.tables += 1
        variables = np.flatnonzero(inside)
        rows = np.flatnonzero(magnitude @ inside.astype(np.float64) == row_size)
        table_matrix = system.matrix[rows][:, variables]
        table_low, table_high = low[variables], high[variables]
        fixed = table_low == table_high
        free = np.flatnonzero(~fixed)
        matrix = table_matrix[:, free].tocsr()
        rhs = -(table_matrix[:, fixed] @ table_low[fixed])
        used = np.diff(matrix.indptr) > 0
        matrix, rhs = matrix[used], rhs[used]
        position = np.full(len(system), -1, dtype=np.int64)
        position[variables[free]] = np.arange(free.size)
        program = _TableProgram(matrix, rhs, table_low[free], table_high[free], stats)
        local = position[local_targets]
        pushed = np.zeros(free.size)
        pushed[local] = 1.0
        program.solve(pushed)
        program.solve(-pushed)
        remaining = local[program.open(local)]
        for _round in range(max_cover_rounds):
            if remaining.size == 0:
                break
            program.cover(remaining)
            still = remaining[program.open(remaining)]
            if still.size == remaining.size:
                break
            remaining = still
        for j in remaining:
            if time.perf_counter() - started > budget_seconds:
                stats.out_of_budget += 1
                continue
            target = variables[free[j]]
            objective = np.zeros(free.size)
            objective[j] = -1.0
            largest = program.solve(objective)
            if largest is not None:
                high[target] = min(high[target], math.floor(largest[j] + EPSILON))
            if program.open(np.array([j]))[0]:
                continue
            smallest = program.solve(-objective)
            if smallest is not None:
                low[target] = max(low[target], math.ceil(smallest[j] - EPSILON))
        low, high = propagate_bounds(system.matrix, low, high)
    stats.seconds += time.perf_counter() - started
    return low, high


class _TableProgram:
    """One table's linear program (A x = b, bounds) and the extreme values seen of each x."""

    def __init__(
        self,
        matrix: sparse.csr_matrix,
        rhs: NDArray[np.float64],
        low: NDArray[np.float64],
        high: NDArray[np.float64],
        stats: LpStats,
    ) -> None:
        self.matrix, self.rhs, self.stats = matrix, rhs, stats
        self.bounds = _lp_bounds(low, high)
        self.seen_low = np.full(matrix.shape[1], np.inf)
        self.seen_high = np.full(matrix.shape[1], -np.inf)

    def _record(self, x: NDArray[np.float64]) -> None:
        np.minimum(self.seen_low, x, out=self.seen_low)
        np.maximum(self.seen_high, x, out=self.seen_high)

    def open(self, columns: NDArray[np.int64]) -> NDArray[np.bool_]:
        """True where no two points seen yet are two whole numbers apart."""
        return ~_open(self.seen_low[columns], self.seen_high[columns])

    def solve(self, objective: NDArray[np.float64]) -> NDArray[np.float64] | None:
        """Minimize objective·x; the solution, or None when unbounded that way."""
        result = linprog(
            objective, A_eq=self.matrix, b_eq=self.rhs, bounds=self.bounds, method="highs"
        )
        self.stats.solved += 1
        if result.status == 2:
            raise InconsistentBounds("a table's linear program has no solution")
        if result.status != 0:
            return None
        self._record(result.x)
        return np.asarray(result.x)

    def cover(self, columns: NDArray[np.int64]) -> None:
        """Maximize Σ z_t with z_t ≤ x_t − m_t, z_t ≤ 1 (m_t = ceil of the lowest seen x_t):
        a point where as many of these x_t as possible reach m_t + 1."""
        count, size = columns.size, self.matrix.shape[1]
        floor = np.ceil(self.seen_low[columns] - EPSILON)
        equalities = sparse.hstack([self.matrix, sparse.csr_matrix((self.matrix.shape[0], count))])
        steps = np.arange(count)
        inequalities = sparse.csr_matrix(
            (
                np.concatenate([np.ones(count), -np.ones(count)]),
                (np.concatenate([steps, steps]), np.concatenate([size + steps, columns])),
            ),
            shape=(count, size + count),
        )
        result = linprog(
            np.concatenate([np.zeros(size), -np.ones(count)]),
            A_eq=equalities.tocsr(),
            b_eq=self.rhs,
            A_ub=inequalities,
            b_ub=-floor,
            bounds=[*self.bounds, *[(None, 1.0)] * count],
            method="highs",
        )
        self.stats.solved += 1
        if result.status == 0:
            self._record(result.x[:size])


def least_squares_estimate(
    system: CountSystem,
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    *,
    equation_weight: float = 10.0,
    prior_weight: float = 0.1,
    rounds: int = 6,
) -> NDArray[np.float64]:
    """The attacker's best guess of every count: the published counts fitted by least
    squares under the sums (heavily weighted), with a light pull towards independence
    (the overall count times each filter's share) where nothing else decides; unknowns
    that leave their bounds are fixed at the bound and the rest fitted again.

    Sparse LSQR on the stacked rows; a few active-set rounds for the bounds.
    """
    prior = _independence_prior(system, low, high)
    estimate = np.where(low == high, low, prior)
    variable = low < high
    published = np.isfinite(system.published)
    matrix = system.matrix.tocsc()
    for _round in range(rounds):
        free = np.flatnonzero(variable)
        if free.size == 0:
            break
        fixed = np.flatnonzero(~variable)
        rhs = -(matrix[:, fixed] @ estimate[fixed])
        observed = np.flatnonzero(published[free])
        stacked = sparse.vstack(
            [
                equation_weight * matrix[:, free],
                sparse.csr_matrix(
                    (np.ones(observed.size), (np.arange(observed.size), observed)),
                    shape=(observed.size, free.size),
                ),
                prior_weight * sparse.identity(free.size, format="csr"),
            ]
        ).tocsr()
        target = np.concatenate(
            [
                equation_weight * rhs,
                system.published[free[observed]],
                prior_weight * prior[free],
            ]
        )
        # Start from the current guess: LSQR then only solves for the correction.
        start = estimate[free]
        solution = (
            start
            + lsqr(stacked, target - stacked @ start, atol=1e-5, btol=1e-5, iter_lim=20_000)[0]
        )
        clipped = np.clip(solution, low[free], high[free])
        estimate[free] = clipped
        outside = np.abs(clipped - solution) > 1e-6
        if not outside.any():
            break
        variable[free[outside]] = False
    return estimate


def _independence_prior(
    system: CountSystem, low: NDArray[np.float64], high: NDArray[np.float64]
) -> NDArray[np.float64]:
    """N x the product of each filter's share, from published (else mid-bound) counts of
    the overall and one-filter cohorts; a mission cell's own mid-bound."""
    middle = np.where(np.isfinite(high), (low + high) / 2, low)
    guess = np.where(np.isfinite(system.published), system.published, middle)
    width = len(system.dims)
    total = max(float(guess[system.index[(*(ALL,) * width, ALL, True)]]), 1.0)
    share: dict[tuple[int, str], float] = {}
    for key, position in system.index.items():
        if key[width] == ALL and system.pattern[position].bit_count() == 1:
            dim = int(system.pattern[position]).bit_length() - 1
            share[(dim, key[dim])] = guess[position] / total
    prior = np.empty(len(system))
    for position, key in enumerate(system.keys):
        if key[width] != ALL:
            prior[position] = guess[position]
            continue
        value = total
        for dim, level in enumerate(key[:width]):
            if level != ALL:
                value *= share[(dim, level)]
        prior[position] = value
    return np.clip(prior, low, high)


@dataclass
class LinearAttack:
    """What `linear_attack` derived: bounds and a best guess for every cohort of the system."""

    cells: pd.DataFrame  # dims, mission, mission_done, published, low, high, estimate
    lp: LpStats = field(default_factory=LpStats)
    seconds: float = 0.0
    unknowns: int = 0


def linear_attack(
    cells: pd.DataFrame,
    *,
    dims: Sequence[str],
    levels: Mapping[str, Sequence[str]],
    missions: Sequence[str],
    noise_bound: int,
    targets: Iterable[Key] | None = None,
    max_filters: int = 3,
    slack: Mapping[Key, float] | None = None,
    lp_budget_seconds: float = 120.0,
) -> LinearAttack:
    """Bounds on, and a best guess of, the true count of every cohort of one metric,
    country and edition, from its published cells (`cells`: those rows of cells.csv).

    Interval propagation over the whole system, then linear programs table by
    table for the `targets` still open (default: every absent cell), then least
    squares for the guesses.
    """
    started = time.perf_counter()
    system = build_count_system(
        cells,
        dims=dims,
        levels=levels,
        missions=missions,
        noise_bound=noise_bound,
        max_filters=max_filters,
        slack=slack,
    )
    low, high = propagate_bounds(system.matrix, system.lower, system.upper)
    if targets is None:
        wanted = np.flatnonzero(~np.isfinite(system.published))
    else:
        wanted = np.array(
            sorted({system.index[key] for key in targets if key in system.index}), dtype=np.int64
        )
    stats = LpStats()
    low, high = refine_with_lp(
        system, low, high, wanted, stats=stats, budget_seconds=lp_budget_seconds
    )
    estimate = least_squares_estimate(system, low, high)
    return LinearAttack(
        cells=system.frame(published=system.published, low=low, high=high, estimate=estimate),
        lp=stats,
        seconds=time.perf_counter() - started,
        unknowns=len(system),
    )


def _describe(row: pd.Series, dims: Sequence[str]) -> str:
    text = ", ".join(f"{d}={row[d]}" for d in dims if row[d] != ALL) or "all"
    if row["mission"] != ALL:
        text += f", {row['mission']}: {'yes' if row['mission_done'] else 'no'}"
    return text


@dataclass(frozen=True)
class LinearScore:
    """How much of the suppressed cohorts (true n 1..9) the attacker learned.

    Most suppressed cohorts are crossings of three filters about which the table
    says next to nothing; among them a count of 1 is the most common, so even the
    constant guess 1 hits often (`constant_hits`). The exact-hit rate that tells
    what the table gives away is the one among *informed* cohorts: those whose
    bounds leave fewer whole numbers than the nine of 1..9.
    """

    suppressed: int  # absent cohorts of the system with a true n of 1..9
    pinned: int  # of which the attacker knows the exact n for certain
    pinned_main: int  # ... among cohorts of the main table
    pinned_mission: int  # ... among mission cells (does / does not a mission)
    exact_hits: int  # of which the rounded least-squares guess is exactly right
    constant_hits: int  # ... and how many the constant guess 1 gets right
    informed: int  # suppressed cohorts whose bounds leave fewer than 9 values
    informed_hits: int  # ... of which the guess is exactly right
    examples: tuple[str, ...] = ()

    @property
    def exact_hit_rate(self) -> float:
        return self.exact_hits / self.suppressed if self.suppressed else 0.0

    @property
    def informed_hit_rate(self) -> float:
        return self.informed_hits / self.informed if self.informed else 0.0


def score_linear_attack(
    attack: pd.DataFrame, truth: pd.DataFrame, *, dims: Sequence[str]
) -> LinearScore:
    """Compare the attack's bounds and guesses with the true counts (`universe_counts`).

    Raises AssertionError if a bound excludes a true count: the attacker's
    model of the rules would be wrong, and its findings worthless.
    """
    key_columns = [*dims, "mission", "mission_done"]
    merged = attack.merge(truth[[*key_columns, "n_true"]], on=key_columns, how="left")
    merged["n_true"] = merged["n_true"].fillna(0).astype(np.int64)
    wrong = (merged["n_true"] < merged["low"] - EPSILON) | (
        merged["n_true"] > merged["high"] + EPSILON
    )
    if wrong.any():
        raise AssertionError(
            "the attacker's bounds exclude true counts:\n" + merged[wrong].head().to_string()
        )
    absent = merged[merged["published"].isna()]
    small = absent[(absent["n_true"] >= 1) & (absent["n_true"] < MIN_COHORT)]
    low, high = small["low"].to_numpy(), small["high"].to_numpy()
    pinned = small[_pinned(low, high)]
    # Examples from the main table first: a mission cell pinned is the commoner find.
    pinned = pinned.iloc[np.argsort((pinned["mission"] != ALL).to_numpy(), kind="stable")]
    hits = np.floor(small["estimate"].to_numpy() + 0.5) == small["n_true"].to_numpy()
    values_left = np.floor(high + EPSILON) - np.ceil(low - EPSILON) + 1
    informed = values_left < MIN_COHORT - 1
    return LinearScore(
        suppressed=len(small),
        pinned=len(pinned),
        pinned_main=int((pinned["mission"] == ALL).sum()),
        pinned_mission=int((pinned["mission"] != ALL).sum()),
        exact_hits=int(hits.sum()),
        constant_hits=int((small["n_true"] == 1).sum()),
        informed=int(informed.sum()),
        informed_hits=int((hits & informed).sum()),
        examples=tuple(
            f"{_describe(row, dims)}: n = {int(row['n_true'])}"
            for _, row in pinned.head(5).iterrows()
        ),
    )


# --- Two snapshots --------------------------------------------------------------------------


def unchanged_keys(before: pd.DataFrame, after: pd.DataFrame, *, dims: Sequence[str]) -> set[Key]:
    """Cells published in both with identical figures: unchanged, or carrying their old
    figures (rule 8) — an outsider cannot tell which."""
    key_columns = [*dims, "mission", "mission_done"]
    merged = after.merge(before, on=key_columns, suffixes=("", "_before"))
    same = np.ones(len(merged), dtype=bool)
    for column in after.columns:
        if column in key_columns or f"{column}_before" not in merged.columns:
            continue
        now = merged[column].to_numpy()
        then = merged[f"{column}_before"].to_numpy()
        same &= (pd.isna(now) & pd.isna(then)) | (now == then)
    return set(cell_keys(merged[same], dims))


@dataclass
class DifferenceAttack:
    """Bounds on the change of every cohort's true count between two snapshots."""

    cells: pd.DataFrame  # dims, mission, mission_done, low, high
    lp: LpStats = field(default_factory=LpStats)
    seconds: float = 0.0


def difference_attack(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    dims: Sequence[str],
    levels: Mapping[str, Sequence[str]],
    missions: Sequence[str],
    noise_bound: int,
    stale_before: Iterable[Key] = (),
    targets: Iterable[Key] | None = None,
    max_filters: int = 3,
    carry_window: int = CARRY_WINDOW,
    lp_budget_seconds: float = 120.0,
) -> DifferenceAttack:
    """Bounds on the change of every cohort's true count between two snapshots of an edition.

    Each snapshot's system bounds its own counts. A cell published with the same
    figures in both may carry old ones (rule 8): its count in `after` is known
    only within `carry_window` of the published one, and its change within
    ±`carry_window`; `stale_before` names the cells of `before` that may carry
    figures of the snapshot before it. The change of a cohort then lies in
    [low_after − high_before, high_after − low_before], and changes add up like
    counts: Δ(parent) − Σ Δ(children) = 0, the nested differences. Interval
    propagation, then linear programs for the `targets` (default: every cell).
    """
    started = time.perf_counter()
    same = unchanged_keys(before, after, dims=dims)
    options: dict[str, Any] = {
        "dims": dims,
        "levels": levels,
        "missions": missions,
        "noise_bound": noise_bound,
        "max_filters": max_filters,
    }
    window = float(carry_window)
    system_before = build_count_system(before, slack=dict.fromkeys(stale_before, window), **options)
    system_after = build_count_system(after, slack=dict.fromkeys(same, window), **options)
    low_before, high_before = propagate_bounds(
        system_before.matrix, system_before.lower, system_before.upper
    )
    low_after, high_after = propagate_bounds(
        system_after.matrix, system_after.lower, system_after.upper
    )
    change_low = low_after - high_before
    change_high = high_after - low_before
    for key in same:
        position = system_after.index.get(key)
        if position is not None:
            change_low[position] = max(change_low[position], -window)
            change_high[position] = min(change_high[position], window)
    change_low = np.nan_to_num(change_low, nan=-np.inf)
    change_high = np.nan_to_num(change_high, nan=np.inf)
    low, high = propagate_bounds(system_after.matrix, change_low, change_high)
    if targets is None:
        wanted = np.arange(len(system_after))
    else:
        wanted = np.array(
            sorted({system_after.index[key] for key in targets if key in system_after.index}),
            dtype=np.int64,
        )
    stats = LpStats()
    low, high = refine_with_lp(
        system_after, low, high, wanted, stats=stats, budget_seconds=lp_budget_seconds
    )
    return DifferenceAttack(
        cells=system_after.frame(low=low, high=high),
        lp=stats,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class DifferenceScore:
    """How many small groups of new (or withdrawn) answers the attacker sized exactly."""

    changed: int  # cohorts whose true count changed by 1..9 (either way)
    pinned: int  # of which the attacker knows the exact change for certain
    examples: tuple[str, ...] = ()


def score_difference_attack(
    attack: pd.DataFrame,
    truth_before: pd.DataFrame,
    truth_after: pd.DataFrame,
    *,
    dims: Sequence[str],
) -> DifferenceScore:
    """Compare the bounds on changes with the true changes (two `universe_counts`)."""
    key_columns = [*dims, "mission", "mission_done"]
    merged = attack
    for name, truth in (("before", truth_before), ("after", truth_after)):
        merged = merged.merge(
            truth[[*key_columns, "n_true"]].rename(columns={"n_true": name}),
            on=key_columns,
            how="left",
        )
    merged["change"] = merged["after"].fillna(0) - merged["before"].fillna(0)
    wrong = (merged["change"] < merged["low"] - EPSILON) | (
        merged["change"] > merged["high"] + EPSILON
    )
    if wrong.any():
        raise AssertionError(
            "the attacker's bounds exclude true changes:\n" + merged[wrong].head().to_string()
        )
    moved = merged[(merged["change"].abs() >= 1) & (merged["change"].abs() < MIN_COHORT)]
    pinned = moved[_pinned(moved["low"].to_numpy(), moved["high"].to_numpy())]
    return DifferenceScore(
        changed=len(moved),
        pinned=len(pinned),
        examples=tuple(
            f"{_describe(row, dims)}: {int(row['change']):+d} answers"
            for _, row in pinned.head(5).iterrows()
        ),
    )


# --- The profile model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One answer of /api/v1/benchmarks/estimate/: median and 80% prediction interval."""

    estimate: float
    low: float
    high: float
    fitted_on: int

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> Estimate:
        low, high = payload["prediction_interval80"]
        return cls(float(payload["estimate"]), float(low), float(high), int(payload["fitted_on"]))

    @property
    def log_half_width(self) -> float:
        """t s sqrt(1 + h): half the interval's width on the log scale."""
        return (math.log(self.high) - math.log(self.low)) / 2


@dataclass(frozen=True)
class Recovery:
    """The attacker's answer for the added salary (None when the estimates did not move)."""

    salary: float | None
    leverage: float | None


def approximate_leverage(
    profile: Mapping[str, Any], level_counts: Mapping[str, Mapping[str, int]], total: int
) -> float:
    """x'(X'X)^-1 x of a profile, roughly, from published counts alone: for main effects of
    nearly independent factors, 1/n + Σ_f (1/n_level − 1/n) (the numeric term is small
    for a typical number of years and left out). Good for common profiles, whose
    leverage is small; it only corrects the model's spread read off their intervals."""
    leverage = 1 / total
    for factor, counts in level_counts.items():
        count = counts.get(str(profile.get(factor)), 0)
        if count:
            leverage += 1 / count - 1 / total
    return leverage


def recover_added_salary(
    victim_before: Estimate,
    victim_after: Estimate,
    references_before: Sequence[Estimate],
    reference_leverages: Sequence[float] | None = None,
) -> Recovery:
    """The salary of the one answer added between two fits, from its profile's estimates.

    OLS on log salary: adding a row x* with residual r = log y* − x*'b moves the
    prediction at x* by h r / (1 + h), h = x*'(X'X)^-1 x* (Sherman–Morrison). The
    prediction interval's half-width on the log scale is t s sqrt(1 + h): the
    intervals of common `references_before` profiles, whose leverage is small and
    roughly known (`reference_leverages`, else 0), give t s; the victim's interval
    then gives h at x*; then r, then y* = exp(log estimate_before + r).
    """
    moved = math.log(victim_after.estimate) - math.log(victim_before.estimate)
    if moved == 0 or victim_after.fitted_on == victim_before.fitted_on:
        return Recovery(None, None)
    leverages = reference_leverages or [0.0] * len(references_before)
    spread = float(
        np.mean(
            [
                reference.log_half_width**2 / (1 + leverage)
                for reference, leverage in zip(references_before, leverages, strict=True)
            ]
        )
    )
    leverage = victim_before.log_half_width**2 / spread - 1
    if leverage <= 0:
        return Recovery(None, leverage)
    residual = moved * (1 + leverage) / leverage
    return Recovery(math.exp(math.log(victim_before.estimate) + residual), leverage)


# --- Rounding and noise as published --------------------------------------------------------


@dataclass(frozen=True)
class MoneyCheck:
    figures: int
    off_step: int
    examples: tuple[str, ...] = ()


def money_off_step(
    values: Iterable[tuple[str, float]], *, steps: Mapping[str, int] = MONEY_STEPS
) -> MoneyCheck:
    """How many published amounts (metric, amount) are not a multiple of their rounding step."""
    figures = off = 0
    examples: list[str] = []
    for metric, value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        figures += 1
        if value % steps[metric]:
            off += 1
            if len(examples) < 5:
                examples.append(f"{metric} {value:g}")
    return MoneyCheck(figures, off, tuple(examples))


def csv_money(cells: pd.DataFrame) -> list[tuple[str, float]]:
    """Every published amount of cells.csv with its metric."""
    found: list[tuple[str, float]] = []
    for column in MONEY_COLUMNS:
        values = cells[column].to_numpy(np.float64)
        present = np.isfinite(values)
        found += list(zip(cells["metric"].to_numpy()[present], values[present], strict=True))
    return found


def amounts_equal_to_answers(
    cells: pd.DataFrame, rows: pd.DataFrame, *, dims: Sequence[str], value: str
) -> tuple[int, int]:
    """(published amounts of the main table's cells equal to some answer's exact value in
    that cell's cohort, published amounts): rule 4 says no published figure is one
    respondent's exact value, and rounding cannot ensure it for answers already round."""
    main = cells[cells["mission"] == ALL]
    bits = (main[list(dims)] != ALL).to_numpy() @ (1 << np.arange(len(dims)))
    data = rows[[*dims, value]].copy()
    for dim in dims:
        data[dim] = data[dim].astype(str)
    equal = total = 0
    for pattern_bits in np.unique(bits):
        by = [dim for i, dim in enumerate(dims) if pattern_bits >> i & 1]
        answers = data[[*by, value]].drop_duplicates()
        members = main[bits == pattern_bits]
        for column in MONEY_COLUMNS:
            amounts = members[[*by, column]].dropna(subset=[column])
            amounts = amounts.rename(columns={column: value})
            total += len(amounts)
            equal += len(amounts.merge(answers, on=[*by, value]))
    return equal, total


def count_errors(published_n: Sequence[int], true_n: Sequence[int]) -> dict[str, float]:
    """Max |published - true| and the share of published counts that are exact."""
    published = np.asarray(published_n, dtype=np.int64)
    truth = np.asarray(true_n, dtype=np.int64)
    if published.size == 0:
        return {"max_abs": 0.0, "exact_share": 0.0}
    return {
        "max_abs": float(np.abs(published - truth).max()),
        "exact_share": float((published == truth).mean()),
    }
