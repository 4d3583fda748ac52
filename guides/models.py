"""Role-definition guides, written in Markdown in French and English, and their revisions.

One guide holds both languages side by side, so an editor sees at once what a
change leaves untranslated; a page shows the active language's version and
falls back to the other one. Bodies may carry live figures
(`[[salary.p50 role=community-manager]]`, see guides.figures), computed from
the published snapshot when the page is shown.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guides.revisions import Revision, Revisioned

# What a revision keeps of a guide: everything an editor writes.
CONTENT_FIELDS = ("title_fr", "title_en", "summary_fr", "summary_en", "body_fr", "body_en")
LANGUAGES = ("fr", "en")


class GuideQuerySet(models.QuerySet["Guide"]):
    def published(self) -> GuideQuerySet:
        """Guides readers see, in reading order."""
        return self.filter(is_published=True).order_by("position", "slug")


class Guide(Revisioned):
    """A guide to a role (`roles` non-empty: its live figures and interviews) or to a topic."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Guides are listed by position, smallest first.")
    )
    # Role codes (surveys.vocabulary.ROLE) the guide defines: the page shows their
    # figures table and quotes from their interviews. Empty for a topic guide.
    roles = models.JSONField(_("roles"), default=list, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_fr = models.CharField(_("summary (French)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    body_fr = models.TextField(_("body (French, Markdown)"), blank=True)
    body_en = models.TextField(_("body (English, Markdown)"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)

    objects = GuideQuerySet.as_manager()

    CONTENT_FIELDS = CONTENT_FIELDS

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("guide")
        verbose_name_plural = _("guides")

    def __str__(self) -> str:
        return self.title_en or self.title_fr or self.slug

    def get_absolute_url(self) -> str:
        return reverse("guide-detail", kwargs={"slug": self.slug})

    def language_for(self, language: str) -> str:
        """The language a reader of `language` is shown: that one if written, else the other."""
        wanted = language[:2] if language[:2] in LANGUAGES else LANGUAGES[0]
        if getattr(self, f"body_{wanted}").strip() and getattr(self, f"title_{wanted}").strip():
            return wanted
        other = next(code for code in LANGUAGES if code != wanted)
        return other if getattr(self, f"body_{other}").strip() else wanted

    def title_in(self, language: str) -> str:
        return str(getattr(self, f"title_{language}")) or self.slug

    def summary_in(self, language: str) -> str:
        return str(getattr(self, f"summary_{language}"))

    def body_in(self, language: str) -> str:
        return str(getattr(self, f"body_{language}"))


class GuideRevision(Revision):
    """One saved version of a guide (guides.revisions: every change adds one, never changed).

    Every save that changes a guide adds one, so the history holds every
    previous body. A rollback copies an old revision back into the guide and
    is itself a new revision: history only ever grows.
    """

    PARENT = "guide"

    guide = models.ForeignKey(
        Guide, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("guide")
    )
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_fr = models.CharField(_("summary (French)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    body_fr = models.TextField(_("body (French, Markdown)"), blank=True)
    body_en = models.TextField(_("body (English, Markdown)"), blank=True)

    class Meta:
        ordering = ["guide", "-number"]
        verbose_name = _("guide revision")
        verbose_name_plural = _("guide revisions")
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="one_revision_number")
        ]
