"""Survey editions, the answers to them, and the legal minimum wages they are checked against."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab


class EditionQuerySet(models.QuerySet["Edition"]):
    def open(self) -> EditionQuerySet:
        """Editions currently taking answers (at most one)."""
        return self.filter(state=Edition.State.OPEN)


class Edition(models.Model):
    """One yearly survey: answers are collected while it is open."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.CLOSED)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="open"), name="one_open_edition"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True)
                | Q(opens_on__isnull=True)
                | Q(closes_on__gte=models.F("opens_on")),
                name="edition_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class LegalMinimum(models.Model):
    """A legal minimum wage for a year, gross per year full time, in the country's currency.

    Data, not code: editors update it in the admin when the minimum changes.
    National (no region) or regional: Canada's minimums are set by each province
    and territory, and a region with rows of its own reads them alone
    (`surveys.rules.legal_minimums`). A country without a national minimum
    (Switzerland) simply has no row.
    """

    country = models.CharField(_("country"), max_length=2, choices=vocab.COUNTRY.choices)
    region = models.CharField(
        _("region"),
        max_length=6,
        choices=vocab.REGION.choices,
        blank=True,
        default="",
        help_text=_("Empty for a national minimum; a province for Canada's."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    annual_gross = models.PositiveIntegerField(_("gross per year, full time"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("legal minimum wage")
        verbose_name_plural = _("legal minimum wages")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "region", "year"], name="one_minimum_per_area_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region or self.country} {self.year}: {self.annual_gross}"

    def clean(self) -> None:
        super().clean()
        if self.region and vocab.COUNTRY_OF_REGION.get(self.region) != self.country:
            raise ValidationError(
                {"region": _("This region is not in the country chosen.")}, code="region_country"
            )


class PriceIndex(models.Model):
    """A country's consumer price index, annual average of a year (any base, e.g. 2024 = 100).

    Data, not code: editors enter the official figure in the admin, with its
    source. Trends read it to bring an earlier edition's money to a later
    edition's (constant money: amount * index(later) / index(earlier)), so only
    the ratio of two years of one country matters, never the base; a country's
    years must share one base. A missing year means no constant money, never a guess.
    """

    country = models.CharField(_("country"), max_length=2, choices=vocab.COUNTRY.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(
        _("index value"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Annual average; every year of a country on the same base."),
    )
    source = models.CharField(
        _("source"), max_length=300, help_text=_("Who publishes it, and where (a URL).")
    )

    class Meta:
        verbose_name = _("consumer price index")
        verbose_name_plural = _("consumer price indices")
        ordering = ["country", "year"]
        constraints = [
            models.UniqueConstraint(fields=["country", "year"], name="one_price_index_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.year}: {self.value}"


class ReferenceShare(models.Model):
    """One level's share of a country's workforce, a reference the survey's sample is weighted to.

    Data, not code: editors enter an official distribution in the admin, with
    its source (DESIGN.md, Who answered). The snapshot build weights each
    country's salaries so that the sample's mix along `dimension` matches these
    shares (`benchmarks.build.weighting`): post-stratification on one
    dimension, raking on several. `level` is a code of the dimension's
    vocabulary, or several joined by "|" where the source does not split them
    (INSEE's SMEs, 10-249 employees, are "small|medium"); a country's levels
    of one dimension and year must cover every code once. Shares are read
    relative to their sum, so rounding does not matter.
    """

    # The dimensions a reference may describe (answers have them for employees).
    DIMENSIONS = (("employer_size", _("employer size")),)

    country = models.CharField(_("country"), max_length=2, choices=vocab.COUNTRY.choices)
    dimension = models.CharField(_("dimension"), max_length=20, choices=DIMENSIONS)
    level = models.CharField(
        _("level"),
        max_length=100,
        help_text=_("A code of the dimension, or several joined by | (small|medium)."),
    )
    share = models.DecimalField(
        _("share"),
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text=_("Between 0 and 1; a country's levels are read relative to their sum."),
    )
    year = models.PositiveSmallIntegerField(_("year of the reference"))
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reference share")
        verbose_name_plural = _("reference shares")
        ordering = ["country", "dimension", "-year", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "dimension", "year", "level"], name="one_reference_share"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.dimension} {self.level} {self.year}: {self.share}"

    def codes(self) -> tuple[str, ...]:
        """The vocabulary codes this level covers."""
        return tuple(code.strip() for code in self.level.split("|") if code.strip())

    def clean(self) -> None:
        vocabulary = vocab.ALL[self.dimension]
        unknown = [code for code in self.codes() if code not in vocabulary]
        if unknown or not self.codes():
            raise ValidationError(
                {
                    "level": gettext("Unknown code(s): %(codes)s. Allowed: %(allowed)s.")
                    % {
                        "codes": ", ".join(unknown) or "-",
                        "allowed": ", ".join(vocabulary.codes),
                    }
                }
            )
        if self.share is not None and self.share > 1:
            raise ValidationError({"share": gettext("A share is at most 1.")})


# Privacy rule 3 (DESIGN.md), the cell key method: every response carries a
# record key, uniform in [0, RECORD_KEY_RANGE), drawn once when it is stored. The
# snapshot build sums the record keys of a cell modulo this range to read that
# cell's noise, so the same set of responses gets the same noise everywhere. A
# key is never published, exported, shown to editors or logged: knowing the keys
# would let a reader take the noise back off a published count.
RECORD_KEY_RANGE = 256


def record_key_new() -> int:
    """One record key, from the system's CSPRNG (the bulk paths draw theirs vectorized)."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class SurveyResponseQuerySet(models.QuerySet["SurveyResponse"]):
    def accepted(self) -> SurveyResponseQuerySet:
        """Answers that may feed a benchmark."""
        return self.filter(state=SurveyResponse.State.ACCEPTED)

    def flagged(self) -> SurveyResponseQuerySet:
        """Answers waiting for an editor's review."""
        return self.filter(state=SurveyResponse.State.FLAGGED)

    def in_edition(self, year: int) -> SurveyResponseQuerySet:
        """Answers to the edition of that year."""
        return self.filter(edition__year=year)

    def in_country(self, country: str) -> SurveyResponseQuerySet:
        """Answers from one country."""
        return self.filter(country=country)


class SurveyResponse(models.Model):
    """One anonymous answer to an edition of the survey.

    It holds no name, e-mail or client address, and its submission date has
    no time of day, so it cannot be joined with an access log (privacy rule
    10). `job_title` is free text kept for editors only: it never reaches a
    benchmark or a public page. `record_key` is for the snapshot build only
    (RECORD_KEY_RANGE).
    """

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        FLAGGED = "flagged", _("flagged")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Source(models.TextChoices):
        SURVEY = "survey", _("survey")
        IMPORT = "import", _("import")
        DEMO = "demo", _("demo")

    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="responses", verbose_name=_("edition")
    )
    # The day only (privacy rule 10), in settings.TIME_ZONE.
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    # Why the answer was flagged at submission (codes of validation.FLAG_*).
    flags = models.JSONField(_("flags"), default=list, blank=True)
    review_note = models.CharField(_("moderation note"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # SHA-256 of the receipt code shown once to the respondent (privacy rule 9).
    receipt_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Privacy rule 3: see RECORD_KEY_RANGE. Out of the admin, the API, the CSV
    # export and as_answers(); no form may set it.
    record_key = models.PositiveSmallIntegerField(default=record_key_new, editable=False)

    status = models.CharField(_("status"), max_length=10, choices=vocab.STATUS.choices)
    role = models.CharField(_("role"), max_length=24, choices=vocab.ROLE.choices)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    experience_years = models.PositiveSmallIntegerField(_("years of experience"))
    education = models.CharField(_("education"), max_length=10, choices=vocab.EDUCATION.choices)
    employer_size = models.CharField(
        _("employer size"), max_length=12, choices=vocab.EMPLOYER_SIZE.choices, blank=True
    )
    employer_type = models.CharField(
        _("employer type"), max_length=10, choices=vocab.EMPLOYER_TYPE.choices, blank=True
    )
    country = models.CharField(_("country"), max_length=2, choices=vocab.COUNTRY.choices)
    region = models.CharField(_("region"), max_length=6, choices=vocab.REGION.choices)
    work_time_share = models.FloatField(_("share of full time worked"))

    # Employees and trainees: gross per year, whole units of the country's currency.
    base_salary = models.PositiveIntegerField(
        _("base salary, gross per year"), null=True, blank=True
    )
    variable_pay = models.PositiveIntegerField(
        _("variable pay, gross per year"), null=True, blank=True
    )
    # Freelancers: per day excluding VAT, and days billed per year.
    day_rate = models.PositiveIntegerField(_("day rate, excluding VAT"), null=True, blank=True)
    billed_days = models.PositiveSmallIntegerField(_("days billed per year"), null=True, blank=True)

    # Sets of codes as bit masks (vocabulary.mask_of): see `missions` and `kpis`.
    missions_mask = models.PositiveIntegerField(_("missions"), default=0)
    kpis_mask = models.PositiveIntegerField(_("KPIs reported on"), default=0)

    weekly_hours = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)
    remote_days = models.PositiveSmallIntegerField(_("remote days per week"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=vocab.GENDER.choices, blank=True)
    age_band = models.CharField(
        _("age band"), max_length=8, choices=vocab.AGE_BAND.choices, blank=True
    )

    # Normalized at submission: gross annual full-time equivalent, (base +
    # variable) / work_time_share, and base alone / work_time_share.
    total_fte = models.PositiveIntegerField(
        _("total, gross annual full-time equivalent"), null=True, blank=True
    )
    base_fte = models.PositiveIntegerField(
        _("base, gross annual full-time equivalent"), null=True, blank=True
    )

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        # A date has ties: the id keeps the order stable.
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            # The snapshot reads one edition's accepted answers country by country.
            models.Index(fields=["edition", "state", "country", "status"], name="resp_bench_idx"),
            models.Index(fields=["state", "submitted_on", "id"], name="resp_moderation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_time_share__gte=0.1) & Q(work_time_share__lte=1.0),
                name="work_time_share_between_0_1_and_1",
            ),
            models.CheckConstraint(
                condition=Q(experience_years__lte=50), name="experience_years_at_most_50"
            ),
            models.CheckConstraint(
                condition=Q(record_key__lt=RECORD_KEY_RANGE), name="record_key_in_range"
            ),
        ]

    def __str__(self) -> str:
        # The edition by its year, as editors know it (its id means nothing to them).
        return gettext("#%(id)s · %(year)s edition · %(country)s · %(status)s") % {
            "id": self.pk,
            "year": self.edition.year,
            "country": self.get_country_display(),
            "status": self.get_status_display(),
        }

    @property
    def missions(self) -> list[str]:
        return vocab.codes_of(self.missions_mask, vocab.MISSIONS)

    @property
    def kpis(self) -> list[str]:
        return vocab.codes_of(self.kpis_mask, vocab.KPIS)

    @property
    def experience(self) -> str:
        return vocab.experience_band(self.experience_years)

    @property
    def currency(self) -> str:
        return vocab.CURRENCY_BY_COUNTRY[self.country]

    @property
    def is_demo(self) -> bool:
        return self.source == self.Source.DEMO

    def as_answers(self) -> dict[str, Any]:
        """The answer with the API's and the CSV's field names (DESIGN.md)."""
        return {
            "edition": self.edition.year,
            "status": self.status,
            "role": self.role,
            "job_title": self.job_title,
            "experience_years": self.experience_years,
            "education": self.education,
            "employer_size": self.employer_size,
            "employer_type": self.employer_type,
            "country": self.country,
            "region": self.region,
            "work_time_share": self.work_time_share,
            "base_salary": self.base_salary,
            "variable_pay": self.variable_pay,
            "day_rate": self.day_rate,
            "billed_days": self.billed_days,
            "missions": self.missions,
            "kpis": self.kpis,
            "weekly_hours": self.weekly_hours,
            "remote_days": self.remote_days,
            "satisfaction": self.satisfaction,
            "gender": self.gender,
            "age_band": self.age_band,
        }


class FlaggedResponse(SurveyResponse):
    """The moderation queue: the answers flagged at submission, as editors see them in the admin.

    A proxy (no table of its own) so that the queue is an entry of its own in
    the admin, beside all the responses.
    """

    class Meta:
        proxy = True
        verbose_name = _("flagged response")
        # A plural noun: the admin prints it after a count ("58 flagged responses").
        verbose_name_plural = _("flagged responses")
