"""Importing answers from a CSV file: the rules of `surveys.validation`, applied to whole columns.

`validate_frame` is `validate_answers` vectorized: the same FIELDS, MESSAGES and
cross-field rules, each applied to a column at once with pandas instead of to
one answer at a time (tests/surveys/test_validation_agreement.py holds the two
in agreement). `responses_import` reads a file, validates every row, and stores
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

from surveys import vocabulary as vocab
from surveys.bulk import ResponseWriter, record_keys
from surveys.models import Edition, LegalMinimum, SurveyResponse
from surveys.validation import (
    _INTEGER,
    _NUMBER,
    DAY_RATE_CEILING,
    DAY_RATE_FLOOR,
    FIELDS,
    FIELDS_BY_NAME,
    FLAG_BELOW_LEGAL_MINIMUM,
    FLAG_DAY_RATE_ABOVE_CEILING,
    FLAG_DAY_RATE_BELOW_FLOOR,
    FLAG_SALARY_ABOVE_CEILING,
    FREELANCE_FORBIDDEN,
    FREELANCE_NO_EMPLOYER,
    FREELANCE_REQUIRED,
    MAX_INTEGER_DIGITS,
    MESSAGES,
    SALARIED_FORBIDDEN,
    SALARIED_REQUIRED,
    SALARY_CEILING,
    UNSTORABLE,
    Field,
    _allowed,
    _fmt,
    quoted,
)

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

    def in_error(self, name: str) -> np.ndarray:
        return self.by_field.get(name, np.zeros(self.size, dtype=bool))

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

# What a cleaner finds wrong: (mask over the values it was given, message: one
# for all, or one per value).
Problems = list[tuple[np.ndarray, str | np.ndarray]]


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


def _range_message(field: Field) -> str:
    return str(MESSAGES["range"] % {"min": _fmt(field.min), "max": _fmt(field.max)})


def _out_of_range(field: Field, numbers: np.ndarray) -> np.ndarray:
    out = np.zeros(len(numbers), dtype=bool)
    if field.min is not None:
        out |= numbers < field.min
    if field.max is not None:
        out |= numbers > field.max
    return out


# The cleaners below take the distinct cells of a column (`raw`), the same with
# str.strip() applied, as validation.is_blank and its cleaners do (`stripped`),
# and which are blank; they return the cleaned values and the problems, both
# per distinct cell. validate_frame spreads them over the rows.


def _clean_ints(
    field: Field, raw: pd.Series, stripped: pd.Series, blank: np.ndarray
) -> tuple[Any, Problems]:
    """validation._clean_int: `[+-]digits` once narrow spaces are removed, within bounds."""
    text = stripped.str.replace("\u202f", "", regex=False)
    matched = text.str.match(_INTEGER).to_numpy(dtype=bool) & ~blank
    # Past MAX_INTEGER_DIGITS characters, out of range without asking int().
    huge = matched & (text.str.len() > MAX_INTEGER_DIGITS).to_numpy(dtype=bool)
    numbers = np.zeros(len(raw), dtype=np.int64)
    numbers[huge] = 2**62
    convert = matched & ~huge
    digits = text.to_numpy(dtype=object)[convert]
    try:
        # int() of each string, in C: the digits int() accepts, Unicode ones included.
        numbers[convert] = digits.astype(np.int64)
    except OverflowError:
        # Beyond 64 bits a figure is out of every range: clamp it so the range check says so.
        numbers[convert] = [max(min(int(item), 2**62), -(2**62)) for item in digits]
    out = matched & _out_of_range(field, numbers)
    good = matched & ~out
    clean = pd.array(np.where(good, numbers, 0), dtype="Int64")
    clean[~good] = pd.NA
    return clean, [
        (~blank & ~matched, str(MESSAGES["integer"])),
        (out, _range_message(field)),
    ]


def _clean_floats(
    field: Field, raw: pd.Series, stripped: pd.Series, blank: np.ndarray
) -> tuple[Any, Problems]:
    """validation._clean_float: a decimal with . or , within bounds."""
    matched = stripped.str.match(_NUMBER).to_numpy(dtype=bool) & ~blank
    numbers = np.full(len(raw), np.nan)
    # float() of each string, in C (a huge digit string gives inf: refused below, as there).
    numbers[matched] = (
        stripped.str.replace(",", ".", regex=False).to_numpy(dtype=object)[matched].astype(float)
    )
    bad = ~blank & ~(matched & np.isfinite(numbers))
    out = ~blank & ~bad & _out_of_range(field, numbers)
    numbers[bad | out | blank] = np.nan
    return numbers, [(bad, str(MESSAGES["number"])), (out, _range_message(field))]


def _choice_messages(vocabulary: vocab.Vocabulary, values: np.ndarray) -> np.ndarray:
    template = str(MESSAGES["choice"])
    allowed = _allowed(vocabulary)
    return np.array(
        [template % {"value": quoted(value), "allowed": allowed} for value in values],
        dtype=object,
    )


def _clean_code(
    field: Field, raw: pd.Series, stripped: pd.Series, blank: np.ndarray
) -> tuple[Any, Problems]:
    """validation._clean_code: a code of the field's vocabulary, spaces stripped."""
    assert field.vocabulary is not None
    known = stripped.isin(field.vocabulary.codes).to_numpy(dtype=bool)
    bad = ~blank & ~known
    # The message quotes the value as given, spaces included, as the per-answer check does.
    messages = np.full(len(raw), None, dtype=object)
    messages[bad] = _choice_messages(field.vocabulary, raw.to_numpy(dtype=object)[bad])
    return np.where(known, stripped.to_numpy(dtype=object), ""), [(bad, messages)]


