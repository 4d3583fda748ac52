"""The survey as a web form: DESIGN.md's fields in five sections, judged by `validation`.

The form fields only carry the raw values: `validation.validate_answers`, the
one place of the rules, decides what is valid, so the form, the API and the CSV
import say the same thing in the same words. The form adds what only a web
page needs: labels, help texts, widgets whose bounds come from
`validation.FIELDS`, and two defences against scripted answers (a honeypot and
a minimum time between opening the form and sending it).

Three helpers turn what people type into the answer's values, without script:
the work-time share is picked among common shares (or typed as a percent or a
decimal, "80 %", "0,8"); a monthly gross salary times the number of monthly
payments fills an empty yearly salary; and an amount that trips a stage-1
sanity bound (`validation.sanity_flags`) is shown back with a "did you mean…?"
and stored only once the respondent confirms it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from surveys import vocabulary as vocab
from surveys.rules.sanity_bounds import FRANCE, bounds_for
from surveys.validation import (
    FIELDS_BY_NAME,
    FLAG_BELOW_LEGAL_MINIMUM,
    FLAG_DAY_RATE_ABOVE_CEILING,
    FLAG_DAY_RATE_BELOW_FLOOR,
    FLAG_SALARY_ABOVE_CEILING,
    FREELANCE_REQUIRED,
    MESSAGES,
    SALARIED_REQUIRED,
    InvalidAnswers,
    full_time_equivalents,
    is_blank,
    sanity_flags,
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

# The common shares of full time, as choices; "other" asks for any share in its own field.
OTHER_SHARE = "other"
WORK_TIME_CHOICES = [
    ("1", _("100% (full time)")),
    ("0.9", _("90%")),
    ("0.8", _("80% (four days a week)")),
    ("0.7", _("70%")),
    ("0.6", _("60%")),
    ("0.5", _("50% (half time)")),
    (OTHER_SHARE, _("Another share")),
]
# "80 %", "80", "0,8", "0.8": a number, then perhaps a percent sign.
_SHARE = re.compile(r"^(\d+(?:[.,]\d*)?|[.,]\d+)\s*(%)?$", re.ASCII)
# A whole amount as typed in the monthly helper: ASCII digits only (int() would take "٣"
# and refuse "²", which str.isdigit() accepts), at most 9 of them.
_WHOLE = re.compile(r"^\d{1,9}$", re.ASCII)
WORK_TIME_MESSAGES = {
    "unreadable": _("Enter a percent such as 40%, or a share such as 0.4."),
    "range": _("Enter a share between 10% and 100%."),
}

# Monthly payments in a year, for the monthly → yearly helper (a 13th or 14th month is
# paid in many French, Belgian and Swiss contracts).
SALARY_MONTHS_CHOICES = [
    ("12", _("12")),
    ("13", _("13 (with a 13th month)")),
    ("14", _("14 (with a 13th and a 14th month)")),
]
MONTHLY_MISMATCH = _(
    "Your yearly salary (%(yearly)s) is not %(months)s × %(monthly)s = %(computed)s: "
    "correct one of them, or leave the yearly salary empty."
)

# The form's helpers: fields of the page only, never sent to `validate_answers`.
HELPER_FIELDS = ("work_time_share_other", "monthly_salary", "salary_months")
# The checkbox that confirms the unusual amounts shown; its value names those amounts.
CONFIRM_FIELD = "confirm_amounts"

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


def parse_work_time_share(text: str) -> float | None:
    """A share of full time from what a person types: "80 %", "80", "0,8" and "0.8" give 0.8.

    A number followed by "%", or above 1, is a percent; 1 or less is already a
    share (so "1" is full time, not 1 %). None when it is not a number at all.
    """
    match = _SHARE.match(text.strip().replace("\u202f", " ").replace("\u00a0", " "))
    if match is None:
        return None
    number = float(match.group(1).replace(",", "."))
    return round(number / 100, 4) if match.group(2) or number > 1 else number


def _grouped(number: int) -> str:
    """A whole number as the active language groups it: 26 000 / 26,000."""
    return formats.number_format(number, force_grouping=True)


@dataclass(frozen=True)
class UnusualAmount:
    """An amount of a valid answer that trips a stage-1 sanity bound, as the form asks about it.

    `flag` is the `validation.FLAG_*` code, `field` the form field holding
    `amount` (whole units of `currency`). For salaries, `full_time` is the gross
    annual full-time equivalent that tripped the bound. `bound` is the bound
    crossed (the legal minimum, a ceiling or a floor). `suggestion` is an amount
    the respondent may have meant, one that trips no bound, and `suggestion_kind`
    says how it was guessed: "thousands" (35 for 35 000), "monthly" (12 monthly
    payments), "hourly" (7 hours of an hourly rate) or "zero" (one zero too
    many); both are empty when no guess passes. `country` is the answer's
    country, whose bounds they are.
    """

    flag: str
    field: str
    label: Promise
    amount: int
    currency: str
    bound: int
    full_time: int | None = None
    suggestion: int | None = None
    suggestion_kind: str = ""
    # The answer's country: its bounds are its own (surveys.rules.sanity_bounds).
    country: str = ""


# For each flag, the guesses tried in order: (kind, the amount it gives).
_GUESSES = {
    FLAG_BELOW_LEGAL_MINIMUM: (
        ("thousands", lambda amount: amount * 1000),
        ("monthly", lambda amount: amount * 12),
    ),
    FLAG_SALARY_ABOVE_CEILING: (
        ("zero", lambda amount: amount // 10),
        ("zero", lambda amount: amount // 100),
    ),
    FLAG_DAY_RATE_BELOW_FLOOR: (
        ("hourly", lambda amount: amount * 7),
        ("zero", lambda amount: amount * 10),
    ),
    FLAG_DAY_RATE_ABOVE_CEILING: (("zero", lambda amount: amount // 10),),
}


def unusual_amounts(answers: dict[str, Any], *, legal_minimum: int | None) -> list[UnusualAmount]:
    """The amounts of a cleaned answer that `validation.sanity_flags` flags, one per flag.

    The bounds are the validation's own: this only says which field holds the
    amount, and looks for a guess at what was meant that would trip no bound.
    """
    currency = vocab.CURRENCY_BY_COUNTRY.get(answers["country"], "")
    total_fte, _base_fte = full_time_equivalents(
        answers.get("base_salary"), answers.get("variable_pay"), answers["work_time_share"]
    )
    found = []
    bounds = bounds_for(answers["country"]) or FRANCE
    for flag in sanity_flags(answers, legal_minimum=legal_minimum):
        if flag in (FLAG_DAY_RATE_BELOW_FLOOR, FLAG_DAY_RATE_ABOVE_CEILING):
            field, full_time = "day_rate", None
            bound = (
                bounds.day_rate_floor
                if flag == FLAG_DAY_RATE_BELOW_FLOOR
                else bounds.day_rate_ceiling
            )
        else:
            # A salary: the base, unless the variable pay is what lifts it over the ceiling.
            variable_pay = answers.get("variable_pay") or 0
            field = (
                "variable_pay"
                if flag == FLAG_SALARY_ABOVE_CEILING and variable_pay > answers["base_salary"]
                else "base_salary"
            )
            full_time = total_fte
            bound = (
                int(legal_minimum or 0)
                if flag == FLAG_BELOW_LEGAL_MINIMUM
                else bounds.salary_ceiling
            )
        amount = int(answers[field])
        suggestion, kind = None, ""
        for guess_kind, guess in _GUESSES[flag]:
            guessed = guess(amount)
            if guessed > 0 and not sanity_flags(
                {**answers, field: guessed}, legal_minimum=legal_minimum
            ):
                suggestion, kind = guessed, guess_kind
                break
        found.append(
            UnusualAmount(
                flag=flag,
                field=field,
                label=LABELS[field],
                amount=amount,
                currency=currency,
                bound=bound,
                full_time=full_time,
                suggestion=suggestion,
                suggestion_kind=kind,
                country=answers["country"],
            )
        )
    return found


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
                    "work_time_share_other",
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
            (
                _("Employees and trainees"),
                ("base_salary", "monthly_salary", "salary_months", "variable_pay"),
            ),
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
    "work_time_share_other": _("Another share of full time"),
    "monthly_salary": _("Or: base salary, gross per month"),
    "salary_months": _("Monthly payments in a year"),
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
    "work_time_share": _("Compared with a full-time job, as in your contract."),
    "work_time_share_other": _(
        "Only if you chose another share: a percent such as 40%, or a share such as 0.4 "
        "(from 10% to 100%)."
    ),
    "monthly_salary": _(
        "If you know your monthly pay better: the gross monthly amount, before social "
        "contributions (on a French payslip, the “salaire brut” line). Leave the yearly "
        "salary empty: it is computed from this amount and the number of monthly payments."
    ),
    "salary_months": _("12, or 13 if you are paid a 13th month."),
    "employer_size": _("Number of employees of the whole company or organization."),
    "base_salary": _(
        "Gross means before social contributions are deducted: on a French payslip, the "
        "“salaire brut” line, higher than the “net à payer avant impôt”. For the time you "
        "actually work: it is converted to full time for you."
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
    if name == "work_time_share_other":
        return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": "8"})
    if name == "monthly_salary":
        return forms.NumberInput(attrs={"min": "1", "step": "1", **_NUMBER_ATTRS})
    if name == "salary_months":
        return forms.Select(choices=SALARY_MONTHS_CHOICES)
    field = FIELDS_BY_NAME[name]
    if name == "work_time_share":
        return forms.RadioSelect(choices=WORK_TIME_CHOICES)
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
                    self.fields[name] = (
                        self._helper_field(name)
                        if name in HELPER_FIELDS
                        else self._answer_field(name)
                    )
        if self.is_bound:
            # Shown back as the server read it (a share ticked, a yearly salary computed).
            self.data = self.data.copy()
        self.answers: dict[str, Any] | None = None
        # Set by `ask_to_confirm`: the unusual amounts and the value that confirms them.
        self.unusual: list[UnusualAmount] = []
        self.unusual_token = ""

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

    def _helper_field(self, name: str) -> forms.Field:
        """A field of the page only (another share, the monthly helper): always optional."""
        field = forms.CharField(
            required=False,
            label=LABELS[name],
            help_text=HELP_TEXTS.get(name, ""),
            widget=_widget(name),
            strip=True,
        )
        # "Another share" is needed only when that choice is ticked (its help says so).
        necessity = CONDITIONAL if name == "work_time_share_other" else OPTIONAL
        field.necessity = necessity  # type: ignore[attr-defined]
        if name == "salary_months":
            field.initial = "12"
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
        # Fields whose error the helpers below already gave, in the words of the page.
        judged: set[str] = set()
        raw["work_time_share"] = self._work_time_share(cleaned, judged)
        raw["base_salary"] = self._yearly_salary(cleaned)
        try:
            self.answers = validate_answers(raw)
        except InvalidAnswers as invalid:
            for name, messages in invalid.errors.items():
                if name in judged:
                    continue
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return cleaned

    def _work_time_share(self, cleaned: dict[str, Any], judged: set[str]) -> Any:
        """The share of full time to validate: a choice, or the share typed in "another share".

        Any readable share posted as the choice ("0,8", "80 %") is taken too, so a
        script or an old form still works; it is shown back as the matching choice.
        """
        choice = (cleaned.get("work_time_share") or "").strip()
        if choice != OTHER_SHARE:
            share = parse_work_time_share(choice) if choice else None
            if share is not None:
                self._show_share(share)
            return share if share is not None else choice
        judged.add("work_time_share")
        typed = cleaned.get("work_time_share_other") or ""
        share = parse_work_time_share(typed) if typed else None
        if not typed:
            self.add_error("work_time_share_other", str(MESSAGES["required"]))
        elif share is None:
            self.add_error("work_time_share_other", str(WORK_TIME_MESSAGES["unreadable"]))
        elif not 0.1 <= share <= 1:
            self.add_error("work_time_share_other", str(WORK_TIME_MESSAGES["range"]))
        else:
            return share
        # Any valid share lets the other rules be checked: the form is invalid anyway.
        return 1.0

    def _show_share(self, share: float) -> None:
        common = {float(value): value for value, _label in WORK_TIME_CHOICES[:-1]}
        if share in common:
            self.data["work_time_share"] = common[share]
        else:
            self.data["work_time_share"] = OTHER_SHARE
            self.data["work_time_share_other"] = f"{round(share * 100, 2):g}"

    def _yearly_salary(self, cleaned: dict[str, Any]) -> Any:
        """The yearly base salary to validate: as typed, or the monthly one times the payments.

        A yearly salary that disagrees with the monthly helper is an error on the
        helper, not a silent choice between the two.
        """
        yearly = cleaned.get("base_salary")
        monthly_text = (cleaned.get("monthly_salary") or "").replace(" ", "")
        if not monthly_text:
            return yearly
        if not _WHOLE.match(monthly_text):
            self.add_error("monthly_salary", str(MESSAGES["integer"]))
            return yearly
        months = cleaned.get("salary_months") or "12"
        if months not in {value for value, _label in SALARY_MONTHS_CHOICES}:
            self.add_error("salary_months", str(MESSAGES["integer"]))
            return yearly
        if cleaned.get("status") == "freelance":
            self.add_error("monthly_salary", str(MESSAGES["freelance_no_salary"]))
            return yearly
        monthly = int(monthly_text)
        computed = monthly * int(months)
        if is_blank(yearly):
            self.data["base_salary"] = str(computed)
            return computed
        typed = str(yearly).strip()
        # A yearly salary that is not a whole number gets its own error from the validation.
        if _WHOLE.match(typed) and int(typed) != computed:
            self.add_error(
                "monthly_salary",
                str(MONTHLY_MISMATCH)
                % {
                    "yearly": _grouped(int(typed)),
                    "months": months,
                    "monthly": _grouped(monthly),
                    "computed": _grouped(computed),
                },
            )
        return yearly

    def ask_to_confirm(self, *, legal_minimum: int | None) -> bool:
        """Whether this valid answer's unusual amounts must be confirmed before it is stored.

        The amounts that trip a stage-1 bound are kept in `unusual` for the page,
        and `unusual_token` names them: the confirming checkbox carries it, so a
        confirmation holds for the amounts shown only. Change one and it is asked
        again (if the new amount is unusual too).
        """
        assert self.answers is not None
        self.unusual = unusual_amounts(self.answers, legal_minimum=legal_minimum)
        if not self.unusual:
            return False
        for unusual in self.unusual:
            self.fields[unusual.field].unusual = True  # type: ignore[attr-defined]
        named = [
            sorted(u.flag for u in self.unusual),
            [self.answers.get(name) for name in ("base_salary", "variable_pay", "day_rate")],
            self.answers["work_time_share"],
            self.answers["country"],
        ]
        self.unusual_token = hashlib.sha256(json.dumps(named).encode()).hexdigest()[:24]
        return self.data.get(CONFIRM_FIELD) != self.unusual_token

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
