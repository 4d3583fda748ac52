"""Published benchmark snapshots: the only source of every public figure.

A snapshot is built from accepted answers in one go and published atomically;
its cells hold the figures of every cohort that passed the privacy rules.
Suppressed cohorts have no row at all, so nothing can tell them from empty ones.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from benchmarks.layout import COHORT_KEY_FIELDS, DIMENSIONS


class Metric(models.TextChoices):
    SALARY = "salary", _("gross annual salary, full-time equivalent (base + variable)")
    SALARY_BASE = "salary_base", _("gross annual base salary, full-time equivalent")
    DAY_RATE = "day_rate", _("freelance day rate, excluding VAT")


# Every published amount is rounded to a multiple of its metric's step (DESIGN.md
# privacy rule 4): salaries to 100, day rates to 5, in the cohort's currency.
MONEY_STEPS = {Metric.SALARY: 100, Metric.SALARY_BASE: 100, Metric.DAY_RATE: 5}


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def published(self) -> SnapshotQuerySet:
        """Snapshots that were published at some point, newest first."""
        return self.filter(status=Snapshot.Status.PUBLISHED).order_by("-published_at")

    def current(self) -> SnapshotQuerySet:
        """The one snapshot readers see."""
        return self.filter(is_current=True)


# Timings measured inside another stage (Snapshot.timings): not added to the build's seconds.
WITHIN_CELLS = ("read",)


class Snapshot(models.Model):
    """One computation of every benchmark cell; readers see the current one only."""

    class Status(models.TextChoices):
        BUILDING = "building", _("building")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")

    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BUILDING
    )
    is_current = models.BooleanField(_("current"), default=False)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Built from synthetic answers, not real ones.")
    )
    # min_cohort, fence, editions, countries: what the figures were computed with.
    parameters = models.JSONField(_("parameters"), default=dict)
    # Exclusions per stage (DESIGN.md outliers) per country, edition and status.
    notes = models.JSONField(_("notes"), default=dict)
    # Seconds per stage: "cells", "pooling" and "store" follow one another; "read"
    # is the groups' reading, summed over their processes, inside "cells".
    timings = models.JSONField(_("timings, seconds"), default=dict)
    cell_count = models.PositiveIntegerField(_("published cells"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_snapshot"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def build_seconds(self) -> float:
        """How long the build took: its successive stages' seconds (not "read", inside "cells")."""
        return sum(seconds for stage, seconds in self.timings.items() if stage not in WITHIN_CELLS)


class DocumentField(models.JSONField):
    """A JSON document stored as plain text on PostgreSQL (`text`, not `jsonb`).

    For a document only ever written and read whole, never queried inside the
    database (no key lookup, no containment, no index): a cell's `extras`.
    jsonb parses every document it stores into its binary form and prints it
    back on every read. For a snapshot's 372,757 cells that parse was a third
    of the server's time storing them (2.3 of 6.9 s, bench/snapshot_build.py's
    database), for nothing any query used. Reading and writing through Django
    are unchanged (a dict in, a dict out); other databases store JSONField as
    they always do (SQLite: text already). Key lookups (`extras__key`) are not
    supported on PostgreSQL.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return "text"
        return super().db_type(connection)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return json.dumps(value, cls=self.encoder, separators=(",", ":"))


class CohortFigures(models.Model):
    """The figures of one cohort: a metric, a country, an edition and filters.

    Money is in whole units of the country's currency, rounded (DESIGN.md privacy
    rule 4); `n` and every count in `extras` are perturbed (rule 3). p10 and p90
    are empty where the published n is under 20.
    """

    metric = models.CharField(max_length=12, choices=Metric.choices)
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=6, blank=True)
    experience = models.CharField(max_length=4, blank=True)
    education = models.CharField(max_length=10, blank=True)
    employer_size = models.CharField(max_length=12, blank=True)
    employer_type = models.CharField(max_length=10, blank=True)
    role = models.CharField(max_length=24, blank=True)
    # The mission breakdown: respondents who do `mission` (mission_done) or not.
    mission = models.CharField(max_length=16, blank=True)
    mission_done = models.BooleanField(default=True)

    # The published, perturbed count (privacy rule 3).
    n = models.PositiveIntegerField()
    confidence = models.CharField(max_length=6)
    currency = models.CharField(max_length=3)
    p10 = models.IntegerField(null=True, blank=True)
    p25 = models.IntegerField()
    p50 = models.IntegerField()
    p75 = models.IntegerField()
    p90 = models.IntegerField(null=True, blank=True)
    median_ci_low = models.IntegerField()
    median_ci_high = models.IntegerField()
    # Perturbed counts of the shares, by family in SHARE_FAMILIES order
    # ({"under": [...], "missions": [...], "kpis": [...]}), and the group
    # comparisons by dimension; shares and intervals are derived on reading.
    # A document read whole, never queried in SQL: text on PostgreSQL (DocumentField).
    extras = DocumentField(default=dict)
    # PRIVATE, never published, exported or shown: the true count behind these
    # figures, which privacy rule 8 compares with the next snapshot's. Public
    # reads never select it (selectors._CELL_FIELDS, PUBLIC_CELL_COLUMNS).
    true_n = models.PositiveIntegerField(default=0)
    # PRIVATE: True when privacy rule 8 made this cell keep an earlier snapshot's figures.
    carried = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def cohort(self) -> dict[str, str | int]:
        """The filters that define this cell, without the "all" ones."""
        cohort: dict[str, str | int] = {"country": self.country, "year": self.year}
        for dimension in DIMENSIONS:
            if value := getattr(self, dimension):
                cohort[dimension] = value
        return cohort


class OrdinaryCellManager(models.Manager["Cell"]):
    """Cells of one edition: every ordinary read, so a pooled cell is never read by accident."""

    def get_queryset(self) -> models.QuerySet[Cell]:
        return super().get_queryset().filter(pooled_from=0)


class PooledCellManager(models.Manager["Cell"]):
    """A thin country's cells pooled over editions (`Cell.pooled_from` set)."""

    def get_queryset(self) -> models.QuerySet[Cell]:
        return super().get_queryset().filter(pooled_from__gt=0)


