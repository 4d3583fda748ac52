"""The editors' side of guides: write in Markdown, check the live figures, keep every revision.

A save that names an unknown figure (or a bad filter code) is refused with the
token and the reason; every save that changes the content adds a revision with
its author and time; an old revision can be viewed, compared with the current
text and restored, which adds one more revision.
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

from guides import figures
from guides.models import CONTENT_FIELDS, LANGUAGES, Guide, GuideRevision
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
class GuideAdmin(admin.ModelAdmin):
    form = GuideAdminForm
    list_display = ("slug", "title_fr", "title_en", "position", "role_list", "is_published",
                    "updated_at", "updated_by")  # fmt: skip
    list_editable = ("position", "is_published")
    list_filter = ("is_published",)
    search_fields = ("slug", "title_fr", "title_en")
    prepopulated_fields = {"slug": ("title_en",)}
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

    @admin.display(description=_("revisions"))
    def revision_history(self, guide: Guide) -> str:
        if guide.pk is None:
            return "—"
        revisions = guide.revisions.select_related("author").order_by("-number")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:guides_guide_revision", args=[guide.pk, revision.number]),
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

    def save_model(self, request: HttpRequest, obj: Guide, form: Any, change: bool) -> None:
        guide_save(guide=obj, editor=request.user, note=form.cleaned_data.get("revision_note", ""))

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="guides_guide_revision",
            ),
            *super().get_urls(),
        ]

    def revision_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        """GET: an old revision beside the current text. POST: restore it (a new revision)."""
        guide = get_object_or_404(Guide, pk=pk)
        revision = get_object_or_404(GuideRevision, guide=guide, number=number)
        if not self.has_view_permission(request, guide):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, guide):
                raise PermissionDenied
            restored = guide_rollback(guide=guide, revision=revision, editor=request.user)
            self.log_change(request, guide, f"rollback to revision {revision.number}")
            self.message_user(
                request,
                gettext("Revision %(old)s is restored, as revision %(new)s.")
                % {"old": revision.number, "new": restored.number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:guides_guide_change", args=[guide.pk]))
        current = guide.content()
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
                    {"field": Guide._meta.get_field(name).verbose_name, "diff": "\n".join(lines)}
                )
        return TemplateResponse(
            request,
            "guides/admin_revision.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Revision %(number)s of “%(guide)s”")
                % {"number": revision.number, "guide": guide},
                "guide": guide,
                "revision": revision,
                "diffs": diffs,
                "can_restore": self.has_change_permission(request, guide),
            },
        )
