"""manage.py generate_demo_data --responses N --seed S: synthetic answers, marked source "demo"."""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from surveys.models import Edition, SurveyResponse
from surveys.services import legal_minimum_table
from surveys.validation import FIELDS_BY_NAME


def edition_years(text: str) -> list[int]:
    """'2024,2025,2026' -> [2024, 2025, 2026], within the bounds of the `edition` field."""
    field = FIELDS_BY_NAME["edition"]
    low, high = int(field.min or 0), int(field.max or 0)
    try:
        years = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise CommandError(f"--editions takes years separated by commas, not {text!r}") from None
    if not years or not all(low <= year <= high for year in years):
        raise CommandError(f"--editions takes years from {low} to {high}, separated by commas")
    return years


class Command(BaseCommand):
    help = (
        "Store synthetic survey answers (source 'demo') shaped like the published figures "
        "of the field, spread over the given editions, which are created when missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", type=int, default=5000, help="how many (5000)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same answers (1)")
        parser.add_argument(
            "--editions",
            help="years separated by commas (default: the current year and the two before)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if any response exists"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete the previous demo answers first"
        )

    def handle(
        self,
        *args: Any,
        responses: int,
        seed: int,
        editions: str | None,
        if_empty: bool,
        replace: bool,
        **options: Any,
    ) -> None:
        if responses < 0:
            raise CommandError("--responses must be zero or more")
        if if_empty and SurveyResponse.objects.exists():
            self.stdout.write("Responses exist already: no demo data added.")
            return
        this_year = timezone.localdate().year
        years = edition_years(editions) if editions else [this_year - 2, this_year - 1, this_year]
        # numpy and pandas load only now, so that `--if-empty` on a filled database
        # (every `make run` after the first) returns at once.
        from tqdm import tqdm

        from surveys.bulk import store_responses
        from surveys.demo import demo_frame

        # tqdm writes carriage returns: it needs the raw stream, not Django's
        # OutputWrapper. No bar when stderr is not a terminal (disable=None).
        stream = getattr(self.stderr, "_out", sys.stderr)
        started = time.perf_counter()
        with transaction.atomic():
            if replace:
                deleted, _by_model = SurveyResponse.objects.filter(
                    source=SurveyResponse.Source.DEMO
                ).delete()
                self.stdout.write(f"{deleted} previous demo responses deleted.")
            ids = {year: self._edition(year, this_year).pk for year in years}
            frame = demo_frame(
                responses=responses,
                seed=seed,
                editions=years,
                legal_minimums=legal_minimum_table(),
                # A day: the same seed gives the same rows all day.
                until=timezone.localdate(),
            )
            frame.insert(0, "edition_id", frame.pop("edition").map(ids))
            with tqdm(
                total=len(frame), desc="storing", unit=" rows", file=stream, disable=None
            ) as bar:
                stored = store_responses(frame, progress=bar.update)
        elapsed = time.perf_counter() - started
        rate = stored / elapsed if elapsed > 0 else 0.0
        self.stdout.write(self.style.SUCCESS(f"{stored} demo responses stored ({rate:.0f} rows/s)"))

    def _edition(self, year: int, this_year: int) -> Edition:
        """The edition of `year`, created if missing: open for this year unless one is open."""
        edition = Edition.objects.filter(year=year).first()
        if edition is not None:
            return edition
        state = (
            Edition.State.OPEN
            if year == this_year and not Edition.objects.open().exists()
            else Edition.State.CLOSED
        )
        edition = Edition.objects.create(
            year=year,
            state=state,
            opens_on=date(year, 1, 1),
            closes_on=None if state == Edition.State.OPEN else date(year, 12, 31),
        )
        self.stdout.write(f"Edition {year} created ({edition.get_state_display()}).")
        return edition
