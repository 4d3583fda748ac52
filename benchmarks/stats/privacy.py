"""Publication rules of DESIGN.md "Privacy rules" 1, 2 and 7: cohort minimums,
secondary suppression against subtraction, and confidence tiers.

A *cube* is one row per cell: one column per dimension holding a level code or
``all_value`` ("*", meaning no filter on that dimension), and the cell's
response count ``n``. Every combination of filtered / unfiltered dimensions
(2^d *patterns*) is present, each counted from the same rows, so the grand
total, every margin and every crossing agree. Cells with n = 0 may be left out:
an absent cell is an empty one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from benchmarks.stats.errors import CubeError, StatsError

# The thresholds live in `tiers` (no pandas) for the web process; re-exported here.
from benchmarks.stats.tiers import (
    MIN_COHORT,
    MIN_TAILS,
    TIER_HIGH_FROM,
    TIER_MEDIUM_FROM,
    Tier,
    confidence_tier,
)

__all__ = [
    "MIN_COHORT",
    "MIN_TAILS",
    "TIER_HIGH_FROM",
    "TIER_MEDIUM_FROM",
    "SuppressionReport",
    "Tier",
    "check_subtraction_rules",
    "confidence_tier",
    "confidence_tiers",
    "secondary_suppression",
    "secondary_suppression_report",
    "tails_published",
]


def confidence_tiers(n: ArrayLike) -> NDArray[np.object_]:
    """:func:`confidence_tier` over an array of counts: "low" / "medium" / "high", or None
    where n < MIN_COHORT (unpublished)."""
    counts = _integer_counts(n, name="n")
    tiers = np.full(counts.shape, None, dtype=object)
    tiers[counts >= MIN_COHORT] = "low"
    tiers[counts >= TIER_MEDIUM_FROM] = "medium"
    tiers[counts >= TIER_HIGH_FROM] = "high"
    return tiers


def tails_published(n: ArrayLike) -> NDArray[np.bool_]:
    """True where p10 and p90 may be published: n >= MIN_TAILS (rule 1)."""
    return _integer_counts(n, name="n") >= MIN_TAILS


def _integer_counts(n: ArrayLike, *, name: str) -> NDArray[np.int64]:
    try:
        counts = np.asarray(n, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(f"{name} must hold counts: {exc}") from exc
    if not np.isfinite(counts).all() or (counts < 0).any() or (counts != np.round(counts)).any():
        raise StatsError(f"{name} must hold whole, non-negative counts")
    return counts.astype(np.int64)


# A cube's cells are looked up in a table of its whole key space when that space
# holds at most this many keys per cell (8 bytes each), by binary search otherwise.
TABLE_KEYS_PER_CELL = 8


@dataclass(frozen=True, eq=False)
class _Cube:
    """Integer encoding of a cube: per-dimension level codes (0 = all) and cell keys."""

    codes: NDArray[np.int64]  # (cells, dims), 0 = all
    components: NDArray[np.int64]  # codes * radix of each dim, so key = base + row sum
    base: NDArray[np.int64]  # the by-group's offset in key space
    keys: NDArray[np.int64]
    n: NDArray[np.int64]
    sorted_keys: NDArray[np.int64]
    sorted_rows: NDArray[np.int64]
    labels: list[str]
    # Row of each key in [0, key space), -1 for none: when the key space is at most
    # TABLE_KEYS_PER_CELL times the cells (a main cube: 136,080 keys, 155,000 cells).
    row_of_key: NDArray[np.int64] | None = None

    def lookup(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row of the cell with each key, -1 where there is none."""
        if self.row_of_key is not None:
            inside = (keys >= 0) & (keys < self.row_of_key.size)
            return np.where(inside, self.row_of_key[np.where(inside, keys, 0)], -1)
        position = np.searchsorted(self.sorted_keys, keys)
        position = np.minimum(position, self.sorted_keys.size - 1)
        found = self.sorted_keys[position] == keys
        return np.where(found, self.sorted_rows[position], -1)


