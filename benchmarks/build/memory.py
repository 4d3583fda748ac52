"""Privacy rule 8's reading of the past: where each cohort was last published, and carrying.

For a cohort published in two snapshots of the same edition, the true n
differs by 0 or at least MIN_COHORT; otherwise the new snapshot carries the
figures it was last published with. "Last published" is the previous
snapshot's cell or, for a cohort not published in it, the memory that
snapshot kept (`PastPublication`, written by `store.store_memory`). A thin
country's pooled cells (`build.pooling`) are compared with their own past,
under the same pooled editions (`pooled_from`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.build.store import SOURCES
from benchmarks.layout import ALL, DIMENSIONS
from benchmarks.models import Snapshot
from benchmarks.stats import MIN_COHORT

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


def previous_publications(
    previous: Snapshot | None, *, metric: str, country: str, year: int, pooled_from: int = 0
) -> pd.DataFrame:
    """Where each cohort of one metric, country and edition was last published (rule 8).

    The previous snapshot's cells, and its memory of the cohorts published in an
    earlier snapshot of the edition but not in it. Indexed by KEY_COLUMNS;
    columns source ("cell" or "past"), id and true_n. `pooled_from`: a thin
    country's cells pooled over the editions pooled_from..year (build.pooling),
    compared with their own earlier publications only.
    """
    columns = [*KEY_COLUMNS, "id", "true_n"]
    frames = []
    if previous is not None:
        for source, model in SOURCES.items():
            # The base manager: Cell.objects leaves pooled cells out.
            rows = model._base_manager.filter(
                snapshot=previous,
                metric=metric,
                country=country,
                year=year,
                pooled_from=pooled_from,
            ).values_list(*columns)
            frame = pd.DataFrame.from_records(list(rows), columns=columns)
            if not frame.empty:
                frames.append(frame.assign(source=source))
    if not frames:
        return pd.DataFrame(columns=[*columns, "source"]).set_index(list(KEY_COLUMNS))
    return pd.concat(frames, ignore_index=True).set_index(list(KEY_COLUMNS))


def stored_figures(
    sources: Sequence[str], ids: Sequence[int], columns: Sequence[str]
) -> pd.DataFrame:
    """The stored `columns` of cells or memories, one row per (source, id), in that order."""
    found: dict[tuple[str, int], tuple[Any, ...]] = {}
    for source, model in SOURCES.items():
        wanted = [i for s, i in zip(sources, ids, strict=True) if s == source]
        for start in range(0, len(wanted), 500):
            for record in model._base_manager.filter(
                pk__in=wanted[start : start + 500]
            ).values_list("id", *columns):
                found[(source, record[0])] = record[1:]
    return pd.DataFrame(
        [found[(s, i)] for s, i in zip(sources, ids, strict=True)], columns=list(columns)
    )


def carry_forward(cells: pd.DataFrame, published: pd.Series, old: pd.DataFrame) -> pd.Series:
    """Privacy rule 8, in place: a cell last published with a true n 1 to 9 away keeps the
    figures it was published with. Returns the mask of carried cells.

    A carried cell's "n" becomes the true n behind those figures (the rules then
    check it against its fresh neighbours), "published_n" the count it showed.
    """
    carried = pd.Series(False, index=cells.index)
    if old.empty or not published.any():
        return carried
    for column in DIMENSIONS:
        if column not in cells.columns:
            cells[column] = ALL
    keys = pd.MultiIndex.from_frame(cells[list(KEY_COLUMNS)])
    position = old.index.get_indexer(keys)
    before = position >= 0
    old_n = np.where(before, old["true_n"].to_numpy()[np.maximum(position, 0)], -1)
    moved = np.abs(cells["n"].to_numpy() - old_n)
    carry = published.to_numpy() & before & (moved >= 1) & (moved < MIN_COHORT)
    if carry.any():
        rows = old.iloc[position[carry]]
        source = stored_figures(
            rows["source"].tolist(), rows["id"].tolist(), [*FIGURE_COLUMNS, "true_n"]
        )
        source["extras"] = [json.dumps(extra, separators=(",", ":")) for extra in source["extras"]]
        source = source.rename(columns={"n": "published_n", "true_n": "n"})
        for column in source.columns:
            if column not in cells.columns:
                cells[column] = None
            values = source[column]
            if column in ("extras", "confidence"):
                cells[column] = cells[column].astype(object)
            else:  # a tail not published (n < 20) is stored NULL: NaN here
                values = pd.to_numeric(values)
            cells.loc[carry, column] = values.to_numpy()
        carried[carry] = True
    return carried
