"""Pandas frames in and out of the database in bulk: the project's one COPY helper.

Writing: a `Table` is some columns of a model's table, each typed from its
model field (integer, float, boolean, date, datetime, JSON, text; NULL
allowed or not). `TableWriter` streams frames into it in one transaction:
PostgreSQL gets one `COPY ... FROM STDIN` in text format (`Table.copy_text`),
fed from a worker thread while the next chunk is formatted; other databases
get `executemany` (`Table.python_rows`). Reading: `copy_out` streams the rows
of a query out of PostgreSQL as CSV, for `pandas.read_csv`.

The text format is built column by column: each distinct value is formatted
once and the column is a take from those (answers and cells repeat a few codes
and figures), about 2 ms per 100,000 rows and column instead of a Python call
per cell. Measured in bench/import_responses.py: faster than psycopg's
`Copy.write_row` fed the same values in text format, and no slower than
write_row in binary format, which spares the server some parsing but costs
this side a Python tuple per row.

Empty values: NULL where the column allows it; otherwise a text column takes
"" (Django's convention for CharField), a JSON column its field's default
(`[]` for `default=list`), and a number, a boolean or a date is an error.
A date column takes days: a value with a time of day or a time zone is
refused (which day a moment falls on depends on the time zone: the caller's
decision). A datetime column takes aware values only.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from psycopg.copy import QueuedLibpqWriter

# COPY's text format: NULL is \N; backslash, tab, newline and carriage return are escaped.
COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escaped(text: str) -> str:
    """`text` with COPY's escapes; most values have none to escape (four scans, no copy)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


# The kind of each model field type a frame may fill.
_KINDS = {
    "AutoField": "int",
    "BigAutoField": "int",
    "SmallAutoField": "int",
    "IntegerField": "int",
    "BigIntegerField": "int",
    "SmallIntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveBigIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "FloatField": "float",
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "datetime",
    "JSONField": "json",
    "CharField": "text",
    "TextField": "text",
    "SlugField": "text",
}
_NO_EMPTY = object()  # an empty value of this NOT NULL column is an error


@dataclass(frozen=True, slots=True)
class Column:
    """One database column as a frame fills it."""

    name: str
    kind: str  # "int", "float", "bool", "date", "datetime", "json", "text"
    null: bool
    empty: Any = _NO_EMPTY  # what an empty value becomes where NULL is not allowed


def column_of(field: models.Field[Any, Any]) -> Column:
    """The Column a model field is stored in (a foreign key: its target's type)."""
    target: models.Field[Any, Any] = getattr(field, "target_field", field)
    internal = target.get_internal_type()
    if internal not in _KINDS:
        raise ValueError(f"{field.column}: no bulk format for a {internal}")
    kind = _KINDS[internal]
    empty: Any = _NO_EMPTY
    if not field.null and kind == "text":
        empty = ""
    elif not field.null and kind == "json" and field.has_default():
        empty = json.dumps(field.get_default())
    return Column(name=str(field.column), kind=kind, null=field.null, empty=empty)


class Table:
    """Some columns of a model's table, in the order frames give them."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_column = {field.column: field for field in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in by_column]
        if unknown:
            raise ValueError(f"{model._meta.db_table} has no columns {unknown}")
        self.model = model
        self.columns = tuple(column_of(by_column[name]) for name in columns)
        self.names = tuple(columns)

    def copy_statement(self, *, using: str = DEFAULT_DB_ALIAS) -> str:
        """COPY table (columns) FROM STDIN, in text format."""
        return f"COPY {self._quoted(using)} FROM STDIN"

    def insert_statement(self, *, using: str = DEFAULT_DB_ALIAS) -> str:
        """INSERT INTO table (columns) VALUES (%s, ...), for executemany."""
        placeholders = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {self._quoted(using)} VALUES ({placeholders})"

    def copy_text(self, frame: pd.DataFrame) -> bytes:
        """The rows of `frame` (these columns, in this order) in COPY's text format, UTF-8."""
        fields = [_rendered(column, frame[column.name], for_copy=True) for column in self.columns]
        lines = "\n".join(map("\t".join, zip(*fields, strict=True)))
        return (lines + "\n").encode()

    def python_rows(self, frame: pd.DataFrame) -> list[tuple[Any, ...]]:
        """The rows of `frame` as tuples of Python values for executemany (None for NULL)."""
        fields = [_rendered(column, frame[column.name], for_copy=False) for column in self.columns]
        return list(zip(*fields, strict=True))

    def _quoted(self, using: str) -> str:
        quote = connections[using].ops.quote_name
        names = ", ".join(quote(name) for name in self.names)
        return f"{quote(self.model._meta.db_table)} ({names})"


