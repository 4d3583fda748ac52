"""The editors' side of guides: write in Markdown, check the live figures, keep every revision.

A save that names an unknown figure (or a bad filter code) is refused with the
token and the reason; every save that changes the content adds a revision with
its author and time; an old revision can be viewed, compared with the current
text and restored, which adds one more revision.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guides import figures
from guides.models import CONTENT_FIELDS, LANGUAGES, Guide, GuideRevision
from guides.revision_admin import RevisionAdminMixin
from guides.services import guide_rollback, guide_save
from surveys import vocabulary as vocab

FIGURES_HELP = _(
    "Markdown. Sections start with ## (the title is the page's only level-1 heading). Live "
    "figures: [[salary.p50 role=community-manager experience=3-5]]; names: salary.p25 … p75, "
    "p10, p90, median_ci, n (also salary_base., day_rate.), day_rate.under_300, "
    "freelance.share, missions.top, kpis.top, missions.moderation, kpis.engagement; filters: "
    "country (default FR), year (default: latest), region, experience, education, "
    "employer_size, employer_type, role, status=freelance, limit=3. A cohort too small to be "
    "published reads “not enough answers yet”."
)


class GuideAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles defined"),
        choices=vocab.ROLE.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The page shows these roles' live figures and quotes from their interviews. "
            "None for a topic guide."
        ),
    )
    revision_note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=200,
        help_text=_("Kept with the revision, for the history."),
    )

    class Meta:
        model = Guide
        fields = [
            "slug",
            "position",
            "is_published",
            "roles",
            *CONTENT_FIELDS,
        ]
        widgets = {
            "body_fr": forms.Textarea(attrs={"rows": 30, "cols": 100}),
            "body_en": forms.Textarea(attrs={"rows": 30, "cols": 100}),
            "summary_fr": forms.Textarea(attrs={"rows": 2, "cols": 100}),
            "summary_en": forms.Textarea(attrs={"rows": 2, "cols": 100}),
        }
        help_texts = {"body_fr": FIGURES_HELP, "body_en": FIGURES_HELP}

    def _clean_body(self, name: str) -> str:
        body: str = self.cleaned_data.get(name, "")
        if errors := figures.errors_in(body):
            raise forms.ValidationError(errors)
        return body

    def clean_body_fr(self) -> str:
        return self._clean_body("body_fr")

    def clean_body_en(self) -> str:
        return self._clean_body("body_en")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        written = [
            code
            for code in LANGUAGES
            if (data.get(f"title_{code}") or "").strip()
            and (data.get(f"body_{code}") or "").strip()
        ]
        if not written and not self.errors:
            raise forms.ValidationError(
                gettext("Write the title and the body in at least one language.")
            )
        return data


@admin.register(Guide)
class GuideAdmin(RevisionAdminMixin, admin.ModelAdmin):
    form = GuideAdminForm
    list_display = ("slug", "title_fr", "title_en", "position", "role_list", "is_published",
                    "updated_at", "updated_by")  # fmt: skip
    list_editable = ("position", "is_published")
    list_filter = ("is_published",)
    search_fields = ("slug", "title_fr", "title_en")
    prepopulated_fields = {"slug": ("title_en",)}
    unchanged_message = _("The guide reads exactly as this revision.")
    readonly_fields = ("updated_at", "updated_by", "revision_history")
    fieldsets = (
        (None, {"fields": ("slug", "position", "is_published", "roles")}),
        (_("French"), {"fields": ("title_fr", "summary_fr", "body_fr")}),
        (_("English"), {"fields": ("title_en", "summary_en", "body_en")}),
        (
            _("History"),
            {"fields": ("revision_note", "updated_at", "updated_by", "revision_history")},
        ),
    )

    @admin.display(description=_("roles"))
    def role_list(self, guide: Guide) -> str:
        return ", ".join(guide.roles) or "—"

    def save_revisioned(self, obj: Guide, *, editor: Any, note: str) -> GuideRevision | None:
        return guide_save(guide=obj, editor=editor, note=note)

    def rollback_revisioned(
        self, obj: Guide, *, revision: GuideRevision, editor: Any
    ) -> GuideRevision:
        return guide_rollback(guide=obj, revision=revision, editor=editor)
