"""The first guides, written for cmbench in French and English.

The bodies live in guides/content/<slug>.<language>.md, where they read (and
are reviewed) as plain Markdown; this migration loads them once, each with a
first revision. Editors change guides in the admin afterwards.
"""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

CONTENT = Path(__file__).resolve().parent.parent / "content"

GUIDES = [
    {
        "slug": "community-manager",
        "position": 10,
        "roles": ["community-manager"],
        "title_fr": "Community manager",
        "title_en": "Community manager",
        "summary_fr": (
            "Construire et entretenir la relation entre une organisation et sa communauté : "
            "missions, compétences, KPI, métiers voisins, carrière et salaires."
        ),
        "summary_en": (
            "Building and looking after the relationship between an organisation and its "
            "community: missions, skills, KPIs, neighbouring roles, career and pay."
        ),
    },
    {
        "slug": "social-media-manager",
        "position": 20,
        "roles": ["social-media-manager"],
        "title_fr": "Social media manager",
        "title_en": "Social media manager",
        "summary_fr": (
            "Piloter la présence d'une organisation sur les plateformes sociales : stratégie par "
            "canal, contenus, publicité, performance — et ce qui le distingue du community manager."
        ),
        "summary_en": (
            "Running an organisation's presence on social platforms: channel strategy, content, "
            "paid social, performance — and how it differs from community management."
        ),
    },
    {
        "slug": "community-lead",
        "position": 30,
        "roles": ["community-lead"],
        "title_fr": "Responsable de communauté (head of community)",
        "title_en": "Community lead (head of community)",
        "summary_fr": (
            "Faire de la communauté une fonction de l'organisation : stratégie, équipe, "
            "gouvernance, mesure de la valeur, carrière et salaires."
        ),
        "summary_en": (
            "Making the community a function of the organisation: strategy, team, governance, "
            "measuring value, career and pay."
        ),
    },
    {
        "slug": "moderator-social-care",
        "position": 40,
        "roles": ["moderator", "social-care"],
        "title_fr": "Modérateur et chargé de relation client sociale",
        "title_en": "Moderator and social customer care",
        "summary_fr": (
            "Faire respecter les règles d'une communauté et répondre aux clients sur les réseaux : "
            "missions, KPI, droit, conditions de travail, carrière et salaires."
        ),
        "summary_en": (
            "Enforcing a community's rules and answering customers on social media: missions, "
            "KPIs, the law, working conditions, career and pay."
        ),
    },
    {
        "slug": "community-kpis",
        "position": 50,
        "roles": [],
        "title_fr": "Les KPI du community management",
        "title_en": "The KPIs of community management",
        "summary_fr": (
            "Notoriété, engagement, conversion, fidélisation : ce que mesure chaque indicateur et "
            "comment le calculer, formules à l'appui."
        ),
        "summary_en": (
            "Awareness, engagement, conversion, loyalty: what each indicator measures and how to "
            "compute it, with the formulas."
        ),
    },
    {
        "slug": "community-maturity-model",
        "position": 60,
        "roles": [],
        "title_fr": "Le modèle de maturité communautaire",
        "title_en": "The community maturity model",
        "summary_fr": (
            "Huit compétences et quatre stades pour situer une organisation : stratégie, "
            "leadership, culture, community management, contenus, gouvernance, outils, mesure."
        ),
        "summary_en": (
            "Eight competencies and four stages to see where an organisation stands: strategy, "
            "leadership, culture, community management, content, governance, tools, measurement."
        ),
    },
]


def load_guides(apps, schema_editor):
    Guide = apps.get_model("guides", "Guide")
    GuideRevision = apps.get_model("guides", "GuideRevision")
    now = timezone.now()
    for entry in GUIDES:
        bodies = {
            language: (CONTENT / f"{entry['slug']}.{language}.md").read_text(encoding="utf-8")
            for language in ("fr", "en")
        }
        guide = Guide.objects.create(
            **entry, body_fr=bodies["fr"], body_en=bodies["en"], updated_at=now
        )
        GuideRevision.objects.create(
            guide=guide,
            number=1,
            title_fr=guide.title_fr,
            title_en=guide.title_en,
            summary_fr=guide.summary_fr,
            summary_en=guide.summary_en,
            body_fr=guide.body_fr,
            body_en=guide.body_en,
            created_at=now,
            note="first content",
        )


def remove_guides(apps, schema_editor):
    Guide = apps.get_model("guides", "Guide")
    Guide.objects.filter(slug__in=[entry["slug"] for entry in GUIDES]).delete()


class Migration(migrations.Migration):
    dependencies = [("guides", "0001_initial")]

    operations = [migrations.RunPython(load_guides, remove_guides)]
