"""The editors' side of the survey: editions, moderation of flagged answers, exports.

Answers are the respondents' words: editors read them, release or reject them
and add a note, but never rewrite them. The receipt hash and the record key are
never shown, searched or exported. An answer is approved or rejected from the
list's actions or from the "save and approve" / "save and reject" buttons of its
page; both note who decided, when, and log it in the answer's history.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab
from surveys.models import (
    Edition,
    FlaggedResponse,
    LegalMinimum,
    PriceIndex,
    ReferenceShare,
    SurveyResponse,
)
from surveys.validation import FIELD_NAMES, FLAG_LABELS

admin.site.site_header = _("cmbench editors")
admin.site.site_title = _("cmbench editors")

# A cell starting with one of these is run as a formula by spreadsheet programs;
# job titles are free text typed by anyone, so such a cell gets a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# An answer's title reads "#57 · …" ("n° 57" in French): a search for "#57" or
# "n°57" means the answer number 57.
_ANSWER_NUMBER = re.compile(r"(?<!\S)(?:#|n°\s?)(?=\d)", re.IGNORECASE)

# The states an answer's page may move it from, by decision. The list's bulk
# "release" is stricter (flagged answers only); a page shows a decision's
# button only where it applies.
APPROVABLE = (SurveyResponse.State.FLAGGED, SurveyResponse.State.REJECTED)
REJECTABLE = (SurveyResponse.State.FLAGGED, SurveyResponse.State.ACCEPTED)


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("edition_year", "state", "opens_on", "closes_on", "answer_count")
    list_filter = ("state",)
    # The state changes through the actions only, which keep one edition open.
    readonly_fields = ("state",)
    actions = ["open_edition", "close_editions"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Edition]:
        return super().get_queryset(request).annotate(answer_count=Count("responses"))

    @admin.display(description=_("year"), ordering="year")
    def edition_year(self, edition: Edition) -> str:
        # A year is a label, not a quantity: never "2 026".
        return str(edition.year)

    @admin.display(description=_("answers"), ordering="answer_count")
    def answer_count(self, edition: Edition) -> int:
        return edition.answer_count  # type: ignore[attr-defined, no-any-return]

    @admin.action(
        description=_("Open the selected edition (closes the open one)"), permissions=["change"]
    )
    def open_edition(self, request: HttpRequest, queryset: models.QuerySet[Edition]) -> None:
        editions = list(queryset[:2])
        if len(editions) != 1:
            self.message_user(
                request, gettext("Select exactly one edition to open."), messages.ERROR
            )
            return
        edition = editions[0]
        try:
            # Close first, then open: the partial unique constraint allows one
            # open edition at every statement, and a concurrent opening fails
            # here instead of leaving two open.
            with transaction.atomic():
                closed = list(
                    Edition.objects.open().exclude(pk=edition.pk).values_list("year", flat=True)
                )
                Edition.objects.filter(year__in=closed).update(state=Edition.State.CLOSED)
                Edition.objects.filter(pk=edition.pk).update(state=Edition.State.OPEN)
        except IntegrityError:
            self.message_user(
                request,
                gettext("Another edition was opened at the same time: nothing changed."),
                messages.ERROR,
            )
            return
        message = gettext("The %(year)s edition is open.") % {"year": edition.year}
        if closed:
            message += " " + gettext("Closed: %(years)s.") % {
                "years": ", ".join(str(year) for year in closed)
            }
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Close the selected editions"), permissions=["change"])
    def close_editions(self, request: HttpRequest, queryset: models.QuerySet[Edition]) -> None:
        count = queryset.filter(state=Edition.State.OPEN).update(state=Edition.State.CLOSED)
        self.message_user(
            request,
            ngettext("%(count)d edition closed.", "%(count)d editions closed.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(LegalMinimum)
class LegalMinimumAdmin(admin.ModelAdmin):
    list_display = ("country", "region", "minimum_year", "annual_gross", "source")
    list_filter = ("country", "region")
    ordering = ("country", "region", "-year")

    @admin.display(description=_("year"), ordering="year")
    def minimum_year(self, minimum: LegalMinimum) -> str:
        return str(minimum.year)


@admin.register(ReferenceShare)
class ReferenceShareAdmin(admin.ModelAdmin):
    """Workforce shares per country (employer size...): the snapshot weights salaries to them."""

    list_display = ("country", "dimension", "level", "share", "reference_year", "source")
    list_filter = ("country", "dimension", "year")
    search_fields = ("source", "level")
    ordering = ("country", "dimension", "-year", "level")

    @admin.display(description=_("year"), ordering="year")
    def reference_year(self, reference: ReferenceShare) -> str:
        return str(reference.year)


@admin.register(PriceIndex)
class PriceIndexAdmin(admin.ModelAdmin):
    """Consumer prices per country and year: trends' constant money reads them."""

    list_display = ("country", "index_year", "value", "source")
    list_filter = ("country", "year")
    search_fields = ("source",)
    ordering = ("country", "-year")

    @admin.display(description=_("year"), ordering="year")
    def index_year(self, index: PriceIndex) -> str:
        # Not "2,026": a year is a label, not an amount.
        return str(index.year)


