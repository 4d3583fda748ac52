"""The editors' side of reports: an introduction and a commentary per section, with revisions.

As guides: Markdown in French and English side by side, every save that
changes the text adds a revision with its author and time, and an old
revision can be viewed, compared with the current text and restored (a new
revision). Only published texts show on the report; the figures around them
are always the snapshot's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guides.revision_admin import RevisionAdminMixin
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
class ReportTextAdmin(RevisionAdminMixin, admin.ModelAdmin):
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

    def save_revisioned(
        self, obj: ReportText, *, editor: Any, note: str
    ) -> ReportTextRevision | None:
        return report_text_save(text=obj, editor=editor, note=note)

    def rollback_revisioned(
        self, obj: ReportText, *, revision: ReportTextRevision, editor: Any
    ) -> ReportTextRevision:
        return report_text_rollback(text=obj, revision=revision, editor=editor)
