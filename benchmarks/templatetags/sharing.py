"""`{% load sharing %}`: the explorer's embed codes and share-card meta tags.

A thin register over `benchmarks.present.embeds`: the codes come from the
results' context, the meta tags from the request's query (the explorer's head
is rendered outside its results' context). Neither queries the database.
"""

from __future__ import annotations

from typing import Any

from django import template

from benchmarks.present import embeds

register = template.Library()


@register.simple_tag(takes_context=True)
def explorer_sharing(context: template.Context) -> dict[str, Any] | None:
    """`{% explorer_sharing as sharing %}`: og:title, description, image and url (or None)."""
    request = context.get("request")
    if request is None:
        return None
    return embeds.explorer_sharing(request, context.get("published"))


@register.simple_tag(takes_context=True)
def embed_codes(context: template.Context, results: Any) -> list[dict[str, Any]]:
    """`{% embed_codes results as codes %}`: the iframe codes of the explorer's results."""
    request = context.get("request")
    if request is None or not results:
        return []
    return embeds.embed_codes(request, results)


@register.simple_tag(takes_context=True)
def report_chart_codes(
    context: template.Context, metric: str, by: str, year: int, country: str
) -> list[dict[str, Any]]:
    """`{% report_chart_codes metric by year country as codes %}`: one report chart's code."""
    request = context.get("request")
    if request is None:
        return []
    return embeds.report_chart_codes(request, metric=metric, by=by, year=year, country=country)
