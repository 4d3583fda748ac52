"""Interviews with practitioners: their answers to the fixed questions, and the editors' queue.

The table is still `surveys_interview`: the model moved here from the survey
app with its rows (migrations: surveys 0010 and interviews 0001 change the
migration state only, interviews 0002 moves the content types and with them
the editors' permissions and admin history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab


class InterviewQuerySet(models.QuerySet["Interview"]):
    def published(self) -> InterviewQuerySet:
        """Approved interviews: the only ones a page or the API ever shows."""
        return self.filter(state=Interview.State.APPROVED)

    def pending(self) -> InterviewQuerySet:
        """Interviews waiting for an editor."""
        return self.filter(state=Interview.State.PENDING)


class Interview(models.Model):
    """A practitioner's answers to the fixed interview questions, published after moderation.

    It is not linked to any survey answer. The slug is set on approval from the
    role, the country and a random part, never from the name, so a pending or
    rejected interview has no public address at all. `language` is the one the
    answers were written in: pages show them in it, whatever the page language.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    class Language(models.TextChoices):
        FR = "fr", "Français"
        EN = "en", "English"

    # The fixed questions, in the order they are asked (labels: interviews.services.QUESTIONS).
    path_to_job = models.TextField(_("how you came to the job"), max_length=3000)
    current_position = models.TextField(_("current position"), max_length=1000)
    community_management = models.TextField(
        _("what community management is for you"), max_length=3000
    )
    typical_week = models.TextField(_("a typical week"), max_length=3000)
    missions_and_tools = models.TextField(_("missions and tools"), max_length=3000)
    measuring_work = models.TextField(_("how you measure your work"), max_length=3000)
    advice = models.TextField(_("advice to newcomers"), max_length=3000)

    role = models.CharField(_("role"), max_length=24, choices=vocab.ROLE.choices)
    # Empty for freelancers and anyone without one employer.
    employer_type = models.CharField(
        _("employer type"), max_length=10, choices=vocab.EMPLOYER_TYPE.choices, blank=True
    )
    country = models.CharField(_("country"), max_length=2, choices=vocab.COUNTRY.choices)
    # Empty: published as anonymous.
    display_name = models.CharField(_("name shown"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    consent_to_publish = models.BooleanField(_("consent to publish"), default=False)

    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    slug = models.SlugField(_("slug"), max_length=60, blank=True)
    is_sample = models.BooleanField(
        _("sample"), default=False, help_text=_("Written by the editors to show the format.")
    )
    # The day only, as for a survey answer (privacy rule 10).
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )

    objects = InterviewQuerySet.as_manager()

    class Meta:
        # Created by the survey app before interviews had an app of their own.
        db_table = "surveys_interview"
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        indexes = [models.Index(fields=["state", "reviewed_at"], name="interview_public_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_to_publish=True), name="interview_has_consent"
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=~Q(slug=""), name="one_interview_per_slug"
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | ~Q(slug=""), name="approved_interview_has_slug"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.role} {self.country} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("interview-detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.state == self.State.APPROVED and bool(self.slug)


class PendingInterview(Interview):
    """The interview moderation queue, an admin entry of its own (a proxy: no table)."""

    class Meta:
        proxy = True
        verbose_name = _("pending interview")
        verbose_name_plural = _("pending interviews")