def _encode_cube(
    cells: pd.DataFrame, *, dims: Sequence[str], by: Sequence[str], all_value: object, n_column: str
) -> _Cube:
    dims = list(dims)
    by = list(by)
    if not dims:
        raise CubeError("a cube needs at least one dimension")
    if len(set(dims) | set(by)) != len(dims) + len(by):
        raise CubeError(f"dims and by must be distinct columns: {dims} / {by}")
    missing = [c for c in (*dims, *by, n_column) if c not in cells.columns]
    if missing:
        raise CubeError(f"cells lack the columns {missing}")
    n = _integer_counts(cells[n_column].to_numpy(dtype=np.float64, na_value=np.nan), name=n_column)
    size = len(cells)
    codes = np.zeros((size, len(dims)), dtype=np.int64)
    radix = 1
    components = np.zeros((size, len(dims)), dtype=np.int64)
    for column, dim in enumerate(dims):
        values = cells[dim]
        if values.isna().any():
            raise CubeError(f"dimension {dim!r} has missing values; use {all_value!r} for 'all'")
        is_all = (values == all_value).to_numpy(dtype=bool)
        level_codes, levels = pd.factorize(values[~is_all], sort=True)
        codes[~is_all, column] = level_codes + 1
        components[:, column] = codes[:, column] * radix
        radix *= len(levels) + 1
    if by:
        group = cells.groupby(by, sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64)
        groups = int(group.max()) + 1 if size else 0
    else:
        group = np.zeros(size, dtype=np.int64)
        groups = 1
    if radix * max(groups, 1) >= 2**62:
        raise CubeError("the cube has too many level combinations to encode")
    base = (group * radix).astype(np.int64)
    keys = base + components.sum(axis=1)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    duplicate = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if duplicate.size:
        row = int(order[duplicate[0]])
        raise CubeError(f"the cube holds the cell {_describe(cells, row, [*by, *dims])} twice")
    key_space = radix * max(groups, 1)
    row_of_key = None
    if key_space <= TABLE_KEYS_PER_CELL * max(size, 1):
        # Looked up by indexing: a binary search of the sorted keys took 3 ms per
        # lookup of France's main cube, about 90 of them per group.
        row_of_key = np.full(key_space, -1, dtype=np.int64)
        row_of_key[keys] = np.arange(size)
    return _Cube(
        codes=codes,
        components=components,
        base=base,
        keys=keys,
        n=n,
        sorted_keys=sorted_keys,
        sorted_rows=order.astype(np.int64),
        labels=[*by, *dims],
        row_of_key=row_of_key,
    )


def _describe(cells: pd.DataFrame, row: int, columns: Sequence[str]) -> str:
    values = cells.iloc[row]
    return "(" + ", ".join(f"{c}={values[c]!r}" for c in columns) + ")"


def _submask_matrix(pattern: int, dims: int) -> tuple[list[int], NDArray[np.int64]]:
    """Strict submasks A of ``pattern`` and a (dims x submasks) 0/1 matrix of their dims."""
    submasks: list[int] = []
    mask = (pattern - 1) & pattern
    while True:
        submasks.append(mask)
        if mask == 0:
            break
        mask = (mask - 1) & pattern
    matrix = np.array(
        [[(mask >> d) & 1 for mask in submasks] for d in range(dims)], dtype=np.int64
    ).reshape(dims, len(submasks))
    return submasks, matrix


