"""Numbers in the reader's language: money, percents, counts, ranks and tiers, written once.

Every place that shows a figure to a person calls these functions: the
benchmark pages and the pay checks (`present.pages`, `present.pay_checks`),
their SVG charts (`present.charts`), the explorer's CSV labels
(`present.table_csv`), the guides (`guides.figures` and their template
filters) and the template filters of `benchmarks.templatetags.benchmark_format`.
So one median reads the same on the explorer, in a guide and on the position
page (tests/benchmarks/test_formatting.py). Plain functions: no template
machinery, no request; the active language (`django.utils.translation`)
decides.

Amounts arrive already rounded where they were published (DESIGN.md privacy
rule 4: salaries to 100, day rates to 5); `money_text` only writes them, in
whole units. French groups thousands with a non-breaking space and puts the
currency after the amount (`34 000 €`); English groups with commas and puts a
symbol first (`€34,000`, `CHF 34,000`, `CA$34,000`). The spaces are
non-breaking so an amount never wraps across two lines; French puts a narrow
non-breaking space before "%" (`62 %`), English none (`62%`).

Trap: `round` is Python's (half to even), as it always was here: 2.5 -> "2".
Published figures are whole already, so it only matters for a typed amount.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy

NBSP = "\u00a0"
# French typography puts a narrow non-breaking space before "%".
NARROW_NBSP = "\u202f"
# A minus sign, not a hyphen, before a fall ("−€300"): the typographic one.
MINUS = "\u2212"

# How each currency is written: (French suffix, English prefix).
CURRENCY_MARKS = {
    "EUR": ("€", "€"),
    "CHF": ("CHF", "CHF" + NBSP),
    "CAD": ("$" + NBSP + "CA", "CA$"),
}

# DESIGN.md privacy rule 7: the confidence tier of a published cell, from its n.
TIERS: dict[str, Promise] = {
    "low": gettext_lazy("low"),
    "medium": gettext_lazy("medium"),
    "high": gettext_lazy("high"),
}

# Ordinals of the published percentile ranks, the way each language writes them.
ORDINALS: dict[int, Promise] = {
    10: gettext_lazy("10th"),
    25: gettext_lazy("25th"),
    50: gettext_lazy("50th"),
    75: gettext_lazy("75th"),
    90: gettext_lazy("90th"),
}


def _french() -> bool:
    return (get_language() or "fr")[:2] == "fr"


def grouped(number: int | float) -> str:
    """A whole number with the active language's thousands separator: 34 000 / 34,000."""
    return formats.number_format(round(number), force_grouping=True)


def count_text(value: int | None) -> str:
    """A count of answers: 1 250 in French, 1,250 in English; "" for None."""
    return "" if value is None else grouped(value)


def money_text(amount: int | float | None, currency: str) -> str:
    """An amount in whole units of `currency`, written the way the active language writes it."""
    if amount is None:
        return ""
    french_mark, english_mark = CURRENCY_MARKS.get(currency, (currency, currency + NBSP))
    if _french():
        return f"{grouped(amount)}{NBSP}{french_mark}"
    return f"{english_mark}{grouped(amount)}"


def money_range_text(low: int | float | None, high: int | float | None, currency: str) -> str:
    """Two amounts as an interval: "31 000 € – 35 000 €" / "€31,000 – €35,000"."""
    return f"{money_text(low, currency)} – {money_text(high, currency)}"


def percent_text(value: int | float | None) -> str:
    """A whole percent: 62 % in French, 62% in English; "" for None."""
    if value is None:
        return ""
    number = formats.number_format(round(value))
    return f"{number}{NARROW_NBSP}%" if _french() else f"{number}%"


def _sign(value: float) -> str:
    return "+" if value > 0 else MINUS if value < 0 else ""


def signed_money_text(amount: int, currency: str) -> str:
    """A change of money with its sign: "+€500", "−€300", "+500 €" (0 reads "€0")."""
    return _sign(amount) + money_text(abs(amount), currency)


def signed_percent_text(value: float) -> str:
    """A change in percent with its sign and one decimal: "+1.5%", "−0,4 %" in French."""
    mark = f"{NARROW_NBSP}%" if _french() else "%"
    return f"{_sign(value)}{decimal_text(abs(value), 1)}{mark}"


def decimal_text(value: float, places: int) -> str:
    """A statistic with `places` decimals and the language's decimal mark: 0,032 / 0.032."""
    return formats.number_format(value, places)


def ordinal_text(rank: int) -> str:
    """ "62nd" / "62e": a percentile rank as an ordinal in the reader's language."""
    if rank in ORDINALS:
        return str(ORDINALS[rank])
    if _french():
        return f"{rank}e"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def tier_text(code: str) -> str:
    """A confidence tier's name in the reader's language (an unknown code as it is)."""
    return str(TIERS.get(code, code))