def _clean_codes(
    field: Field, raw: pd.Series, stripped: pd.Series, blank: np.ndarray
) -> tuple[Any, Problems]:
    """validation._clean_codes: `|`-separated codes, none unknown or repeated, as a bit mask.

    Each cell is split into items, blank items dropped; as in the per-answer
    check, the first bad item of a cell, in order, is the one reported.
    """
    assert field.vocabulary is not None
    items = raw.str.split("|").explode()
    owner = items.index.to_numpy()
    item_raw = items.to_numpy(dtype=object)
    codes = items.str.strip()
    kept = (codes != "").to_numpy(dtype=bool)
    owner, item_raw, codes = owner[kept], item_raw[kept], codes[kept].to_numpy(dtype=object)
    known = pd.Series(codes).isin(field.vocabulary.codes).to_numpy(dtype=bool)
    repeated = pd.DataFrame({"owner": owner, "code": codes}).duplicated().to_numpy()
    problem = ~known | repeated
    messages = np.full(len(raw), None, dtype=object)
    if problem.any():
        first = pd.Series(np.flatnonzero(problem)).groupby(owner[problem]).first()
        for owner_id, position in first.items():
            if not known[position]:
                # An object array: a numpy str array would drop trailing NULs ("a\x00" -> "a").
                item = np.array([item_raw[position]], dtype=object)
                message = _choice_messages(field.vocabulary, item)[0]
            else:
                message = str(MESSAGES["repeated"] % {"value": quoted(codes[position])})
            messages[owner_id] = message
    bad = pd.notna(messages) & ~blank
    bits = {code: 1 << bit for bit, code in enumerate(field.vocabulary.codes)}
    weights = np.array([bits.get(code, 0) for code in codes], dtype=np.int64)
    masks = np.bincount(owner, weights=weights, minlength=len(raw)).astype(np.int64)
    masks[bad | blank] = 0
    return masks, [(bad, messages)]


def _clean_text(
    field: Field, raw: pd.Series, stripped: pd.Series, blank: np.ndarray
) -> tuple[Any, Problems]:
    """validation._clean_text: stripped, storable (no NUL, no lone surrogate), not too long."""
    text = stripped.to_numpy(dtype=object)
    unstorable = stripped.str.contains(UNSTORABLE).to_numpy(dtype=bool)
    problems: Problems = [(unstorable, str(MESSAGES["characters"]))]
    long = np.zeros(len(raw), dtype=bool)
    if field.max_length is not None:
        long = (stripped.str.len() > field.max_length).to_numpy(dtype=bool) & ~unstorable
        problems.append((long, str(MESSAGES["too_long"] % {"max": field.max_length})))
    return np.where(long | unstorable, "", text), problems


_CLEANERS: dict[str, Callable[[Field, pd.Series, pd.Series, np.ndarray], tuple[Any, Problems]]] = {
    "int": _clean_ints,
    "float": _clean_floats,
    "code": _clean_code,
    "codes": _clean_codes,
    "text": _clean_text,
}