def _refinement_conflicts(
    cube: _Cube, cells: pd.DataFrame, *, min_cohort: int, strict: bool = True
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Pairs (finer S, coarser C ⊃ S) with 0 < n(C) - n(S) < min_cohort, both n >= min_cohort.

    Returns child rows, parent rows and the child's number of filtered dims.
    For each pattern B and each strict sub-pattern A, the parent of a B-cell is
    the cell with its A-dims' codes and 'all' elsewhere: one key lookup per pair.
    """
    dims = cube.codes.shape[1]
    specified = cube.codes != 0
    pattern = (specified * (1 << np.arange(dims))).sum(axis=1)
    child_rows: list[NDArray[np.int64]] = []
    parent_rows: list[NDArray[np.int64]] = []
    for pattern_value in np.unique(pattern[cube.n > 0]):
        if pattern_value == 0:
            continue
        rows = np.flatnonzero((pattern == pattern_value) & (cube.n > 0))
        _, matrix = _submask_matrix(int(pattern_value), dims)
        parent_keys = cube.base[rows, None] + cube.components[rows] @ matrix
        parents = cube.lookup(parent_keys)
        if (parents < 0).any():
            row = int(rows[np.flatnonzero((parents < 0).any(axis=1))[0]])
            raise CubeError(
                f"the cube is not full: the cell {_describe(cells, row, cube.labels)} "
                "lacks one of its coarser cells"
            )
        excess = cube.n[parents] - cube.n[rows, None]
        if strict and (excess < 0).any():
            row = int(rows[np.flatnonzero((excess < 0).any(axis=1))[0]])
            raise CubeError(
                f"the cube is inconsistent: the cell {_describe(cells, row, cube.labels)} "
                "counts more responses than a coarser cell holding it"
            )
        conflict = (
            (excess != 0)
            & (excess < min_cohort)
            & (cube.n[rows, None] >= min_cohort)
            & (cube.n[parents] >= min_cohort)
        )
        hit_row, hit_column = np.nonzero(conflict)
        child_rows.append(rows[hit_row])
        parent_rows.append(parents[hit_row, hit_column])
    child = np.concatenate(child_rows) if child_rows else np.zeros(0, dtype=np.int64)
    parent = np.concatenate(parent_rows) if parent_rows else np.zeros(0, dtype=np.int64)
    return child, parent, specified[child].sum(axis=1).astype(np.int64)


def _child_edges(
    cube: _Cube, cells: pd.DataFrame, *, min_cohort: int, strict: bool = True
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Edges (child, family = parent row * dims + dim) of one-dim children, n >= min_cohort.

    Sorted by family, then child n, then child key: the first published edge of a
    family is its smallest published child (ties by key, so deterministic).
    """
    size, dims = cube.codes.shape
    children: list[NDArray[np.int64]] = []
    families: list[NDArray[np.int64]] = []
    coverage = np.zeros(size * dims, dtype=np.int64)
    for dim in range(dims):
        rows = np.flatnonzero((cube.codes[:, dim] != 0) & (cube.n > 0))
        parents = cube.lookup(cube.keys[rows] - cube.components[rows, dim])
        if (parents < 0).any():
            row = int(rows[np.flatnonzero(parents < 0)[0]])
            raise CubeError(
                f"the cube is not full: the cell {_describe(cells, row, cube.labels)} "
                "lacks one of its coarser cells"
            )
        family = parents * dims + dim
        np.add.at(coverage, family, cube.n[rows])
        large = cube.n[rows] >= min_cohort
        children.append(rows[large])
        families.append(family[large])
    if strict and (coverage.reshape(size, dims) > cube.n[:, None]).any():
        row = int(np.flatnonzero((coverage.reshape(size, dims) > cube.n[:, None]).any(axis=1))[0])
        raise CubeError(
            f"the cube is inconsistent: the children of {_describe(cells, row, cube.labels)} "
            "along one dimension count more responses than it"
        )
    child = np.concatenate(children)
    family = np.concatenate(families)
    order = np.lexsort((cube.keys[child], cube.n[child], family))
    return child[order], family[order]


@dataclass(frozen=True, eq=False)
class SuppressionReport:
    """What :func:`secondary_suppression_report` decided, and how many cells each pass published.

    ``published`` is the bool Series of :func:`secondary_suppression`. The counts
    are cells (over all ``by`` groups): the greedy rounds alone publish
    ``published_before_put_back``; the put-back pass brings it to
    ``published_after_put_back`` (equal when ``put_back=False``).
    """

    published: pd.Series
    published_before_put_back: int
    published_after_put_back: int


def secondary_suppression(
    cells: pd.DataFrame,
    *,
    dims: Sequence[str],
    all_value: object = "*",
    min_cohort: int = MIN_COHORT,
    by: Sequence[str] = (),
    n_column: str = "n",
    suppressed: pd.Series | ArrayLike | None = None,
    strict: bool = True,
    put_back: bool = True,
) -> pd.Series:
    """Which cells of a full cube may be published (True) under privacy rules 1 and 2.

    ``strict=False`` accepts a cube whose counts disagree (a cell counting more
    than a coarser one, as when privacy rule 4 makes some cells keep an earlier
    snapshot's figures): a negative difference or remainder is then a leak too,
    resolved by suppressing like any other.

    Input: one row per cell; each ``dims`` column holds a level code or ``all_value``;
    ``n_column`` the response count. The cube must be *full*: every pattern of
    filtered/unfiltered dims, all counted from the same rows (a cell with n > 0
    without its coarser cells raises :class:`CubeError`, as does a cell counting
    more than a coarser one or a duplicated cell). Cells with n = 0 may be absent.
    Rows with no level on a dim (e.g. freelancers' employer size) may be counted
    in the 'all' cells only: they are part of the uncovered remainder of rule (b).
    A cube cut at a maximum number of filters is fine as long as it stays closed
    under coarsening (every coarser cell of a present cell is present).
    ``by`` names columns that split the frame into independent cubes (e.g.
    edition, country, status), never set to 'all': one call handles them all.
    ``suppressed`` (bool, True = keep unpublished) forces cells out before the
    rules run, e.g. decisions carried over from an earlier pass; a Series is
    aligned on ``cells.index``, an array by position. A forced cell is never
    published, not even by the put-back pass.

    Rules, for published cells only (True = published):

    1. primary: n < min_cohort is suppressed;
    2. (a) for every published C and every published S that refines C (equal on
       C's filtered dims, plus one or more filters), n(C) - n(S) is 0 or
       >= min_cohort; otherwise S, the finer cell, is suppressed (coarse cells
       serve more readers). Checked over all refinements, coarsest children first;
       (b) for every published C and every dim d that C leaves at 'all', the
       remainder n(C) - sum(n of C's published children along d) is 0 or
       >= min_cohort; otherwise C's smallest published child along d (ties broken
       by the cell's level codes, so the result is deterministic) is suppressed.
       As published children have n >= min_cohort, one suppression restores (b)
       for that (C, d).

    (a) and (b) repeat until nothing changes; every round is vectorized. That
    greedy result is safe but over-suppresses: a cell suppressed early may stop
    mattering once a later round suppresses its partner. With ``put_back`` (the
    default) a second pass then publishes again every suppressed cell it safely
    can, until the result is *maximal*: no single suppressed cell with
    n >= min_cohort (and not forced) can be published without breaking (a) or
    (b). Maximal, not maximum: another safe set may publish more cells. See
    :func:`_put_back`. Returns a bool Series named "published" on ``cells.index``;
    :func:`secondary_suppression_report` also gives the counts of both passes.
    """
    return secondary_suppression_report(
        cells,
        dims=dims,
        all_value=all_value,
        min_cohort=min_cohort,
        by=by,
        n_column=n_column,
        suppressed=suppressed,
        strict=strict,
        put_back=put_back,
    ).published


def secondary_suppression_report(
    cells: pd.DataFrame,
    *,
    dims: Sequence[str],
    all_value: object = "*",
    min_cohort: int = MIN_COHORT,
    by: Sequence[str] = (),
    n_column: str = "n",
    suppressed: pd.Series | ArrayLike | None = None,
    strict: bool = True,
    put_back: bool = True,
) -> SuppressionReport:
    """:func:`secondary_suppression`, with the number of cells published before and
    after the put-back pass (e.g. for the snapshot build's log)."""
    if min_cohort < 1:
        raise StatsError("min_cohort must be at least 1")
    cube = _encode_cube(cells, dims=dims, by=by, all_value=all_value, n_column=n_column)
    forced = (
        _forced(cells, suppressed) if suppressed is not None else np.zeros(len(cells), dtype=bool)
    )
    published = (cube.n >= min_cohort) & ~forced
    if len(cells) == 0:
        return SuppressionReport(
            published=pd.Series(published, index=cells.index, name="published", dtype=bool),
            published_before_put_back=0,
            published_after_put_back=0,
        )
    # Both precomputations also check that the cube is full and consistent.
    conflict_child, conflict_parent, child_depth = _refinement_conflicts(
        cube, cells, min_cohort=min_cohort, strict=strict
    )
    edge_child, edge_family = _child_edges(cube, cells, min_cohort=min_cohort, strict=strict)
    _greedy_rounds(
        published,
        cube=cube,
        conflicts=(conflict_child, conflict_parent, child_depth),
        edges=(edge_child, edge_family),
        min_cohort=min_cohort,
    )
    before = int(published.sum())
    if put_back:
        _put_back(
            published,
            cube=cube,
            forced=forced,
            conflicts=(conflict_child, conflict_parent),
            edges=(edge_child, edge_family),
            min_cohort=min_cohort,
        )
    return SuppressionReport(
        published=pd.Series(published, index=cells.index, name="published", dtype=bool),
        published_before_put_back=before,
        published_after_put_back=int(published.sum()),
    )


def _greedy_rounds(
    published: NDArray[np.bool_],
    *,
    cube: _Cube,
    conflicts: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    edges: tuple[NDArray[np.int64], NDArray[np.int64]],
    min_cohort: int,
) -> None:
    """Rules (a) and (b) of :func:`secondary_suppression`, suppressing in place until stable."""
    conflict_child, conflict_parent, child_depth = conflicts
    edge_child, edge_family = edges
    by_depth = [
        (conflict_child[child_depth == depth], conflict_parent[child_depth == depth])
        for depth in np.unique(child_depth)
    ]
    size, dims_count = cube.codes.shape
    family_n = np.repeat(cube.n, dims_count)
    family_parent = np.repeat(np.arange(size), dims_count)

    changed = True
    while changed:
        changed = False
        for child, parent in by_depth:
            leak = published[child] & published[parent]
            if leak.any():
                published[child[leak]] = False
                changed = True
        covered = np.bincount(
            edge_family,
            weights=cube.n[edge_child] * published[edge_child],
            minlength=size * dims_count,
        )
        remainder = family_n - covered.astype(np.int64)
        leaking_family = published[family_parent] & (remainder != 0) & (remainder < min_cohort)
        if leaking_family.any():
            candidate = leaking_family[edge_family] & published[edge_child]
            child = edge_child[candidate]
            family = edge_family[candidate]
            first = np.ones(family.size, dtype=bool)
            first[1:] = family[1:] != family[:-1]
            published[child[first]] = False
            changed = True


def _put_back(
    published: NDArray[np.bool_],
    *,
    cube: _Cube,
    forced: NDArray[np.bool_],
    conflicts: tuple[NDArray[np.int64], NDArray[np.int64]],
    edges: tuple[NDArray[np.int64], NDArray[np.int64]],
    min_cohort: int,
) -> None:
    """Publish again, in place, suppressed cells that can be published safely, until none can.

    ``published`` must be safe (rules (a) and (b) hold). A candidate is a cell with
    n >= min_cohort, neither published nor forced. Publishing candidate X alone keeps
    the set safe exactly when:

    - (a) no published cell forms a conflicting pair with X (``_refinement_conflicts``:
      one refines the other and their difference is in (-inf, 0) or (0, min_cohort));
    - (b) as a parent: for every dim, n(X) - the published children of X along it is
      0 or >= min_cohort (a dim X filters has no children: the remainder is n(X));
    - (b) as a child: for every family (P, d) X belongs to with P published, the
      remainder of (P, d) minus n(X) is 0 or >= min_cohort.

    Nothing else changes when one cell is added, so these three cover every rule.
    Each round tests all candidates at once (vectorized), then walks the few that
    pass in priority order (largest n first, ties by cell key, so deterministic)
    and publishes each that still passes the same test against the cells published
    so far in this round: two candidates that are safe alone may not be safe together
    (siblings of one family, one refining the other, or one the parent of a family
    the other is a child of), and re-testing exactly against the updated state
    handles all three. A round publishes at least its first cell; rounds repeat
    because a cell may become safe once another is published (a parent whose
    remainder was too small, once a child is back). When a round finds no candidate
    safe alone, the result is maximal.
    """
    size, dims_count = cube.codes.shape
    n = cube.n
    edge_child, edge_family = edges
    conflict_child, conflict_parent = conflicts
    candidate = ~published & ~forced & (n >= min_cohort)
    if not candidate.any():
        return
    rank = np.empty(size, dtype=np.int64)
    rank[np.lexsort((cube.keys, -n))] = np.arange(size)
    # Per-cell adjacency (CSR) for the exact re-test in the walk: conflicting
    # partners in both directions, and the families the cell is a child of.
    pair_from = np.concatenate([conflict_child, conflict_parent])
    pair_order = np.argsort(pair_from, kind="stable")
    partners = np.concatenate([conflict_parent, conflict_child])[pair_order]
    partner_start = np.searchsorted(pair_from[pair_order], np.arange(size + 1))
    edge_order = np.argsort(edge_child, kind="stable")
    child_families = edge_family[edge_order]
    family_start = np.searchsorted(edge_child[edge_order], np.arange(size + 1))
    edge_parent = edge_family // dims_count
    # Published coverage of each family (parent * dims + dim), kept up to date.
    covered = np.bincount(
        edge_family, weights=n[edge_child] * published[edge_child], minlength=size * dims_count
    ).astype(np.int64)
    family_n = np.repeat(n, dims_count)

    def leaks(remainder: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Where a difference or remainder would reveal a small (or negative) count."""
        leak: NDArray[np.bool_] = (remainder != 0) & (remainder < min_cohort)
        return leak

    while True:
        remainder = family_n - covered
        unsafe = leaks(remainder).reshape(size, dims_count).any(axis=1)
        unsafe[conflict_child[published[conflict_parent]]] = True
        unsafe[conflict_parent[published[conflict_child]]] = True
        joins_leak = published[edge_parent] & leaks(remainder[edge_family] - n[edge_child])
        unsafe[edge_child[joins_leak]] = True
        safe = np.flatnonzero(candidate & ~unsafe)
        if safe.size == 0:
            return
        for row in safe[np.argsort(rank[safe])].tolist():
            if published[partners[partner_start[row] : partner_start[row + 1]]].any():
                continue
            own = slice(row * dims_count, (row + 1) * dims_count)
            if leaks(n[row] - covered[own]).any():
                continue
            families = child_families[family_start[row] : family_start[row + 1]]
            parents = families // dims_count
            if (published[parents] & leaks(n[parents] - covered[families] - n[row])).any():
                continue
            published[row] = True
            candidate[row] = False
            covered[families] += n[row]


def _forced(cells: pd.DataFrame, suppressed: pd.Series | ArrayLike) -> NDArray[np.bool_]:
    """The ``suppressed`` flags as a bool array in the order of ``cells``."""
    if isinstance(suppressed, pd.Series):
        if not suppressed.index.equals(cells.index):
            if not cells.index.isin(suppressed.index).all() or not suppressed.index.is_unique:
                raise StatsError("suppressed must have a flag for every cell (same index)")
            suppressed = suppressed.reindex(cells.index)
        values = suppressed.to_numpy()
    else:
        values = np.asarray(suppressed)
    if values.shape != (len(cells),):
        raise StatsError(f"suppressed must hold {len(cells)} flags, got shape {values.shape}")
    if values.dtype != np.bool_:
        if pd.isna(values).any():
            raise StatsError("suppressed must hold True/False flags, not missing values")
        values = values.astype(bool)
    return np.asarray(values, dtype=np.bool_)


def check_subtraction_rules(
    cells: pd.DataFrame,
    *,
    dims: Sequence[str],
    all_value: object = "*",
    min_cohort: int = MIN_COHORT,
    by: Sequence[str] = (),
    n_column: str = "n",
    published: pd.Series | ArrayLike | None = None,
) -> list[str]:
    """Every breach of rules 1 and 2 among published cells, described in words (an audit).

    Deliberately simple and slow (pairwise loops), independent of
    :func:`secondary_suppression`, so tests can use it as the attacker. The
    published flags come from ``published`` (a bool Series or array in the order
    of ``cells``), else from a "published" column, else every row counts as
    published (e.g. the cells of a published snapshot).
    Checks: a published n below min_cohort; a published S refining a published C
    with 0 < n(C) - n(S) < min_cohort; a published C and a dim d at 'all' whose
    remainder after its published children along d is in (0, min_cohort).
    """
    if published is not None:
        flags = np.asarray(published, dtype=bool)
    elif "published" in cells.columns:
        flags = cells["published"].to_numpy(dtype=bool)
    else:
        flags = np.ones(len(cells), dtype=bool)
    columns = [*by, *dims]
    records = [
        (tuple(row[c] for c in columns), int(row[n_column]))
        for (_, row), shown in zip(cells.iterrows(), flags, strict=True)
        if shown
    ]
    groups = len(by)
    violations: list[str] = []

    def name(key: tuple[object, ...]) -> str:
        return "(" + ", ".join(f"{c}={v!r}" for c, v in zip(columns, key, strict=True)) + ")"

    def refines(fine: tuple[object, ...], coarse: tuple[object, ...]) -> bool:
        if fine == coarse or fine[:groups] != coarse[:groups]:
            return False
        return all(c in (all_value, f) for f, c in zip(fine[groups:], coarse[groups:], strict=True))

    for key, n in records:
        if n < min_cohort:
            violations.append(f"{name(key)} is published with n = {n} < {min_cohort}")
    for (key_a, n_a), (key_b, n_b) in combinations(records, 2):
        for (fine, n_fine), (coarse, n_coarse) in (
            ((key_a, n_a), (key_b, n_b)),
            ((key_b, n_b), (key_a, n_a)),
        ):
            if refines(fine, coarse) and n_coarse != n_fine and n_coarse - n_fine < min_cohort:
                violations.append(
                    f"{name(coarse)} minus {name(fine)} reveals {n_coarse - n_fine} responses"
                )
    for key, n in records:
        for position in range(groups, len(columns)):
            if key[position] != all_value:
                continue
            children = [
                n_child
                for child, n_child in records
                if child[position] != all_value
                and all(child[i] == key[i] for i in range(len(columns)) if i != position)
            ]
            remainder = n - sum(children)
            if remainder != 0 and remainder < min_cohort:
                violations.append(
                    f"{name(key)} minus its published children along {columns[position]!r} "
                    f"reveals {remainder} responses"
                )
    return violations
