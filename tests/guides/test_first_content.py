"""The first guides, loaded by the data migration: complete, in both languages, figures valid."""

from __future__ import annotations

import pytest
from django.test import Client

from guides.figures import TOKEN, errors_in
from guides.models import Guide

ROLE_GUIDES = {
    "community-manager": ["community-manager"],
    "social-media-manager": ["social-media-manager"],
    "community-lead": ["community-lead"],
    "moderator-social-care": ["moderator", "social-care"],
}
TOPIC_GUIDES = ("community-kpis", "community-maturity-model")


@pytest.mark.django_db
def test_the_six_first_guides_are_written_in_both_languages_with_a_first_revision() -> None:
    guides = {guide.slug: guide for guide in Guide.objects.published()}

    assert set(guides) == {*ROLE_GUIDES, *TOPIC_GUIDES}
    for slug, guide in guides.items():
        assert guide.roles == ROLE_GUIDES.get(slug, [])
        for language in ("fr", "en"):
            assert guide.title_in(language) and guide.summary_in(language)
            assert len(guide.body_in(language).split()) > 700, (slug, language)
        assert guide.revisions.get().number == 1


@pytest.mark.django_db
def test_every_figure_of_the_first_guides_parses_and_role_guides_use_figures() -> None:
    for guide in Guide.objects.all():
        for language in ("fr", "en"):
            body = guide.body_in(language)
            assert errors_in(body) == [], (guide.slug, language)
            if guide.roles:
                figures = [match.group("body") for match in TOKEN.finditer(body)]
                assert len(figures) >= 8
                assert any(f.startswith("salary.p50") for f in figures)
                assert any(f.startswith("day_rate.") for f in figures)
                assert any(f.startswith("missions.top") for f in figures)


@pytest.mark.django_db
def test_the_kpi_guide_gives_the_formulas_of_the_four_families(client: Client) -> None:
    english = client.get("/en/guides/community-kpis/").content.decode()
    french = client.get("/guides/community-kpis/").content.decode()

    for heading in ("Awareness", "Engagement", "Conversion", "Loyalty"):
        assert f">{heading}</h2>" in english
    for heading in ("Notoriété", "Engagement", "Conversion", "Fidélisation"):
        assert f">{heading}</h2>" in french
    assert "<strong>Engagement rate by reach</strong> = interactions ÷ reach × 100" in english
    assert "Net Promoter Score (NPS)" in english and "(positive − negative)" in english
    assert "<strong>Taux d'engagement sur la portée</strong> = interactions ÷ portée × 100" in (
        french.replace("&#x27;", "'")
    )


@pytest.mark.django_db
def test_the_maturity_guide_covers_the_eight_competencies(client: Client) -> None:
    english = client.get("/en/guides/community-maturity-model/").content.decode()
    french = client.get("/guides/community-maturity-model/").content.decode()

    for competency in (
        "Strategy",
        "Leadership",
        "Culture",
        "Community management",
        "Content and programming",
        "Policies and governance",
        "Tools",
        "Metrics and measurement",
    ):
        assert f">{competency}</h3>" in english
    for competency in ("Stratégie", "Règles et gouvernance", "Indicateurs et mesure"):
        assert f">{competency}</h3>" in french