def _clean_column(spec: Field, cells: np.ndarray, *, required: bool, errors: _Errors) -> pd.Series:
    """One field over all rows: rules applied once per distinct cell, then spread over rows.

    A column repeats a few codes and figures, so the string work is done on
    those (hundreds of cells, or tens of thousands for salaries) and every row
    takes its cell's result by index.
    """
    rows, distinct = pd.factorize(cells)
    # Cells read from CSV are str; anything else is taken as its text.
    raw = pd.Series([v if isinstance(v, str) else str(v) for v in distinct], dtype=object)
    stripped = raw.str.strip()
    blank = (stripped == "").to_numpy(dtype=bool)
    if required:
        errors.add(spec.name, 0, blank[rows], str(MESSAGES["required"]))
    clean, problems = _CLEANERS[spec.kind](spec, raw, stripped, blank)
    for mask, message in problems:
        if mask.any():
            errors.add(
                spec.name, 0, mask[rows], message if isinstance(message, str) else message[rows]
            )
    if spec.kind == "code":
        assert spec.vocabulary is not None
        categories = pd.CategoricalDtype(["", *spec.vocabulary.codes])
        return pd.Series(pd.Categorical(clean[rows], dtype=categories))
    if spec.kind == "int":
        return pd.Series(clean.take(rows))
    return pd.Series(clean[rows])


def _is_blank(name: str, clean: pd.DataFrame) -> np.ndarray:
    """validation.is_blank of the cleaned value: None, "" or an empty list (mask 0)."""
    kind = FIELDS_BY_NAME[name].kind
    if kind == "codes":
        return (clean[MASK_COLUMNS[name]] == 0).to_numpy(dtype=bool)
    if kind in ("code", "text"):
        return (clean[name].astype("str") == "").to_numpy(dtype=bool)
    return clean[name].isna().to_numpy(dtype=bool)


def _cross_field(clean: pd.DataFrame, errors: _Errors) -> None:
    """validation.cross_field_errors on whole columns (fields already in error skipped alike)."""
    country = clean["country"].astype("str").to_numpy(dtype=object)
    region = clean["region"].astype("str").to_numpy(dtype=object)
    status = clean["status"].astype("str").to_numpy(dtype=object)
    region_country = pd.Series(region).map(vocab.COUNTRY_OF_REGION).to_numpy(dtype=object)
    wrong_country = (country != "") & (region != "") & (region_country != country)
    if wrong_country.any():
        template = str(MESSAGES["region_of_country"])
        messages = np.empty(len(region), dtype=object)
        messages[wrong_country] = [
            template % {"region": r, "country": c}
            for r, c in zip(region[wrong_country], country[wrong_country], strict=True)
        ]
        errors.add("region", 1, wrong_country, messages)
    freelance = status == "freelance"
    salaried = (status == "employee") | (status == "trainee")
    required = str(MESSAGES["required"])
    # Snapshot of the field-level errors: a cross-field rule never sees another's.
    in_error = {name: errors.in_error(name).copy() for name in FIELD_ORDER}
    rules = (
        (freelance, FREELANCE_REQUIRED, True, required),
        (freelance, FREELANCE_FORBIDDEN, False, str(MESSAGES["freelance_no_salary"])),
        (freelance, FREELANCE_NO_EMPLOYER, False, str(MESSAGES["freelance_no_employer"])),
        (salaried, SALARIED_REQUIRED, True, required),
        (salaried, SALARIED_FORBIDDEN, False, str(MESSAGES["salaried_no_day_rate"])),
    )
    for applies, names, when_blank, message in rules:
        for name in names:
            blank = _is_blank(name, clean)
            if when_blank:
                errors.add(name, 1, applies & blank & ~in_error[name], message)
            else:
                errors.add(name, 1, applies & ~blank, message)


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
    clean: dict[str, pd.Series] = {}
    for spec in FIELDS:
        cells = _cells(frame, spec.name)
        clean[MASK_COLUMNS.get(spec.name, spec.name)] = _clean_column(
            spec, cells, required=spec.required or spec.name in required, errors=errors
        )
    cleaned = pd.DataFrame(clean)
    _cross_field(cleaned, errors)
    return cleaned, errors.row_errors(line_numbers)


# ---------------------------------------------------------------------------
# Normalization and stage-1 flags, on whole columns.


