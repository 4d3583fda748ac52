"""The interview as a web form, and the filters of the interview list.

The form only carries raw values: `services.interview_validate` decides what
is valid, so the page and the API refuse the same things in the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from interviews.models import Interview
from interviews.services import QUESTIONS, interview_validate
from surveys import vocabulary as vocab
from surveys.forms import DEFENCE_MESSAGES
from surveys.validation import InvalidAnswers


def _blank_choice(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class InterviewForm(forms.Form):
    """The seven questions, who is answering, and the consent to publish."""

    # Plain text fields with choice widgets: the codes are judged by
    # interview_validate alone, not a second time by Django's ChoiceField.
    role = forms.CharField(
        label=_("Your role"),
        required=False,
        widget=forms.Select(choices=_blank_choice(vocab.ROLE.choices, "—")),
    )
    employer_type = forms.CharField(
        label=_("Your employer"),
        help_text=_("Leave empty if you are freelance."),
        required=False,
        widget=forms.Select(choices=_blank_choice(vocab.EMPLOYER_TYPE.choices, "—")),
    )
    country = forms.CharField(
        label=_("Country where you work"),
        required=False,
        widget=forms.Select(choices=_blank_choice(vocab.COUNTRY.choices, "—")),
    )
    display_name = forms.CharField(
        label=_("Name to show"),
        help_text=_("A first name, a pseudonym… Leave empty to be published anonymously."),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"}),
    )
    language = forms.CharField(
        label=_("Language of your answers"),
        required=False,
        widget=forms.RadioSelect(choices=Interview.Language.choices),
    )
    consent_to_publish = forms.BooleanField(
        label=_(
            "I agree that my answers, and the name above if I gave one, are published on "
            "this site after an editor has read them."
        ),
        required=False,
    )
    # Honeypot: hidden from people, filled in by naive scripts.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.fields["language"].initial = language
        for question in QUESTIONS:
            self.fields[question.field] = forms.CharField(
                label=question.label,
                help_text=question.help_text,
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6, "maxlength": question.max_length}),
            )
        # The profile first, then the questions, then the consent.
        order = [
            "role",
            "employer_type",
            "country",
            "display_name",
            "language",
            *(question.field for question in QUESTIONS),
            "consent_to_publish",
            "website",
        ]
        self.order_fields(order)
        # A NUL character is judged by interview_validate, with the API's message,
        # not first by Django's own validator (which would also leave the field "missing").
        for field in self.fields.values():
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, ProhibitNullCharactersValidator)
            ]
        # Marked "(optional)" by surveys/_field.html; everything else must be answered.
        for name in ("employer_type", "display_name"):
            self.fields[name].necessity = "optional"  # type: ignore[attr-defined]
        self.answers: dict[str, Any] | None = None

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[question.field] for question in QUESTIONS]

    @property
    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("role", "employer_type", "country", "display_name")]

    @property
    def invalid_fields(self) -> list[forms.BoundField]:
        return [field for field in self if field.errors and field.name != "website"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(DEFENCE_MESSAGES["honeypot"], code="honeypot")
        raw = {name: value for name, value in data.items() if name != "website"}
        # A ticked box is the consent; anything else is none.
        raw["consent_to_publish"] = bool(raw.get("consent_to_publish")) or None
        try:
            self.answers = interview_validate(raw, default_language=self.language)
        except InvalidAnswers as invalid:
            for field, messages in invalid.errors.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


class InterviewFilterForm(forms.Form):
    """The filters of /interviews/: a code of each vocabulary, or all."""

    role = forms.ChoiceField(
        label=_("Role"), choices=_blank_choice(vocab.ROLE.choices, _("All")), required=False
    )
    employer_type = forms.ChoiceField(
        label=_("Employer type"),
        choices=_blank_choice(vocab.EMPLOYER_TYPE.choices, _("All")),
        required=False,
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=_blank_choice(vocab.COUNTRY.choices, _("All")),
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_blank_choice(Interview.Language.choices, _("All")),
        required=False,
    )

    def filters(self) -> dict[str, str]:
        """The filters chosen, by model field; none when the form is invalid."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