class Cell(CohortFigures):
    """The published figures of one cohort in one snapshot."""

    # No separate index: the unique constraint below starts with snapshot. No
    # database constraint either: checking it for every one of a snapshot's
    # hundreds of thousands of cells costs seconds at commit, and cells are only
    # ever written by snapshot_publish, in the transaction that creates their
    # snapshot (Django still cascades deletions).
    snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.CASCADE,
        related_name="cells",
        db_index=False,
        db_constraint=False,
    )
    # A thin cell's (published n < 50) median partially pooled toward its parent
    # cohort, with its 95% interval, computed from published figures only and
    # rounded like every amount (DESIGN.md, Thin data; build.smoothing.smoothed).
    # Empty where n >= 50 or where the cell cannot be pooled (no published sibling).
    smoothed_p50 = models.IntegerField(null=True, blank=True)
    smoothed_p50_low = models.IntegerField(null=True, blank=True)
    smoothed_p50_high = models.IntegerField(null=True, blank=True)
    # A thin country's cell pooled over the editions pooled_from..year, every amount
    # brought to `year`'s money by the country's price index (DESIGN.md, Thin data;
    # build.pooling); its extras say how ("pooled": editions, price factors, index
    # source). 0: an ordinary cell of edition `year`. `Cell.objects` (and so every
    # ordinary read, `snapshot.cells` included) never returns pooled cells;
    # `Cell.pooled` reads them only.
    pooled_from = models.PositiveSmallIntegerField(default=0)

    objects = OrdinaryCellManager()
    pooled = PooledCellManager()

    class Meta:
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", *COHORT_KEY_FIELDS, "pooled_from"], name="one_cell_per_cohort"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.country} {self.year} n={self.n}"


class PastPublication(CohortFigures):
    """PRIVATE memory of privacy rule 8: a cohort published in an earlier snapshot of its
    edition but not in this one, with the figures (and true count) it was last published with.

    Each snapshot holds the memory of every cohort of its editions ever published
    and not published now, so that a cohort published again is compared with
    its last publication, not only with the previous snapshot. Never read by a
    public view.
    """

    snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.CASCADE,
        related_name="past_publications",
        db_index=False,
        db_constraint=False,
    )
    # As on Cell: 0 for an edition's cohort, the first pooled edition for a thin
    # country's pooled cohort (rule 8 holds for pooled cells too).
    pooled_from = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("past publication")
        verbose_name_plural = _("past publications")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", *COHORT_KEY_FIELDS, "pooled_from"],
                name="one_past_publication_per_cohort",
            )
        ]

    def __str__(self) -> str:
        return f"past {self.metric} {self.country} {self.year}"


