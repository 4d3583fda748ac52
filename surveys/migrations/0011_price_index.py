"""Consumer price indices per country and year, for trends in constant money.

APPROXIMATE SEED, to be replaced by editors with the official levels in the
admin. Each country's series is rebased here to 2024 = 100 and chained with the
annual-average rate of change its statistics office published (rounded to one
decimal, as remembered when this migration was written, not copied from the
tables); 2026 is a provisional estimate (the year's average is not final
before January 2027). Only the ratio between two years of one country is
used, so any base will do as long as a country's years share it.

    FR  INSEE, IPC ensemble des ménages:   2024 100, 2025 +0.9 %, 2026 ~+1.0 %
    BE  Statbel, indice des prix (IPC):    2024 100, 2025 ~+2.9 %, 2026 ~+2.0 %
    CH  OFS, indice des prix (IPC/LIK):    2024 100, 2025 +0.2 %, 2026 ~+0.2 %
    CA  Statistique Canada, IPC 18-10-0005-01: 2024 100, 2025 ~+2.0 %, 2026 ~+2.2 %

Luxembourg has no row: its trends show no constant money until one is entered.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

_APPROX = " — valeur approchée (base 2024 = 100, variation annuelle moyenne), à remplacer par la valeur officielle"
_INSEE = "INSEE, indice des prix à la consommation, ensemble des ménages, moyenne annuelle — https://www.insee.fr/fr/statistiques/serie/001759970"
_STATBEL = "Statbel, indice des prix à la consommation, moyenne annuelle — https://statbel.fgov.be/fr/themes/prix-la-consommation/indice-des-prix-la-consommation"
_OFS = "OFS, indice suisse des prix à la consommation, moyenne annuelle — https://www.bfs.admin.ch/bfs/fr/home/statistiques/prix/indice-prix-consommation.html"
_STATCAN = "Statistique Canada, tableau 18-10-0005-01, IPC moyenne annuelle — https://www150.statcan.gc.ca/t1/tbl1/fr/tv.action?pid=1810000501"

# (country, year, index value, source)
INDICES = [
    ("FR", 2024, "100.000", _INSEE + _APPROX),
    ("FR", 2025, "100.900", _INSEE + _APPROX),
    ("FR", 2026, "101.900", _INSEE + _APPROX + " (2026 provisoire)"),
    ("BE", 2024, "100.000", _STATBEL + _APPROX),
    ("BE", 2025, "102.900", _STATBEL + _APPROX),
    ("BE", 2026, "105.000", _STATBEL + _APPROX + " (2026 provisoire)"),
    ("CH", 2024, "100.000", _OFS + _APPROX),
    ("CH", 2025, "100.200", _OFS + _APPROX),
    ("CH", 2026, "100.400", _OFS + _APPROX + " (2026 provisoire)"),
    ("CA", 2024, "100.000", _STATCAN + _APPROX),
    ("CA", 2025, "102.000", _STATCAN + _APPROX),
    ("CA", 2026, "104.200", _STATCAN + _APPROX + " (2026 provisoire)"),
]


def load(apps, schema_editor):
    PriceIndex = apps.get_model("surveys", "PriceIndex")
    for country, year, value, source in INDICES:
        PriceIndex.objects.update_or_create(
            country=country, year=year, defaults={"value": Decimal(value), "source": source}
        )


def unload(apps, schema_editor):
    PriceIndex = apps.get_model("surveys", "PriceIndex")
    for country, year, _value, _source in INDICES:
        PriceIndex.objects.filter(country=country, year=year).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0010_interview_moves_to_its_app")]

    operations = [
        migrations.CreateModel(
            name="PriceIndex",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("country", models.CharField(choices=[("FR", "France"), ("BE", "Belgique"), ("CH", "Suisse"), ("LU", "Luxembourg"), ("CA", "Canada")], max_length=2, verbose_name="country")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("value", models.DecimalField(decimal_places=3, help_text="Annual average; every year of a country on the same base.", max_digits=9, validators=[django.core.validators.MinValueValidator(Decimal("0.001"))], verbose_name="index value")),
                ("source", models.CharField(help_text="Who publishes it, and where (a URL).", max_length=300, verbose_name="source")),
            ],
            options={
                "verbose_name": "consumer price index",
                "verbose_name_plural": "consumer price indices",
                "ordering": ["country", "year"],
                "constraints": [models.UniqueConstraint(fields=("country", "year"), name="one_price_index_per_year")],
            },
        ),
        migrations.RunPython(load, unload),
    ]
