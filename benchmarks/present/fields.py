"""The form fields of benchmark query parameters: a code, an amount, a whole number.

Each refusal names the parameter (`parameter`) and says what is allowed, in
the request's language (the French catalogue holds these messages). Pages and
API clean values with the same field instances (`queries.Parameter.field`),
so they refuse the same values alike; a page rewords the message from its
code and parameters (`forms.speak_labels`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

# Longer values are refused before they are looked at: no code is longer than
# 24 characters, no amount longer than a dozen digits.
MAX_VALUE_LENGTH = 64

UNKNOWN_CODE = gettext_lazy("Unknown %(parameter)s %(value)s. Allowed values: %(allowed)s.")
TOO_LONG = gettext_lazy("The value of %(parameter)s is too long (at most %(max)d characters).")
REQUIRED = gettext_lazy("%(parameter)s is required, e.g. %(parameter)s=%(example)s.")
NOT_A_NUMBER = gettext_lazy("%(parameter)s must be a number, e.g. %(parameter)s=%(example)s.")
NOT_POSITIVE = gettext_lazy("%(parameter)s must be greater than 0.")
TOO_LARGE = gettext_lazy("%(parameter)s must be at most %(max)s.")
NOT_WHOLE_YEARS = gettext_lazy("%(parameter)s must be a whole number from %(min)d to %(max)d.")


def allowed_codes(codes: Sequence[str]) -> str:
    """The allowed values, as a message lists them: "0-2, 3-5, 6-9, 10+"."""
    return ", ".join(codes)


def _shallow_copy(thing: Any) -> Any:
    copied = object.__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


class QuickCopyField(forms.Field):
    """A field a form copies cheaply: a form copies its fields on every request.

    Django's deep copy walks each field generically, and ChoiceField also
    copies and re-normalizes every (code, lazy label) pair: together they cost
    more than the whole cohort lookup. What a request may change is copied
    (widget, its attrs, messages, validators); the rest, choices included, is
    constant and shared.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> QuickCopyField:
        result = _shallow_copy(self)
        memo[id(self)] = result
        result.widget = _shallow_copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class CodeField(QuickCopyField, forms.ChoiceField):
    """One code of a vocabulary, or empty; refusals name the parameter and the allowed codes."""

    def __init__(self, *, parameter: str, codes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.codes = tuple(codes)
        self._code_set = frozenset(self.codes)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        return text

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            if self.required:
                raise ValidationError(
                    REQUIRED,
                    code="required",
                    params={"parameter": self.parameter, "example": self.codes[0]},
                )
            return
        if value not in self._code_set:
            raise ValidationError(
                UNKNOWN_CODE,
                code="invalid_choice",
                params={
                    "parameter": self.parameter,
                    "value": value,
                    "allowed": allowed_codes(self.codes),
                },
            )


class AmountField(QuickCopyField):
    """A positive amount of money (salary, day rate): digits with an optional decimal point."""

    widget = forms.NumberInput

    def __init__(self, *, parameter: str, maximum: int, example: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.maximum = maximum
        self.example = example

    def to_python(self, value: Any) -> float | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        params = {"parameter": self.parameter, "example": self.example}
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        try:
            amount = float(text)
        except ValueError:
            raise ValidationError(NOT_A_NUMBER, code="invalid", params=params) from None
        if not math.isfinite(amount):
            raise ValidationError(NOT_A_NUMBER, code="invalid", params=params)
        if amount <= 0:
            raise ValidationError(NOT_POSITIVE, code="min_value", params=params)
        if amount > self.maximum:
            raise ValidationError(
                TOO_LARGE,
                code="max_value",
                params={"parameter": self.parameter, "max": f"{self.maximum:,}".replace(",", " ")},
            )
        return amount

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(
                REQUIRED,
                code="required",
                params={"parameter": self.parameter, "example": self.example},
            )


class WholeNumberField(QuickCopyField):
    """A whole number within bounds (experience years, an edition's year)."""

    widget = forms.NumberInput

    def __init__(
        self, *, parameter: str, minimum: int, maximum: int, example: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.parameter = parameter
        self.minimum = minimum
        self.maximum = maximum
        self.example = example

    def to_python(self, value: Any) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        params = {"parameter": self.parameter, "min": self.minimum, "max": self.maximum}
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(
                TOO_LONG,
                code="too_long",
                params={"parameter": self.parameter, "max": MAX_VALUE_LENGTH},
            )
        # Digits only: int() would also take "+4", " 4", "٤" or "4_0".
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(NOT_WHOLE_YEARS, code="invalid", params=params)
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(NOT_WHOLE_YEARS, code="out_of_range", params=params)
        return number

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(
                REQUIRED,
                code="required",
                params={"parameter": self.parameter, "example": self.example},
            )
