"""The legal minimum wages that stage-1 sanity checks compare full-time salaries with.

Gross per year, full time, in the country's currency. Editors keep them up to
date in the admin; these are the figures in force on 1 January of each year.
"""

from django.db import migrations

# (country, year, annual gross, source)
MINIMUMS = [
    ("FR", 2024, 21_203, "SMIC 1 766,92 € brut mensuel × 12 (151,67 h)"),
    ("FR", 2025, 21_622, "SMIC 1 801,80 € brut mensuel × 12 (151,67 h)"),
    ("FR", 2026, 21_876, "SMIC 1 823,03 € brut mensuel × 12 (151,67 h)"),
    ("BE", 2024, 23_930, "RMMMG 1 994,18 € × 12"),
    ("BE", 2025, 24_846, "RMMMG 2 070,48 € × 12"),
    ("BE", 2026, 25_332, "RMMMG 2 111,00 € × 12"),
    ("LU", 2024, 30_851, "salaire social minimum non qualifié 2 570,93 € × 12"),
    ("LU", 2025, 31_653, "salaire social minimum non qualifié 2 637,79 € × 12"),
    ("LU", 2026, 32_445, "salaire social minimum non qualifié 2 703,74 € × 12"),
    # Canada: the minimum is provincial; most answers come from Québec, whose
    # general rate is used (hourly rate × 2 080 h).
    ("CA", 2024, 32_760, "Québec 15,75 $/h × 2 080 h"),
    ("CA", 2025, 33_488, "Québec 16,10 $/h × 2 080 h"),
    ("CA", 2026, 34_528, "Québec 16,60 $/h × 2 080 h"),
    # Switzerland has no national minimum wage: no row, no flag.
]


def load(apps, schema_editor):
    LegalMinimum = apps.get_model("surveys", "LegalMinimum")
    for country, year, annual_gross, source in MINIMUMS:
        LegalMinimum.objects.update_or_create(
            country=country, year=year, defaults={"annual_gross": annual_gross, "source": source}
        )


def unload(apps, schema_editor):
    LegalMinimum = apps.get_model("surveys", "LegalMinimum")
    for country, year, _annual_gross, _source in MINIMUMS:
        LegalMinimum.objects.filter(country=country, year=year).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
