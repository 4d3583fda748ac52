"""The codes of shared/DESIGN.md and their French and English labels, in one place.

Codes are API values and CSV columns; labels follow the active language. Nothing
else in the project spells a code list out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import get_language


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    fr: str
    en: str

    def label(self, language: str | None = None) -> str:
        language = (language or get_language() or "fr")[:2]
        return self.en if language == "en" else self.fr


class Vocabulary:
    """An ordered set of terms, usable as Django choices."""

    def __init__(self, name: str, terms: Iterable[Term]) -> None:
        self.name = name
        self.terms: tuple[Term, ...] = tuple(terms)
        self._by_code = {term.code: term for term in self.terms}

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    def label(self, code: str, language: str | None = None) -> str:
        return self._by_code[code].label(language)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(code, lazily translated label) pairs for model and form fields."""
        return [(term.code, _lazy_label(term)) for term in self.terms]


_lazy_label = lazy(lambda term: term.label(), str)


def _v(name: str, *rows: tuple[str, str, str]) -> Vocabulary:
    return Vocabulary(name, (Term(*row) for row in rows))


STATUS = _v(
    "status",
    ("employee", "Salarié·e", "Employee"),
    ("freelance", "Freelance", "Freelance"),
    ("trainee", "Stagiaire ou alternant·e", "Trainee (internship, apprenticeship)"),
)

ROLE = _v(
    "role",
    ("community-manager", "Community manager", "Community manager"),
    ("social-media-manager", "Social media manager", "Social media manager"),
    ("content-manager", "Content manager", "Content manager"),
    ("community-lead", "Responsable de communauté (head of community)", "Community lead"),
    ("moderator", "Modérateur·rice", "Moderator"),
    ("social-care", "Chargé·e de relation client sociale", "Social customer care"),
    ("influence-manager", "Chargé·e d'influence", "Influence manager"),
    ("other", "Autre", "Other"),
)

EDUCATION = _v(
    "education",
    ("secondary", "Bac ou moins", "Secondary school or less"),
    ("bac2", "Bac+2", "Two years of higher education"),
    ("bac3", "Bac+3 (licence)", "Three years (bachelor's)"),
    ("bac4", "Bac+4", "Four years"),
    ("bac5", "Bac+5 (master)", "Five years (master's)"),
    ("doctorate", "Doctorat", "Doctorate"),
)

EMPLOYER_SIZE = _v(
    "employer_size",
    ("micro", "Micro-entreprise (1 à 9 salariés)", "Micro (1–9 employees)"),
    ("small", "Petite entreprise (10 à 49)", "Small (10–49)"),
    ("medium", "Moyenne entreprise (50 à 249)", "Medium (50–249)"),
    ("intermediate", "Entreprise de taille intermédiaire (250 à 4 999)", "Mid-market (250–4,999)"),
    ("large", "Grande entreprise (5 000 et plus)", "Large (5,000+)"),
)

EMPLOYER_TYPE = _v(
    "employer_type",
    ("brand", "Annonceur / marque", "Brand"),
    ("agency", "Agence", "Agency"),
    ("media", "Média", "Media"),
    ("public", "Secteur public", "Public sector"),
    ("nonprofit", "Association / ONG", "Non-profit"),
    ("startup", "Start-up", "Start-up"),
    ("other", "Autre", "Other"),
)

MISSIONS = _v(
    "missions",
    ("animation", "Animation de communauté", "Community engagement"),
    ("content", "Création de contenus", "Content creation"),
    ("moderation", "Modération", "Moderation"),
    ("customer-care", "Relation client", "Customer care"),
    ("paid-social", "Publicité sociale (paid)", "Paid social"),
    ("monitoring", "Veille", "Social listening"),
    ("analytics", "Analyse et reporting", "Analytics and reporting"),
    ("strategy", "Stratégie", "Strategy"),
    ("influence", "Marketing d'influence", "Influencer marketing"),
    ("crisis", "Gestion de crise", "Crisis management"),
    ("events", "Événements", "Events"),
    ("training", "Formation", "Training"),
)

KPIS = _v(
    "kpis",
    ("reach", "Portée", "Reach"),
    ("audience-growth", "Croissance de l'audience", "Audience growth"),
    ("engagement", "Engagement", "Engagement"),
    ("share-of-voice", "Part de voix", "Share of voice"),
    ("sentiment", "Sentiment", "Sentiment"),
    ("traffic", "Trafic", "Traffic"),
    ("conversions", "Conversions", "Conversions"),
    ("roi", "Retour sur investissement", "Return on investment"),
    ("response-time", "Délai de réponse", "Response time"),
    ("satisfaction", "Satisfaction", "Satisfaction"),
)

