"""How fast `manage.py import_responses` stores a 100,000-row CSV, against a bare COPY.

The baseline is the floor PostgreSQL sets: COPY of the same rows, already in
COPY's text format, into the same table with the same indexes. The import does
everything else on top: read the CSV, validate every cell, normalize, flag,
convert, and COPY. Target: at least 20,000 rows/s end to end.

Also printed: the dry run (read and validate only), store_responses alone with
its text buffer against psycopg's write_row (the choice made in
cmbench/db.py), and the peak memory of the command in a fresh process.

    python bench/import_responses.py [--rows 100000] [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Measurement,
    best_times,
    command_peak_memory_mb,
    print_table,
    setup_django,
    temporary_database,
)

TITLES = [
    "Community manager",
    "Social media manager",
    "Chargée de communication digitale",
    "Community manager, junior",  # a comma: the CSV quotes this cell
    "",
]
# Median salaries and day rates by country, in its currency: the shape, not the truth.
SALARY_MEDIAN = {"FR": 36_000, "BE": 40_000, "CH": 85_000, "LU": 52_000, "CA": 58_000}
DAY_RATE_MEDIAN = {"FR": 380, "BE": 420, "CH": 850, "LU": 520, "CA": 520}
PIECE = 1 << 20  # bytes per write of the bare COPY


def generate_csv(path: Path, *, rows: int, seed: int) -> None:
    """Write `rows` valid answers (about 3% of them flagged) as the import's CSV."""
    import numpy as np
    import pandas as pd

    from surveys import vocabulary as vocab
    from surveys.validation import FIELD_NAMES

    rng = np.random.default_rng(seed)

    def pick(values: list[str] | tuple[str, ...], p: list[float] | None = None) -> np.ndarray:
        return rng.choice(np.array(values, dtype=object), size=rows, p=p)

    def blank_unless(keep: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(keep, values.astype(str).astype(object), "")

    def code_lists(vocabulary: vocab.Vocabulary, probability: float) -> np.ndarray:
        bits = rng.random((rows, len(vocabulary))) < probability
        masks = bits @ (1 << np.arange(len(vocabulary)))
        texts = {m: "|".join(vocab.codes_of(int(m), vocabulary)) for m in np.unique(masks)}
        return pd.Series(masks).map(texts).to_numpy(dtype=object)

    status = pick(["employee", "freelance", "trainee"], p=[0.7, 0.22, 0.08])
    salaried = status != "freelance"
    country = pick(["FR", "BE", "CH", "LU", "CA"], p=[0.7, 0.1, 0.08, 0.04, 0.08])
    region = np.empty(rows, dtype=object)
    for code, regions in vocab.REGIONS_BY_COUNTRY.items():
        where = country == code
        region[where] = rng.choice(np.array(regions.codes, dtype=object), size=where.sum())
    salary_median = pd.Series(country).map(SALARY_MEDIAN).to_numpy(dtype=float)
    rate_median = pd.Series(country).map(DAY_RATE_MEDIAN).to_numpy(dtype=float)
    trainee_factor = np.where(status == "trainee", 0.45, 1.0)
    base_salary = np.round(salary_median * trainee_factor * rng.lognormal(0, 0.28, rows))
    variable_pay = np.round(base_salary * rng.uniform(0.02, 0.15, rows))
    day_rate = np.round(rate_median * rng.lognormal(0, 0.35, rows))
    columns = {
        "edition": pick(["2024", "2025", "2026"]),
        "status": status,
        "role": pick(vocab.ROLE.codes),
        "job_title": pick(TITLES),
        "experience_years": rng.integers(0, 26, rows).astype(str).astype(object),
        "education": pick(vocab.EDUCATION.codes),
        "employer_size": np.where(salaried, pick(vocab.EMPLOYER_SIZE.codes), ""),
        "employer_type": np.where(salaried, pick(vocab.EMPLOYER_TYPE.codes), ""),
        "country": country,
        "region": region,
        "work_time_share": pick(["1", "1", "1", "0.8", "0.9", "0,5"]),
        "base_salary": blank_unless(salaried, base_salary.astype(np.int64)),
        "variable_pay": blank_unless(
            salaried & (rng.random(rows) < 0.3), variable_pay.astype(np.int64)
        ),
        "day_rate": blank_unless(~salaried, day_rate.astype(np.int64)),
        "billed_days": blank_unless(~salaried, rng.integers(60, 231, rows)),
        "missions": code_lists(vocab.MISSIONS, 0.35),
        "kpis": code_lists(vocab.KPIS, 0.3),
        "weekly_hours": rng.integers(20, 61, rows).astype(str).astype(object),
        "remote_days": rng.integers(0, 6, rows).astype(str).astype(object),
        "satisfaction": rng.integers(1, 6, rows).astype(str).astype(object),
        "gender": pick(["", *vocab.GENDER.codes]),
        "age_band": pick(["", *vocab.AGE_BAND.codes]),
    }
    pd.DataFrame({name: columns[name] for name in FIELD_NAMES}).to_csv(path, index=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    setup_django()

    import pandas as pd
    from django.core.management import call_command
    from django.db import connection, transaction
    from psycopg.copy import QueuedLibpqWriter

    from surveys.bulk import RESPONSE_TABLE, complete_frame, store_responses
    from surveys.importing import _chunks, _editions, _read_header, response_rows, validate_frame
    from surveys.models import SurveyResponse

    table = SurveyResponse._meta.db_table
    with tempfile.TemporaryDirectory() as directory, temporary_database() as database_url:
        csv_path = Path(directory) / "answers.csv"
        generate_csv(csv_path, rows=options.rows, seed=options.seed)
        size_mb = csv_path.stat().st_size / 2**20
        print(f"{options.rows:,} rows, {size_mb:.1f} MiB of CSV, best of {options.repeat} runs")

        def empty_table() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")

        def run_import() -> None:
            call_command(
                "import_responses", str(csv_path), stdout=io.StringIO(), stderr=io.StringIO()
            )

        def run_dry() -> None:
            call_command(
                "import_responses",
                str(csv_path),
                "--dry-run",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )

        # The rows as the import hands them to store_responses, prepared untimed.
        cleaned = [
            validate_frame(chunk, lines=lines)[0]
            for chunk, lines in _chunks(_read_header(csv_path))
        ]
        clean = pd.concat(cleaned, ignore_index=True)
        rows = complete_frame(response_rows(clean, edition_ids=_editions(clean["edition"])[0]))
        payload = RESPONSE_TABLE.copy_text(rows)

        def run_store() -> None:
            with transaction.atomic():
                store_responses(rows)

        def run_write_row() -> None:
            # The same queued writer as store_responses: only the formatting differs.
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(statement, writer=QueuedLibpqWriter(cursor.cursor)) as copy,
            ):
                for row in RESPONSE_TABLE.python_rows(rows):
                    copy.write_row(row)

        def run_bare_copy() -> None:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.copy(statement) as copy,
            ):
                view = memoryview(payload)
                for start in range(0, len(view), PIECE):
                    copy.write(view[start : start + PIECE])

        statement = RESPONSE_TABLE.copy_statement()
        seconds = best_times(
            {
                "import": (run_import, empty_table),
                "dry run": (run_dry, None),
                "store": (run_store, empty_table),
                "write_row": (run_write_row, empty_table),
                "bare": (run_bare_copy, empty_table),
            },
            repeat=options.repeat,
        )
        empty_table()
        run_import()  # once more, to check what it stored
        assert SurveyResponse.objects.count() == options.rows

        # The command in a fresh interpreter, for its peak memory.
        empty_table()
        peak = command_peak_memory_mb("import_responses", str(csv_path), database_url=database_url)

    n = options.rows
    baseline = Measurement("bare COPY", seconds["bare"], n)
    print_table(
        "import_responses into PostgreSQL",
        [
            Measurement("import_responses (read, validate, store)", seconds["import"], n),
            Measurement("import_responses --dry-run (read, validate)", seconds["dry run"], n),
            Measurement("store_responses, text buffer (cmbench/db.py)", seconds["store"], n),
            Measurement("store_responses with psycopg write_row", seconds["write_row"], n),
        ],
        baseline=baseline,
    )
    imported = seconds["import"]
    print(
        f"\nimport: {n / imported:,.0f} rows/s (target 20,000); ours / bare COPY = "
        f"{seconds['bare'] / imported:.2f}; peak memory of the command: {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
