"""Build and publish a benchmark snapshot: a write, so a service (`snapshot_publish`).

The build counts the accepted answers of each country, edition and status, then
each such group, on a process of its own (`workers`), reads its answers,
leaves out its stage-3 outliers, computes its cube of every metric, applies
the privacy rules of DESIGN.md,
fits the profile models, and stores each group's cells as soon as they are
computed, under a snapshot still "building" that no reader reads. One
transaction then stores the rest and makes the new snapshot current: readers
see the previous snapshot or the new one, never a mix. A build that fails or
is killed leaves the previous snapshot current and untouched, and its cells
are deleted (at once, or by the next build).

The privacy rules, in the order they apply (DESIGN.md numbers):
1, 2. thresholds and secondary suppression, decided on true counts, then a
   put-back pass that publishes every cell the rules allow (`_suppress`);
8. a cell last published (in any earlier snapshot of its edition: the memory
   of `PastPublication`) with a true n 1–9 away keeps those figures;
3. every count of a fresh cell — n, share numerators, comparison sizes, the
   model's row count — perturbed by the cell key method (`_perturb`);
4. money rounded to its metric's step when stored (`store.cell_table`);
5. profile models on published levels only, refitted only when at least
   MIN_COHORT answers changed since the last published fit (`_profile_model`);
6. comparisons on exactly the answers behind the published children.
Then, from the published figures alone (so a post-processing that discloses
nothing more, rule 7), each thin cell's smoothed median (`smoothing.smoothed`).
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from django.db import DatabaseError, transaction
from django.utils import timezone
from numpy.typing import NDArray

from benchmarks.build import inputs, memory, pooling, smoothing, store, weighting, workers
from benchmarks.build.cube import (
    CubeInput,
    build_cells,
    build_split_cells,
    key_column,
    share_column,
)
from benchmarks.layout import (
    ALL,
    BREAKDOWN_MAX_FILTERS,
    DAY_RATE_DIMENSIONS,
    DAY_RATE_THRESHOLDS,
    DIMENSIONS,
    FENCE_K,
    SALARY_DIMENSIONS,
    SHARE_FAMILIES,
)
from benchmarks.models import (
    MONEY_STEPS,
    Cell,
    Metric,
    ProfileModel,
    Snapshot,
)
from benchmarks.stats import (
    MIN_COHORT,
    MIN_TAILS,
    StatsError,
    confidence_tiers,
    fit_log_salary_model,
    grouped_iqr_fence_mask,
    secondary_suppression_report,
)
from benchmarks.stats.comparisons import GroupComparison, compare_sorted_groups
from benchmarks.stats.perturbation import (
    KEY_RANGE,
    NOISE_BOUND,
    perturbed_counts,
    perturbed_share_counts,
)
from surveys import vocabulary as vocab
from surveys.models import Edition

logger = logging.getLogger(__name__)

MODEL_NUMERIC = ("experience_years",)
MODEL_CATEGORICAL = ("education", "employer_size", "employer_type", "region", "role")
MODEL_MIN_ROWS = 50

MASKS = {"missions": vocab.MISSIONS.codes, "kpis": vocab.KPIS.codes}
MASK_COLUMNS = {"missions": "missions_mask", "kpis": "kpis_mask"}


class SnapshotError(Exception):
    """The snapshot cannot be built as asked; the published one stays in place."""


Progress = Callable[[str], None]


def levels_of(country: str) -> dict[str, tuple[str, ...]]:
    """Each dimension's codes for one country, in display order."""
    return {
        "region": vocab.REGIONS_BY_COUNTRY[country].codes,
        "experience": vocab.EXPERIENCE.codes,
        "education": vocab.EDUCATION.codes,
        "employer_size": vocab.EMPLOYER_SIZE.codes,
        "employer_type": vocab.EMPLOYER_TYPE.codes,
        "role": vocab.ROLE.codes,
    }


def experience_bands(years: pd.Series) -> pd.Series:
    """The band code of each number of completed years (vocabulary.EXPERIENCE)."""
    starts = np.asarray(vocab.EXPERIENCE_BAND_STARTS)
    index = np.searchsorted(starts, years.to_numpy(), side="right") - 1
    return pd.Series(np.asarray(vocab.EXPERIENCE.codes, dtype=object)[index], index=years.index)


@dataclass(frozen=True)
class ModelRelease:
    """A profile model as a snapshot publishes it (privacy rule 5)."""

    country: str
    year: int
    fitted: dict[str, Any]
    fitted_on: int  # perturbed
    fitted_rows: bytes  # private: the ids fitted on
    carried: bool


@dataclass
class BuildResult:
    """What a build computed, before it is stored.

    With a snapshot to store into, `cells` holds only CELL_SUMMARY of each cell,
    the cells themselves being stored already (`stored` of them).
    """

    cells: pd.DataFrame
    models: list[ModelRelease]
    notes: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    is_demo: bool = False
    # Thin countries' cells pooled over editions (build.pooling), stored beside `cells`.
    pooled: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Salary medians weighted to stored reference distributions (build.weighting).
    weighted: list[weighting.WeightedRelease] = field(default_factory=list)
    stored: int = 0


