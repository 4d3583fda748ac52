"""Legal minimums corrected: Belgium's annual pay elements, Canada by province.

- LegalMinimum gets a region (empty for a national minimum), and one row per
  country, region and year.
- Belgium: the yearly minimum is the RMMMG × 12 plus the end-of-year premium
  (one month, joint committee 200) and the double holiday pay (92 % of a
  month): monthly × 13.92 (see surveys/rules/legal_minimums.py).
- Canada: the minimum is provincial; the national rows (Québec's rate, for all
  of Canada) give way to each province's and territory's rate in force on
  1 January, × 2,080 h.

A row an editor changed since surveys/0002 is left as it is: only the figures
0002 loaded are replaced. Literal copies of the figures, as a migration must
not change when surveys.rules.legal_minimums does (a test holds 0002 then this
one equal to it).
"""

from django.db import migrations, models

# The regions of surveys.vocabulary when this migration was written.
REGION_CHOICES = [('FR-ARA', 'Auvergne-Rhône-Alpes'), ('FR-BFC', 'Bourgogne-Franche-Comté'), ('FR-BRE', 'Bretagne'), ('FR-CVL', 'Centre-Val de Loire'), ('FR-20R', 'Corse'), ('FR-GES', 'Grand Est'), ('FR-HDF', 'Hauts-de-France'), ('FR-IDF', 'Île-de-France'), ('FR-NOR', 'Normandie'), ('FR-NAQ', 'Nouvelle-Aquitaine'), ('FR-OCC', 'Occitanie'), ('FR-PDL', 'Pays de la Loire'), ('FR-PAC', "Provence-Alpes-Côte d'Azur"), ('FR-971', 'Guadeloupe'), ('FR-972', 'Martinique'), ('FR-973', 'Guyane'), ('FR-974', 'La Réunion'), ('FR-976', 'Mayotte'), ('BE-BRU', 'Région de Bruxelles-Capitale'), ('BE-WAL', 'Wallonie'), ('BE-VLG', 'Flandre'), ('CH-AG', 'Argovie'), ('CH-AI', 'Appenzell Rhodes-Intérieures'), ('CH-AR', 'Appenzell Rhodes-Extérieures'), ('CH-BE', 'Berne'), ('CH-BL', 'Bâle-Campagne'), ('CH-BS', 'Bâle-Ville'), ('CH-FR', 'Fribourg'), ('CH-GE', 'Genève'), ('CH-GL', 'Glaris'), ('CH-GR', 'Grisons'), ('CH-JU', 'Jura'), ('CH-LU', 'Lucerne'), ('CH-NE', 'Neuchâtel'), ('CH-NW', 'Nidwald'), ('CH-OW', 'Obwald'), ('CH-SG', 'Saint-Gall'), ('CH-SH', 'Schaffhouse'), ('CH-SO', 'Soleure'), ('CH-SZ', 'Schwytz'), ('CH-TG', 'Thurgovie'), ('CH-TI', 'Tessin'), ('CH-UR', 'Uri'), ('CH-VD', 'Vaud'), ('CH-VS', 'Valais'), ('CH-ZG', 'Zoug'), ('CH-ZH', 'Zurich'), ('LU-CA', 'Capellen'), ('LU-CL', 'Clervaux'), ('LU-DI', 'Diekirch'), ('LU-EC', 'Echternach'), ('LU-ES', 'Esch-sur-Alzette'), ('LU-GR', 'Grevenmacher'), ('LU-LU', 'Luxembourg'), ('LU-ME', 'Mersch'), ('LU-RD', 'Redange'), ('LU-RM', 'Remich'), ('LU-VD', 'Vianden'), ('LU-WI', 'Wiltz'), ('CA-AB', 'Alberta'), ('CA-BC', 'Colombie-Britannique'), ('CA-MB', 'Manitoba'), ('CA-NB', 'Nouveau-Brunswick'), ('CA-NL', 'Terre-Neuve-et-Labrador'), ('CA-NS', 'Nouvelle-Écosse'), ('CA-NT', 'Territoires du Nord-Ouest'), ('CA-NU', 'Nunavut'), ('CA-ON', 'Ontario'), ('CA-PE', 'Île-du-Prince-Édouard'), ('CA-QC', 'Québec'), ('CA-SK', 'Saskatchewan'), ('CA-YT', 'Yukon')]  # fmt: skip

# The figures surveys/0002 loaded that this migration replaces: (country, year, annual gross).
OLD_BELGIUM = [("BE", 2024, 23_930), ("BE", 2025, 24_846), ("BE", 2026, 25_332)]
OLD_CANADA = [
    ("CA", 2024, 32_760, "Québec 15,75 $/h × 2 080 h"),
    ("CA", 2025, 33_488, "Québec 16,10 $/h × 2 080 h"),
    ("CA", 2026, 34_528, "Québec 16,60 $/h × 2 080 h"),
]
OLD_BELGIUM_SOURCES = {
    2024: "RMMMG 1 994,18 € × 12",
    2025: "RMMMG 2 070,48 € × 12",
    2026: "RMMMG 2 111,00 € × 12",
}

