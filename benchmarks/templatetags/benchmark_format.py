"""Numbers in the reader's language: money, percents, counts, for every page that shows them.

The one place money is written: the benchmark pages, their charts, the pay
checks and the guides (`guides.figures`) all call `money_text`, so an amount
reads the same everywhere. Amounts arrive already rounded where they were
published (DESIGN.md privacy rule 4: salaries to 100, day rates to 5); this
only writes them, in whole units.

French groups thousands with a non-breaking space and puts the currency after
the amount (`34 000 €`); English groups with commas and puts a symbol first
(`€34,000`, `CHF 34,000`, `CA$34,000`). The spaces are non-breaking so an
amount never wraps across two lines.
"""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy

register = template.Library()

NBSP = "\u00a0"
# French typography puts a narrow non-breaking space before "%".
NARROW_NBSP = "\u202f"

# How each currency is written: (French suffix, English prefix).
CURRENCY_MARKS = {
    "EUR": ("€", "€"),
    "CHF": ("CHF", "CHF" + NBSP),
    "CAD": ("$" + NBSP + "CA", "CA$"),
}


def _french() -> bool:
    return (get_language() or "fr")[:2] == "fr"


def grouped(number: int | float) -> str:
    """A whole number with the active language's thousands separator: 34 000 / 34,000."""
    return formats.number_format(round(number), force_grouping=True)


def money_text(amount: int | float | None, currency: str) -> str:
    """An amount in whole units of `currency`, written the way the active language writes it."""
    if amount is None:
        return ""
    french_mark, english_mark = CURRENCY_MARKS.get(currency, (currency, currency + NBSP))
    if _french():
        return f"{grouped(amount)}{NBSP}{french_mark}"
    return f"{english_mark}{grouped(amount)}"


def percent_text(value: int | float | None) -> str:
    """A whole percent: 62 % in French, 62% in English."""
    if value is None:
        return ""
    number = formats.number_format(round(value))
    return f"{number}{NARROW_NBSP}%" if _french() else f"{number}%"


@register.filter
def money(amount: int | float | None, currency: str) -> str:
    """`{{ cell.p50|money:cell.currency }}`: 34 000 € in French, €34,000 in English."""
    return money_text(amount, currency)


@register.filter
def percent(value: int | float | None) -> str:
    """`{{ share|percent }}`: 62 % in French, 62% in English."""
    return percent_text(value)


@register.filter
def count(value: int | None) -> str:
    """`{{ cell.n|count }}`: 1 250 in French, 1,250 in English."""
    return "" if value is None else grouped(value)


# DESIGN.md privacy rule 7: the confidence tier of a published cell, from its n.
TIERS = {"low": gettext_lazy("low"), "medium": gettext_lazy("medium"), "high": gettext_lazy("high")}


@register.filter
def tier(code: str) -> str:
    """`{{ cell.confidence|tier }}`: the tier's name in the reader's language."""
    return str(TIERS.get(code, code))
