"""manage.py import_responses: every row or none, every bad row reported, figures normalized.

Run on SQLite (executemany) and on PostgreSQL (COPY) alike: set DATABASE_URL.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cmbench.db import copy_out
from surveys import importing
from surveys import vocabulary as vocab
from surveys.bulk import (
    RESPONSE_COLUMNS,
    RESPONSE_TABLE,
    complete_frame,
    record_keys,
    store_responses,
)
from surveys.models import RECORD_KEY_RANGE, Edition, SurveyResponse
from surveys.rules.legal_minimums import minimums_in_force
from surveys.services import legal_minimum_for, legal_minimum_table
from surveys.validation import FIELD_NAMES

pytestmark = pytest.mark.django_db

EMPLOYEE = {
    "edition": "2025",
    "status": "employee",
    "role": "community-manager",
    "job_title": "Community manager",
    "experience_years": "4",
    "education": "bac5",
    "employer_size": "medium",
    "employer_type": "brand",
    "country": "FR",
    "region": "FR-IDF",
    "work_time_share": "1",
    "base_salary": "30000",
    "variable_pay": "3000",
    "day_rate": "",
    "billed_days": "",
    "missions": "animation|content",
    "kpis": "engagement",
    "weekly_hours": "38",
    "remote_days": "2",
    "satisfaction": "4",
    "gender": "woman",
    "age_band": "25-34",
}
FREELANCER = {
    **EMPLOYEE,
    "status": "freelance",
    "employer_size": "",
    "employer_type": "",
    "base_salary": "",
    "variable_pay": "",
    "day_rate": "450",
    "billed_days": "150",
}


def write_csv(path: Path, rows: list[dict[str, str]], *, columns: list[str] | None = None) -> Path:
    columns = columns or list(FIELD_NAMES)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(path: Path, *options: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_responses", str(path), "--language", "en", *options, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def reported(error_output: str) -> list[tuple[int, str]]:
    """(line, field) of each "line N, field: reason" of the report."""
    return [
        (int(line), field)
        for line, field in re.findall(r"^line (\d+), (\w+): ", error_output, re.MULTILINE)
    ]


@pytest.fixture
def open_edition() -> Edition:
    return Edition.objects.create(year=2026, state=Edition.State.OPEN)


def test_it_imports_every_row_of_a_good_file_with_fte_figures_and_flags(
    tmp_path: Path, open_edition: Edition
) -> None:
    rows = [
        EMPLOYEE,  # line 2
        {**EMPLOYEE, "work_time_share": "0.8", "base_salary": "24000", "variable_pay": "1000"},
        {**EMPLOYEE, "work_time_share": "0,4", "base_salary": "15000", "variable_pay": "1"},
        {**EMPLOYEE, "base_salary": "18000", "variable_pay": ""},  # under the 2025 SMIC
        {**EMPLOYEE, "edition": "2024", "base_salary": "21500", "variable_pay": ""},
        {**EMPLOYEE, "status": "trainee", "base_salary": "9000", "variable_pay": ""},
        {**EMPLOYEE, "base_salary": "600000"},
        {**EMPLOYEE, "country": "CH", "region": "CH-GE", "base_salary": "12000"},
        {**FREELANCER, "edition": "2026"},
        {**FREELANCER, "day_rate": "100", "missions": " content | strategy ", "kpis": ""},
    ]
    out, _err = run_import(write_csv(tmp_path / "answers.csv", rows))

    assert "10 rows imported" in out
    stored = list(SurveyResponse.objects.order_by("id"))
    assert [r.source for r in stored] == ["import"] * 10
    assert [(r.total_fte, r.base_fte) for r in stored] == [
        (33_000, 30_000),
        (31_250, 30_000),  # 25,000 / 0.8; 24,000 / 0.8
        (37_503, 37_500),  # 15,001 / 0.4 = 37,502.5, half rounded up; 15,000 / 0.4
        (18_000, 18_000),
        (21_500, 21_500),
        (9_000, 9_000),
        (603_000, 600_000),
        (15_000, 12_000),
        (None, None),
        (None, None),
    ]
    assert [r.flags for r in stored] == [
        [],
        [],
        [],
        ["below_legal_minimum"],  # 18,000 < 21,622 (FR 2025)
        [],  # 21,500 >= 21,203, the 2024 minimum of its edition
        [],  # trainees are not held to the minimum
        ["salary_above_ceiling"],
        [],  # Switzerland has no national minimum
        [],
        ["day_rate_below_floor"],
    ]
    assert [r.state for r in stored] == [
        "accepted", "accepted", "accepted", "flagged", "accepted",
        "accepted", "flagged", "accepted", "accepted", "flagged",
    ]  # fmt: skip
    assert stored[0].missions == ["animation", "content"]
    assert stored[0].kpis == ["engagement"]
    assert stored[0].receipt_hash is None
    assert stored[9].missions == ["content", "strategy"]
    assert stored[9].kpis == []
    assert stored[8].day_rate == 450 and stored[8].billed_days == 150
    assert stored[8].employer_size == "" and stored[8].base_salary is None
    assert stored[8].edition == open_edition
    assert stored[1].work_time_share == 0.8
    # The day of the import, no time of day (privacy rule 10).
    assert {r.submitted_on for r in stored} == {timezone.localdate()}


def test_it_creates_the_missing_editions_closed(tmp_path: Path, open_edition: Edition) -> None:
    rows = [{**EMPLOYEE, "edition": "2023"}, {**EMPLOYEE, "edition": "2026"}]
    out, _err = run_import(write_csv(tmp_path / "answers.csv", rows))

    assert "Edition 2023 created (closed)." in out
    assert Edition.objects.get(year=2023).state == Edition.State.CLOSED
    open_edition.refresh_from_db()
    assert open_edition.state == Edition.State.OPEN
    assert SurveyResponse.objects.filter(edition__year=2023).count() == 1


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_one(tmp_path: Path) -> None:
    rows = [
        {**EMPLOYEE, "education": "bac7"},  # line 2: unknown code
        {**EMPLOYEE, "weekly_hours": "90"},  # 3: out of range
        {**EMPLOYEE, "region": "BE-WAL"},  # 4: region of another country
        {**FREELANCER, "base_salary": "30000"},  # 5: freelance with a salary
        {**EMPLOYEE, "role": ""},  # 6: a required value missing
        {**EMPLOYEE, "base_salary": "30k", "edition": "2031"},  # 7: not a number
        {**EMPLOYEE, "edition": "2032"},  # 8: good, but its edition must not be created
        {**EMPLOYEE, "missions": "content|content", "edition": ""},  # 9: two errors
    ]
    before = SurveyResponse.objects.count()
    editions_before = Edition.objects.count()

    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(write_csv(tmp_path / "bad.csv", rows))

    assert SurveyResponse.objects.count() == before
    assert Edition.objects.count() == editions_before


def test_the_report_gives_line_field_and_reason_of_every_bad_row(tmp_path: Path) -> None:
    rows = [
        {**EMPLOYEE, "education": "bac7"},
        {**EMPLOYEE, "weekly_hours": "90"},
        {**EMPLOYEE, "region": "BE-WAL"},
        {**FREELANCER, "base_salary": "30000"},
        {**EMPLOYEE, "role": ""},
        {**EMPLOYEE, "base_salary": "30k"},
        EMPLOYEE,
        {**EMPLOYEE, "missions": "content|content", "edition": ""},
    ]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            str(write_csv(tmp_path / "bad.csv", rows)),
            "--language",
            "en",
            stdout=io.StringIO(),
            stderr=err,
        )

    report = err.getvalue()
    assert reported(report) == [
        (2, "education"),
        (3, "weekly_hours"),
        (4, "region"),
        (5, "base_salary"),
        (6, "role"),
        (7, "base_salary"),
        (9, "edition"),
        (9, "missions"),
    ]
    assert (
        "line 2, education: “bac7” is not an allowed value; allowed values: secondary, " in report
    )
    assert "line 3, weekly_hours: Enter a value between 1 and 80." in report
    assert "line 4, region: The region BE-WAL is not in the country FR." in report
    assert (
        "line 5, base_salary: Freelancers give a day rate and billed days, not a salary." in report
    )
    assert "line 6, role: This field is required." in report
    assert "line 7, base_salary: Enter a whole number." in report
    assert "line 9, missions: The code “content” is repeated." in report


def test_the_report_counts_lines_as_an_editor_sees_them_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    write_csv(path, [{**EMPLOYEE, "job_title": "Community manager\nand moderator"}, EMPLOYEE])
    with path.open("a", newline="", encoding="utf-8") as handle:
        handle.write("\n")  # a blank line: skipped, but it is line 5
        csv.DictWriter(handle, fieldnames=FIELD_NAMES).writerow({**EMPLOYEE, "country": "XX"})

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses", str(path), "--language", "en", stdout=io.StringIO(), stderr=err
        )

    # Header 1, a row on lines 2-3, a row on line 4, blank line 5, the bad row on 6.
    assert reported(err.getvalue()) == [(6, "country")]


def test_a_dry_run_checks_every_row_and_writes_nothing(tmp_path: Path) -> None:
    rows = [EMPLOYEE, {**FREELANCER, "edition": "2030"}]
    out, _err = run_import(write_csv(tmp_path / "answers.csv", rows), "--dry-run")

    assert "2 rows checked, no error" in out
    assert SurveyResponse.objects.count() == 0
    assert not Edition.objects.exists()


def test_a_dry_run_reports_bad_rows_too(tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            str(write_csv(tmp_path / "bad.csv", [{**EMPLOYEE, "satisfaction": "six"}])),
            "--dry-run",
            "--language=en",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert reported(err.getvalue()) == [(2, "satisfaction")]


def test_it_refuses_unknown_and_missing_columns(tmp_path: Path) -> None:
    columns = [name for name in FIELD_NAMES if name != "kpis"] + ["salary"]
    path = write_csv(tmp_path / "answers.csv", [{**EMPLOYEE, "salary": "1"}], columns=columns)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses", str(path), "--language", "en", stdout=io.StringIO(), stderr=err
        )

    assert "line 1, salary: The survey has no such field." in err.getvalue()
    assert "line 1, kpis: This column is missing" in err.getvalue()
    assert SurveyResponse.objects.count() == 0


def test_it_requires_the_edition_of_each_row(tmp_path: Path, open_edition: Edition) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            str(write_csv(tmp_path / "a.csv", [{**EMPLOYEE, "edition": ""}])),
            "--language=en",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert reported(err.getvalue()) == [(2, "edition")]


def test_the_report_speaks_french_by_default(tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            str(write_csv(tmp_path / "a.csv", [{**EMPLOYEE, "base_salary": "30k"}])),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "Saisissez un nombre entier." in err.getvalue()


def test_an_unreadable_file_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(",".join(FIELD_NAMES).encode() + b"\n\xe9t\xe9\n")
    with pytest.raises(CommandError, match="UTF-8"):
        run_import(path)
    with pytest.raises(CommandError):
        run_import(tmp_path / "missing.csv")


def store_frame(edition: Edition, **overrides: Any) -> pd.DataFrame:
    """Two ready rows in the columns store_responses takes."""
    row: dict[str, Any] = {
        "edition_id": edition.pk,
        "submitted_on": timezone.localdate(),
        "record_key": 17,
        "source": "demo",
        "state": "accepted",
        "flags": [],
        "receipt_hash": None,
        "status": "employee",
        "role": "community-manager",
        "job_title": "",
        "experience_years": 3,
        "education": "bac3",
        "employer_size": "small",
        "employer_type": "agency",
        "country": "FR",
        "region": "FR-BRE",
        "work_time_share": 0.5,
        "base_salary": 15_000,
        "variable_pay": None,
        "day_rate": None,
        "billed_days": None,
        "missions_mask": vocab.mask_of(["moderation"], vocab.MISSIONS),
        "kpis_mask": 0,
        "weekly_hours": 20,
        "remote_days": 0,
        "satisfaction": 3,
        "gender": "",
        "age_band": "",
        "total_fte": 30_000,
        "base_fte": 30_000,
        "review_note": "",
        "reviewed_at": None,
        "reviewed_by_id": None,
    }
    row.update(overrides)
    second = {"job_title": "second", "flags": ["day_rate_below_floor"], "record_key": 255}
    return pd.DataFrame([row, {**row, **second}])


def test_store_responses_keeps_text_as_written_nulls_as_nulls(open_edition: Edition) -> None:
    title = 'Tab\there, back\\slash, new\nline, «quotes» "and" \\N'
    frame = store_frame(open_edition, job_title=title)
    assert list(frame.columns) == list(RESPONSE_COLUMNS)
    with transaction.atomic():
        assert store_responses(frame, chunk_size=1) == 2

    first, second = SurveyResponse.objects.order_by("id")
    assert first.job_title == title
    assert first.variable_pay is None and first.reviewed_at is None and first.receipt_hash is None
    assert first.base_salary == 15_000 and first.work_time_share == 0.5
    assert first.missions == ["moderation"]
    assert second.flags == ["day_rate_below_floor"]
    assert (first.record_key, second.record_key) == (17, 255)
    assert first.submitted_on == timezone.localdate()


def test_store_responses_refuses_naive_datetimes_and_unknown_columns(
    open_edition: Edition,
) -> None:
    with pytest.raises(ValueError, match="naive"):
        store_responses(store_frame(open_edition, reviewed_at=pd.Timestamp("2026-01-01")))
    with pytest.raises(ValueError, match="unknown columns"):
        store_responses(store_frame(open_edition).assign(salary=1))
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    "moment",
    [
        pd.Timestamp("2026-03-01T10:30"),
        pd.Timestamp("2026-03-01T00:00", tz="UTC"),
        timezone.now(),
    ],
)
def test_store_responses_takes_days_and_refuses_a_moment(
    open_edition: Edition, moment: Any
) -> None:
    # Privacy rule 10: a stored submission has no time of day.
    with pytest.raises(ValueError, match="submitted_on"):
        store_responses(store_frame(open_edition, submitted_on=moment))

    assert store_responses(store_frame(open_edition, submitted_on=pd.Timestamp("2026-03-01"))) == 2
    assert store_responses(store_frame(open_edition, submitted_on="2026-03-02")) == 2
    days = SurveyResponse.objects.order_by("id").values_list("submitted_on", flat=True)
    assert [day.isoformat() for day in days] == ["2026-03-01"] * 2 + ["2026-03-02"] * 2


@pytest.mark.parametrize("key", [-1, 256, None])
def test_store_responses_refuses_a_record_key_out_of_range(open_edition: Edition, key: Any) -> None:
    with pytest.raises(ValueError, match="record_key"):
        store_responses(store_frame(open_edition, record_key=key))
    assert SurveyResponse.objects.count() == 0


def test_store_responses_draws_a_record_key_per_row_when_the_frame_has_none(
    open_edition: Edition,
) -> None:
    frame = store_frame(open_edition).drop(columns=["record_key", "submitted_on"])
    frame = pd.concat([frame] * 300, ignore_index=True)

    assert store_responses(frame) == 600

    keys = list(SurveyResponse.objects.values_list("record_key", flat=True))
    assert min(keys) >= 0 and max(keys) < RECORD_KEY_RANGE
    # 600 uniform draws of 256 leave about 25 keys unseen; under 200 seen is a shared key.
    assert len(set(keys)) > 200
    assert set(SurveyResponse.objects.values_list("submitted_on", flat=True)) == {
        timezone.localdate()
    }


def test_record_keys_come_from_a_fresh_generator_unless_one_is_given() -> None:
    first, second = record_keys(64), record_keys(64)
    seeded = record_keys(64, rng=np.random.default_rng(5))

    assert not np.array_equal(first, second)
    assert np.array_equal(seeded, record_keys(64, rng=np.random.default_rng(5)))
    assert seeded.min() >= 0 and seeded.max() < RECORD_KEY_RANGE


def test_each_imported_row_gets_its_own_record_key(tmp_path: Path) -> None:
    out, _err = run_import(write_csv(tmp_path / "answers.csv", [EMPLOYEE] * 40))

    assert "40 rows imported" in out
    keys = list(SurveyResponse.objects.values_list("record_key", flat=True))
    assert len(keys) == 40
    assert all(0 <= key < RECORD_KEY_RANGE for key in keys)
    # 40 draws of 256: the chance that they share one value is 256 ** -39.
    assert len(set(keys)) > 1


def test_rows_stored_before_a_bad_chunk_are_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 2 rows: the first three are stored (and edition 2033 created
    # between them) before the bad row of the fourth is seen.
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    rows = [EMPLOYEE] * 4 + [{**EMPLOYEE, "edition": "2033"}] * 2 + [{**EMPLOYEE, "gender": "x"}]
    with pytest.raises(CommandError) as error:
        run_import(write_csv(tmp_path / "answers.csv", rows))

    assert "1 bad line(s)" in str(error.value)
    assert SurveyResponse.objects.count() == 0
    assert not Edition.objects.exists()


def test_an_import_in_chunks_creates_each_edition_when_it_meets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    rows = [EMPLOYEE] * 3 + [{**EMPLOYEE, "edition": "2033"}] * 2 + [FREELANCER]
    out, _err = run_import(write_csv(tmp_path / "answers.csv", rows))

    assert "6 rows imported" in out
    assert "Edition 2025 created (closed)." in out and "Edition 2033 created (closed)." in out
    assert dict(SurveyResponse.objects.values_list("edition__year").annotate(n=Count("id"))) == {
        2025: 4,
        2033: 2,
    }


def test_a_file_with_a_header_only_imports_nothing(tmp_path: Path) -> None:
    out, _err = run_import(write_csv(tmp_path / "empty.csv", []))
    assert "0 rows imported" in out


def test_the_legal_minimum_of_each_row_is_the_one_services_would_find() -> None:
    rows = [
        ("FR", "FR-IDF", 2023),
        ("FR", "FR-BRE", 2024),
        ("FR", "FR-IDF", 2025),
        ("FR", "FR-OCC", 2027),
        ("CH", "CH-GE", 2025),
        ("CA", "CA-ON", 2026),
        ("CA", "CA-AB", 2026),
    ]
    found = minimums_in_force(
        pd.Series([country for country, _region, _year in rows]),
        pd.Series([year for _country, _region, year in rows]),
        regions=pd.Series([region for _country, region, _year in rows]),
        table=legal_minimum_table(),
    )

    expected = [legal_minimum_for(c, year, region=region) for c, region, year in rows]
    # Canada by province: 17.60 and 15.00 $/h × 2,080 h.
    assert expected == [None, 21_203, 21_622, 21_876, None, 36_608, 31_200]
    assert [None if pd.isna(value) else int(value) for value in found] == expected


def test_store_responses_names_every_column_of_the_table_but_the_key() -> None:
    # A column added to SurveyResponse must be added to the bulk path too.
    columns = {field.column for field in SurveyResponse._meta.concrete_fields}
    assert set(RESPONSE_COLUMNS) == columns - {"id"}


def test_the_response_table_takes_the_type_and_nullability_of_each_field() -> None:
    columns = {column.name: (column.kind, column.null) for column in RESPONSE_TABLE.columns}

    assert columns["edition_id"] == ("int", False)  # a foreign key: its target's integer
    assert columns["submitted_on"] == ("date", False)
    assert columns["flags"] == ("json", False)
    assert columns["work_time_share"] == ("float", False)
    assert columns["receipt_hash"] == ("text", True)
    assert columns["base_salary"] == ("int", True)
    assert columns["reviewed_at"] == ("datetime", True)
    assert columns["reviewed_by_id"] == ("int", True)


def test_copy_text_escapes_text_writes_nulls_and_fills_empty_text_and_flags(
    open_edition: Edition,
) -> None:
    frame = complete_frame(
        store_frame(open_edition, job_title="a\tb\\c\nd", flags=None, gender=None)
    )

    line = RESPONSE_TABLE.copy_text(frame.head(1)).decode()

    assert line.endswith("\n") and line.count("\n") == 1
    cells = dict(zip(RESPONSE_COLUMNS, line[:-1].split("\t"), strict=True))
    # COPY's text format: backslash, tab and newline escaped; \N is NULL.
    assert cells["job_title"] == "a\\tb\\\\c\\nd"
    assert cells["variable_pay"] == cells["receipt_hash"] == cells["reviewed_at"] == "\\N"
    # Where NULL is not allowed, an empty text is "" and empty flags are [].
    assert (cells["gender"], cells["flags"], cells["review_note"]) == ("", "[]", "")
    assert (cells["work_time_share"], cells["base_salary"]) == ("0.5", "15000")
    assert cells["submitted_on"] == timezone.localdate().isoformat()


def test_store_responses_refuses_an_empty_figure_where_the_column_takes_no_null(
    open_edition: Edition,
) -> None:
    with pytest.raises(ValueError, match="experience_years"):
        store_responses(store_frame(open_edition, experience_years=None))
    assert SurveyResponse.objects.count() == 0


@pytest.mark.postgres
def test_copy_out_reads_the_rows_of_a_query_with_its_parameters_as_csv(
    open_edition: Edition, postgres: None
) -> None:
    store_responses(store_frame(open_edition))

    table = SurveyResponse._meta.db_table
    out = copy_out(
        f"SELECT job_title, variable_pay, base_salary FROM {table} WHERE record_key > %s "
        "ORDER BY id",
        [100],
    )

    # The second row only (record key 255); in CSV an empty field is NULL.
    frame = pd.read_csv(out, names=["job_title", "variable_pay", "base_salary"])
    assert frame["job_title"].tolist() == ["second"]
    assert frame["variable_pay"].isna().all()
    assert frame["base_salary"].tolist() == [15_000]
