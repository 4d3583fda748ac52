"""Build and publish a benchmark snapshot: a write, so a service (`snapshot_publish`).

The build reads accepted answers once, leaves out stage-3 outliers, computes the
cube of every country, edition and metric, applies the privacy rules of
DESIGN.md (1, 2, 4 and 7), fits the profile models, and stores everything in
one transaction that also makes the new snapshot current: readers see the
previous snapshot or the new one, never a mix. A build that fails or is killed
leaves the previous snapshot current and untouched.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from numpy.typing import NDArray

from benchmarks import selectors
from benchmarks.cube import CubeInput, build_cells, patterns, share_column
from benchmarks.models import (
    ALL,
    DAY_RATE_THRESHOLDS,
    DIMENSIONS,
    PUBLIC_CELL_COLUMNS,
    SHARE_FAMILIES,
    Cell,
    Metric,
    ProfileModel,
    Snapshot,
)
from benchmarks.stats import (
    MIN_COHORT,
    StatsError,
    fit_log_salary_model,
    grouped_iqr_fence_mask,
    secondary_suppression,
)
from benchmarks.stats.comparisons import GroupComparison, compare_sorted_groups
from surveys import vocabulary as vocab
from surveys.models import Edition

logger = logging.getLogger(__name__)

FENCE_K = 3.0
SALARY_DIMENSIONS = DIMENSIONS
# Freelancers have no employer: their cube leaves those two dimensions at "all".
DAY_RATE_DIMENSIONS = ("region", "experience", "education", "role")
# The mission breakdown and the group comparisons are computed for cohorts with
# at most this many filters (the overall cohort and one-filter cohorts).
BREAKDOWN_MAX_FILTERS = 1
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


@dataclass
class BuildResult:
    """What a build computed, before it is stored."""

    cells: pd.DataFrame
    models: list[tuple[str, int, dict[str, Any]]]
    notes: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    is_demo: bool = False


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
    )
    main = build_cells(cube)
    main["mission"] = ALL
    main["mission_done"] = True
    breakdown_patterns = [
        (*pattern, "mission_flag")
        for pattern in patterns(spec.dims, max_filters=BREAKDOWN_MAX_FILTERS)
    ]
    masks = rows["missions_mask"].to_numpy(np.int64)
    frames = []
    for bit, mission in enumerate(vocab.MISSIONS.codes):
        # Level 0 "yes" (does the mission), 1 "no": the codes are reused, not re-encoded.
        flag = 1 - ((masks >> bit) & 1)
        mission_cube = CubeInput(
            values=cube.values,
            dims=(*spec.dims, "mission_flag"),
            levels={**cube.levels, "mission_flag": ("yes", "no")},
            codes={**cube.codes, "mission_flag": flag.astype(np.int64)},
            masks={},
            thresholds=cube.thresholds,
        )
        cells = build_cells(mission_cube, only=breakdown_patterns)
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
) -> tuple[pd.Series, pd.Series]:
    """Privacy rules 1 and 2 on the cube, then on every mission's breakdown family.

    A mission family is the cohorts with at most BREAKDOWN_MAX_FILTERS filters
    (mission "all") plus the same cohorts split by doing the mission or not,
    with "mission_flag" as one more dimension; the twelve families are
    independent cubes of one call (`by="mission"`). The main cube's decisions
    are taken first and kept: a family starts from them, and since the rules
    only ever suppress the finer cell of a pair, it can only suppress mission
    cells.
    """
    main_published = secondary_suppression(
        main, dims=list(dims), all_value=ALL, suppressed=suppressed_main, strict=strict
    )
    if missions.empty:
        return main_published, pd.Series(dtype=bool)
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
    published = secondary_suppression(
        family,
        dims=[*dims, "mission_flag"],
        all_value=ALL,
        by=["mission"],
        suppressed=initially,
        strict=strict,
    )
    mission_published = pd.Series(
        published.to_numpy()[len(coarse) * len(mission_codes) :], index=missions.index
    )
    return main_published, mission_published


def _comparisons(
    cube: CubeInput, *, published: pd.DataFrame
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Group comparisons of the published children of the overall and one-filter cohorts.

    For such a published parent and each dimension it leaves at "all":
    Kruskal-Wallis with epsilon squared across its published children, and
    pairwise Mann-Whitney with Holm's correction, from one pass over values
    sorted once (`compare_sorted_groups`). Only published children take part,
    so a test reveals nothing about suppressed cohorts. The rows are grouped by
    each dimension once (a stable sort keeps the values sorted inside each
    level), so the work is about 6 + 6 x 5 passes over the values in all.
    Returns {parent key (dimension values): {dimension: comparison}}.
    """
    dims = cube.dims
    value_order = np.argsort(cube.values, kind="stable")
    values = cube.values[value_order]
    codes = {d: cube.codes[d][value_order] for d in dims}
    main = published[published["mission"] == ALL]
    main_keys = {tuple(key) for key in main[list(dims)].to_numpy()}
    root = tuple(ALL for _ in dims)
    result: dict[tuple[str, ...], dict[str, Any]] = {}

    def compare(parent: tuple[str, ...], rows: NDArray[np.int64] | None) -> None:
        subset = values if rows is None else values[rows]
        for position, d in enumerate(dims):
            if parent[position] != ALL:
                continue
            children = [
                level
                for level in cube.levels[d]
                if (*parent[:position], level, *parent[position + 1 :]) in main_keys
            ]
            if len(children) < 2:
                continue
            label_of = np.full(len(cube.levels[d]), -1, dtype=np.int64)
            for index, level in enumerate(children):
                label_of[cube.levels[d].index(level)] = index
            level_codes = codes[d] if rows is None else codes[d][rows]
            try:
                comparison = compare_sorted_groups(subset, label_of[level_codes], names=children)
            except StatsError:
                continue
            result.setdefault(parent, {})[d] = _comparison_json(comparison, children)

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


