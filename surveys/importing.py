"""Importing answers from a CSV file: the rules of `surveys.rules`, applied to whole columns.

`validate_frame` checks a whole chunk of the file with the same rules, messages
and cross-field rules as a single answer (`surveys.validation.validate_answers`),
each applied to a column's distinct cells at once (tests/surveys/test_validation_agreement.py
holds the two in agreement). `responses_import` reads a file, validates every row, and stores
all of them in one transaction, or none when a single row is bad.
"""

from __future__ import annotations

import csv
import json
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.bulk import ResponseWriter, record_keys
from surveys.models import Edition, SurveyResponse
from surveys.rules import flags, fte
from surveys.rules.fields import (
    FIELDS,
    FIELDS_BY_NAME,
    MESSAGES,
    Cleaned,
    Field,
    clean_values,
    code_masks,
    cross_field_problems,
    quoted,
)
from surveys.rules.legal_minimums import LegalMinimumTable, minimums_in_force
from surveys.services import legal_minimum_table

IMPORT_MESSAGES = {
    "missing_column": _("This column is missing: every field of the survey is a column."),
    "repeated_column": _("This column appears more than once."),
    "unreadable": _("The file cannot be read as UTF-8 CSV: %(reason)s"),
    "ragged": _("A row has more fields than the header."),
    "row_error": _("line %(line)s, %(field)s: %(message)s"),
}

# Columns the import needs beyond the survey's required fields: an imported
# answer names its edition, there is no "open edition" to fall back on.
IMPORT_REQUIRED = ("edition",)

# Rows validated at a time: bounds the memory of the intermediate columns; the
# cleaned chunks are compact (integers, categories).
CHUNK_ROWS = 25_000