class ProfileModel(models.Model):
    """The fitted log-salary model of one country and edition (the profile estimate)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="models")
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    fitted = models.JSONField()
    # The perturbed number of answers the model was fitted on (privacy rule 5).
    fitted_on = models.PositiveIntegerField(default=0)
    # PRIVATE: the ids of the answers fitted on (sorted int64, zlib-compressed),
    # to count how many changed before refitting (privacy rule 5).
    fitted_rows = models.BinaryField(default=b"", editable=False)
    # True when fewer than MIN_COHORT answers changed and this snapshot kept the last fit.
    carried = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "country", "year"], name="one_model_per_cohort"
            )
        ]

    def __str__(self) -> str:
        return f"model {self.country} {self.year} (snapshot #{self.snapshot_id})"


class SnapshotBuildQuerySet(models.QuerySet["SnapshotBuild"]):
    def in_progress(self) -> SnapshotBuildQuerySet:
        """The build queued or running, if any (at most one: the constraint below)."""
        return self.filter(in_progress=True)


class SnapshotBuild(models.Model):
    """One request to build and publish a snapshot, followed from the queue to its end.

    Written by benchmarks.tasks: the admin's "publish" (or the schedule) creates
    it queued, the worker marks it running and records the build's current
    stage and a heartbeat, then published with its snapshot or failed with the
    error. At most one build is queued or running: the partial unique index on
    `in_progress` refuses a second one in the database itself, so two editors
    clicking at once cannot start two builds.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # True exactly while queued or running (checked below); unique while true.
    in_progress = models.BooleanField(default=True, editable=False)
    # The editions to rebuild (years); null: every edition.
    editions = models.JSONField(_("editions"), null=True, blank=True)
    requested_by = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written by the worker every few seconds while it builds: a running build
    # not heard from for benchmarks.tasks.LOST_AFTER lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The build's last progress message ("FR 2026: cells computed").
    stage = models.CharField(_("stage"), max_length=300, blank=True)
    # The id of the task result in the tasks backend (django_tasks_db's DBTaskResult).
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name=_("snapshot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="builds",
    )
    error = models.TextField(_("error"), blank=True)

    objects = SnapshotBuildQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("snapshot build")
        verbose_name_plural = _("snapshot builds")
        constraints = [
            models.UniqueConstraint(
                fields=["in_progress"],
                condition=Q(in_progress=True),
                name="one_snapshot_build_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(in_progress=True, state__in=["queued", "running"])
                | Q(in_progress=False, state__in=["published", "failed"]),
                name="snapshot_build_in_progress_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return f"build #{self.pk} {self.get_state_display()}"


class WeightedMedian(models.Model):
    """A country and edition's median salary weighted to a reference distribution, beside
    the unweighted one (DESIGN.md, Who answered; `benchmarks.build.weighting`).

    The survey is self-selected: people choose to answer. Where editors stored a
    reference distribution of the workforce (`surveys.ReferenceShare`, e.g. the
    share of salaried employment by employer size), each answer is weighted so
    that the sample's mix matches it (post-stratification; raking over several
    dimensions). Published only when the country-edition's true count and every
    stratum's true count reach MIN_COHORT; otherwise `published` is False and
    `reason` says why, with no figure. Money rounded to 100 (privacy rule 4);
    `effective_n` is Kish's effective sample size of the weights, rounded: not a
    count of people.
    """

    class Reason(models.TextChoices):
        NONE = "", _("published")
        THIN_COHORT = "thin_cohort", _("fewer than 10 answers in the country and edition")
        THIN_STRATUM = "thin_stratum", _("a reference group has fewer than 10 answers")

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="weighted_medians"
    )
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=12, choices=Metric.choices, default=Metric.SALARY)
    # The reference dimensions the weights match, comma-separated ("employer_size").
    dimensions = models.CharField(max_length=100)
    published = models.BooleanField(default=False)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    unweighted_p50 = models.IntegerField(null=True, blank=True)
    weighted_p50 = models.IntegerField(null=True, blank=True)
    # Kish's (sum w)^2 / sum w^2, rounded to a whole number: a size, not a count of people.
    effective_n = models.PositiveIntegerField(null=True, blank=True)
    reference_source = models.CharField(max_length=300, blank=True)
    reference_url = models.URLField(max_length=300, blank=True)
    reference_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # PRIVATE, never published: the true count weighted (privacy rule 8 compares it
    # with the next snapshot's), and whether this snapshot kept an earlier figure.
    true_n = models.PositiveIntegerField(default=0)
    carried = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("weighted median")
        verbose_name_plural = _("weighted medians")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "country", "year", "metric"], name="one_weighted_median"
            )
        ]

    def __str__(self) -> str:
        return f"weighted {self.metric} {self.country} {self.year} (snapshot #{self.snapshot_id})"
