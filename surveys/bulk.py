"""Storing many ready answers at once: the CSV import and the demo data go through here.

`store_responses` takes a DataFrame whose columns are SurveyResponse's database
columns (`RESPONSE_COLUMNS`), already validated and normalized, and inserts it
as fast as the database allows: PostgreSQL gets one `COPY ... FROM STDIN` in
text format, fed buffers built column by column and sent from a worker thread
while the next chunk is formatted; other databases get `executemany` in
chunks. It runs inside the caller's transaction (a savepoint of it, or its own
transaction when there is none), so a failure writes nothing.
`ResponseWriter` does the same for rows that arrive in pieces.

Every row gets its own record key (privacy rule 3, `models.RECORD_KEY_RANGE`):
drawn here, vectorized, when the frame has no `record_key` column (`record_keys`);
the demo data brings keys drawn from its seeded generator, so that the same seed
stores the same rows. `submitted_on` is a day: a column with a time of day is
refused (privacy rule 10).

Measured (bench/import_responses.py prints the first): the text buffer is
faster than psycopg's `Copy.write_row` fed the same values in text format, and
no slower than write_row in binary format, which spares the server some
parsing but costs this side a Python tuple per row; here each distinct value is
formatted once, not once per cell.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

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

_INT_COLUMNS = frozenset(
    {
        "edition_id",
        "record_key",
        "experience_years",
        "base_salary",
        "variable_pay",
        "day_rate",
        "billed_days",
        "missions_mask",
        "kpis_mask",
        "weekly_hours",
        "remote_days",
        "satisfaction",
        "total_fte",
        "base_fte",
        "reviewed_by_id",
    }
)
_FLOAT_COLUMNS = frozenset({"work_time_share"})
_DATETIME_COLUMNS = frozenset({"reviewed_at"})
_DATE_COLUMNS = frozenset({"submitted_on"})
_JSON_COLUMNS = frozenset({"flags"})
# Columns stored as NULL when empty.
_NULLABLE = frozenset(
    {
        "receipt_hash",
        "base_salary",
        "variable_pay",
        "day_rate",
        "billed_days",
        "weekly_hours",
        "remote_days",
        "satisfaction",
        "total_fte",
        "base_fte",
        "reviewed_at",
        "reviewed_by_id",
    }
)
# Columns a caller may leave out: editorial fields that start empty, and today.
# `record_key` may be left out too: `_complete` draws one per row (`record_keys`).
_DEFAULTS: dict[str, Callable[[], Any]] = {
    "submitted_on": timezone.localdate,
    "flags": list,
    "receipt_hash": lambda: None,
    "review_note": str,
    "reviewed_at": lambda: None,
    "reviewed_by_id": lambda: None,
}

# What an empty value of a NOT NULL column becomes: "" for text (Django's
# convention for CharField), [] for flags; an empty number there is an error.
_EMPTY_NOT_NULL: dict[str, Any] = {
    name: ""
    for name in RESPONSE_COLUMNS
    if name
    not in _INT_COLUMNS
    | _FLOAT_COLUMNS
    | _DATETIME_COLUMNS
    | _DATE_COLUMNS
    | _JSON_COLUMNS
    | _NULLABLE
}
_EMPTY_NOT_NULL["flags"] = ()

# COPY's text format: NULL is \N; backslash, tab, newline and carriage return are escaped.
_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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


class ResponseWriter:
    """Streams frames of ready rows into the SurveyResponse table, all in one transaction.

    For a caller that produces rows piece by piece (the CSV import validates a
    chunk while the previous one is being stored):

        with ResponseWriter() as writer:
            writer.write(frame)
            writer.pause()  # before running another query
            writer.write(frame)

    On PostgreSQL one COPY stays open across writes, fed from a worker thread,
    so the server ingests while the caller computes; `pause` ends it, since no
    other query can run on the connection meanwhile. Leaving the block with an
    exception aborts the COPY and rolls everything back (the transaction is a
    savepoint of the caller's, if any).
    """

    def __init__(
        self, *, progress: Callable[[int], None] | None = None, chunk_size: int = 50_000
    ) -> None:
        self.progress = progress
        self.chunk_size = chunk_size
        self.stored = 0
        self._stack = ExitStack()
        self._copy_stack: ExitStack | None = None
        self._copy: Any = None

    def __enter__(self) -> ResponseWriter:
        self._stack.enter_context(transaction.atomic())
        self._cursor = self._stack.enter_context(connection.cursor())
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        self._copy_stack = self._copy = None
        return self._stack.__exit__(*exc_info)

    def write(self, frame: pd.DataFrame) -> int:
        """Store the rows of `frame` (see store_responses); return how many."""
        frame = _complete(frame)
        for start in range(0, len(frame), self.chunk_size):
            chunk = frame.iloc[start : start + self.chunk_size]
            if connection.vendor == "postgresql":
                # A view: the writer queues slices of it without copying them.
                self._copy_stream().write(memoryview(copy_text(chunk)))
            else:
                self._cursor.executemany(_insert_statement(), _python_rows(chunk))
            self.stored += len(chunk)
            if self.progress is not None:
                self.progress(len(chunk))
        return len(frame)

    def pause(self) -> None:
        """End the COPY in progress (waiting for the server), so that other queries may run."""
        if self._copy_stack is not None:
            self._copy_stack.close()
            self._copy_stack = self._copy = None

    def _copy_stream(self) -> Any:
        if self._copy is None:
            raw_cursor = self._cursor.cursor
            # The queued writer sends each buffer from a worker thread while this
            # one converts the next chunk.
            writer = QueuedLibpqWriter(raw_cursor)
            self._copy_stack = ExitStack()
            self._copy = self._copy_stack.enter_context(
                raw_cursor.copy(_copy_statement(), writer=writer)
            )
            # Closed by pause(), or on leaving the block, with its exception if any.
            self._stack.push(self._copy_stack)
        return self._copy


def copy_text(chunk: pd.DataFrame) -> bytes:
    """The rows of `chunk` (RESPONSE_COLUMNS, in that order) in COPY's text format, UTF-8."""
    columns = [_column(name, chunk[name], for_copy=True) for name in RESPONSE_COLUMNS]
    lines = "\n".join(map("\t".join, zip(*columns, strict=True)))
    return (lines + "\n").encode()


def _copy_statement() -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in RESPONSE_COLUMNS)
    return f"COPY {quote(SurveyResponse._meta.db_table)} ({names}) FROM STDIN"


