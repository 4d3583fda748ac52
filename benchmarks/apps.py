from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    name = "benchmarks"
    verbose_name = _("Benchmarks")

    def ready(self) -> None:
        from benchmarks.models import Snapshot
        from benchmarks.read.lookup import forget_published_snapshot

        # A publish in this process is seen at once; other processes wait for
        # BENCHMARKS_SNAPSHOT_TTL (benchmarks.read.lookup).
        post_save.connect(
            forget_published_snapshot, sender=Snapshot, dispatch_uid="forget_snapshot"
        )