# The cleaned frame holds the lists of codes as bit masks (vocabulary.mask_of).
MASK_COLUMNS = {"missions": "missions_mask", "kpis": "kpis_mask"}

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One broken rule: CSV line number (the header is line 1), field name, message."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return str(
            IMPORT_MESSAGES["row_error"]
            % {"line": self.line, "field": self.field, "message": self.message}
        )


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, rows stored (0 on error or dry run), every error."""

    rows: int
    stored: int
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    flagged: int = 0
    editions_created: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})


class ImportFileError(ValueError):
    """The file itself cannot be read as CSV (encoding, ragged rows): no line-level report."""


# ---------------------------------------------------------------------------
# Validation, column by column.


class _Errors:
    """The errors found so far, as boolean masks per field, turned into RowErrors at the end."""

    def __init__(self, size: int) -> None:
        self.size = size
        # (field, stage, mask, message: str or one per row of the mask) in discovery order.
        self.found: list[tuple[str, int, np.ndarray, str | np.ndarray]] = []
        self.by_field: dict[str, np.ndarray] = {}

    def add(self, name: str, stage: int, mask: np.ndarray, message: str | np.ndarray) -> None:
        if not mask.any():
            return
        self.found.append((name, stage, mask, message))
        self.by_field[name] = self.by_field.get(name, np.zeros(self.size, dtype=bool)) | mask

    def row_errors(self, lines: np.ndarray) -> list[RowError]:
        order = {name: position for position, name in enumerate(FIELD_ORDER)}
        rows: list[tuple[int, int, int, int, RowError]] = []
        for sequence, (name, stage, mask, message) in enumerate(self.found):
            where = np.flatnonzero(mask)
            if isinstance(message, str):
                messages: Sequence[str] = [message] * len(where)
            else:
                messages = message[where].tolist()
            for row, text in zip(where.tolist(), messages, strict=True):
                line = int(lines[row])
                rows.append(
                    (line, order.get(name, -1), stage, sequence, RowError(line, name, text))
                )
        rows.sort(key=lambda item: item[:4])
        return [item[-1] for item in rows]


FIELD_ORDER = tuple(field.name for field in FIELDS)


def _cells(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as an object array, empty cells (NaN, None) as "" (a missing column: all "")."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    values = frame[name].to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = ""
    return values


def _clean_column(spec: Field, cells: np.ndarray, *, required: bool) -> tuple[Cleaned, pd.Series]:
    """One field over all rows: its rules applied once per distinct cell, then spread over rows.

    A column repeats a few codes and figures, so the checks run on those
    (hundreds of cells, or tens of thousands for salaries) and every row takes
    its cell's result by index. Returns the checks per row and the cleaned
    column (integers as Int64, codes as categories, lists of codes as bit
    masks; empty where in error).
    """
    rows, distinct = pd.factorize(cells)
    # Cells read from CSV are str; anything else is taken as its text.
    raw = np.array([v if isinstance(v, str) else str(v) for v in distinct], dtype=object)
    cleaned = clean_values(spec, raw, required=required)
    # A value empty or in error is its kind's empty value: "", NaN, no codes; 0 for integers.
    if spec.kind == "code":
        assert spec.vocabulary is not None
        categories = pd.CategoricalDtype(["", *spec.vocabulary.codes])
        codes = pd.Categorical(cleaned.values, dtype=categories).codes
        column = pd.Series(pd.Categorical.from_codes(codes[rows], dtype=categories))
    elif spec.kind == "int":
        column = pd.Series(pd.arrays.IntegerArray(cleaned.values, ~cleaned.valid).take(rows))
    elif spec.kind == "codes":
        column = pd.Series(code_masks(cleaned)[rows])
    else:
        column = pd.Series(cleaned.values[rows])
    return cleaned.take(rows), column


def validate_frame(
    frame: pd.DataFrame,
    *,
    lines: Sequence[int] | np.ndarray | None = None,
    required: Collection[str] = (),
) -> tuple[pd.DataFrame, list[RowError]]:
    """Validate every row of `frame` (cells as read from CSV: str, or NaN/None for empty).

    The same rules as `validate_answers`, with the same messages: every field of
    FIELDS, then the cross-field rules. A column the frame lacks is empty in
    every row (like a key missing from an answer); a column that is no field is
    an error in every row. `required` names fields required beyond FIELDS (the
    import requires `edition`). `lines` are the CSV line numbers of the rows
    (default: row i is line i + 2, under a one-line header).

    Returns the cleaned frame (one row per input row, fields named as in
    FIELDS except `missions` and `kpis`, which become the bit masks
    `missions_mask` and `kpis_mask`; integers as Int64, codes as categories; a
    field in error is empty) and the errors sorted by line and field order.
    """
    frame = frame.reset_index(drop=True)
    size = len(frame)
    line_numbers = np.arange(2, size + 2) if lines is None else np.asarray(lines)
    errors = _Errors(size)
    for name in frame.columns:
        if name not in FIELDS_BY_NAME:
            errors.add(quoted(name), 0, np.ones(size, dtype=bool), str(MESSAGES["unknown_field"]))
    checked: dict[str, Cleaned] = {}
    clean: dict[str, pd.Series] = {}
    for spec in FIELDS:
        checked[spec.name], clean[MASK_COLUMNS.get(spec.name, spec.name)] = _clean_column(
            spec, _cells(frame, spec.name), required=spec.required or spec.name in required
        )
        for mask, message in checked[spec.name].problems:
            errors.add(spec.name, 0, mask, message)
    # Each cross-field rule sees the field-level errors only, as for one answer.
    for name, (mask, message) in cross_field_problems(checked):
        errors.add(name, 1, mask, message)
    return pd.DataFrame(clean), errors.row_errors(line_numbers)


# ---------------------------------------------------------------------------
# Reading the file.


@dataclass(frozen=True)
class _CsvFile:
    path: Path
    columns: list[str]
    header_errors: list[RowError]
    physical_lines: int  # header included
    quoted: bool  # whether any cell is quoted (only those can hold line breaks)


def _read_header(path: Path) -> _CsvFile:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise ImportFileError(str(IMPORT_MESSAGES["unreadable"] % {"reason": error})) from None
    columns = [name.strip() for name in header]
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in columns:
        if name not in FIELDS_BY_NAME:
            errors.append(RowError(1, name, str(MESSAGES["unknown_field"])))
        elif name in seen:
            errors.append(RowError(1, name, str(IMPORT_MESSAGES["repeated_column"])))
        seen.add(name)
    for name in FIELD_ORDER:
        if name not in seen:
            errors.append(RowError(1, name, str(IMPORT_MESSAGES["missing_column"])))
    physical_lines, quoted = _scan(path)
    return _CsvFile(
        path=path,
        columns=columns,
        header_errors=errors,
        physical_lines=physical_lines,
        quoted=quoted,
    )


def _scan(path: Path) -> tuple[int, bool]:
    """(physical lines, whether any double quote appears), reading 1 MiB at a time."""
    lines, quoted, last = 0, False, b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            quoted = quoted or b'"' in block
            last = block[-1:]
    return lines + (0 if last in (b"\n", b"") else 1), quoted


def _chunks(csv_file: _CsvFile) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """The data rows in chunks of CHUNK_ROWS, each with the CSV line number of its rows.

    Rows of empty cells (blank lines) are skipped; their numbers still count.
    Only a quoted cell can hold a line break: when the file has quotes, each
    row's number adds the breaks inside the rows before it.
    """
    reader = pd.read_csv(
        csv_file.path,
        # Python str in object columns: pandas' own str dtype costs more per operation.
        dtype=object,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        index_col=False,
        header=0,
        names=csv_file.columns,
        encoding="utf-8-sig",
        chunksize=CHUNK_ROWS,
    )
    next_line = 2
    try:
        with warnings.catch_warnings():
            # Extra fields on the first row only warn (and are dropped): refuse them too.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            for chunk in reader:
                breaks = np.zeros(len(chunk), dtype=np.int64)
                if csv_file.quoted:
                    for name in chunk.columns:
                        # One search through the joined column instead of one per cell.
                        if "\n" in "".join(chunk[name].tolist()):
                            breaks += chunk[name].str.count("\n").to_numpy(dtype=np.int64)
                starts = np.concatenate(([0], np.cumsum(breaks)))
                lines = next_line + np.arange(len(chunk)) + starts[:-1]
                next_line += len(chunk) + int(starts[-1])
                empty = (chunk.to_numpy(dtype=object) == "").all(axis=1)
                yield chunk[~empty].reset_index(drop=True), lines[~empty]
    except pd.errors.ParserWarning:
        raise ImportFileError(str(IMPORT_MESSAGES["ragged"])) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ImportFileError(str(IMPORT_MESSAGES["unreadable"] % {"reason": error})) from None


# ---------------------------------------------------------------------------
# The import service.


def responses_import(
    *, path: str | Path, dry_run: bool = False, progress: ProgressCallback | None = None
) -> ImportReport:
    """Import the answers of a CSV file: all of them in one transaction, or none.

    The columns are exactly the fields of DESIGN.md ("What a response holds"),
    `edition` required; lists are `|`-separated. Every row is validated; if any
    is bad nothing is written and the report lists every error (line, field,
    message). Otherwise the editions missing from the database are created
    (closed) and the rows stored with source "import", their full-time
    equivalents and stage-1 flags (a flagged row waits for an editor).
    `dry_run` validates and writes nothing. `progress(stage, done, total)` is
    called with stage "check" or "store" and row counts (total: an estimate).

    Chunks are stored as soon as they are validated, so that PostgreSQL ingests
    one while the next is checked; a bad row anywhere rolls all of it back.
    """
    csv_file = _read_header(Path(path))
    if csv_file.header_errors:
        return ImportReport(rows=0, stored=0, dry_run=dry_run, errors=csv_file.header_errors)
    run = _ImportRun(csv_file=csv_file, progress=progress)
    if dry_run:
        for _cleaned in run.checked_chunks():
            pass
        return ImportReport(rows=run.rows, stored=0, dry_run=True, errors=run.errors)
    try:
        with ResponseWriter(progress=run.store_progress, chunk_size=CHUNK_ROWS) as writer:
            minimums = legal_minimum_table()
            for cleaned in run.checked_chunks():
                if run.errors:
                    continue  # nothing will be kept: check the rest, store no more
                new_years = set(cleaned["edition"].dropna().astype(int)) - set(run.edition_ids)
                if new_years:
                    writer.pause()  # no other query while a COPY streams
                    run.add_editions(new_years)
                rows = response_rows(cleaned, edition_ids=run.edition_ids, minimums=minimums)
                run.flagged += int((rows["state"] == SurveyResponse.State.FLAGGED).sum())
                writer.write(rows)
            if run.errors:
                raise _Rejected
    except _Rejected:
        return ImportReport(rows=run.rows, stored=0, dry_run=False, errors=run.errors)
    return ImportReport(
        rows=run.rows,
        stored=writer.stored,
        dry_run=False,
        flagged=run.flagged,
        editions_created=run.editions_created,
    )


class _Rejected(Exception):
    """A row is bad: leave the writer's block so that everything written is rolled back."""


