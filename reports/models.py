"""The editors' words of the yearly report: an introduction and a commentary per section.

The figures of a report are never stored here: they are read live from the
published snapshot (`reports.contents`). What an editor writes is Markdown,
per edition year and section, in French and English side by side (as guides
hold both languages, so a change that leaves one untranslated shows), shown
only once published, and every saved version is kept as a revision
(`reports.services`, the same design as `guides.services`).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guides.revisions import Revision, Revisioned

# What a revision keeps of a text: everything an editor writes.
CONTENT_FIELDS = ("body_fr", "body_en")
LANGUAGES = ("fr", "en")


class Section(models.TextChoices):
    """The parts of a report an editor may comment on, in reading order."""

    INTRODUCTION = "introduction", _("Introduction")
    HEADLINE = "headline", _("Headline figures")
    EXPERIENCE = "experience", _("Pay by experience")
    EDUCATION = "education", _("Pay by education")
    EMPLOYER_SIZE = "employer_size", _("Pay by employer size")
    EMPLOYER_TYPE = "employer_type", _("Pay by employer type")
    REGION = "region", _("Pay by region")
    ROLE = "role", _("Pay by role")
    DAY_RATES = "day_rates", _("Day rates")
    MISSIONS = "missions", _("Missions and KPIs")
    DIFFERENCES = "differences", _("Significant differences")
    CHANGE = "change", _("Change since the previous edition")
    SAMPLE = "sample", _("Who answered")


class ReportTextQuerySet(models.QuerySet["ReportText"]):
    def published(self) -> ReportTextQuerySet:
        """Texts readers see."""
        return self.filter(is_published=True)

    def of_year(self, year: int) -> ReportTextQuerySet:
        return self.filter(year=year)


class ReportText(Revisioned):
    """An editor's introduction or commentary of one section of one edition's report."""

    year = models.PositiveSmallIntegerField(
        _("edition"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    body_fr = models.TextField(_("text (French, Markdown)"), blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)

    objects = ReportTextQuerySet.as_manager()

    CONTENT_FIELDS = CONTENT_FIELDS

    class Meta:
        ordering = ["-year", "section"]
        verbose_name = _("report text")
        verbose_name_plural = _("report texts")
        constraints = [
            models.UniqueConstraint(fields=["year", "section"], name="one_text_per_report_section")
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.get_section_display()}"

    def body_in(self, language: str) -> str:
        """The text in `language` ("fr" or "en"); "" when that language is not written."""
        code = language[:2] if language[:2] in LANGUAGES else LANGUAGES[0]
        return str(getattr(self, f"body_{code}"))


class ReportTextRevision(Revision):
    """One saved version of a report text (guides.revisions: every change adds one)."""

    PARENT = "text"

    text = models.ForeignKey(
        ReportText, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("text")
    )
    body_fr = models.TextField(_("text (French, Markdown)"), blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)

    class Meta:
        ordering = ["text", "-number"]
        verbose_name = _("report text revision")
        verbose_name_plural = _("report text revisions")
        constraints = [
            models.UniqueConstraint(fields=["text", "number"], name="one_report_revision_number")
        ]