class TableWriter:
    """Streams frames of ready rows into a Table, all in one transaction.

    For a caller that produces rows piece by piece (the CSV import validates a
    chunk while the previous one is being stored):

        with TableWriter(table) as writer:
            writer.write(frame)
            writer.pause()  # before running another query
            writer.write(frame)

    On PostgreSQL one COPY stays open across writes, fed from a worker thread,
    so the server ingests while the caller computes; `pause` ends it, since no
    other query can run on the connection meanwhile. Leaving the block with an
    exception aborts the COPY and rolls everything back (the transaction is a
    savepoint of the caller's, if any). `progress(rows)`, when given, is called
    after each chunk of at most `chunk_size` rows, which bounds the memory of
    the conversion.
    """

    def __init__(
        self,
        table: Table,
        *,
        progress: Callable[[int], None] | None = None,
        chunk_size: int = 50_000,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.table = table
        self.progress = progress
        self.chunk_size = chunk_size
        self.using = using
        self.stored = 0
        self._stack = ExitStack()
        self._copy_stack: ExitStack | None = None
        self._copy: Any = None

    def __enter__(self) -> TableWriter:
        self._stack.enter_context(transaction.atomic(using=self.using))
        self._cursor = self._stack.enter_context(connections[self.using].cursor())
        return self

    def __exit__(self, *exc_info: Any) -> bool | None:
        self._copy_stack = self._copy = None
        return self._stack.__exit__(*exc_info)

    def write(self, frame: pd.DataFrame) -> int:
        """Store the rows of `frame` (the table's columns); return how many."""
        postgresql = connections[self.using].vendor == "postgresql"
        for start in range(0, len(frame), self.chunk_size):
            chunk = frame.iloc[start : start + self.chunk_size]
            if postgresql:
                # A view: the writer queues slices of it without copying them.
                self._copy_stream().write(memoryview(self.table.copy_text(chunk)))
            else:
                self._cursor.executemany(
                    self.table.insert_statement(using=self.using), self.table.python_rows(chunk)
                )
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
            raw_cursor = self._cursor.cursor  # the psycopg cursor under Django's wrapper
            # The queued writer sends each buffer from a worker thread while this
            # one converts the next chunk.
            writer = QueuedLibpqWriter(raw_cursor)
            self._copy_stack = ExitStack()
            self._copy = self._copy_stack.enter_context(
                raw_cursor.copy(self.table.copy_statement(using=self.using), writer=writer)
            )
            # Closed by pause(), or on leaving the block, with its exception if any.
            self._stack.push(self._copy_stack)
        return self._copy


def copy_out(
    query: str, params: Sequence[Any] | None = None, *, using: str = DEFAULT_DB_ALIAS
) -> io.BytesIO:
    """The rows of `query` as CSV from PostgreSQL's `COPY (query) TO STDOUT`, for read_csv.

    Nothing is parsed on this side: a million rows arrive in a few seconds, with
    no Python object per row. In CSV an empty field is NULL and "" an empty text.
    """
    buffer = io.BytesIO()
    with connections[using].cursor() as cursor:
        raw_cursor = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw_cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    return buffer


def _rendered(column: Column, series: pd.Series, *, for_copy: bool) -> list[Any]:
    """One column as COPY text fields (`for_copy`) or as Python values for executemany."""
    render = _RENDER_COPY[column.kind] if for_copy else _RENDER_PYTHON[column.kind]
    codes, rendered = _factorized(column, series, render)
    # NULL (code -1) takes the last entry.
    table = np.array([*rendered, COPY_NULL if for_copy else None], dtype=object)
    return list(table[codes].tolist())


def _factorized(
    column: Column, series: pd.Series, render: Callable[[Any], Any]
) -> tuple[np.ndarray, list[Any]]:
    """(index of each row's value, -1 for NULL; each distinct value rendered).

    An empty value of a NOT NULL column becomes its empty value ("" or []);
    of a nullable column, NULL; of a NOT NULL number, an error.
    """
    if series.isna().all():  # a column left empty: no value to convert
        codes, distinct = np.full(len(series), -1, dtype=np.intp), []
    elif column.kind == "json":
        # Documents are nearly all distinct: hashing each one to find the few
        # repeats costs more than rendering every one.
        values = np.asarray(_typed(column, series), dtype=object)
        present = ~pd.isna(values)
        codes = np.full(len(values), -1, dtype=np.intp)
        codes[present] = np.arange(int(present.sum()))
        distinct = values[present]
    else:
        codes, distinct = pd.factorize(_typed(column, series), use_na_sentinel=True)
    rendered = [render(value) for value in distinct]
    empty = codes < 0
    if not column.null and empty.any():
        if column.empty is _NO_EMPTY:
            raise ValueError(f"column {column.name} has empty values")
        codes = np.where(empty, len(rendered), codes)
        rendered.append(render(column.empty))
    return codes, rendered


def _typed(column: Column, series: pd.Series) -> Any:
    """The column in a type pandas can factorize, empty values as NA."""
    kind = column.kind
    if kind == "int":
        # Raises TypeError on a fractional figure rather than truncating it.
        return pd.array(series, dtype="Int64")
    if kind == "float":
        return series.astype("float64")
    if kind == "bool":
        return pd.array(series, dtype="boolean")
    if kind == "datetime":
        if isinstance(series.dtype, np.dtype) and series.dtype.kind == "M":
            raise ValueError(f"column {column.name} holds naive datetimes")
        present = series.dropna()
        if series.dtype == object and len(present) and present.iloc[0].tzinfo is None:
            raise ValueError(f"column {column.name} holds naive datetimes")
        return pd.to_datetime(series, utc=True)
    if kind == "date":
        return _days(column, series)
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


def _days(column: Column, series: pd.Series) -> pd.Series:
    """A column of days as naive midnights; a moment (a time of day, a time zone) is refused."""
    days = pd.to_datetime(series)
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"column {column.name} holds moments, not days")
    present = days.dropna()
    if (present != present.dt.normalize()).any():
        raise ValueError(f"column {column.name} holds times of day, not days")
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
    "bool": lambda value: "t" if value else "f",
    "datetime": lambda value: _utc(value).isoformat(),
    "date": _day,
    "json": lambda value: _copy_escaped(_json_text(value)),
    "text": lambda value: _copy_escaped(str(value)),
}
# The Python value executemany binds, per kind. Django's SQLite backend stores
# datetimes as naive UTC text, str(datetime), and dates as ISO text: the same is
# written here.
_RENDER_PYTHON: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "datetime": lambda value: str(_utc(value).replace(tzinfo=None)),
    "date": _day,
    "json": _json_text,
    "text": str,
}