def _comparison_json(comparison: GroupComparison, groups: list[str]) -> dict[str, Any]:
    kruskal = comparison.kruskal
    pairwise = comparison.pairwise
    return {
        "test": "kruskal-wallis",
        "groups": groups,
        "n": int(kruskal.n),
        "h": round(float(kruskal.h), 4),
        "df": int(kruskal.df),
        "p_value": float(kruskal.p_value),
        "epsilon_squared": round(float(kruskal.epsilon_squared), 4),
        "pairwise": [
            {
                "a": a,
                "b": b,
                "p_value": float(p),
                "p_holm": float(p_holm),
                "rank_biserial": round(float(r), 4),
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
KEY_COLUMNS = (*DIMENSIONS, "mission", "mission_done")
FIGURE_COLUMNS = (
    "n",
    "confidence",
    "p10",
    "p25",
    "p50",
    "p75",
    "p90",
    "median_ci_low",
    "median_ci_high",
    "extras",
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


def _previous_counts(
    previous: Snapshot | None, *, metric: str, country: str, year: int
) -> pd.DataFrame:
    """Id and n of the previous snapshot's cells of one metric, country and edition, by key."""
    columns = [*KEY_COLUMNS, "id", "n"]
    if previous is None:
        return pd.DataFrame(columns=columns).set_index(list(KEY_COLUMNS))
    rows = Cell.objects.filter(
        snapshot=previous, metric=metric, country=country, year=year
    ).values_list(*columns)
    return pd.DataFrame.from_records(list(rows), columns=columns).set_index(list(KEY_COLUMNS))


def _carry_forward(cells: pd.DataFrame, published: pd.Series, old: pd.DataFrame) -> pd.Series:
    """Privacy rule 4, in place: a cell published before whose n moved by 1 to 9 keeps its
    previous figures. Returns the mask of carried cells."""
    carried = pd.Series(False, index=cells.index)
    if old.empty or not published.any():
        return carried
    for column in DIMENSIONS:
        if column not in cells.columns:
            cells[column] = ALL
    keys = pd.MultiIndex.from_frame(cells[list(KEY_COLUMNS)])
    position = old.index.get_indexer(keys)
    before = position >= 0
    old_n = np.where(before, old["n"].to_numpy()[np.maximum(position, 0)], -1)
    moved = np.abs(cells["n"].to_numpy() - old_n)
    carry = published.to_numpy() & before & (moved >= 1) & (moved < MIN_COHORT)
    if carry.any():
        ids = old["id"].to_numpy()[position[carry]]
        figures = {
            row[0]: row[1:]
            for row in Cell.objects.filter(pk__in=ids.tolist()).values_list("id", *FIGURE_COLUMNS)
        }
        source = pd.DataFrame([figures[i] for i in ids.tolist()], columns=list(FIGURE_COLUMNS))
        source["extras"] = [json.dumps(extra, separators=(",", ":")) for extra in source["extras"]]
        for column in FIGURE_COLUMNS:
            if column not in cells.columns:
                cells[column] = None
            if column in ("extras", "confidence"):
                cells[column] = cells[column].astype(object)
            cells.loc[carry, column] = source[column].to_numpy()
        carried[carry] = True
    return carried


Decisions = tuple[pd.Series, pd.Series]


def _metric_published(
    rows: pd.DataFrame,
    *,
    spec: MetricSpec,
    country: str,
    year: int,
    previous: Snapshot | None,
    decided: Decisions | None = None,
) -> tuple[pd.DataFrame, Decisions]:
    """The published cells of one metric, country and edition, with every privacy rule applied.

    Returns them with the publication decisions (main cube, mission cells).
    `decided` reuses the decisions of a metric over the same rows — base salary
    after total salary: the same cohorts with the same n, in the same order, so
    the rules would decide the same and need not run again.
    """
    main, missions, cube = _metric_cells(rows, country=country, spec=spec)
    main["extras"] = None
    missions["extras"] = None
    old = _previous_counts(previous, metric=spec.metric, country=country, year=year)
    if decided is not None:
        main_published, missions_published = decided
    else:
        main_published, missions_published = _suppress(main, missions, dims=spec.dims)
    main_carried = _carry_forward(main, main_published, old)
    missions_carried = _carry_forward(missions, missions_published, old)
    if decided is None and (main_carried.any() or missions_carried.any()):
        # Carried n can break rule 2 against fresh neighbours: apply it again,
        # starting from what is already suppressed (it only ever suppresses more).
        main_published, missions_published = _suppress(
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
    main = main[main_published.to_numpy()]
    missions = missions[missions_published.to_numpy()]
    for frame in (main, missions):
        fresh = ~frame["carried"].to_numpy()
        extras = frame["extras"].to_numpy(dtype=object, copy=True)
        extras[fresh] = _extras_json(frame[fresh])
        frame["extras"] = extras
    published = pd.concat([main, missions], ignore_index=True)
    for column in DIMENSIONS:
        if column not in published.columns:
            published[column] = ALL
    if spec.comparisons:
        comparisons = _comparisons(cube, published=published)
        if comparisons:
            keys = list(zip(*(published[d] for d in spec.dims), strict=True))
            is_main = (published["mission"] == ALL).to_numpy()
            carried = published["carried"].to_numpy()
            extras = published["extras"].to_numpy(dtype=object, copy=True)
            for index, key in enumerate(keys):
                if is_main[index] and not carried[index] and key in comparisons:
                    merged = {**json.loads(extras[index]), "comparisons": comparisons[key]}
                    extras[index] = json.dumps(merged, separators=(",", ":"))
            published["extras"] = extras
    published["metric"] = spec.metric
    published["country"] = country
    published["year"] = year
    published["currency"] = vocab.CURRENCY_BY_COUNTRY[country]
    return published, decisions


def snapshot_build(
    *, years: Sequence[int] | None = None, previous: Snapshot | None, progress: Progress | None
) -> BuildResult:
    """Compute every published cell and model from the accepted answers (no write)."""
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    frame = selectors.responses_frame(years=years)
    timings["read"] = time.perf_counter() - started
    say(f"{len(frame)} accepted answers read")
    if frame.empty:
        where = f" in editions {', '.join(map(str, years))}" if years else ""
        raise SnapshotError(f"No accepted answer to publish{where}: nothing was published.")
    frame["experience"] = experience_bands(frame["experience_years"])
    started = time.perf_counter()
    kept, fenced = _fence(frame)
    timings["fences"] = time.perf_counter() - started

    published_frames: list[pd.DataFrame] = []
    models: list[tuple[str, int, dict[str, Any]]] = []
    started = time.perf_counter()
    for (country, year), rows in kept.groupby(["country", "year"], sort=True):
        decisions: dict[str, Decisions] = {}
        for spec in METRICS:
            subset = rows[rows["status"] == spec.status]
            if len(subset) < MIN_COHORT:
                continue
            published, decisions[spec.metric] = _metric_published(
                subset,
                spec=spec,
                country=str(country),
                year=int(year),
                previous=previous,
                decided=decisions.get(spec.same_cohorts_as) if spec.same_cohorts_as else None,
            )
            published_frames.append(published)
        employees = rows[rows["status"] == "employee"]
        if len(employees) >= MODEL_MIN_ROWS:
            try:
                fitted = fit_log_salary_model(
                    employees,
                    target="total_fte",
                    numeric=MODEL_NUMERIC,
                    categorical=MODEL_CATEGORICAL,
                    min_level_count=MIN_COHORT,
                )
                models.append((str(country), int(year), fitted.to_dict()))
            except StatsError as error:
                logger.warning("No profile model for %s %s: %s", country, year, error)
        say(f"{country} {year}: cells computed")
    timings["cells"] = time.perf_counter() - started
    cells = pd.concat(published_frames, ignore_index=True) if published_frames else pd.DataFrame()
    return BuildResult(
        cells=cells,
        models=models,
        notes=_notes(frame, fenced),
        timings=timings,
        is_demo=bool((frame["source"] == "demo").any()),
    )


def _notes(frame: pd.DataFrame, fenced: pd.DataFrame) -> dict[str, Any]:
    """Every exclusion, counted per edition, country and status (DESIGN.md outliers)."""
    states = selectors.state_counts()
    years = set(frame["year"].unique().tolist())
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
    """A build left "building" by a killed process is failed: it was never published."""
    Snapshot.objects.filter(status=Snapshot.Status.BUILDING).update(
        status=Snapshot.Status.FAILED, error="interrupted before it was published"
    )


def _money(values: pd.Series) -> pd.Series:
    """Whole units of currency, half rounded up; missing where the figure is not published."""
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.Series(np.floor(array + 0.5), index=values.index).astype("Int64")


CELL_COLUMNS = ("snapshot_id", *PUBLIC_CELL_COLUMNS, "carried")


def _cell_table(snapshot: Snapshot, cells: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"snapshot_id": snapshot.pk}, index=cells.index)
    for column in ("metric", "country", "year", *DIMENSIONS, "mission", "currency", "confidence"):
        table[column] = cells[column]
    table["mission_done"] = cells["mission_done"].astype(bool)
    table["carried"] = cells["carried"].fillna(False).astype(bool)
    table["n"] = cells["n"].astype(np.int64)
    for column in ("p10", "p25", "p50", "p75", "p90", "median_ci_low", "median_ci_high"):
        table[column] = _money(cells[column])
    table["extras"] = cells["extras"]
    return table[list(CELL_COLUMNS)]


def _store_cells(snapshot: Snapshot, cells: pd.DataFrame) -> int:
    """Insert the cells: one COPY on PostgreSQL, batched inserts elsewhere."""
    if cells.empty:
        return 0
    # In key order, the unique index grows at its right edge: about twice as fast to fill.
    table = _cell_table(snapshot, cells).sort_values(
        ["metric", "country", "year", *DIMENSIONS, "mission", "mission_done"], kind="stable"
    )
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        table.to_csv(buffer, header=False, index=False)
        columns = ", ".join(f'"{column}"' for column in CELL_COLUMNS)
        # In CSV an empty field is NULL; "" means "all" in the dimension columns.
        not_null = ", ".join(f'"{column}"' for column in (*DIMENSIONS, "mission"))
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {Cell._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, "
                f"FORCE_NOT_NULL ({not_null}))"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
    else:
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        Cell.objects.bulk_create(
            [Cell(**{**record, "extras": json.loads(record["extras"])}) for record in records],
            batch_size=2000,
        )
    return len(table)


def _copy_other_editions(snapshot: Snapshot, previous: Snapshot, years: Sequence[int]) -> int:
    """Editions not rebuilt keep the previous snapshot's cells and models unchanged."""
    columns = ", ".join(f'"{c}"' for c in CELL_COLUMNS if c != "snapshot_id")
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(years))
        cursor.execute(
            f"INSERT INTO {Cell._meta.db_table} (snapshot_id, {columns}) "
            f"SELECT %s, {columns} FROM {Cell._meta.db_table} "
            f"WHERE snapshot_id = %s AND year NOT IN ({placeholders})",
            [snapshot.pk, previous.pk, *years],
        )
        copied = cursor.rowcount
    ProfileModel.objects.bulk_create(
        [
            ProfileModel(snapshot=snapshot, country=m.country, year=m.year, fitted=m.fitted)
            for m in previous.models.exclude(year__in=years)
        ]
    )
    return copied


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
    previous = selectors.current_snapshot()
    snapshot = Snapshot.objects.create(
        parameters={
            "min_cohort": MIN_COHORT,
            "tails_from": 20,
            "fence_k_iqr_log": FENCE_K,
            "quantiles": "Hyndman-Fan type 7",
            "median_ci": "binomial order statistics, 95%",
            "share_ci": "Wilson score, 95%",
            "editions": list(years) if years is not None else "all",
            "breakdown_max_filters": BREAKDOWN_MAX_FILTERS,
            "previous_snapshot": previous.pk if previous else None,
        }
    )
    try:
        result = snapshot_build(years=years, previous=previous, progress=say)
        started = time.perf_counter()
        with transaction.atomic():
            current = Snapshot.objects.select_for_update().filter(is_current=True).first()
            if (current.pk if current else None) != (previous.pk if previous else None):
                raise SnapshotError("Another snapshot was published meanwhile: run again.")
            count = _store_cells(snapshot, result.cells)
            if years is not None and previous is not None:
                count += _copy_other_editions(snapshot, previous, years)
            ProfileModel.objects.bulk_create(
                [
                    ProfileModel(snapshot=snapshot, country=country, year=year, fitted=fitted)
                    for country, year, fitted in result.models
                ]
            )
            Snapshot.objects.filter(is_current=True).update(is_current=False)
            result.timings["store"] = time.perf_counter() - started
            snapshot.status = Snapshot.Status.PUBLISHED
            snapshot.is_current = True
            snapshot.published_at = timezone.now()
            snapshot.notes = result.notes
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
        raise
