"""The guide pages: the list, and one guide with its live figures and practitioners' words."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from guides.figures import FigureContext, cached_role_table
from guides.models import Guide
from guides.rendering import render_guide_body
from interviews.models import Interview
from interviews.services import excerpt
from surveys import vocabulary as vocab

QUOTE_COUNT = 3


def page_language() -> str:
    return (get_language() or "fr")[:2]


def guide_list(request: HttpRequest) -> HttpResponse:
    language = page_language()
    entries = []
    for guide in Guide.objects.published().only(
        "slug", "position", "roles", "title_fr", "title_en", "summary_fr", "summary_en",
        "body_fr", "body_en",
    ):  # fmt: skip
        shown = guide.language_for(language)
        entries.append(
            {
                "guide": guide,
                "language": shown,
                "title": guide.title_in(shown),
                "summary": guide.summary_in(shown),
                "is_role": bool(guide.roles),
            }
        )
    return render(
        request,
        "guides/list.html",
        {
            "role_guides": [entry for entry in entries if entry["is_role"]],
            "topic_guides": [entry for entry in entries if not entry["is_role"]],
        },
    )


def labelled_table(table: dict[str, Any]) -> dict[str, Any]:
    """A role_table with the labels of its codes in the active language."""
    return {
        **table,
        "label": vocab.ROLE.label(table["role"]),
        "country_label": vocab.COUNTRY.label(table["country"]),
        "rows": [
            {
                **row,
                "label": vocab.EXPERIENCE.label(row["experience"]) if row["experience"] else "",
            }
            for row in table["rows"]
        ],
        "missions": [
            {"code": code, "label": vocab.MISSIONS.label(code), "percent": percent}
            for code, percent in table["missions"]
        ],
        "kpis": [
            {"code": code, "label": vocab.KPIS.label(code), "percent": percent}
            for code, percent in table["kpis"]
        ],
    }


def quotes_for(roles: list[str], *, language: str) -> list[dict[str, Any]]:
    """Up to QUOTE_COUNT approved interviews of these roles, the reader's language first."""
    if not roles:
        return []
    found = (
        Interview.objects.published()
        .filter(role__in=roles)
        .annotate(
            same_language=Case(
                When(language=language, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("same_language", "is_sample", "-reviewed_at", "-pk")[:QUOTE_COUNT]
    )
    return [
        {"interview": interview, "text": excerpt(interview.community_management)}
        for interview in found
    ]


def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One guide in the reader's language (or the other one), with live figures.

    `?country=` picks the country of the figures tables (France by default);
    figures inside the text name their own country.
    """
    guide = get_object_or_404(Guide.objects.published(), slug=slug)
    language = page_language()
    shown = guide.language_for(language)
    country = request.GET.get("country", "").upper()
    if country not in vocab.COUNTRY:
        country = vocab.DEFAULT_COUNTRY
    context = FigureContext.current()
    body = render_guide_body(guide, language=shown, context=context)
    tables = [
        labelled_table(cached_role_table(context, role=role, country=country))
        for role in guide.roles
        if role in vocab.ROLE
    ]
    return render(
        request,
        "guides/detail.html",
        {
            "guide": guide,
            "title": guide.title_in(shown),
            "summary": guide.summary_in(shown),
            "shown_language": shown,
            "fallback": shown != language,
            "body": body,
            "tables": tables,
            "country": country,
            "countries": vocab.COUNTRY,
            "snapshot": context.snapshot,
            "quotes": quotes_for(list(guide.roles), language=language),
        },
    )
