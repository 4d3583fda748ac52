"""Snapshots in the admin: listed with their notes, published by an editor's action."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from benchmarks.models import Snapshot


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
        return f"{sum(snapshot.timings.values()):.1f}" if snapshot.timings else "—"

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

    @admin.action(description=_("Publish a new snapshot now (from all accepted answers)"))
    def publish_new_snapshot(self, request: HttpRequest, queryset: QuerySet[Snapshot]) -> None:
        self._publish(request)

    def _publish(self, request: HttpRequest) -> None:
        # Imported here: the build pulls in pandas and scipy, which every process
        # would otherwise load at start-up through admin autodiscovery.
        from benchmarks.snapshots import SnapshotError, snapshot_publish

        try:
            snapshot = snapshot_publish()
        except SnapshotError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return
        self.message_user(
            request,
            _("Snapshot #%(id)s published: %(cells)s cells.")
            % {"id": snapshot.pk, "cells": snapshot.cell_count},
            level=messages.SUCCESS,
        )
