"""Shapes of the survey API: what the OpenAPI schema documents and what the views send.

The answer serializer declares DESIGN.md's fields for the schema only: an
answer is judged by `validation.validate_answers`, the one place of the rules,
so the API and the web form accept and refuse exactly the same answers.
Descriptions are plain English (the schema is a developer document), while
error messages follow the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils.translation import gettext, gettext_noop
from rest_framework import serializers

from cmbench.api import NOT_AN_OBJECT
from surveys import vocabulary as vocab
from surveys.services import receipt_is_well_formed
from surveys.validation import FIELDS, Field, InvalidAnswers, validate_answers

RECEIPT_MALFORMED = gettext_noop(
    "This is not a receipt code: it has 20 letters and digits, like 7KQ2-M9XD-4HTA-PW3C-Y7CU."
)
WITHDRAWAL_MOVED = gettext_noop(
    "Withdrawal has moved: send the receipt code in the JSON body of a POST to withdraw_url. "
    "A receipt code never goes in a URL."
)

FIELD_DESCRIPTIONS = {
    "edition": "Survey year; omit it to answer the open edition.",
    "status": "employee, freelance or trainee (internship, apprenticeship).",
    "role": "The closest role.",
    "job_title": "Free text kept for editors, never published.",
    "experience_years": "Completed years in community / social media roles.",
    "education": "Highest level of education.",
    "employer_size": "Employees and trainees only; empty for freelancers.",
    "employer_type": "Employees and trainees only; empty for freelancers.",
    "country": "ISO 3166-1 alpha-2; the currency follows it (EUR, CHF, CAD).",
    "region": "ISO 3166-2 subdivision; it must belong to `country`.",
    "work_time_share": "Share of full time worked, 0.1 to 1.0 (1.0 is full time).",
    "base_salary": "Employees and trainees: gross per year, whole units of the currency.",
    "variable_pay": "Employees and trainees: gross per year, whole units of the currency.",
    "day_rate": "Freelancers: per day excluding VAT, whole units of the currency.",
    "billed_days": "Freelancers: days billed per year.",
    "missions": "Codes of the missions done regularly.",
    "kpis": "Codes of the KPIs reported on.",
    "weekly_hours": "Hours worked in a usual week.",
    "remote_days": "Days worked remotely in a usual week.",
    "satisfaction": "Job satisfaction, 1 (very dissatisfied) to 5 (very satisfied).",
    "gender": "Optional.",
    "age_band": "Optional.",
}


def _schema_field(field: Field) -> serializers.Field:
    """The DRF field documenting one field of `validation.FIELDS` (bounds and codes included)."""
    options: dict[str, Any] = {
        "required": field.required,
        "help_text": FIELD_DESCRIPTIONS.get(field.name, ""),
    }
    if field.kind == "int":
        return serializers.IntegerField(
            min_value=field.min, max_value=field.max, allow_null=True, **options
        )
    if field.kind == "float":
        return serializers.FloatField(
            min_value=field.min, max_value=field.max, allow_null=True, **options
        )
    if field.kind in ("code", "codes"):
        assert field.vocabulary is not None
        choice = serializers.ChoiceField(choices=list(field.vocabulary.codes))
        if field.kind == "code":
            return serializers.ChoiceField(
                choices=list(field.vocabulary.codes), allow_blank=not field.required, **options
            )
        return serializers.ListField(child=choice, **options)
    return serializers.CharField(max_length=field.max_length, allow_blank=True, **options)


class _AnswerSerializerBase(serializers.Serializer):
    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"__all__": [gettext(NOT_AN_OBJECT)]})
        try:
            return validate_answers(data)
        except InvalidAnswers as invalid:
            raise serializers.ValidationError(invalid.errors) from None


# One declared field per entry of validation.FIELDS, so the schema cannot drift from the rules.
SurveyAnswerSerializer = type(
    "SurveyAnswerSerializer",
    (_AnswerSerializerBase,),
    {
        "__doc__": "One answer to the survey, with the field names of DESIGN.md.",
        "__module__": __name__,
        **{field.name: _schema_field(field) for field in FIELDS},
    },
)


class ReceiptSerializer(serializers.Serializer):
    """What a stored answer gets back: the receipt code, shown this once."""

    receipt = serializers.CharField(
        help_text="Receipt code, e.g. 7KQ2-M9XD-4HTA-PW3C-Y7CU; shown once, stored only as a hash."
    )
    edition = serializers.IntegerField(help_text="Year of the edition the answer went to.")
    state = serializers.ChoiceField(
        choices=["accepted", "flagged"],
        help_text="flagged: unusual figures, held out of benchmarks until an editor reviews them.",
    )
    withdraw_url = serializers.URLField(
        help_text=(
            'To withdraw the answer, POST {"receipt": "<code>"} to this URL: the code goes in '
            "the JSON body, never in a URL."
        )
    )


class WithdrawalSerializer(serializers.Serializer):
    """A withdrawal: the receipt code, in the body of a POST (it never goes in a URL)."""

    receipt = serializers.CharField(
        max_length=60,
        help_text=(
            "The receipt code given when the answer was sent, e.g. 7KQ2-M9XD-4HTA-PW3C-Y7CU; "
            "case, dashes and spaces do not matter."
        ),
    )

    def validate_receipt(self, value: str) -> str:
        if not receipt_is_well_formed(value):
            raise serializers.ValidationError(gettext(RECEIPT_MALFORMED))
        return value


class LabelsSerializer(serializers.Serializer):
    fr = serializers.CharField()
    en = serializers.CharField()


class TermSerializer(serializers.Serializer):
    code = serializers.CharField()
    labels = LabelsSerializer()


class ExperienceTermSerializer(TermSerializer):
    min_years = serializers.IntegerField(help_text="Completed years, inclusive.")
    max_years = serializers.IntegerField(
        allow_null=True, help_text="Completed years, inclusive; null for the open band."
    )


class CountryTermSerializer(TermSerializer):
    currency = serializers.CharField(help_text="ISO 4217 code of the country's currency.")


class RegionTermSerializer(TermSerializer):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code of its country.")


_TERM_SERIALIZERS: dict[str, type[TermSerializer]] = {
    "experience": ExperienceTermSerializer,
    "country": CountryTermSerializer,
    "region": RegionTermSerializer,
}

VocabularySerializer = type(
    "VocabularySerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Every code with its French and English labels.",
        "__module__": __name__,
        **{name: _TERM_SERIALIZERS.get(name, TermSerializer)(many=True) for name in vocab.ALL},
        "regions_by_country": serializers.DictField(
            child=TermSerializer(many=True), help_text="Country code to its regions."
        ),
        "currency_by_country": serializers.DictField(
            child=serializers.CharField(), help_text="Country code to ISO 4217 currency."
        ),
    },
)


def _term(term: vocab.Term) -> dict[str, Any]:
    return {"code": term.code, "labels": {"fr": term.fr, "en": term.en}}


@cache
def vocabulary_payload() -> dict[str, Any]:
    """The whole vocabulary, built once per process: codes and labels are constants."""
    payload: dict[str, Any] = {
        name: [_term(term) for term in vocabulary] for name, vocabulary in vocab.ALL.items()
    }
    band_ends = [start - 1 for start in vocab.EXPERIENCE_BAND_STARTS[1:]] + [None]
    for row, start, end in zip(
        payload["experience"], vocab.EXPERIENCE_BAND_STARTS, band_ends, strict=True
    ):
        row.update(min_years=start, max_years=end)
    for row in payload["country"]:
        row["currency"] = vocab.CURRENCY_BY_COUNTRY[row["code"]]
    for row in payload["region"]:
        row["country"] = vocab.COUNTRY_OF_REGION[row["code"]]
    payload["regions_by_country"] = {
        country: [_term(term) for term in regions]
        for country, regions in vocab.REGIONS_BY_COUNTRY.items()
    }
    payload["currency_by_country"] = dict(vocab.CURRENCY_BY_COUNTRY)
    return dict(VocabularySerializer(payload).data)
