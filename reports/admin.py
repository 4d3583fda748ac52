"""The editors' side of reports: an introduction and a commentary per section, with revisions.

As guides: Markdown in French and English side by side, every save that
changes the text adds a revision with its author and time, and an old
revision can be viewed, compared with the current text and restored (a new
revision). Only published texts show on the report; the figures around them
are always the snapshot's.
"""

from __future__ import annotations

import difflib
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.models import CONTENT_FIELDS, ReportText, ReportTextRevision
from reports.services import report_text_rollback, report_text_save

TEXT_HELP = _(
    "Markdown, shown above the section's figures (the introduction opens the report). "
    "Raw HTML, scripts and images are removed. The figures themselves are read from the "
    "published snapshot: do not type them here."
)


class ReportTextAdminForm(forms.ModelForm):
    revision_note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=200,
        help_text=_("Kept with the revision, for the history."),
    )

    class Meta:
        model = ReportText
        fields = ["year", "section", "is_published", *CONTENT_FIELDS]
        widgets = {
            "body_fr": forms.Textarea(attrs={"rows": 12, "cols": 100}),
            "body_en": forms.Textarea(attrs={"rows": 12, "cols": 100}),
        }
        help_texts = {"body_fr": TEXT_HELP, "body_en": TEXT_HELP}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(name) or "").strip() for name in CONTENT_FIELDS) and not self.errors:
            raise forms.ValidationError(gettext("Write the text in at least one language."))
        return data


@admin.register(ReportText)
class ReportTextAdmin(admin.ModelAdmin):
    form = ReportTextAdminForm
    list_display = ("year", "section", "is_published", "updated_at", "updated_by")
    list_editable = ("is_published",)
    list_filter = ("year", "section", "is_published")
    search_fields = ("body_fr", "body_en")
    readonly_fields = ("updated_at", "updated_by", "revision_history")
    fieldsets = (
        (None, {"fields": ("year", "section", "is_published")}),
        (_("French"), {"fields": ("body_fr",)}),
        (_("English"), {"fields": ("body_en",)}),
        (
            _("History"),
            {"fields": ("revision_note", "updated_at", "updated_by", "revision_history")},
        ),
    )

    @admin.display(description=_("revisions"))
    def revision_history(self, text: ReportText) -> str:
        if text.pk is None:
            return "—"
        revisions = text.revisions.select_related("author").order_by("-number")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:reports_reporttext_revision", args=[text.pk, revision.number]),
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

    def save_model(self, request: HttpRequest, obj: ReportText, form: Any, change: bool) -> None:
        report_text_save(
            text=obj, editor=request.user, note=form.cleaned_data.get("revision_note", "")
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="reports_reporttext_revision",
            ),
            *super().get_urls(),
        ]

    def revision_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        """GET: an old revision beside the current text. POST: restore it (a new revision)."""
        text = get_object_or_404(ReportText, pk=pk)
        revision = get_object_or_404(ReportTextRevision, text=text, number=number)
        if not self.has_view_permission(request, text):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, text):
                raise PermissionDenied
            restored = report_text_rollback(text=text, revision=revision, editor=request.user)
            self.log_change(request, text, f"rollback to revision {revision.number}")
            self.message_user(
                request,
                gettext("Revision %(old)s is restored, as revision %(new)s.")
                % {"old": revision.number, "new": restored.number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:reports_reporttext_change", args=[text.pk]))
        current = text.content()
        diffs = []
        for name in CONTENT_FIELDS:
            old, new = getattr(revision, name), current[name]
            if old != new:
                lines = difflib.unified_diff(
                    old.splitlines(),
                    new.splitlines(),
                    fromfile=gettext("revision %(number)s") % {"number": revision.number},
                    tofile=gettext("current"),
                    lineterm="",
                )
                diffs.append(
                    {
                        "field": ReportText._meta.get_field(name).verbose_name,
                        "diff": "\n".join(lines),
                    }
                )
        return TemplateResponse(
            request,
            "reports/admin_revision.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Revision %(number)s of “%(text)s”")
                % {"number": revision.number, "text": text},
                "text": text,
                "revision": revision,
                "diffs": diffs,
                "can_restore": self.has_change_permission(request, text),
            },
        )