def full_time_equivalents_frame(clean: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """validation.full_time_equivalents on columns: (total, base) gross annual FTE, Int64.

    total = (base + variable) / work_time_share and base / work_time_share,
    whole units, half rounded up; empty where there is no base salary.
    """
    base = clean["base_salary"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    variable = clean["variable_pay"].astype("Float64").to_numpy(dtype=float, na_value=0.0)
    share = clean["work_time_share"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        total = np.floor((base + variable) / share + 0.5)
        base_fte = np.floor(base / share + 0.5)
    return (
        pd.Series(pd.array(total, dtype="Int64"), index=clean.index),
        pd.Series(pd.array(base_fte, dtype="Int64"), index=clean.index),
    )


LegalMinimumTable = dict[str, list[tuple[int, int]]]


def legal_minimum_table() -> LegalMinimumTable:
    """Every legal minimum, {country: [(year, gross per year full time)]}: a few dozen rows."""
    table: LegalMinimumTable = {}
    rows = LegalMinimum.objects.values_list("country", "year", "annual_gross")
    for country, year, annual_gross in rows:
        table.setdefault(country, []).append((year, annual_gross))
    return table


def legal_minimums(
    countries: pd.Series, years: pd.Series, *, table: LegalMinimumTable | None = None
) -> np.ndarray:
    """surveys.services.legal_minimum_for per row, as floats (NaN where there is none).

    One lookup per distinct (country, year) pair, in `table` (default: read
    now): the latest minimum of that year or before.
    """
    table = legal_minimum_table() if table is None else table
    country_index, country_codes = pd.factorize(countries.astype("str"))
    year_values = years.astype("Int64").to_numpy(dtype=np.int64, na_value=-1)
    known = (country_index >= 0) & (year_values >= 0)
    # One integer per (country, year) pair; -1 where either is missing.
    pairs = np.where(known, country_index.astype(np.int64) * 10_000 + year_values, -1)
    distinct, row_pair = np.unique(pairs, return_inverse=True)
    minimums = np.full(len(distinct), np.nan)
    for position, pair in enumerate(distinct.tolist()):
        if pair < 0:
            continue
        country, year = country_codes[pair // 10_000], pair % 10_000
        earlier = [row for row in table.get(country, []) if row[0] <= year]
        if earlier:
            minimums[position] = max(earlier)[1]
    return minimums[row_pair]


def sanity_flags_frame(clean: pd.DataFrame, *, legal_minimum: np.ndarray) -> pd.Series:
    """validation.sanity_flags on columns: each row's list of stage-1 flag codes.

    `legal_minimum` is the per-row minimum (NaN where the country has none).
    Rows with the same flags share one list: do not mutate them.
    """
    total_fte, _base_fte = full_time_equivalents_frame(clean)
    combination, lists = _flag_combinations(clean, legal_minimum=legal_minimum, total_fte=total_fte)
    table = np.empty(len(lists), dtype=object)
    for index, flags in enumerate(lists):
        table[index] = flags
    return pd.Series(table[combination], index=clean.index)


def _flag_combinations(
    clean: pd.DataFrame, *, legal_minimum: np.ndarray, total_fte: pd.Series
) -> tuple[np.ndarray, list[list[str]]]:
    """(each row's combination of flags, as an index; the list of flags of each index)."""
    total_values = total_fte.to_numpy(dtype=float, na_value=np.nan)
    has_total = ~np.isnan(total_values)
    employee = (clean["status"].astype("str") == "employee").to_numpy(dtype=bool)
    minimum = np.nan_to_num(legal_minimum, nan=0.0)
    below = employee & (minimum > 0) & has_total & (total_values < minimum)
    above = has_total & (total_values > SALARY_CEILING)
    day_rate = clean["day_rate"].to_numpy(dtype=float, na_value=np.nan)
    under_floor = day_rate < DAY_RATE_FLOOR
    over_ceiling = ~under_floor & (day_rate > DAY_RATE_CEILING)
    # In the order sanity_flags appends them: bit i is flag i.
    conditions = (
        (below, FLAG_BELOW_LEGAL_MINIMUM),
        (above, FLAG_SALARY_ABOVE_CEILING),
        (under_floor, FLAG_DAY_RATE_BELOW_FLOOR),
        (over_ceiling, FLAG_DAY_RATE_ABOVE_CEILING),
    )
    combination = np.zeros(len(clean), dtype=np.int64)
    for bit, (mask, _flag) in enumerate(conditions):
        combination |= mask.astype(np.int64) << bit
    lists = [
        [flag for bit, (_mask, flag) in enumerate(conditions) if value >> bit & 1]
        for value in range(1 << len(conditions))
    ]
    return combination, lists


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

    `minimums` is legal_minimum_table() (default: read now).
    """
    years = clean["edition"].astype("Int64")
    legal = legal_minimums(clean["country"], years, table=minimums)
    total_fte, base_fte = full_time_equivalents_frame(clean)
    combination, lists = _flag_combinations(clean, legal_minimum=legal, total_fte=total_fte)
    # As JSON text, which store_responses takes as is: one dump per combination.
    flags = np.array([json.dumps(flags) for flags in lists], dtype=object)[combination]
    flagged = combination != 0
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
                flagged, SurveyResponse.State.FLAGGED.value, SurveyResponse.State.ACCEPTED.value
            ),
            "flags": flags,
            **fields,
            "missions_mask": clean["missions_mask"],
            "kpis_mask": clean["kpis_mask"],
            "total_fte": total_fte,
            "base_fte": base_fte,
        }
    )
