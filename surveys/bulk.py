"""Storing many ready answers at once: the CSV import and the demo data go through here.

`store_responses` takes a DataFrame whose columns are SurveyResponse's database
columns (`RESPONSE_COLUMNS`), already validated and normalized, and inserts it
as fast as the database allows, through the project's COPY helper
(`cmbench.db`): PostgreSQL gets one `COPY ... FROM STDIN` in text format, fed
buffers built column by column and sent from a worker thread while the next
chunk is formatted; other databases get `executemany` in chunks. It runs
inside the caller's transaction (a savepoint of it, or its own transaction
when there is none), so a failure writes nothing. `ResponseWriter` does the
same for rows that arrive in pieces.

Every row gets its own record key (privacy rule 3, `models.RECORD_KEY_RANGE`):
drawn here, vectorized, when the frame has no `record_key` column (`record_keys`);
the demo data brings keys drawn from its seeded generator, so that the same seed
stores the same rows. `submitted_on` is a day: a column with a time of day is
refused (privacy rule 10).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from cmbench.db import Table, TableWriter
from surveys.models import RECORD_KEY_RANGE, SurveyResponse

# The columns a frame handed to store_responses holds, in COPY order.
RESPONSE_COLUMNS: tuple[str, ...] = (
    "edition_id",
    "submitted_on",
    "record_key",
    "source",
    "state",
    "flags",
    "receipt_hash",
    "status",
    "role",
    "job_title",
    "experience_years",
    "education",
    "employer_size",
    "employer_type",
    "country",
    "region",
    "work_time_share",
    "base_salary",
    "variable_pay",
    "day_rate",
    "billed_days",
    "missions_mask",
    "kpis_mask",
    "weekly_hours",
    "remote_days",
    "satisfaction",
    "gender",
    "age_band",
    "total_fte",
    "base_fte",
    "review_note",
    "reviewed_at",
    "reviewed_by_id",
)

# Columns a caller may leave out: editorial fields that start empty, and today.
# `record_key` may be left out too: `complete_frame` draws one per row (`record_keys`).
_DEFAULTS: dict[str, Callable[[], Any]] = {
    "submitted_on": timezone.localdate,
    "flags": list,
    "receipt_hash": lambda: None,
    "review_note": str,
    "reviewed_at": lambda: None,
    "reviewed_by_id": lambda: None,
}

# The table, its columns typed from SurveyResponse's fields: NULL where a field
# allows it; otherwise "" for an empty text, [] for empty flags, and an empty
# number is an error (cmbench.db).
RESPONSE_TABLE = Table(SurveyResponse, RESPONSE_COLUMNS)


def store_responses(
    frame: pd.DataFrame,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 50_000,
) -> int:
    """Insert every row of `frame` into the SurveyResponse table; return the number stored.

    `frame` holds RESPONSE_COLUMNS (the editorial ones, submitted_on,
    record_key, flags, receipt_hash, review_note, reviewed_at and
    reviewed_by_id, may be left out): integers (nullable ones may be float with
    NaN or pandas' Int64), `submitted_on` as dates (datetime.date, or
    datetime64 at midnight), aware datetimes, `flags` as lists of codes, codes
    and text as str. A missing `record_key` is drawn per row (`record_keys`).
    Nothing is validated here beyond the types and the range of the record
    keys: the caller validated the answers.
    `progress`, when given, is called after each chunk with the number of rows
    that chunk stored (an increment, like tqdm's `update`). `chunk_size` bounds
    the memory of the conversion: one chunk is converted and sent at a time.
    """
    with ResponseWriter(progress=progress, chunk_size=chunk_size) as writer:
        return writer.write(frame)


class ResponseWriter(TableWriter):
    """Streams frames of ready rows into the SurveyResponse table, all in one transaction.

    `cmbench.db.TableWriter` for RESPONSE_TABLE, each frame completed first
    (`complete_frame`): for a caller that produces rows piece by piece (the CSV
    import validates a chunk while the previous one is being stored):

        with ResponseWriter() as writer:
            writer.write(frame)
            writer.pause()  # before running another query
            writer.write(frame)
    """

    def __init__(
        self, *, progress: Callable[[int], None] | None = None, chunk_size: int = 50_000
    ) -> None:
        super().__init__(RESPONSE_TABLE, progress=progress, chunk_size=chunk_size)

    def __enter__(self) -> ResponseWriter:
        super().__enter__()
        return self

    def write(self, frame: pd.DataFrame) -> int:
        """Store the rows of `frame` (see store_responses); return how many."""
        return super().write(complete_frame(frame))


def complete_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the optional columns filled in; unknown or missing columns raise ValueError."""
    unknown = [name for name in frame.columns if name not in RESPONSE_COLUMNS]
    if unknown:
        raise ValueError(f"store_responses: unknown columns {unknown}")
    missing = [name for name in RESPONSE_COLUMNS if name not in frame.columns]
    lacking = [name for name in missing if name not in _DEFAULTS and name != "record_key"]
    if lacking:
        raise ValueError(f"store_responses: missing columns {lacking}")
    if missing:
        frame = frame.copy()
        for name in missing:
            if name == "record_key":
                # Never one default for all: each row draws its own.
                frame[name] = record_keys(len(frame))
                continue
            default = _DEFAULTS[name]()
            frame[name] = [default] * len(frame) if isinstance(default, list) else default
    keys = pd.to_numeric(frame["record_key"], errors="coerce")
    if len(keys) and not keys.between(0, RECORD_KEY_RANGE - 1).all():
        raise ValueError(
            f"store_responses: record_key must be whole numbers from 0 to {RECORD_KEY_RANGE - 1}"
        )
    return frame


def record_keys(size: int, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """`size` record keys, uniform in [0, RECORD_KEY_RANGE), each row its own (privacy rule 3).

    From `rng` when given (the demo data's seeded generator, so a seed gives the
    same rows); otherwise from a generator seeded with 128 bits of the operating
    system's CSPRNG, a fresh one per call, so keys cannot be guessed from a seed.
    """
    generator = rng if rng is not None else np.random.default_rng(secrets.randbits(128))
    return generator.integers(0, RECORD_KEY_RANGE, size=size, dtype=np.int64)