@dataclass
class _ImportRun:
    """What an import has seen so far: rows, errors, editions, flags."""

    csv_file: _CsvFile
    progress: ProgressCallback | None
    rows: int = 0
    stored: int = 0
    flagged: int = 0
    errors: list[RowError] = field(default_factory=list)
    edition_ids: dict[int, int] = field(default_factory=dict)
    editions_created: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # For the progress bars: the data lines, before blank and multi-line rows.
        self.expected = max(self.csv_file.physical_lines - 1, 0)

    def checked_chunks(self) -> Iterator[pd.DataFrame]:
        """Each chunk of the file, validated (its errors added to self.errors)."""
        for chunk, lines in _chunks(self.csv_file):
            cleaned, errors = validate_frame(chunk, lines=lines, required=IMPORT_REQUIRED)
            self.errors.extend(errors)
            self.rows += len(chunk)
            if self.progress is not None:
                self.progress("check", self.rows, max(self.expected, self.rows))
            yield cleaned

    def store_progress(self, rows: int) -> None:
        self.stored += rows
        if self.progress is not None:
            self.progress("store", self.stored, max(self.expected, self.stored))

    def add_editions(self, years: set[int]) -> None:
        ids, created = _editions(pd.Series(sorted(years)))
        self.edition_ids.update(ids)
        self.editions_created.extend(created)


