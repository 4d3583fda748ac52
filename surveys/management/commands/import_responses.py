"""manage.py import_responses FILE.csv [--dry-run]: all the rows of a file, or none."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from tqdm import tqdm

from surveys.importing import ImportFileError, responses_import

STAGES = {"check": "checking", "store": "storing"}


class Command(BaseCommand):
    help = (
        "Import survey answers from a CSV file whose columns are the fields of an answer "
        "(lists separated by |). Nothing is written unless every row is valid; every bad "
        "row is reported as 'line N, field: reason'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, one header line")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the report (default: %(default)s)",
        )

    def handle(self, *args: Any, file: str, dry_run: bool, language: str, **options: Any) -> None:
        with translation.override(language):
            self.import_file(file, dry_run=dry_run)

    def import_file(self, file: str, *, dry_run: bool) -> None:
        # tqdm writes carriage returns: it needs the raw stream, not Django's
        # OutputWrapper, which ends every write with a newline. No bar when
        # stderr is not a terminal (disable=None).
        stream = getattr(self.stderr, "_out", self.stderr)
        bars: dict[str, tqdm[Any]] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(
                    total=total,
                    desc=STAGES[stage],
                    unit=" rows",
                    file=stream,
                    disable=None,
                    # Checking and storing advance together: one line each.
                    position=list(STAGES).index(stage),
                )
            bar.total = max(total, done)
            bar.update(done - bar.n)

        try:
            report = responses_import(path=file, dry_run=dry_run, progress=progress)
        except (ImportFileError, OSError) as error:
            raise CommandError(str(error)) from None
        finally:
            for bar in bars.values():
                bar.close()

        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{report.bad_lines} bad line(s), {len(report.errors)} error(s): "
                "nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"{report.rows} rows checked, no error")
            return
        for year in report.editions_created:
            self.stdout.write(f"Edition {year} created (closed).")
        self.stdout.write(self.style.SUCCESS(f"{report.stored} rows imported"))
        if report.flagged:
            self.stdout.write(f"{report.flagged} of them flagged for review.")