# What a build keeps of the cells it stored as it went: pooling counts them.
CELL_SUMMARY = ("metric", "country", "year", "mission", "carried")


def _fence(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage 3: keep values inside 3 x IQR fences on logs, per country, edition and status."""
    fence_value = np.where(frame["status"] == "freelance", frame["day_rate"], frame["total_fte"])
    frame = frame.assign(fence_value=fence_value)
    kept = grouped_iqr_fence_mask(frame, value="fence_value", by=["year", "country", "status"])
    excluded = (
        frame.loc[~kept.to_numpy()]
        .groupby(["year", "country", "status"])
        .size()
        .rename("stage3_fenced")
        .reset_index()
    )
    return frame.loc[kept.to_numpy()].drop(columns="fence_value"), excluded


def _metric_cells(
    rows: pd.DataFrame, *, country: str, spec: MetricSpec
) -> tuple[pd.DataFrame, pd.DataFrame, CubeInput]:
    """The cube of one metric (every pattern) and its mission breakdown, before suppression."""
    cube = CubeInput.from_frame(
        rows,
        value=spec.value,
        dims=spec.dims,
        levels=levels_of(country),
        masks={MASK_COLUMNS[name]: codes for name, codes in MASKS.items()},
        thresholds=spec.thresholds,
        record_key="record_key",
    )
    # Sorted once: the main cube, the twelve breakdowns and the comparisons share the order.
    cube = cube.in_value_order()
    main = build_cells(cube)
    main["mission"] = ALL
    main["mission_done"] = True
    masks, _missions = cube.masks[MASK_COLUMNS["missions"]]
    # Level 0 "yes" (does the mission), 1 "no": each mission splits the same rows in two.
    splits = {mission: 1 - ((masks >> bit) & 1) for bit, mission in enumerate(vocab.MISSIONS.codes)}
    frames = []
    split_cells = build_split_cells(
        cube,
        splits,
        name="mission_flag",
        levels=("yes", "no"),
        max_filters=BREAKDOWN_MAX_FILTERS,
    )
    for mission, cells in split_cells.items():
        cells["mission"] = mission
        cells["mission_done"] = cells["mission_flag"] == "yes"
        frames.append(cells)
    return main, pd.concat(frames, ignore_index=True), cube


def _suppress(
    main: pd.DataFrame,
    missions: pd.DataFrame,
    *,
    dims: Sequence[str],
    suppressed_main: pd.Series | None = None,
    suppressed_missions: pd.Series | None = None,
    strict: bool = True,
) -> tuple[pd.Series, pd.Series, tuple[int, int]]:
    """Privacy rules 1 and 2 on the cube, then on every mission's breakdown family.

    A mission family is the cohorts with at most BREAKDOWN_MAX_FILTERS filters
    (mission "all") plus the same cohorts split by doing the mission or not,
    with "mission_flag" as one more dimension; the twelve families are
    independent cubes of one call (`by="mission"`). The main cube's decisions
    are taken first and kept: a family starts from them, and since the rules
    only ever suppress the finer cell of a pair, it can only suppress mission
    cells. Each call ends with a put-back pass that publishes every cell the
    rules allow; the third result counts the cells published before and after it.
    """
    report = secondary_suppression_report(
        main, dims=list(dims), all_value=ALL, suppressed=suppressed_main, strict=strict
    )
    main_published = report.published
    counts = (report.published_before_put_back, report.published_after_put_back)
    if missions.empty:
        return main_published, pd.Series(dtype=bool), counts
    filters = (main[list(dims)] != ALL).sum(axis=1)
    coarse = main.loc[filters <= BREAKDOWN_MAX_FILTERS, [*dims, "n"]]
    coarse_suppressed = ~main_published.loc[coarse.index].to_numpy()
    mission_codes = list(vocab.MISSIONS.codes)
    family = pd.concat(
        [
            *(coarse.assign(mission_flag=ALL, mission=code) for code in mission_codes),
            missions[[*dims, "mission_flag", "n", "mission"]],
        ],
        ignore_index=True,
    )
    initially = np.concatenate(
        [
            np.tile(coarse_suppressed, len(mission_codes)),
            suppressed_missions.to_numpy(dtype=bool)
            if suppressed_missions is not None
            else np.zeros(len(missions), dtype=bool),
        ]
    )
    family_report = secondary_suppression_report(
        family,
        dims=[*dims, "mission_flag"],
        all_value=ALL,
        by=["mission"],
        suppressed=initially,
        strict=strict,
    )
    # The family repeats the coarse main cells once per mission: count mission cells only.
    coarse_published = int(main_published.loc[coarse.index].sum()) * len(mission_codes)
    mission_published = pd.Series(
        family_report.published.to_numpy()[len(coarse) * len(mission_codes) :],
        index=missions.index,
    )
    counts = (
        counts[0] + family_report.published_before_put_back - coarse_published,
        counts[1] + family_report.published_after_put_back - coarse_published,
    )
    return main_published, mission_published, counts


def _comparisons(
    cube: CubeInput,
    *,
    published: pd.DataFrame,
    old_comparisons: dict[tuple[str, ...], dict[str, Any]],
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Group comparisons of the published children of the overall and one-filter cohorts.

    For such a published parent and each dimension it leaves at "all":
    Kruskal-Wallis with epsilon squared across its published children, and
    pairwise Mann-Whitney with Holm's correction, from one pass over values
    sorted once (`compare_sorted_groups`). Privacy rule 6: exactly the answers
    behind the published children take part, so a test reveals nothing about
    suppressed cohorts, and its size is a perturbed count of those answers
    (rule 3). Where a child keeps an earlier snapshot's figures (rule 8), the
    answers behind it are no longer the current ones: the comparison is the one
    last published for that parent and dimension if it compared the same
    children (`old_comparisons`), else there is none. The rows are grouped by
    each dimension once (a stable sort keeps the values sorted inside each
    level), so the work is about 6 + 6 x 5 passes over the values in all.
    Returns {parent key (dimension values): {dimension: comparison}}.
    """
    dims = cube.dims
    cube = cube.in_value_order()
    values, codes = cube.values, cube.codes
    record_keys = (
        cube.record_keys if cube.record_keys is not None else np.zeros(values.size, dtype=np.int64)
    )
    main = published[published["mission"] == ALL]
    main_keys = {tuple(key) for key in main[list(dims)].to_numpy()}
    carried_keys = {
        tuple(key) for key in main.loc[main["carried"].to_numpy(dtype=bool), list(dims)].to_numpy()
    }
    root = tuple(ALL for _ in dims)
    result: dict[tuple[str, ...], dict[str, Any]] = {}

    def compare(parent: tuple[str, ...], rows: NDArray[np.int64] | None) -> None:
        subset = values if rows is None else values[rows]
        subset_keys = record_keys if rows is None else record_keys[rows]
        for position, d in enumerate(dims):
            if parent[position] != ALL:
                continue
            child_keys = {
                level: (*parent[:position], level, *parent[position + 1 :])
                for level in cube.levels[d]
            }
            children = [level for level, key in child_keys.items() if key in main_keys]
            if len(children) < 2:
                continue
            if any(child_keys[level] in carried_keys for level in children):
                kept = old_comparisons.get(parent, {}).get(d)
                if kept is not None and kept.get("groups") == children:
                    result.setdefault(parent, {})[d] = kept
                continue
            label_of = np.full(len(cube.levels[d]), -1, dtype=np.int64)
            for index, level in enumerate(children):
                label_of[cube.levels[d].index(level)] = index
            level_codes = codes[d] if rows is None else codes[d][rows]
            labels = label_of[level_codes]
            try:
                comparison = compare_sorted_groups(subset, labels, names=children)
            except StatsError:
                continue
            taking_part = labels >= 0
            key = int(np.compress(taking_part, subset_keys).sum()) % KEY_RANGE
            size = perturbed_counts(np.array([int(taking_part.sum())]), np.array([key]))
            result.setdefault(parent, {})[d] = _comparison_json(
                comparison, children, n=int(size[0])
            )

    if root in main_keys:
        compare(root, None)
    for position, d in enumerate(dims):
        by_level = np.argsort(codes[d].astype(np.int16), kind="stable")
        bounds = np.concatenate(
            ([0], np.cumsum(np.bincount(codes[d], minlength=len(cube.levels[d]))))
        )
        for index, level in enumerate(cube.levels[d]):
            parent = (*root[:position], level, *root[position + 1 :])
            if parent in main_keys:
                compare(parent, by_level[bounds[index] : bounds[index + 1]])
    return result


def _two_digits(p_value: float) -> float:
    """A p-value to two significant digits: enough to read, too coarse to rebuild ranks."""
    return float(f"{p_value:.2g}")


def _comparison_json(comparison: GroupComparison, groups: list[str], *, n: int) -> dict[str, Any]:
    """A comparison as published: ``n`` perturbed, statistics rounded.

    Rounded so that they cannot be inverted: a rank-biserial r = 1 - 2U/(n1 n2)
    to four decimals would tell the true n1 n2 behind two perturbed counts.
    """
    kruskal = comparison.kruskal
    pairwise = comparison.pairs
    return {
        "test": "kruskal-wallis",
        "groups": groups,
        "n": n,
        "h": round(float(kruskal.h), 2),
        "df": int(kruskal.df),
        "p_value": _two_digits(float(kruskal.p_value)),
        "epsilon_squared": round(float(kruskal.epsilon_squared), 2),
        "pairwise": [
            {
                "a": a,
                "b": b,
                "p_value": _two_digits(float(p)),
                "p_holm": _two_digits(float(p_holm)),
                "rank_biserial": round(float(r), 2),
            }
            for a, b, p, p_holm, r in zip(
                pairwise["group_a"],
                pairwise["group_b"],
                pairwise["p_value"],
                pairwise["p_holm"],
                pairwise["rank_biserial"],
                strict=True,
            )
        ],
    }


@dataclass(frozen=True)
class MetricSpec:
    metric: str
    value: str
    status: str
    dims: tuple[str, ...]
    thresholds: tuple[int, ...] = ()
    comparisons: bool = True
    # A metric over exactly the same rows, whose privacy decisions this one reuses.
    same_cohorts_as: str | None = None


METRICS = (
    MetricSpec(Metric.SALARY, "total_fte", "employee", SALARY_DIMENSIONS),
    MetricSpec(
        Metric.SALARY_BASE,
        "base_fte",
        "employee",
        SALARY_DIMENSIONS,
        comparisons=False,
        same_cohorts_as=Metric.SALARY,
    ),
    MetricSpec(Metric.DAY_RATE, "day_rate", "freelance", DAY_RATE_DIMENSIONS, DAY_RATE_THRESHOLDS),
)


def _extras_json(cells: pd.DataFrame) -> list[str]:
    """Each cell's share counts as compact JSON, formatted from one integer matrix."""
    families = []
    columns = []
    for family, codes in SHARE_FAMILIES:
        family_columns = [
            column
            for column in (share_column(MASK_COLUMNS.get(family, family), code) for code in codes)
            if column in cells.columns
        ]
        if family_columns:
            families.append(f'"{family}":[' + ",".join(["%d"] * len(family_columns)) + "]")
            columns += family_columns
    if not columns:
        return ["{}"] * len(cells)
    template = "{" + ",".join(families) + "}"
    matrix = cells[columns].to_numpy(dtype=np.int64)
    return [template % tuple(row) for row in matrix.tolist()]


def _perturb(frame: pd.DataFrame) -> pd.DataFrame:
    """Privacy rule 3 on the fresh (not carried) published cells of one metric.

    Each fresh cell's n and share numerators become perturbed counts (cell key
    method); the confidence tier and whether p10 and p90 are shown follow the
    published n. Returns the frame with "published_n" and "confidence" set.
    """
    frame = frame.copy()
    fresh = ~frame["carried"].to_numpy(dtype=bool)
    published_n = frame["published_n"].to_numpy(dtype=np.int64, copy=True)
    published_n[fresh] = perturbed_counts(
        frame["n"].to_numpy(dtype=np.int64)[fresh], frame["key"].to_numpy(dtype=np.int64)[fresh]
    )
    frame["published_n"] = published_n
    confidence = frame["confidence"].to_numpy(dtype=object, copy=True)
    confidence[fresh] = confidence_tiers(published_n[fresh])
    frame["confidence"] = confidence
    short = fresh & (published_n < MIN_TAILS)
    for tail in ("p10", "p90"):
        values = frame[tail].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        values[short] = np.nan
        frame[tail] = values
    for column in frame.columns:
        if column.startswith("k:"):
            counts = frame[column].to_numpy(dtype=np.int64, copy=True)
            counts[fresh] = perturbed_share_counts(
                counts[fresh],
                frame[key_column(column)].to_numpy(dtype=np.int64)[fresh],
                published_n[fresh],
            )
            frame[column] = counts
    return frame


def _old_comparisons(
    old: pd.DataFrame, *, dims: Sequence[str]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The comparisons last published for the overall and one-filter cohorts (rule 6)."""
    if old.empty:
        return {}
    frame = old.reset_index()
    frame = frame[(frame["mission"] == ALL) & frame["mission_done"].astype(bool)]
    filters = (frame[list(dims)] != ALL).sum(axis=1)
    frame = frame[filters <= BREAKDOWN_MAX_FILTERS]
    extras = memory.stored_figures(frame["source"].tolist(), frame["id"].tolist(), ["extras"])
    return {
        tuple(key): extra.get("comparisons", {})
        for key, extra in zip(frame[list(dims)].to_numpy(), extras["extras"], strict=True)
        if isinstance(extra, dict)
    }


Decisions = tuple[pd.Series, pd.Series]


def _metric_published(
    rows: pd.DataFrame,
    *,
    spec: MetricSpec,
    country: str,
    year: int,
    previous: Snapshot | None,
    decided: Decisions | None = None,
    pooled_from: int = 0,
) -> tuple[pd.DataFrame, Decisions]:
    """The published cells of one metric, country and edition, with every privacy rule applied.

    Returns them with the publication decisions (main cube, mission cells).
    `decided` reuses the decisions of a metric over the same rows — base salary
    after total salary: the same cohorts with the same n, in the same order, so
    the rules would decide the same and need not run again (and the same
    responses give the same perturbed counts).
    """
    main, missions, cube = _metric_cells(rows, country=country, spec=spec)
    for frame in (main, missions):
        frame["extras"] = None
        frame["confidence"] = None
        frame["published_n"] = -1
    old = memory.previous_publications(
        previous, metric=spec.metric, country=country, year=year, pooled_from=pooled_from
    )
    put_back = (0, 0)
    if decided is not None:
        main_published, missions_published = decided
    else:
        main_published, missions_published, put_back = _suppress(main, missions, dims=spec.dims)
    main_carried = memory.carry_forward(main, main_published, old)
    missions_carried = memory.carry_forward(missions, missions_published, old)
    if decided is None and (main_carried.any() or missions_carried.any()):
        # Carried n can break rule 2 against fresh neighbours: apply it again,
        # starting from what is already suppressed (it only ever suppresses more).
        main_published, missions_published, _ = _suppress(
            main,
            missions,
            dims=spec.dims,
            suppressed_main=~main_published,
            suppressed_missions=~missions_published,
            strict=False,
        )
    main["carried"] = main_carried
    missions["carried"] = missions_carried
    decisions = (main_published, missions_published)
    frames = []
    for frame, flags in ((main, main_published), (missions, missions_published)):
        frame = _perturb(frame[flags.to_numpy()])
        fresh = ~frame["carried"].to_numpy(dtype=bool)
        extras = frame["extras"].to_numpy(dtype=object, copy=True)
        extras[fresh] = _extras_json(frame[fresh])
        frame["extras"] = extras
        frames.append(frame)
    published = pd.concat(frames, ignore_index=True)
    for column in DIMENSIONS:
        if column not in published.columns:
            published[column] = ALL
    if spec.comparisons:
        any_carried = bool(published["carried"].any())
        comparisons = _comparisons(
            cube,
            published=published,
            old_comparisons=_old_comparisons(old, dims=spec.dims) if any_carried else {},
        )
        if comparisons:
            # Comparisons are of the overall and one-filter cohorts: only those rows are
            # looked at (a few dozen of France's 155,000 cells).
            keys = published[list(spec.dims)].to_numpy(dtype=object)
            candidates = (
                (published["mission"] == ALL).to_numpy()
                & ~published["carried"].to_numpy(dtype=bool)
                & ((keys != ALL).sum(axis=1) <= 1)
            )
            extras = published["extras"].to_numpy(dtype=object, copy=True)
            for index in np.flatnonzero(candidates).tolist():
                key = tuple(keys[index])
                if key in comparisons:
                    merged = {**json.loads(extras[index]), "comparisons": comparisons[key]}
                    extras[index] = json.dumps(merged, separators=(",", ":"))
            published["extras"] = extras
    published["metric"] = spec.metric
    published["country"] = country
    published["year"] = year
    published["currency"] = vocab.CURRENCY_BY_COUNTRY[country]
    published.attrs["put_back"] = put_back
    return published, decisions


def _published_levels(salary: pd.DataFrame | None) -> dict[str, set[str]]:
    """Each model factor's levels whose one-filter salary cohort is published (rule 5)."""
    allowed: dict[str, set[str]] = {factor: set() for factor in MODEL_CATEGORICAL}
    if salary is None or salary.empty:
        return allowed
    main = salary[(salary["mission"] == ALL)]
    filters = (main[list(DIMENSIONS)] != ALL).sum(axis=1)
    one_filter = main[filters == 1]
    for factor in MODEL_CATEGORICAL:
        allowed[factor] = set(one_filter.loc[one_filter[factor] != ALL, factor].tolist())
    return allowed


def _profile_model(
    employees: pd.DataFrame, *, country: str, year: int, allowed: dict[str, set[str]]
) -> ModelRelease:
    """The profile model a snapshot publishes for one country and edition (privacy rule 5).

    Carried from the last published fit unless at least MIN_COHORT answers were
    added or removed since (the difference of two fits a few answers apart
    would give those answers away); otherwise fitted on published levels only
    (a level whose one-filter cohort is suppressed joins "other"), its row
    count published perturbed. Raises StatsError when it cannot be fitted.
    """
    ids = np.sort(employees["id"].to_numpy(dtype=np.int64))
    last = (
        ProfileModel.objects.filter(
            country=country, year=year, snapshot__status=Snapshot.Status.PUBLISHED
        )
        .order_by("-snapshot__published_at")
        .first()
    )
    if last is not None and last.fitted_rows:
        before = np.frombuffer(zlib.decompress(bytes(last.fitted_rows)), dtype=np.int64)
        if np.setxor1d(before, ids, assume_unique=True).size < MIN_COHORT:
            return ModelRelease(
                country=country,
                year=year,
                fitted=last.fitted,
                fitted_on=last.fitted_on,
                fitted_rows=bytes(last.fitted_rows),
                carried=True,
            )
    fitted = fit_log_salary_model(
        employees,
        target="total_fte",
        numeric=MODEL_NUMERIC,
        categorical=MODEL_CATEGORICAL,
        min_level_count=MIN_COHORT,
        allowed_levels=allowed,
    )
    key = int(employees["record_key"].to_numpy(dtype=np.int64).sum()) % KEY_RANGE
    fitted_on = perturbed_counts(np.array([len(employees)]), np.array([key]))
    return ModelRelease(
        country=country,
        year=year,
        fitted=fitted.to_dict(),
        fitted_on=int(fitted_on[0]),
        fitted_rows=zlib.compress(ids.tobytes()),
        carried=False,
    )


STATUSES = tuple(dict.fromkeys(spec.status for spec in METRICS))
"""The statuses of METRICS, in its order: the order of each group's cells."""


@dataclass
class GroupCells:
    """One country, edition and status's published cells (one frame per metric, in
    METRICS order), its suppression counts before and after the put-back pass, and
    its profile model (employees)."""

    frames: list[pd.DataFrame]
    put_back: tuple[int, int]
    model: ModelRelease | None
    # Cells already stored (`store_into`): `frames` then hold CELL_SUMMARY only.
    stored: int = 0
    # Set by `group_from_answers`: answers left out by the stage-3 fences, the
    # salary median weighted to the country's reference (employees), and the
    # seconds spent reading and fencing the group's answers.
    fenced: int = 0
    weighted: weighting.WeightedRelease | None = None
    read_seconds: float = 0.0


def group_cells(
    rows: pd.DataFrame,
    *,
    country: str,
    year: int,
    status: str,
    previous: Snapshot | None,
    store_into: Snapshot | None = None,
) -> GroupCells:
    """Every metric's published cells over one country, edition and status's answers, and
    the profile model of its employees. Reads the database (the previous snapshot's
    memory and model); stores the cells under `store_into` when given, and writes
    nothing else: `workers` runs it in any process."""
    frames: list[pd.DataFrame] = []
    before_put_back = after_put_back = stored = 0
    allowed = _published_levels(None)
    for spec, published in metrics_published(
        rows, status=status, country=country, year=year, previous=previous
    ):
        # Smoothed from the published figures of its own metric, country and edition
        # (a cell's parent and siblings are there): here, on the group's process.
        published = smoothing.smoothed(published)
        before_put_back += published.attrs["put_back"][0]
        after_put_back += published.attrs["put_back"][1]
        if spec.metric == Metric.SALARY:
            allowed = _published_levels(published)
        if store_into is not None:
            # Stored at once, and only a summary kept: a metric's cells (their
            # JSON extras above all) are the largest thing a group holds.
            stored += store.store_cells(store_into, published)
            published = published[list(CELL_SUMMARY)]
        frames.append(published)
    model = None
    if status == "employee" and len(rows) >= MODEL_MIN_ROWS:
        try:
            model = _profile_model(rows, country=country, year=year, allowed=allowed)
        except StatsError as error:
            logger.warning("No profile model for %s %s: %s", country, year, error)
    return GroupCells(
        frames=frames, put_back=(before_put_back, after_put_back), model=model, stored=stored
    )


def metrics_published(
    rows: pd.DataFrame,
    *,
    status: str,
    country: str,
    year: int,
    previous: Snapshot | None,
    pooled_from: int = 0,
) -> Iterator[tuple[MetricSpec, pd.DataFrame]]:
    """Each metric of `status` with its published cells over `rows` (`_metric_published`),
    in METRICS order: a metric over the same cohorts as an earlier one (base salary)
    takes that one's decisions."""
    decisions: dict[str, Decisions] = {}
    for spec in METRICS:
        if spec.status != status:
            continue
        published, decisions[spec.metric] = _metric_published(
            rows,
            spec=spec,
            country=country,
            year=year,
            previous=previous,
            decided=decisions.get(spec.same_cohorts_as) if spec.same_cohorts_as else None,
            pooled_from=pooled_from,
        )
        yield spec, published


GroupKey = tuple[str, int, str]


def group_from_answers(
    *,
    country: str,
    year: int,
    status: str,
    previous: Snapshot | None,
    store_into: Snapshot | None = None,
    weigh: bool = False,
) -> GroupCells:
    """One country, edition and status from its accepted answers: read, fenced (stage 3),
    then `group_cells` when the status is published and MIN_COHORT answers are left,
    and with `weigh` the salary median weighted to the country's reference.

    Each group reads its own answers, on its own process: the build's process
    never holds every answer, and the groups read at once rather than one
    after the other. A group's fences are those of its own answers, as
    DESIGN.md's stage 3 sets them (per country, edition and status). Each
    group reads its answers as it starts: an answer accepted or withdrawn
    while a build runs is in it or not according to its group, and in the
    next build either way, as one accepted during a single read would be.
    """
    started = time.perf_counter()
    rows = inputs.responses_frame(years=[year], countries=[country], statuses=[status])
    rows["experience"] = experience_bands(rows["experience_years"])
    kept, fenced = _fence(rows)
    del rows
    read_seconds = time.perf_counter() - started
    if status in STATUSES and len(kept) >= MIN_COHORT:
        group = group_cells(
            kept,
            country=country,
            year=year,
            status=status,
            previous=previous,
            store_into=store_into,
        )
    else:
        group = GroupCells(frames=[], put_back=(0, 0), model=None)
    group.fenced = int(fenced["stage3_fenced"].sum())
    group.read_seconds = read_seconds
    if weigh:
        group.weighted = weighting.weighted_release(kept, country=country, year=year)
    return group


def _group_tasks(
    sizes: pd.DataFrame, *, weigh: set[str], **common: Any
) -> list[tuple[GroupKey, int, Callable[[], dict[str, Any]]]]:
    """`group_from_answers`' tasks, in the order of the groups: each (country, edition,
    status) with accepted answers, its size, and its arguments (`common` goes to every
    task; employees of the countries in `weigh` are weighted)."""
    tasks = [
        (
            (str(row.country), int(row.year), str(row.status)),
            int(row.count),
            partial(
                dict,
                country=str(row.country),
                year=int(row.year),
                status=str(row.status),
                weigh=row.status == "employee" and row.country in weigh,
                **common,
            ),
        )
        for row in sizes.itertuples()
    ]
    return sorted(tasks, key=lambda task: _group_order(task[0]))


def _group_order(key: GroupKey) -> tuple[str, int, int, str]:
    country, year, status = key
    return country, year, STATUSES.index(status) if status in STATUSES else len(STATUSES), status


def snapshot_build(
    *,
    years: Sequence[int] | None = None,
    previous: Snapshot | None,
    progress: Progress | None,
    store_into: Snapshot | None = None,
) -> BuildResult:
    """Compute every published cell and model from the accepted answers.

    Writes nothing unless `store_into` is given: then each group's cells are
    stored under that snapshot as soon as they are computed (while the other
    groups still compute), and the result keeps a summary of them. The
    snapshot must not be current yet: its cells are read once it is made so.
    """
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    processes = workers.worker_count()
    workers.warm_up(processes)
    # Counted once: the groups are its accepted answers, the notes count every state.
    states = inputs.state_counts(years=years)
    sizes = inputs.group_sizes(states)
    if sizes.empty:
        where = f" in editions {', '.join(map(str, years))}" if years else ""
        raise SnapshotError(f"No accepted answer to publish{where}: nothing was published.")
    say(f"{int(sizes['count'].sum())} accepted answers to read, in {len(sizes)} groups")
    read_years = sorted(int(year) for year in sizes["year"].unique())
    weigh = set(weighting.reference_countries())
    tasks = _group_tasks(sizes, weigh=weigh, previous=previous, store_into=store_into)
    statuses_left = Counter((country, year) for (country, year, _status), *_ in tasks)
    groups: dict[GroupKey, GroupCells] = {}
    started = time.perf_counter()
    for (country, year, status), group in workers.run(group_from_answers, tasks, workers=processes):
        groups[country, year, status] = group
        statuses_left[country, year] -= 1
        if not statuses_left[country, year]:
            say(f"{country} {year}: cells computed")
    timings["read"] = sum(group.read_seconds for group in groups.values())
    # In the order of the groups, whichever ended first: the same snapshot either way.
    published_frames: list[pd.DataFrame] = []
    models: list[ModelRelease] = []
    fenced = pd.DataFrame(
        [
            (year, country, status, group.fenced)
            for (country, year, status), group in groups.items()
        ],
        columns=["year", "country", "status", "stage3_fenced"],
    )
    weighted = _weighted(groups, years=read_years, countries=sorted(weigh))
    before_put_back = after_put_back = stored = 0
    for key in sorted(groups, key=_group_order):
        group = groups.pop(key)
        published_frames += group.frames
        stored += group.stored
        before_put_back += group.put_back[0]
        after_put_back += group.put_back[1]
        if group.model is not None:
            models.append(group.model)
    timings["cells"] = time.perf_counter() - started
    cells = pd.concat(published_frames, ignore_index=True) if published_frames else pd.DataFrame()
    del published_frames
    started = time.perf_counter()
    pooled, pooled_notes = pooling.pooled_cells(
        cells=cells,
        years=years,
        read_years=read_years,
        countries=sorted(str(country) for country in sizes["country"].unique()),
        previous=previous,
    )
    timings["pooling"] = time.perf_counter() - started
    say(
        f"privacy rules 1-2: {before_put_back} cells publishable after the greedy pass, "
        f"{after_put_back} after the put-back pass"
    )
    return BuildResult(
        cells=cells,
        models=models,
        notes={
            **_notes(set(read_years), fenced, states),
            # Fresh decisions of the metrics that take them (base salary reuses salary's).
            "suppression": {
                "published_before_put_back": before_put_back,
                "published_after_put_back": after_put_back,
            },
            "pooled": pooled_notes,
        },
        timings=timings,
        is_demo=inputs.has_demo_answers(years=years),
        pooled=pooled,
        weighted=weighted,
        stored=stored,
    )


def _weighted(
    groups: dict[GroupKey, GroupCells], *, years: Sequence[int], countries: Sequence[str]
) -> list[weighting.WeightedRelease]:
    """Each weighted country's release in every edition read, in that order: its employees'
    group's, or a thin one where the edition has no employee of the country."""
    releases = []
    for year in years:
        for country in countries:
            if (group := groups.get((country, year, "employee"))) is not None:
                release = group.weighted
            else:
                none = pd.DataFrame(columns=[*inputs.FRAME_COLUMNS, "experience"])
                release = weighting.weighted_release(none, country=country, year=year)
            if release is not None:
                releases.append(release)
    return releases


def _notes(years: set[int], fenced: pd.DataFrame, states: pd.DataFrame) -> dict[str, Any]:
    """Every exclusion, counted per edition, country and status (DESIGN.md outliers), from
    `inputs.state_counts` as the build began (each group read its answers soon after)."""
    states = states[states["year"].isin(years)]
    table = states.pivot_table(
        index=["year", "country", "status"], columns="state", values="count", fill_value=0
    )
    for state in ("accepted", "flagged", "rejected", "withdrawn"):
        if state not in table.columns:
            table[state] = 0
    table = table.reset_index().merge(fenced, how="left", on=["year", "country", "status"])
    table["stage3_fenced"] = table["stage3_fenced"].fillna(0).astype(int)
    rows = [
        {
            "year": int(row.year),
            "country": row.country,
            "status": row.status,
            "accepted": int(row.accepted),
            "stage1_flagged_pending": int(row.flagged),
            "stage2_rejected": int(row.rejected),
            "withdrawn": int(row.withdrawn),
            "stage3_fenced": int(row.stage3_fenced),
            "used": int(row.accepted - row.stage3_fenced),
        }
        for row in table.itertuples()
    ]
    return {"exclusions": rows}


def _mark_interrupted() -> None:
    """A build left "building" by a killed process is failed: it was never published.
    The cells a failed or killed build stored as it went are deleted (a failed
    build deletes its own, unless the database was gone at that moment)."""
    Snapshot.objects.filter(status=Snapshot.Status.BUILDING).update(
        status=Snapshot.Status.FAILED, error="interrupted before it was published"
    )
    Cell._base_manager.filter(snapshot__status=Snapshot.Status.FAILED).delete()


def snapshot_publish(
    *, years: Sequence[int] | None = None, progress: Progress | None = None
) -> Snapshot:
    """Compute and publish a new snapshot atomically; return it.

    `years` rebuilds only those editions (the others keep the previous
    snapshot's figures); by default every edition is rebuilt. Raises
    SnapshotError with the reason when nothing can be published; the current
    snapshot then stays current and untouched.
    """
    say = progress or (lambda message: None)
    _mark_interrupted()
    if years is not None:
        years = sorted(set(years))
        known = set(Edition.objects.filter(year__in=years).values_list("year", flat=True))
        if unknown := [year for year in years if year not in known]:
            raise SnapshotError(
                f"Unknown edition(s): {', '.join(map(str, unknown))}. "
                f"Editions: {', '.join(map(str, Edition.objects.values_list('year', flat=True)))}."
            )
    previous = Snapshot.objects.current().first()
    snapshot = Snapshot.objects.create(
        parameters={
            "min_cohort": MIN_COHORT,
            "tails_from": MIN_TAILS,
            "fence_k_iqr_log": FENCE_K,
            "quantiles": "Hyndman-Fan type 7",
            "median_ci": "binomial order statistics, 95%",
            "share_ci": "Wilson score, 95%",
            "perturbation": {
                "method": "cell key",
                "key_range": KEY_RANGE,
                "noise_bound": NOISE_BOUND,
            },
            "money_steps": {str(metric): step for metric, step in MONEY_STEPS.items()},
            "editions": list(years) if years is not None else "all",
            "breakdown_max_filters": BREAKDOWN_MAX_FILTERS,
            "previous_snapshot": previous.pk if previous else None,
        }
    )
    try:
        # Cells are stored as they are computed, under a snapshot that is still
        # "building" and that no reader reads; it becomes current below, in one
        # transaction with the rest.
        result = snapshot_build(years=years, previous=previous, progress=say, store_into=snapshot)
        started = time.perf_counter()
        with transaction.atomic():
            current = Snapshot.objects.select_for_update().filter(is_current=True).first()
            if (current.pk if current else None) != (previous.pk if previous else None):
                raise SnapshotError("Another snapshot was published meanwhile: run again.")
            count = result.stored
            if years is not None and previous is not None:
                count += store.copy_other_editions(snapshot, previous, years)
            # After the copy: an edition not rebuilt keeps its pooled cells, copied with it.
            pooled_count = store.store_cells(snapshot, result.pooled)
            remembered = store.store_memory(snapshot, previous)
            ProfileModel.objects.bulk_create(
                [store.stored_model(snapshot, release) for release in result.models]
            )
            weighting.store_weighted_medians(
                snapshot, result.weighted, previous=previous, years=years
            )
            Snapshot.objects.filter(is_current=True).update(is_current=False)
            result.timings["store"] = time.perf_counter() - started
            snapshot.status = Snapshot.Status.PUBLISHED
            snapshot.is_current = True
            snapshot.published_at = timezone.now()
            snapshot.notes = {
                **result.notes,
                "publication": {
                    "cells": count,
                    "carried_cells": int(result.cells["carried"].sum())
                    if not result.cells.empty
                    else 0,
                    "remembered_cohorts": remembered,
                    "pooled_cells": pooled_count,
                    "models_refitted": sum(not release.carried for release in result.models),
                    "models_carried": sum(release.carried for release in result.models),
                },
            }
            snapshot.timings = {key: round(value, 3) for key, value in result.timings.items()}
            snapshot.cell_count = count
            snapshot.is_demo = result.is_demo
            snapshot.save()
        say(f"snapshot #{snapshot.pk} published: {count} cells")
        return snapshot
    except BaseException as error:
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        try:
            Cell._base_manager.filter(snapshot=snapshot).delete()
        except DatabaseError as cleanup:
            # The build's own error is the one to report; the next build deletes them.
            logger.warning("Cells of failed snapshot #%s not deleted: %s", snapshot.pk, cleanup)
        raise