def _editions(years: pd.Series) -> tuple[dict[int, int], list[int]]:
    """{year: edition id} for the years of the file, creating the missing editions closed.

    Also returns the years created. An edition created meanwhile by someone
    else is simply used (the conflict on the unique year is ignored).
    """
    wanted = sorted({int(year) for year in years.dropna().unique()})
    existing = set(Edition.objects.filter(year__in=wanted).values_list("year", flat=True))
    missing = [year for year in wanted if year not in existing]
    Edition.objects.bulk_create(
        [Edition(year=year, state=Edition.State.CLOSED) for year in missing],
        ignore_conflicts=True,
    )
    ids = dict(Edition.objects.filter(year__in=wanted).values_list("year", "id"))
    return ids, missing


def response_rows(
    clean: pd.DataFrame,
    *,
    edition_ids: dict[int, int],
    minimums: LegalMinimumTable | None = None,
    source: str = "import",
) -> pd.DataFrame:
    """The rows store_responses takes, from a cleaned frame: FTE figures, flags, state, keys.

    `minimums` is services.legal_minimum_table() (default: read now).
    """
    years = clean["edition"].astype("Int64")
    legal = minimums_in_force(
        clean["country"],
        years,
        regions=clean["region"],
        table=legal_minimum_table() if minimums is None else minimums,
    )
    total_fte, base_fte = fte.full_time_equivalents(
        clean["base_salary"], clean["variable_pay"], clean["work_time_share"]
    )
    bits = flags.flag_bits(
        status=clean["status"],
        country=clean["country"],
        total_fte=total_fte,
        day_rate=clean["day_rate"],
        legal_minimum=legal,
    )
    # As JSON text, which store_responses takes as is: one dump per combination.
    flag_texts = np.array([json.dumps(list(codes)) for codes in flags.COMBINATIONS], dtype=object)
    # Edition ids by position in a small index, rather than a Python call per row.
    known_years = pd.Index(list(edition_ids), dtype="int64")
    position = known_years.get_indexer(years.to_numpy(dtype=np.int64, na_value=-1))
    edition_id = pd.array(
        np.append(np.array(list(edition_ids.values()), dtype=np.int64), 0)[position],
        dtype="Int64",
    )
    edition_id[position < 0] = pd.NA
    fields: dict[str, Any] = {
        name: clean[name] for name in FIELD_ORDER if name not in MASK_COLUMNS and name != "edition"
    }
    return pd.DataFrame(
        {
            "edition_id": edition_id,
            # The day of the import: the file's answers carry no date of their own.
            "submitted_on": timezone.localdate(),
            # Each row its own key (privacy rule 3), drawn vectorized from the CSPRNG.
            "record_key": record_keys(len(clean)),
            "source": source,
            "state": np.where(
                bits != 0, SurveyResponse.State.FLAGGED.value, SurveyResponse.State.ACCEPTED.value
            ),
            "flags": flag_texts[bits],
            **fields,
            "missions_mask": clean["missions_mask"],
            "kpis_mask": clean["kpis_mask"],
            "total_fte": pd.Series(pd.array(total_fte, dtype="Int64"), index=clean.index),
            "base_fte": pd.Series(pd.array(base_fte, dtype="Int64"), index=clean.index),
        }
    )
