"""The survey as a web form: DESIGN.md's fields in five sections, judged by `validation`.

The form fields only carry the raw values: `validation.validate_answers`, the
one place of the rules, decides what is valid, so the form, the API and the CSV
import say the same thing in the same words. The form adds what only a web
page needs: labels, help texts, widgets whose bounds come from
`validation.FIELDS`, and two defences against scripted answers (a honeypot and
a minimum time between opening the form and sending it).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab
from surveys.validation import (
    FIELDS_BY_NAME,
    FREELANCE_REQUIRED,
    SALARIED_REQUIRED,
    InvalidAnswers,
    validate_answers,
)

# How a field is marked on the page: always required, required for some
# statuses only (the section says which), or optional.
REQUIRED, CONDITIONAL, OPTIONAL = "required", "conditional", "optional"

STARTED_SALT = "surveys.forms.started"
# A form older than this was not being filled in: it gets a fresh start time.
STARTED_MAX_AGE_SECONDS = 2 * 24 * 3600

DEFENCE_MESSAGES = {
    "honeypot": _(
        "This answer looks automated and was not recorded. If you filled it in yourself, "
        "please reload the page and send it again."
    ),
    "too_fast": _(
        "The form was sent only seconds after it was opened, faster than anyone can read it. "
        "Nothing was recorded: check your answers and send the form again."
    ),
    "tampered": _(
        "The form had expired or was altered. Nothing was recorded: check your answers and "
        "send the form again."
    ),
    "reused": _(
        "This form was already sent once. Nothing more was recorded: to send another answer, "
        "check your answers and send the form again."
    ),
}

SATISFACTION_CHOICES = [
    ("5", _("5 — very satisfied")),
    ("4", _("4 — satisfied")),
    ("3", _("3 — neither satisfied nor dissatisfied")),
    ("2", _("2 — dissatisfied")),
    ("1", _("1 — very dissatisfied")),
]


def started_token(at: float | None = None) -> str:
    """A signed, tamper-proof record of when one form was handed out (seconds since the epoch).

    Each token also carries a random part, so no two forms share one: a token
    is used up by the answer it brings (`SurveyForm.claim_start`).
    """
    started = int(at if at is not None else time.time())
    return signing.dumps({"at": started, "form": secrets.token_urlsafe(12)}, salt=STARTED_SALT)


def _started_at(token: str) -> int | None:
    """The start time a token carries, or None if it was altered or is too old."""
    try:
        started = signing.loads(token, salt=STARTED_SALT, max_age=STARTED_MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(started, dict) or type(started.get("at")) is not int:
        return None
    return int(started["at"])


def started_token_key(token: str) -> str:
    """The cache key that marks `token` used: a hash of it, never the token itself."""
    return f"survey:started-used:{hashlib.sha256(token.encode()).hexdigest()[:32]}"


def _started_is_used(token: str) -> bool:
    return bool(cache.get(started_token_key(token)))


class AnswerField(forms.Field):
    """A form field that hands its raw value to `validate_answers`, which alone judges it."""

    def __init__(self, *, necessity: str, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.necessity = necessity
        # The browser may help with the always-required fields; the server
        # still decides. Checkbox groups have no meaningful `required`.
        if necessity == REQUIRED and not isinstance(self.widget, forms.CheckboxSelectMultiple):
            self.widget.attrs["required"] = True

    def to_python(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Section:
    """A fieldset of the form; `parts` are (sub-legend or None, field names)."""

    key: str
    legend: Promise
    intro: Promise | None
    parts: tuple[tuple[Promise | None, tuple[str, ...]], ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "situation",
        _("Your situation"),
        None,
        (
            (
                None,
                (
                    "status",
                    "role",
                    "job_title",
                    "experience_years",
                    "education",
                    "country",
                    "region",
                    "work_time_share",
                ),
            ),
        ),
    ),
    Section(
        "employer",
        _("Your employer"),
        _("Employees and trainees only: freelancers leave this part empty."),
        ((None, ("employer_size", "employer_type")),),
    ),
    Section(
        "pay",
        _("Your pay"),
        _(
            "Employees and trainees give their salary; freelancers give their day rate and "
            "the days they bill. Whole amounts in your country's currency."
        ),
        (
            (_("Employees and trainees"), ("base_salary", "variable_pay")),
            (_("Freelancers"), ("day_rate", "billed_days")),
        ),
    ),
    Section(
        "work",
        _("Your work"),
        None,
        ((None, ("missions", "kpis", "weekly_hours", "remote_days", "satisfaction")),),
    ),
    Section(
        "about",
        _("About you (optional)"),
        _("Used only to measure pay gaps across whole groups; you may skip these questions."),
        ((None, ("gender", "age_band")),),
    ),
)

LABELS: dict[str, Promise] = {
    "status": _("Your status"),
    "role": _("Your role"),
    "job_title": _("Your job title"),
    "experience_years": _("Years of experience in community or social media roles"),
    "education": _("Highest level of education"),
    "country": _("Country where you work"),
    "region": _("Region where you work"),
    "work_time_share": _("Share of full time worked"),
    "employer_size": _("Size of your employer"),
    "employer_type": _("Type of employer"),
    "base_salary": _("Base salary, gross per year"),
    "variable_pay": _("Variable pay and bonuses, gross per year"),
    "day_rate": _("Day rate, excluding VAT"),
    "billed_days": _("Days billed per year"),
    "missions": _("Your missions"),
    "kpis": _("The indicators (KPIs) you report on"),
    "weekly_hours": _("Hours worked in a usual week"),
    "remote_days": _("Days worked remotely in a usual week"),
    "satisfaction": _("How satisfied are you with your job?"),
    "gender": _("Gender"),
    "age_band": _("Age"),
}

HELP_TEXTS: dict[str, Promise] = {
    "role": _("The closest match to what you do most of the time."),
    "job_title": _("As written on your contract. Read by the editors only, never published."),
    "experience_years": _("Completed years, from 0 to 50."),
    "region": _("It must be in the country chosen above."),
    "work_time_share": _(
        "1 for full time, 0.8 for four days a week, 0.5 for half time (from 0.1 to 1)."
    ),
    "employer_size": _("Number of employees of the whole company or organization."),
    "base_salary": _(
        "Before tax, for the time you actually work: it is converted to full time for you."
    ),
    "variable_pay": _("Bonuses, commissions, profit-sharing. Leave empty if none."),
    "day_rate": _("Your usual rate for one day of work."),
    "billed_days": _("From 1 to 260."),
    "missions": _("Tick every mission you do regularly."),
    "kpis": _("Tick every indicator you report on."),
    "weekly_hours": _("From 1 to 80."),
    "remote_days": _("From 0 to 5."),
}

# Browser hints only: the address-book autocomplete must not fill survey fields.
_NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off"}


def _necessity(name: str) -> str:
    if FIELDS_BY_NAME[name].required:
        return REQUIRED
    if name in SALARIED_REQUIRED or name in FREELANCE_REQUIRED:
        return CONDITIONAL
    return OPTIONAL


def _bounds(name: str) -> dict[str, str]:
    field = FIELDS_BY_NAME[name]
    bounds = {}
    for attr, bound in (("min", field.min), ("max", field.max)):
        if bound is not None:
            bounds[attr] = str(int(bound)) if float(bound).is_integer() else str(bound)
    return bounds


def _widget(name: str) -> forms.Widget:
    """The widget of a field, with the bounds of `validation.FIELDS` as HTML attributes."""
    field = FIELDS_BY_NAME[name]
    if name == "satisfaction":
        return forms.Select(choices=[("", _("Choose…")), *SATISFACTION_CHOICES])
    if field.kind == "codes":
        return forms.CheckboxSelectMultiple(choices=_code_choices(name))
    if field.kind == "code":
        return forms.Select(choices=_code_choices(name))
    if field.kind == "text":
        return forms.TextInput(
            attrs={"maxlength": str(field.max_length), "autocomplete": "organization-title"}
        )
    if field.kind == "float":
        return forms.NumberInput(
            attrs={**_bounds(name), "step": "any", "inputmode": "decimal", "autocomplete": "off"}
        )
    return forms.NumberInput(attrs={**_bounds(name), "step": "1", **_NUMBER_ATTRS})


def _code_choices(name: str) -> list[Any]:
    """Choices in the active language; regions grouped by country."""
    empty = ("", _("Choose…"))
    if name == "region":
        return [
            empty,
            *[
                (vocab.COUNTRY.label(country), [(t.code, t.label()) for t in regions])
                for country, regions in vocab.REGIONS_BY_COUNTRY.items()
            ],
        ]
    vocabulary = FIELDS_BY_NAME[name].vocabulary
    assert vocabulary is not None
    choices = [(term.code, term.label()) for term in vocabulary]
    return choices if FIELDS_BY_NAME[name].kind == "codes" else [empty, *choices]


class SurveyForm(forms.Form):
    """One answer to the open edition. `answers` holds the cleaned answer once valid."""

    # Honeypot: hidden from people by the stylesheet and from keyboards by
    # tabindex; a script that fills every input fills it.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in SECTIONS:
            for _legend, names in section.parts:
                for name in names:
                    self.fields[name] = self._answer_field(name)
        self.answers: dict[str, Any] | None = None

    def _answer_field(self, name: str) -> AnswerField:
        field = AnswerField(
            necessity=_necessity(name),
            label=LABELS[name],
            help_text=HELP_TEXTS.get(name, ""),
            widget=_widget(name),
        )
        if name == "work_time_share":
            field.initial = "1"
        return field

    @property
    def sections(self) -> list[dict[str, Any]]:
        """The sections with their bound fields, for the template."""
        return [
            {
                "key": section.key,
                "legend": section.legend,
                "intro": section.intro,
                "parts": [
                    {"legend": legend, "fields": [self[name] for name in names]}
                    for legend, names in section.parts
                ],
            }
            for section in SECTIONS
        ]

    @property
    def invalid_fields(self) -> list[forms.BoundField]:
        """The fields in error, in page order, for the summary at the top of the form."""
        return [field for field in self if field.errors]

    @property
    def started_value(self) -> str:
        """The start token to render: the one sent back if genuine, else a fresh one.

        Keeping a genuine token means a respondent correcting an error is not
        held to the minimum time a second time.
        """
        token = self.data.get("started", "") if self.is_bound else ""
        if token and _started_at(token) is not None and not _started_is_used(token):
            return token
        return started_token()

    def claim_start(self) -> bool:
        """Use up the start token of this valid form: False, with the error, if it was used.

        A token brings one answer: the cache remembers it until it would have
        expired anyway. `cache.add` is atomic, so of two answers sent together
        with one token, one is taken and the other refused.
        """
        token = self.cleaned_data.get("started") or ""
        if cache.add(started_token_key(token), 1, timeout=STARTED_MAX_AGE_SECONDS):
            return True
        self.add_error(None, DEFENCE_MESSAGES["reused"])
        return False

    def release_start(self) -> None:
        """The answer the token brought was refused after all (duplicate, too many): free it."""
        cache.delete(started_token_key(self.cleaned_data.get("started") or ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_defences(cleaned)
        raw = {name: cleaned.get(name) for name in self.fields if name in FIELDS_BY_NAME}
        try:
            self.answers = validate_answers(raw)
        except InvalidAnswers as invalid:
            for name, messages in invalid.errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return cleaned

    def _check_defences(self, cleaned: dict[str, Any]) -> None:
        if (cleaned.get("website") or "").strip():
            self.add_error(None, DEFENCE_MESSAGES["honeypot"])
            return
        started = _started_at(cleaned.get("started") or "")
        if started is None:
            self.add_error(None, DEFENCE_MESSAGES["tampered"])
        elif time.time() - started < settings.SURVEY_MIN_FILL_SECONDS:
            self.add_error(None, DEFENCE_MESSAGES["too_fast"])


class WithdrawForm(forms.Form):
    """The receipt code shown once after answering."""

    receipt = forms.CharField(
        label=_("Your receipt code"),
        help_text=_("The code shown once after you answered, like 7KQ2-M9XD-4HTA-PW3C."),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
