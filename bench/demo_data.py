"""How fast `manage.py generate_demo_data` draws and stores 1,000,000 answers, against a bare COPY.

The baseline is the floor PostgreSQL sets: COPY of the same rows, already in
COPY's text format, into the same table with the same indexes. The command
does everything else on top: draw the answers with numpy (surveys/demo.py),
compute their full-time equivalents and flags, convert them to COPY text
(cmbench/db.py) and send them, in one transaction. Target: at most 90 s for
1,000,000 rows on a 2-core machine.

Also printed: the drawing alone (demo_frame) and store_responses alone, so the
overhead over the bare COPY splits into generation and conversion.

    python bench/demo_data.py [--rows 1000000] [--repeat 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import io
import sys
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

EDITIONS = (2024, 2025, 2026)
PIECE = 1 << 20  # bytes per write of the bare COPY
CHUNK = 50_000  # rows converted to COPY text at a time, as store_responses does


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    setup_django()

    from django.core.management import call_command
    from django.db import connection, transaction

    from surveys.bulk import RESPONSE_TABLE, complete_frame, store_responses
    from surveys.demo import demo_frame
    from surveys.models import Edition, SurveyResponse

    n = options.rows
    editions = ",".join(map(str, EDITIONS))
    table = SurveyResponse._meta.db_table
    print(f"{n:,} demo answers over editions {editions}, best of {options.repeat} run(s)")
    with temporary_database() as database_url:

        def empty_table() -> None:
            # A checkpoint too, so that no run pays for the WAL of the run before it
            # (a million rows and their indexes write about a gigabyte).
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
                cursor.execute("CHECKPOINT")

        def run_command(responses: int = n) -> None:
            call_command(
                "generate_demo_data",
                responses=responses,
                seed=options.seed,
                editions=editions,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )

        # The same rows as the command hands them to store_responses, prepared untimed
        # (no answer: the command only creates the editions here).
        run_command(0)
        ids = dict(Edition.objects.values_list("year", "pk"))
        frame = demo_frame(responses=n, seed=options.seed, editions=EDITIONS)
        frame.insert(0, "edition_id", frame.pop("edition").map(ids))
        complete = complete_frame(frame)
        payload = b"".join(
            RESPONSE_TABLE.copy_text(complete.iloc[start : start + CHUNK])
            for start in range(0, n, CHUNK)
        )
        statement = RESPONSE_TABLE.copy_statement()

        def run_generate() -> None:
            demo_frame(responses=n, seed=options.seed, editions=EDITIONS)

        def run_store() -> None:
            with transaction.atomic():
                store_responses(frame)

        def run_bare_copy() -> None:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.copy(statement) as copy,
            ):
                view = memoryview(payload)
                for start in range(0, len(view), PIECE):
                    copy.write(view[start : start + PIECE])

        seconds = best_times(
            {
                "command": (run_command, empty_table),
                "generate": (run_generate, None),
                "store": (run_store, empty_table),
                "bare": (run_bare_copy, empty_table),
            },
            repeat=options.repeat,
        )
        assert SurveyResponse.objects.count() == n
        empty_table()
        peak = command_peak_memory_mb(
            "generate_demo_data",
            f"--responses={n}",
            f"--seed={options.seed}",
            f"--editions={editions}",
            database_url=database_url,
        )

    command, bare = seconds["command"], seconds["bare"]
    print_table(
        "generate_demo_data into PostgreSQL",
        [
            Measurement("generate_demo_data (draw, convert, store)", command, n),
            Measurement("demo_frame alone (draw)", seconds["generate"], n),
            Measurement("store_responses alone (convert, COPY)", seconds["store"], n),
        ],
        baseline=Measurement("bare COPY", bare, n),
    )
    print(
        f"\ngenerate_demo_data: {command:.1f} s, {n / command:,.0f} rows/s "
        f"(target: 1,000,000 rows in at most 90 s); ours / bare COPY = {command / bare:.2f} "
        f"in time (bare COPY {bare:.1f} s, {len(payload) / 2**20:.0f} MiB of COPY text); "
        f"peak memory of the command: {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