def _insert_statement() -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in RESPONSE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(RESPONSE_COLUMNS))
    return f"INSERT INTO {quote(SurveyResponse._meta.db_table)} ({names}) VALUES ({placeholders})"


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
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


def _column(name: str, series: pd.Series, *, for_copy: bool) -> list[Any]:
    """One column as COPY text fields (`for_copy`) or as Python values for executemany.

    Answers repeat a few codes and figures, so each distinct value is converted
    once and the column is a take from those: about 2 ms per 100,000 rows and
    column instead of a Python call per cell.
    """
    render = _RENDER_COPY[_kind(name)] if for_copy else _RENDER_PYTHON[_kind(name)]
    codes, rendered = _factorized(name, series, render)
    # NULL (code -1) takes the last entry.
    table = np.array([*rendered, _COPY_NULL if for_copy else None], dtype=object)
    return table[codes].tolist()


def _factorized(
    name: str, series: pd.Series, render: Callable[[Any], Any]
) -> tuple[np.ndarray, list[Any]]:
    """(index of each row's value, -1 for NULL; each distinct value rendered).

    An empty value of a NOT NULL column becomes its empty value ("" or []);
    of a nullable column, NULL; of a NOT NULL number, an error.
    """
    if series.isna().all():  # an editorial column left empty: no value to convert
        codes, distinct = np.full(len(series), -1, dtype=np.intp), []
    else:
        codes, distinct = pd.factorize(_typed(name, series), use_na_sentinel=True)
    rendered = [render(value) for value in distinct]
    empty = codes < 0
    if name in _EMPTY_NOT_NULL and empty.any():
        codes = np.where(empty, len(rendered), codes)
        rendered.append(render(_EMPTY_NOT_NULL[name]))
    elif name not in _NULLABLE and empty.any():
        raise ValueError(f"store_responses: column {name} has empty values")
    return codes, rendered


