"""The editors' side of interviews: the pending queue, typo fixes, approval and rejection.

Editors may correct the answers' spelling but not who wrote them. The state
changes only through approval (which gives the slug, the public address) and
rejection (which needs a reason), from the list's actions or the buttons of
an interview's page; a preview shows the page as readers will see it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from interviews import services
from interviews.models import Interview, PendingInterview
from interviews.views import interview_context


class InterviewActionForm(ActionForm):
    """The list's action bar, with the reason a bulk rejection gives."""

    reason = forms.CharField(
        label=_("Reason (to reject)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "sample_badge",
        "submitted_on",
        "state",
        "role",
        "employer_type",
        "country",
        "language",
        "shown_name",
        "opening",
    )
    list_display_links = ("id", "opening")
    list_filter = ("state", "role", "country", "language", "is_sample")
    search_fields = ("display_name", "slug", "current_position")
    list_per_page = 50
    date_hierarchy = "submitted_on"
    action_form = InterviewActionForm
    actions = ["approve", "reject"]
    change_form_template = "interviews/admin_change_form.html"
    fieldsets = (
        (
            _("Moderation"),
            {
                "fields": (
                    "state",
                    "preview_link",
                    "rejection_reason",
                    "slug",
                    "is_sample",
                    "submitted_on",
                    "reviewed_at",
                    "reviewed_by",
                )
            },
        ),
        (
            _("Who is answering"),
            {
                "fields": (
                    "role",
                    "employer_type",
                    "country",
                    "display_name",
                    "language",
                    "consent_to_publish",
                )
            },
        ),
        (_("Answers"), {"fields": services.QUESTION_FIELDS}),
    )
    readonly_fields = (
        "state",
        "preview_link",
        "slug",
        "is_sample",
        "submitted_on",
        "reviewed_at",
        "reviewed_by",
        "consent_to_publish",
    )

    class Media:
        css = {"all": ("css/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Interviews come from practitioners, through the form or the API.
        return False

    def view_on_site(self, interview: Interview) -> str | None:
        # Only a published interview has a public page (and a slug to reverse).
        return interview.get_absolute_url() if interview.is_public else None

    @admin.display(description=_("sample"), ordering="is_sample")
    def sample_badge(self, interview: Interview) -> str:
        if not interview.is_sample:
            return ""
        return format_html('<span class="demo-badge">{}</span>', gettext("SAMPLE"))

    @admin.display(description=_("name shown"), ordering="display_name")
    def shown_name(self, interview: Interview) -> str:
        return interview.display_name or gettext("(anonymous)")

    @admin.display(description=_("what community management is for them"))
    def opening(self, interview: Interview) -> str:
        return services.excerpt(interview.community_management, length=90)

    @admin.display(description=_("preview"))
    def preview_link(self, interview: Interview) -> str:
        if interview.pk is None:
            return "—"
        url = reverse(f"admin:{self._preview_name}", args=[interview.pk])
        public = (
            format_html(
                ' · <a href="{}">{}</a>', interview.get_absolute_url(), gettext("public page")
            )
            if interview.is_public
            else ""
        )
        return format_html('<a href="{}">{}</a>{}', url, gettext("Preview the page"), public)

    @property
    def _preview_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_preview"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview),
                name=self._preview_name,
            ),
            *super().get_urls(),
        ]

    def preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The public page of an interview in any state, marked as a preview."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        interview = get_object_or_404(Interview, pk=pk)
        return render(request, "interviews/detail.html", interview_context(interview, preview=True))

    def response_change(self, request: HttpRequest, obj: Interview) -> HttpResponse:
        """The "save and approve" / "save and reject" buttons, after the save itself.

        Either way the editor lands on the interview's page in the full list, since
        it has left the queue.
        """
        back = HttpResponseRedirect(reverse("admin:interviews_interview_change", args=[obj.pk]))
        if "_approve" in request.POST:
            services.interview_approve(interview=obj, editor=request.user)
            self.log_change(request, obj, [{"changed": {"fields": ["state"]}}])
            self.message_user(request, gettext("The interview is approved and published."))
            return back
        if "_reject" in request.POST:
            if not obj.rejection_reason.strip():
                self.message_user(
                    request,
                    gettext("Give a reason to reject an interview: nothing was rejected."),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.path)
            services.interview_reject(
                interview=obj, editor=request.user, reason=obj.rejection_reason
            )
            self.log_change(request, obj, [{"changed": {"fields": ["state"]}}])
            self.message_user(request, gettext("The interview is rejected."))
            return back
        return super().response_change(request, obj)

    @admin.action(
        description=_("Approve and publish the selected interviews"), permissions=["change"]
    )
    def approve(self, request: HttpRequest, queryset: models.QuerySet[Interview]) -> None:
        count = 0
        for interview in queryset.exclude(state=Interview.State.APPROVED):
            services.interview_approve(interview=interview, editor=request.user)
            self.log_change(request, interview, [{"changed": {"fields": ["state"]}}])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d interview approved.", "%(count)d interviews approved.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Reject the selected interviews (give the reason beside)"),
        permissions=["change"],
    )
    def reject(self, request: HttpRequest, queryset: models.QuerySet[Interview]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(
                request,
                gettext("Give a reason to reject interviews: nothing was rejected."),
                messages.ERROR,
            )
            return
        count = 0
        for interview in queryset.exclude(state=Interview.State.REJECTED):
            services.interview_reject(interview=interview, editor=request.user, reason=reason)
            self.log_change(request, interview, [{"changed": {"fields": ["state"]}}])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d interview rejected.", "%(count)d interviews rejected.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, **kwargs)
        if db_field.name in services.QUESTION_FIELDS and field is not None:
            field.widget.attrs.update({"rows": 6, "cols": 90})
        return field


@admin.register(PendingInterview)
class PendingInterviewAdmin(InterviewAdmin):
    """The queue: interviews waiting for an editor, oldest first."""

    list_filter = ("role", "country", "language")
    ordering = ("submitted_on", "id")
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Interview]:
        return super().get_queryset(request).pending()