# (country, region, year, annual gross, source)
NEW_BELGIUM = [
    ("BE", "", 2024, 27_759, "RMMMG 1 994,18 € × 12 + 13e mois (CP 200) + double pécule 92 %"),
    ("BE", "", 2025, 28_821, "RMMMG 2 070,48 € × 12 + 13e mois (CP 200) + double pécule 92 %"),
    ("BE", "", 2026, 29_385, "RMMMG 2 111,00 € × 12 + 13e mois (CP 200) + double pécule 92 %"),
]
# Region: hourly rate in force on 1 January 2024, 2025, 2026.
_HOURLY = {
    "CA-AB": ("15,00", "15,00", "15,00"),
    "CA-BC": ("16,75", "17,40", "17,85"),
    "CA-MB": ("15,30", "15,80", "16,00"),
    "CA-NB": ("14,75", "15,30", "15,65"),
    "CA-NL": ("15,00", "15,60", "16,00"),
    "CA-NS": ("15,00", "15,20", "16,50"),
    "CA-NT": ("16,05", "16,70", "16,95"),
    "CA-NU": ("19,00", "19,00", "19,75"),
    "CA-ON": ("16,55", "17,20", "17,60"),
    "CA-PE": ("15,00", "16,00", "16,50"),
    "CA-QC": ("15,25", "15,75", "16,10"),
    "CA-SK": ("14,00", "15,00", "15,35"),
    "CA-YT": ("16,77", "17,59", "17,94"),
}
# Each rate × 2,080 h, to the dollar (written out: no arithmetic on the copy).
_YEARLY = {
    "CA-AB": (31_200, 31_200, 31_200),
    "CA-BC": (34_840, 36_192, 37_128),
    "CA-MB": (31_824, 32_864, 33_280),
    "CA-NB": (30_680, 31_824, 32_552),
    "CA-NL": (31_200, 32_448, 33_280),
    "CA-NS": (31_200, 31_616, 34_320),
    "CA-NT": (33_384, 34_736, 35_256),
    "CA-NU": (39_520, 39_520, 41_080),
    "CA-ON": (34_424, 35_776, 36_608),
    "CA-PE": (31_200, 33_280, 34_320),
    "CA-QC": (31_720, 32_760, 33_488),
    "CA-SK": (29_120, 31_200, 31_928),
    "CA-YT": (34_882, 36_587, 37_315),
}
NEW_CANADA = [
    (
        "CA",
        region,
        year,
        _YEARLY[region][index],
        f"{region[3:]} {rate} $/h au 1er janvier × 2 080 h",
    )
    for region, rates in _HOURLY.items()
    for index, (year, rate) in enumerate(zip((2024, 2025, 2026), rates, strict=True))
]


def forward(apps, schema_editor):
    LegalMinimum = apps.get_model("surveys", "LegalMinimum")
    for country, region, year, annual_gross, source in NEW_BELGIUM:
        old = dict((y, g) for _c, y, g in OLD_BELGIUM)[year]
        row = LegalMinimum.objects.filter(country=country, region=region, year=year).first()
        if row is None:
            LegalMinimum.objects.create(
                country=country, region=region, year=year, annual_gross=annual_gross, source=source
            )
        elif row.annual_gross == old:
            row.annual_gross, row.source = annual_gross, source
            row.save(update_fields=["annual_gross", "source"])
    for country, year, annual_gross, _source in OLD_CANADA:
        LegalMinimum.objects.filter(
            country=country, region="", year=year, annual_gross=annual_gross
        ).delete()
    for country, region, year, annual_gross, source in NEW_CANADA:
        LegalMinimum.objects.get_or_create(
            country=country,
            region=region,
            year=year,
            defaults={"annual_gross": annual_gross, "source": source},
        )


def backward(apps, schema_editor):
    LegalMinimum = apps.get_model("surveys", "LegalMinimum")
    # The schema before has no region: regional rows cannot stay.
    LegalMinimum.objects.exclude(region="").delete()
    for country, year, annual_gross, source in OLD_CANADA:
        LegalMinimum.objects.get_or_create(
            country=country, year=year, defaults={"annual_gross": annual_gross, "source": source}
        )
    new = {year: gross for _c, _r, year, gross, _s in NEW_BELGIUM}
    for country, year, annual_gross in OLD_BELGIUM:
        LegalMinimum.objects.filter(
            country=country, region="", year=year, annual_gross=new[year]
        ).update(annual_gross=annual_gross, source=OLD_BELGIUM_SOURCES[year])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0011_price_index")]
    operations = [
        migrations.AddField(
            model_name="legalminimum",
            name="region",
            field=models.CharField(
                blank=True,
                choices=REGION_CHOICES,
                default="",
                help_text="Empty for a national minimum; a province for Canada's.",
                max_length=6,
                verbose_name="region",
            ),
        ),
        migrations.RemoveConstraint(model_name="legalminimum", name="one_minimum_per_year"),
        migrations.AddConstraint(
            model_name="legalminimum",
            constraint=models.UniqueConstraint(
                fields=("country", "region", "year"), name="one_minimum_per_area_and_year"
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
