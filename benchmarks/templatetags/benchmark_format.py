"""`{% load benchmark_format %}`: the filters that write figures in the reader's language.

A thin register: every filter calls `benchmarks.present.formatting`, the one
module that writes money, percents, counts and tiers for pages, charts, CSV
labels and guides alike.
"""

from __future__ import annotations

from django import template

from benchmarks.present import formatting

register = template.Library()


@register.filter
def money(amount: int | float | None, currency: str) -> str:
    """`{{ cell.p50|money:cell.currency }}`: 34 000 € in French, €34,000 in English."""
    return formatting.money_text(amount, currency)


@register.filter
def percent(value: int | float | None) -> str:
    """`{{ share|percent }}`: 62 % in French, 62% in English."""
    return formatting.percent_text(value)


@register.filter
def count(value: int | None) -> str:
    """`{{ cell.n|count }}`: 1 250 in French, 1,250 in English."""
    return formatting.count_text(value)


@register.filter
def tier(code: str) -> str:
    """`{{ cell.confidence|tier }}`: the tier's name in the reader's language."""
    return formatting.tier_text(code)


@register.filter
def signed_money(amount: int, currency: str) -> str:
    """`{{ change|signed_money:cell.currency }}`: +€500, −€300; +500 €, −300 € in French."""
    return formatting.signed_money_text(amount, currency)


@register.filter
def signed_percent(value: float) -> str:
    """`{{ change_percent|signed_percent }}`: +1.5%, −0.4%; +1,5 %, −0,4 % in French."""
    return formatting.signed_percent_text(value)


@register.filter
def ordinal(rank: int) -> str:
    """`{{ band.0|ordinal }}`: a percentile rank as an ordinal, 62nd in English, 62e in French."""
    return formatting.ordinal_text(int(rank))