def csv_cell(value: Any) -> str:
    """One CSV cell in the import format: lists joined by `|`, empty for none."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "|".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def responses_csv_lines(queryset: models.QuerySet[SurveyResponse]) -> Iterator[str]:
    """The header and one line per answer, with DESIGN.md's column names and order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(FIELD_NAMES)
    rows = queryset.select_related("edition").order_by("pk").iterator(chunk_size=2000)
    for response in rows:
        answers = response.as_answers()
        yield writer.writerow([csv_cell(answers[name]) for name in FIELD_NAMES])


def _labels(codes: list[str], vocabulary: vocab.Vocabulary) -> str:
    return ", ".join(f"{vocabulary.label(code)} ({code})" for code in codes) or "—"


class FlagFilter(admin.SimpleListFilter):
    """Why an answer was flagged at submission (one of validation.FLAG_LABELS)."""

    title = _("reason flagged")
    parameter_name = "flag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(FLAG_LABELS.items())

    def queryset(
        self, request: HttpRequest, queryset: models.QuerySet[SurveyResponse]
    ) -> models.QuerySet[SurveyResponse] | None:
        flag = self.value()
        if flag not in FLAG_LABELS:
            return None
        # `flags` is a JSON list of codes. `contains` on a JSONField is not
        # supported by SQLite, so match the quoted code in the list's text: no
        # code is part of another, and the quotes keep it a whole element.
        return queryset.filter(flags__icontains=f'"{flag}"')


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "demo_badge",
        "edition",
        "submitted_on",
        "state",
        "flag_labels",
        "status",
        "role",
        "country",
        "region",
        "experience_years",
        "pay",
    )
    list_display_links = ("id",)
    list_filter = ("state", FlagFilter, "source", "edition", "country", "status", "role")
    list_select_related = ("edition",)
    list_per_page = 50
    date_hierarchy = "submitted_on"
    # Only what editors may read: never the receipt hash nor the record key.
    search_fields = ("id__exact", "job_title", "review_note", "=region")
    search_help_text = _(
        "Search by answer number (#57), job title, moderation note or region code (FR-ARA)."
    )
    actions = ["release", "reject", "export_csv"]
    change_form_template = "admin/surveys/response_change_form.html"
    fieldsets = (
        (
            _("Moderation"),
            {
                "fields": (
                    "edition",
                    "submitted_on",
                    "source",
                    "state",
                    "flag_labels",
                    "review_note",
                    "reviewed_at",
                    "reviewed_by",
                )
            },
        ),
        (
            _("Situation"),
            {
                "fields": (
                    "status",
                    "role",
                    "job_title",
                    "experience_years",
                    "education",
                    "employer_size",
                    "employer_type",
                    "country",
                    "region",
                    "work_time_share",
                )
            },
        ),
        (
            _("Pay"),
            {
                "fields": (
                    "base_salary",
                    "variable_pay",
                    "day_rate",
                    "billed_days",
                    "total_fte",
                    "base_fte",
                )
            },
        ),
        (
            _("Work"),
            {
                "fields": (
                    "mission_labels",
                    "kpi_labels",
                    "weekly_hours",
                    "remote_days",
                    "satisfaction",
                )
            },
        ),
        (_("About the respondent"), {"fields": ("gender", "age_band")}),
    )

    class Media:
        css = {"all": ("css/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Answers come from the survey, the API or a CSV import, never typed in.
        return False

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[SurveyResponse]:
        # An answer's title names its edition's year (SurveyResponse.__str__).
        return super().get_queryset(request).select_related("edition")

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet[SurveyResponse], search_term: str
    ) -> tuple[models.QuerySet[SurveyResponse], bool]:
        search_term = _ANSWER_NUMBER.sub("", search_term)
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(
        self, request: HttpRequest, obj: SurveyResponse | None = None
    ) -> list[str]:
        editable = {"review_note"}
        if obj is None or obj.state != SurveyResponse.State.WITHDRAWN:
            editable.add("state")
        names = [name for _title, options in self.fieldsets for name in options["fields"]]
        return [name for name in names if name not in editable]

    def formfield_for_choice_field(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "state":
            # Withdrawal belongs to the respondent: an editor cannot choose it.
            kwargs["choices"] = [
                choice
                for choice in SurveyResponse.State.choices
                if choice[0] != SurveyResponse.State.WITHDRAWN
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: SurveyResponse, form: Any, change: bool
    ) -> None:
        if "state" in form.changed_data:
            obj.reviewed_at = timezone.now()
            obj.reviewed_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: SurveyResponse | None = None,
    ) -> HttpResponse:
        # The decision buttons, for editors who may change the answer, where they apply.
        may_decide = obj is not None and self.has_change_permission(request, obj)
        context["can_approve"] = may_decide and obj.state in APPROVABLE  # type: ignore[union-attr]
        context["can_reject"] = may_decide and obj.state in REJECTABLE  # type: ignore[union-attr]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request: HttpRequest, obj: SurveyResponse) -> HttpResponse:
        """The "save and approve" / "save and reject" buttons, after the save itself.

        The form (and its note) is saved first, then the decision is recorded as
        the list's actions record it. Django's change view has already refused a
        POST from anyone without the change permission.
        """
        if "_approve" in request.POST:
            decision, allowed = SurveyResponse.State.ACCEPTED, APPROVABLE
        elif "_reject" in request.POST:
            decision, allowed = SurveyResponse.State.REJECTED, REJECTABLE
        else:
            return super().response_change(request, obj)
        answers = SurveyResponse.objects.filter(pk=obj.pk, state__in=allowed)
        if not self._review(request, answers, to_state=decision):
            # Moved by someone else since the page was shown (or a forged button).
            refused = (
                gettext("Only a flagged or rejected answer can be approved: nothing changed.")
                if decision == SurveyResponse.State.ACCEPTED
                else gettext("Only a flagged or accepted answer can be rejected: nothing changed.")
            )
            self.message_user(request, refused, messages.ERROR)
            # The full list's page: the answer may have left the queue.
            return HttpResponseRedirect(
                reverse("admin:surveys_surveyresponse_change", args=[obj.pk])
            )
        message = (
            gettext("The answer “%(answer)s” is approved: it counts from the next snapshot.")
            if decision == SurveyResponse.State.ACCEPTED
            else gettext("The answer “%(answer)s” is rejected: it stays out of the benchmarks.")
        )
        self.message_user(request, message % {"answer": obj}, messages.SUCCESS)
        return self.response_after_decision(request, obj)

    def response_after_decision(self, request: HttpRequest, obj: SurveyResponse) -> HttpResponse:
        """Back on the answer's page, which shows its new state."""
        return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("demo"), boolean=False, ordering="source")
    def demo_badge(self, response: SurveyResponse) -> str:
        if not response.is_demo:
            return ""
        return format_html('<span class="demo-badge">{}</span>', gettext("DEMO"))

    @admin.display(description=_("flags"))
    def flag_labels(self, response: SurveyResponse) -> str:
        return "; ".join(str(FLAG_LABELS.get(flag, flag)) for flag in response.flags) or "—"

    @admin.display(description=_("profile"))
    def profile(self, response: SurveyResponse) -> str:
        """Status and role; experience and region; the job title as typed (editors only)."""
        years = ngettext(
            "%(years)d year of experience",
            "%(years)d years of experience",
            response.experience_years,
        ) % {"years": response.experience_years}
        return format_html(
            "{} · {}<br>{} · {}{}",
            response.get_status_display(),
            response.get_role_display(),
            years,
            response.get_region_display(),
            format_html("<br><small>{}</small>", response.job_title) if response.job_title else "",
        )

    @admin.display(description=_("missions"))
    def mission_labels(self, response: SurveyResponse) -> str:
        return _labels(response.missions, vocab.MISSIONS)

    @admin.display(description=_("KPIs reported on"))
    def kpi_labels(self, response: SurveyResponse) -> str:
        return _labels(response.kpis, vocab.KPIS)

    @admin.display(description=_("pay"))
    def pay(self, response: SurveyResponse) -> str:
        if response.total_fte is not None:
            amount = formats.number_format(response.total_fte, force_grouping=True)
            return gettext("%(amount)s %(currency)s per year, full time") % {
                "amount": amount,
                "currency": response.currency,
            }
        if response.day_rate is not None:
            amount = formats.number_format(response.day_rate, force_grouping=True)
            return gettext("%(amount)s %(currency)s per day") % {
                "amount": amount,
                "currency": response.currency,
            }
        return "—"

    def _review(
        self,
        request: HttpRequest,
        queryset: models.QuerySet[SurveyResponse],
        *,
        to_state: str,
    ) -> int:
        """Move the answers to `to_state`, note who did it and when, and log it."""
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True))
            count = SurveyResponse.objects.filter(pk__in=ids).update(
                state=to_state, reviewed_at=timezone.now(), reviewed_by=request.user
            )
            LogEntry.objects.log_actions(
                request.user.pk,
                SurveyResponse.objects.filter(pk__in=ids).select_related("edition"),
                CHANGE,
                # Django's structured form, shown translated in each object's history.
                change_message=[{"changed": {"fields": ["state"]}}],
            )
        return count

    @admin.action(
        description=_("Release the selected flagged answers into the benchmarks"),
        permissions=["change"],
    )
    def release(self, request: HttpRequest, queryset: models.QuerySet[SurveyResponse]) -> None:
        count = self._review(
            request,
            queryset.filter(state=SurveyResponse.State.FLAGGED),
            to_state=SurveyResponse.State.ACCEPTED,
        )
        self.message_user(
            request,
            ngettext("%(count)d answer released.", "%(count)d answers released.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject the selected answers"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: models.QuerySet[SurveyResponse]) -> None:
        count = self._review(
            request,
            queryset.filter(
                state__in=[SurveyResponse.State.FLAGGED, SurveyResponse.State.ACCEPTED]
            ),
            to_state=SurveyResponse.State.REJECTED,
        )
        self.message_user(
            request,
            ngettext("%(count)d answer rejected.", "%(count)d answers rejected.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Export the selected answers as CSV"))
    def export_csv(
        self, request: HttpRequest, queryset: models.QuerySet[SurveyResponse]
    ) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            responses_csv_lines(queryset), content_type="text/csv; charset=utf-8"
        )
        filename = f"cmbench-responses-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(FlaggedResponse)
class FlaggedResponseAdmin(SurveyResponseAdmin):
    """The moderation queue: flagged answers only, newest first (the date has ties: the id)."""

    # Fewer, fuller columns than the full list: what a decision needs, on a laptop.
    list_display = (
        "id",
        "demo_badge",
        "submitted_on",
        "edition",
        "flag_labels",
        "pay",
        "profile",
    )
    list_filter = (FlagFilter, "edition", "country", "status", "role", "source")
    ordering = ("-submitted_on", "-id")
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[SurveyResponse]:
        return super().get_queryset(request).flagged()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # "Moderation queue" rather than Django's "Select flagged response to change".
        context = {"title": capfirst(gettext("moderation queue")), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def response_after_decision(self, request: HttpRequest, obj: SurveyResponse) -> HttpResponse:
        """Back to the queue (with its filters), which the answer has left: on to the next."""
        return self.response_post_save_change(request, obj)
