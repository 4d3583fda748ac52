"""manage.py publish_snapshot: compute and publish a new benchmark snapshot, atomically."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks.build import workers
from benchmarks.models import Snapshot


class Command(BaseCommand):
    # A batch job: the system checks, which import every URL and view, belong
    # to the deploy (`manage.py check --deploy`), not to each build.
    requires_system_checks: list[str] = []
    help = (
        "Compute every benchmark cell from the accepted answers and publish it as the new "
        "snapshot in one transaction. The previous snapshot stays published if anything fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--editions",
            help="Comma-separated years to rebuild (default: all); the others keep their figures.",
        )
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="Do nothing when a snapshot is already published (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none"] and Snapshot.objects.current().exists():
            self.stdout.write("A snapshot is already published: nothing to do.")
            return
        # The build's fork server starts first: it imports the build lane (pandas,
        # scipy; a second or so) while this process does, rather than after.
        workers.warm_up(workers.worker_count())
        from benchmarks.build.snapshots import SnapshotError, snapshot_publish

        years = None
        if options["editions"]:
            try:
                years = [int(part) for part in options["editions"].split(",") if part.strip()]
            except ValueError:
                raise CommandError(
                    f"--editions takes years separated by commas, not {options['editions']!r}."
                ) from None

        def progress(message: str) -> None:
            sys.stderr.write(f"  {message}\n")

        try:
            snapshot = snapshot_publish(years=years, progress=progress)
        except SnapshotError as error:
            raise CommandError(str(error)) from None
        seconds = snapshot.build_seconds
        demo = " (demo data)" if snapshot.is_demo else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshot #{snapshot.pk} published{demo}: {snapshot.cell_count} cells "
                f"in {seconds:.1f} s."
            )
        )
        suppression = snapshot.notes.get("suppression", {})
        if suppression:
            self.stdout.write(
                f"Privacy rules 1-2 published {suppression['published_before_put_back']} cells "
                f"before the put-back pass and {suppression['published_after_put_back']} after it "
                "(fresh decisions; base salary follows total salary)."
            )
