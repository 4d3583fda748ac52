"""Template filters of the guide pages: figures written as the benchmark pages write them.

A thin register over `benchmarks.present.formatting`, so a guide's role table
says "34 000 €" exactly where the explorer does.
"""

from __future__ import annotations

from django import template

from benchmarks.present import formatting

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """34000|money:"EUR" -> 34 000 € (French), €34,000 (English)."""
    return formatting.money_text(amount, currency)


@register.filter
def percent(value: int | None) -> str:
    """42|percent -> 42 % (French), 42% (English)."""
    return formatting.percent_text(value)