GENDER = _v(
    "gender",
    ("woman", "Femme", "Woman"),
    ("man", "Homme", "Man"),
    ("nonbinary", "Non binaire", "Non-binary"),
    ("undisclosed", "Ne souhaite pas répondre", "Prefer not to say"),
)

AGE_BAND = _v(
    "age_band",
    ("under-25", "Moins de 25 ans", "Under 25"),
    ("25-34", "25 à 34 ans", "25–34"),
    ("35-44", "35 à 44 ans", "35–44"),
    ("45-54", "45 à 54 ans", "45–54"),
    ("55+", "55 ans et plus", "55 and over"),
)

EXPERIENCE = _v(
    "experience",
    ("0-2", "0 à 2 ans", "0–2 years"),
    ("3-5", "3 à 5 ans", "3–5 years"),
    ("6-9", "6 à 9 ans", "6–9 years"),
    ("10+", "10 ans et plus", "10 years or more"),
)

# Lower bound (completed years) of each experience band, in band order.
EXPERIENCE_BAND_STARTS = (0, 3, 6, 10)


def experience_band(years: int) -> str:
    """The band code of a number of completed years: 0-2, 3-5, 6-9, 10+."""
    if years < 0:
        raise ValueError("experience years cannot be negative")
    band = EXPERIENCE.codes[0]
    for code, start in zip(EXPERIENCE.codes, EXPERIENCE_BAND_STARTS, strict=True):
        if years >= start:
            band = code
    return band


COUNTRY = _v(
    "country",
    ("FR", "France", "France"),
    ("BE", "Belgique", "Belgium"),
    ("CH", "Suisse", "Switzerland"),
    ("LU", "Luxembourg", "Luxembourg"),
    ("CA", "Canada", "Canada"),
)

# The currency follows the country: benchmarks never mix currencies.
CURRENCY_BY_COUNTRY = {"FR": "EUR", "BE": "EUR", "LU": "EUR", "CH": "CHF", "CA": "CAD"}
DEFAULT_COUNTRY = "FR"