def _kind(name: str) -> str:
    if name in _INT_COLUMNS:
        return "int"
    if name in _FLOAT_COLUMNS:
        return "float"
    if name in _DATETIME_COLUMNS:
        return "datetime"
    if name in _DATE_COLUMNS:
        return "date"
    if name in _JSON_COLUMNS:
        return "json"
    return "text"


def _typed(name: str, series: pd.Series) -> Any:
    """The column in a type pandas can factorize, empty values as NA."""
    kind = _kind(name)
    if kind == "int":
        # Raises TypeError on a fractional figure rather than truncating it.
        return pd.array(series, dtype="Int64")
    if kind == "float":
        return series.astype("float64")
    if kind == "datetime":
        if isinstance(series.dtype, np.dtype) and series.dtype.kind == "M":
            raise ValueError(f"store_responses: column {name} holds naive datetimes")
        present = series.dropna()
        if series.dtype == object and len(present) and present.iloc[0].tzinfo is None:
            raise ValueError(f"store_responses: column {name} holds naive datetimes")
        return pd.to_datetime(series, utc=True)
    if kind == "date":
        return _dates(name, series)
    if kind == "json":
        if isinstance(series.dtype, pd.StringDtype):
            return series.to_numpy(dtype=object)  # JSON text already
        # Lists are unhashable: tuples stand for them; a str is JSON text already.
        return pd.Series(
            [
                value if value is None or isinstance(value, str | tuple) else tuple(value)
                for value in series.to_numpy(dtype=object)
            ],
            dtype=object,
        )
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series  # factorized from its codes, without hashing a string per row
    return series.to_numpy(dtype=object)


def _dates(name: str, series: pd.Series) -> pd.Series:
    """A column of days as naive midnights; a moment (a time of day, a time zone) is refused.

    Privacy rule 10: a stored submission has no time of day. Which day a moment
    falls on depends on the time zone, so that is the caller's decision.
    """
    days = pd.to_datetime(series)
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"store_responses: column {name} holds moments, not days")
    present = days.dropna()
    if (present != present.dt.normalize()).any():
        raise ValueError(f"store_responses: column {name} holds times of day, not days")
    return days


def _day(value: date) -> str:
    return value.strftime("%Y-%m-%d")


def _json_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(list(value))  # type: ignore[call-overload]


def _utc(value: pd.Timestamp) -> datetime:
    return value.tz_convert("UTC").to_pydatetime()


# COPY text of one distinct value, per kind.
_RENDER_COPY: dict[str, Callable[[Any], str]] = {
    "int": lambda value: str(int(value)),
    "float": lambda value: repr(float(value)),
    "datetime": lambda value: _utc(value).isoformat(),
    "date": _day,
    "json": lambda value: _json_text(value).translate(_COPY_ESCAPES),
    "text": lambda value: str(value).translate(_COPY_ESCAPES),
}
# The Python value executemany binds, per kind. Django's SQLite backend stores
# datetimes as naive UTC text, str(datetime), and dates as ISO text: the same is
# written here.
_RENDER_PYTHON: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "datetime": lambda value: str(_utc(value).replace(tzinfo=None)),
    "date": _day,
    "json": _json_text,
    "text": str,
}


def _python_rows(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The rows of `chunk` as tuples of Python values for executemany (None for NULL)."""
    columns = [_column(name, chunk[name], for_copy=False) for name in RESPONSE_COLUMNS]
    return list(zip(*columns, strict=True))
