"""Template filters of the guide pages: figures written the reader's way."""

from __future__ import annotations

from django import template

from guides.figures import money_text, percent_text

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """34000|money:"EUR" -> 34 000 EUR (French), 34,000 EUR (English)."""
    return "" if amount is None else money_text(int(amount), currency)


@register.filter
def percent(value: int | None) -> str:
    """42|percent -> 42 % (French), 42% (English)."""
    return "" if value is None else percent_text(int(value))
