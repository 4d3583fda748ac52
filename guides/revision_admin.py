"""The admin's side of revisions (guides.revisions): a history table, an old revision
beside the current text, and restoring it, for every revisioned model.

    class GuideAdmin(RevisionAdminMixin, admin.ModelAdmin):
        unchanged_message = _("The guide reads exactly as this revision.")

        def save_revisioned(self, obj, *, editor, note): return guide_save(...)
        def rollback_revisioned(self, obj, *, revision, editor): return guide_rollback(...)
"""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin, display
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guides.revisions import Revision, content_of


class RevisionAdminMixin(ModelAdmin):  # type: ignore[type-arg]
    """History, comparison and restore for a ModelAdmin of a revisioned model."""

    revision_template = "admin/revision.html"
    unchanged_message = _("The text reads exactly as this revision.")

    def save_revisioned(self, obj: Any, *, editor: Any, note: str) -> Revision | None:
        raise NotImplementedError

    def rollback_revisioned(self, obj: Any, *, revision: Revision, editor: Any) -> Revision:
        raise NotImplementedError

    def _revision_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_revision"

    @display(description=_("revisions"))
    def revision_history(self, obj: Any) -> str:
        if obj.pk is None:
            return "—"
        revisions = obj.revisions.select_related("author").order_by("-number")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse(f"admin:{self._revision_url_name()}", args=[obj.pk, revision.number]),
                    revision.number,
                    revision.created_at.strftime("%Y-%m-%d %H:%M"),
                    revision.author or "—",
                    revision.note,
                )
                for revision in revisions
            ),
        )
        return format_html(
            "<table><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            gettext("saved at"),
            gettext("author"),
            gettext("note"),
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_revisioned(
            obj, editor=request.user, note=form.cleaned_data.get("revision_note", "")
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name=self._revision_url_name(),
            ),
            *super().get_urls(),
        ]

    def revision_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        """GET: an old revision beside the current text. POST: restore it (a new revision)."""
        obj = get_object_or_404(self.model, pk=pk)
        revision_model = obj.revisions.model
        revision = get_object_or_404(revision_model, **{revision_model.PARENT: obj}, number=number)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
            restored = self.rollback_revisioned(obj, revision=revision, editor=request.user)
            self.log_change(request, obj, f"rollback to revision {revision.number}")
            self.message_user(
                request,
                gettext("Revision %(old)s is restored, as revision %(new)s.")
                % {"old": revision.number, "new": restored.number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
            )
        return TemplateResponse(
            request,
            self.revision_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Revision %(number)s of “%(text)s”")
                % {"number": revision.number, "text": obj},
                "object": obj,
                "revision": revision,
                "diffs": _diffs(obj, revision),
                "unchanged_message": self.unchanged_message,
                "can_restore": self.has_change_permission(request, obj),
            },
        )


def _diffs(obj: models.Model, revision: Revision) -> list[dict[str, Any]]:
    """The changes from `revision` to `obj`'s current content, field by field (unified diffs)."""
    current = content_of(obj)
    diffs = []
    for name, old in revision.content().items():
        new = current[name]
        if old != new:
            lines = difflib.unified_diff(
                old.splitlines(),
                new.splitlines(),
                fromfile=gettext("revision %(number)s") % {"number": revision.number},
                tofile=gettext("current"),
                lineterm="",
            )
            diffs.append(
                {"field": obj._meta.get_field(name).verbose_name, "diff": "\n".join(lines)}
            )
    return diffs
