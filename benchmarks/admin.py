"""Snapshots in the admin: listed with their notes and builds, published by an editor's action.

"Publish" queues a build (benchmarks.tasks) and returns at once: a worker
builds and publishes the snapshot, and the list shows the build's state
(queued, running with its stage, published with its snapshot, failed with the
error), refreshing itself while one is in progress. With the immediate tasks
backend (no worker configured) the build runs within the request, as before.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from benchmarks.models import Snapshot, SnapshotBuild

# The recent builds the snapshot list shows.
BUILDS_SHOWN = 5
# A build queued longer than this with no worker taking it gets a hint: in
# production `manage.py db_worker` is down (docs/operations.md).
WORKER_HINT_AFTER = timedelta(minutes=1)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "status",
        "is_current",
        "is_demo",
        "published_at",
        "cell_count",
        "seconds",
    )
    list_filter = ("status", "is_current", "is_demo")
    actions = ("publish_new_snapshot",)
    readonly_fields = (
        "status",
        "is_current",
        "is_demo",
        "created_at",
        "published_at",
        "cell_count",
        "parameters_pretty",
        "exclusions",
        "timings",
        "error",
    )
    exclude = ("parameters", "notes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Snapshot | None = None) -> bool:
        return False

    @admin.display(description=_("seconds"))
    def seconds(self, snapshot: Snapshot) -> str:
        return f"{snapshot.build_seconds:.1f}" if snapshot.timings else "—"

    @admin.display(description=_("parameters"))
    def parameters_pretty(self, snapshot: Snapshot) -> str:
        return format_html("<pre>{}</pre>", json.dumps(snapshot.parameters, indent=2))

    @admin.display(description=_("exclusions by stage"))
    def exclusions(self, snapshot: Snapshot) -> str:
        rows = snapshot.notes.get("exclusions", [])
        return format_html("<pre>{}</pre>", json.dumps(rows, indent=2))

    def get_urls(self) -> list[URLPattern]:
        publish = self.admin_site.admin_view(require_POST(self.publish_view))
        return [
            path("publish/", publish, name="benchmarks_snapshot_publish"),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist's "Publish a new snapshot" button (editors with view rights)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        self._publish(request)
        return HttpResponseRedirect(reverse("admin:benchmarks_snapshot_changelist"))

    @admin.action(description=_("Publish a new snapshot (from all accepted answers)"))
    def publish_new_snapshot(self, request: HttpRequest, queryset: QuerySet[Snapshot]) -> None:
        self._publish(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Imported here: the build pulls in pandas and scipy, which every process
        # would otherwise load at start-up through admin autodiscovery.
        from benchmarks.tasks import snapshot_builds_recover

        snapshot_builds_recover()
        builds = list(SnapshotBuild.objects.select_related("snapshot")[:BUILDS_SHOWN])
        in_progress = next((build for build in builds if build.in_progress), None)
        waits_for_worker = (
            in_progress is not None
            and in_progress.state == SnapshotBuild.State.QUEUED
            and timezone.now() - in_progress.requested_at > WORKER_HINT_AFTER
        )
        context = {
            "snapshot_builds": builds,
            "build_in_progress": in_progress,
            "build_waits_for_worker": waits_for_worker,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def _publish(self, request: HttpRequest) -> None:
        from benchmarks.tasks import BuildInProgress, snapshot_build_request

        try:
            build = snapshot_build_request(requested_by=request.user.get_username())
        except BuildInProgress as refused:
            current = refused.build
            self.message_user(
                request,
                _(
                    "Snapshot build #%(id)s is already %(state)s: no second build was started. "
                    "Publish again once it has finished."
                )
                % {"id": current.pk, "state": current.get_state_display()}
                if current
                else _("A snapshot build is already in progress: no second build was started."),
                level=messages.WARNING,
            )
            return
        if build.state == SnapshotBuild.State.PUBLISHED and build.snapshot is not None:
            self.message_user(
                request,
                _("Snapshot #%(id)s published: %(cells)s cells.")
                % {"id": build.snapshot.pk, "cells": build.snapshot.cell_count},
                level=messages.SUCCESS,
            )
        elif build.state == SnapshotBuild.State.FAILED:
            self.message_user(request, build.error, level=messages.ERROR)
        else:
            self.message_user(
                request,
                _(
                    "Snapshot build #%(id)s queued: a worker builds and publishes it, "
                    "and this page shows its progress."
                )
                % {"id": build.pk},
                level=messages.SUCCESS,
            )