# ISO 3166-2 subdivisions used as regions, per country.
REGIONS_BY_COUNTRY: dict[str, Vocabulary] = {
    "FR": _v(
        "region",
        ("FR-ARA", "Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
        ("FR-BFC", "Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"),
        ("FR-BRE", "Bretagne", "Brittany"),
        ("FR-CVL", "Centre-Val de Loire", "Centre-Val de Loire"),
        ("FR-20R", "Corse", "Corsica"),
        ("FR-GES", "Grand Est", "Grand Est"),
        ("FR-HDF", "Hauts-de-France", "Hauts-de-France"),
        ("FR-IDF", "Île-de-France", "Île-de-France (Paris region)"),
        ("FR-NOR", "Normandie", "Normandy"),
        ("FR-NAQ", "Nouvelle-Aquitaine", "Nouvelle-Aquitaine"),
        ("FR-OCC", "Occitanie", "Occitanie"),
        ("FR-PDL", "Pays de la Loire", "Pays de la Loire"),
        ("FR-PAC", "Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
        ("FR-971", "Guadeloupe", "Guadeloupe"),
        ("FR-972", "Martinique", "Martinique"),
        ("FR-973", "Guyane", "French Guiana"),
        ("FR-974", "La Réunion", "Réunion"),
        ("FR-976", "Mayotte", "Mayotte"),
    ),
    "BE": _v(
        "region",
        ("BE-BRU", "Région de Bruxelles-Capitale", "Brussels-Capital Region"),
        ("BE-WAL", "Wallonie", "Wallonia"),
        ("BE-VLG", "Flandre", "Flanders"),
    ),
    "CH": _v(
        "region",
        ("CH-AG", "Argovie", "Aargau"),
        ("CH-AI", "Appenzell Rhodes-Intérieures", "Appenzell Innerrhoden"),
        ("CH-AR", "Appenzell Rhodes-Extérieures", "Appenzell Ausserrhoden"),
        ("CH-BE", "Berne", "Bern"),
        ("CH-BL", "Bâle-Campagne", "Basel-Landschaft"),
        ("CH-BS", "Bâle-Ville", "Basel-Stadt"),
        ("CH-FR", "Fribourg", "Fribourg"),
        ("CH-GE", "Genève", "Geneva"),
        ("CH-GL", "Glaris", "Glarus"),
        ("CH-GR", "Grisons", "Graubünden"),
        ("CH-JU", "Jura", "Jura"),
        ("CH-LU", "Lucerne", "Lucerne"),
        ("CH-NE", "Neuchâtel", "Neuchâtel"),
        ("CH-NW", "Nidwald", "Nidwalden"),
        ("CH-OW", "Obwald", "Obwalden"),
        ("CH-SG", "Saint-Gall", "St. Gallen"),
        ("CH-SH", "Schaffhouse", "Schaffhausen"),
        ("CH-SO", "Soleure", "Solothurn"),
        ("CH-SZ", "Schwytz", "Schwyz"),
        ("CH-TG", "Thurgovie", "Thurgau"),
        ("CH-TI", "Tessin", "Ticino"),
        ("CH-UR", "Uri", "Uri"),
        ("CH-VD", "Vaud", "Vaud"),
        ("CH-VS", "Valais", "Valais"),
        ("CH-ZG", "Zoug", "Zug"),
        ("CH-ZH", "Zurich", "Zurich"),
    ),
    "LU": _v(
        "region",
        ("LU-CA", "Capellen", "Capellen"),
        ("LU-CL", "Clervaux", "Clervaux"),
        ("LU-DI", "Diekirch", "Diekirch"),
        ("LU-EC", "Echternach", "Echternach"),
        ("LU-ES", "Esch-sur-Alzette", "Esch-sur-Alzette"),
        ("LU-GR", "Grevenmacher", "Grevenmacher"),
        ("LU-LU", "Luxembourg", "Luxembourg"),
        ("LU-ME", "Mersch", "Mersch"),
        ("LU-RD", "Redange", "Redange"),
        ("LU-RM", "Remich", "Remich"),
        ("LU-VD", "Vianden", "Vianden"),
        ("LU-WI", "Wiltz", "Wiltz"),
    ),
    "CA": _v(
        "region",
        ("CA-AB", "Alberta", "Alberta"),
        ("CA-BC", "Colombie-Britannique", "British Columbia"),
        ("CA-MB", "Manitoba", "Manitoba"),
        ("CA-NB", "Nouveau-Brunswick", "New Brunswick"),
        ("CA-NL", "Terre-Neuve-et-Labrador", "Newfoundland and Labrador"),
        ("CA-NS", "Nouvelle-Écosse", "Nova Scotia"),
        ("CA-NT", "Territoires du Nord-Ouest", "Northwest Territories"),
        ("CA-NU", "Nunavut", "Nunavut"),
        ("CA-ON", "Ontario", "Ontario"),
        ("CA-PE", "Île-du-Prince-Édouard", "Prince Edward Island"),
        ("CA-QC", "Québec", "Quebec"),
        ("CA-SK", "Saskatchewan", "Saskatchewan"),
        ("CA-YT", "Yukon", "Yukon"),
    ),
}

REGION = Vocabulary("region", (term for regions in REGIONS_BY_COUNTRY.values() for term in regions))
COUNTRY_OF_REGION = {
    term.code: country for country, regions in REGIONS_BY_COUNTRY.items() for term in regions
}

# Everything GET /api/v1/vocabulary/ lists, by the field name that carries it.
ALL: dict[str, Vocabulary] = {
    vocabulary.name: vocabulary
    for vocabulary in (
        STATUS,
        ROLE,
        EDUCATION,
        EMPLOYER_SIZE,
        EMPLOYER_TYPE,
        MISSIONS,
        KPIS,
        GENDER,
        AGE_BAND,
        EXPERIENCE,
        COUNTRY,
        REGION,
    )
}


def mask_of(codes: Iterable[str], vocabulary: Vocabulary) -> int:
    """A set of codes as a bit mask: bit i is the i-th code of the vocabulary.

    Missions and KPIs are stored this way so that a million answers load as one
    integer column and the per-mission breakdown is a vectorized bit test.
    """
    mask = 0
    for code in codes:
        mask |= 1 << vocabulary.codes.index(code)
    return mask


def codes_of(mask: int, vocabulary: Vocabulary) -> list[str]:
    """The codes of a bit mask, in vocabulary order."""
    return [code for bit, code in enumerate(vocabulary.codes) if mask >> bit & 1]
