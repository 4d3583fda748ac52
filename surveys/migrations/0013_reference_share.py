"""Reference distributions the sample is weighted to; seeded with France's employer sizes.

Source (INSEE, "Les entreprises en France", édition 2019, Insee Références,
fiche "Catégories d'entreprises", figure 1, published 3 December 2019,
https://www.insee.fr/fr/statistiques/4255707?sommaire=4256020): in 2017, the
salaried employment (full-time equivalent, thousands) of the market,
non-agricultural, non-financial sectors by category of enterprise (the
economic definition of the 2008 LME decree):

    GE   large enterprises (5,000+)            3,399   26.18 %  -> large
    ETI  intermediate-sized (250-4,999)        3,258   25.09 %  -> intermediate
    PME  SMEs excluding micro (10-249)         3,883   29.90 %  -> small|medium
    MIC  micro-enterprises (< 10)              2,445   18.83 %  -> micro
         total                                12,985

The mapping to surveys.vocabulary.EMPLOYER_SIZE is one to one except for the
SMEs: INSEE's table does not split 10-49 from 50-249, so `small` and `medium`
form one stratum ("small|medium") and are weighted together; the weights then
keep the sample's own mix of small and medium employers. The LME categories
also use turnover and balance sheet, not headcount alone, and the public
sector and finance are outside this scope: a reference, not a census of
community managers' employers. Editors replace or extend it in the admin.
"""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models

_SOURCE = (
    "INSEE, Les entreprises en France, édition 2019, « Catégories d'entreprises », figure 1 : "
    "effectif salarié en ETP par catégorie d'entreprise, 2017, secteurs marchands non agricoles "
    "et non financiers (GE 3 399, ETI 3 258, PME hors MIC 3 883, MIC 2 445 milliers)"
)
_URL = "https://www.insee.fr/fr/statistiques/4255707?sommaire=4256020"

# (country, dimension, level, share, year)
SHARES = [
    ("FR", "employer_size", "micro", "0.1883", 2017),
    ("FR", "employer_size", "small|medium", "0.2990", 2017),
    ("FR", "employer_size", "intermediate", "0.2509", 2017),
    ("FR", "employer_size", "large", "0.2618", 2017),
]


def load(apps, schema_editor):
    ReferenceShare = apps.get_model("surveys", "ReferenceShare")
    for country, dimension, level, share, year in SHARES:
        ReferenceShare.objects.update_or_create(
            country=country,
            dimension=dimension,
            year=year,
            level=level,
            defaults={"share": Decimal(share), "source": _SOURCE, "source_url": _URL},
        )


def unload(apps, schema_editor):
    ReferenceShare = apps.get_model("surveys", "ReferenceShare")
    for country, dimension, level, _share, year in SHARES:
        ReferenceShare.objects.filter(
            country=country, dimension=dimension, level=level, year=year
        ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0012_legal_minimums_by_province'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReferenceShare',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(choices=[('FR', 'France'), ('BE', 'Belgique'), ('CH', 'Suisse'), ('LU', 'Luxembourg'), ('CA', 'Canada')], max_length=2, verbose_name='country')),
                ('dimension', models.CharField(choices=[('employer_size', 'employer size')], max_length=20, verbose_name='dimension')),
                ('level', models.CharField(help_text='A code of the dimension, or several joined by | (small|medium).', max_length=100, verbose_name='level')),
                ('share', models.DecimalField(decimal_places=4, help_text="Between 0 and 1; a country's levels are read relative to their sum.", max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.0001'))], verbose_name='share')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year of the reference')),
                ('source', models.CharField(max_length=300, verbose_name='source')),
                ('source_url', models.URLField(blank=True, max_length=300, verbose_name='source address')),
            ],
            options={
                'verbose_name': 'reference share',
                'verbose_name_plural': 'reference shares',
                'ordering': ['country', 'dimension', '-year', 'level'],
                'constraints': [models.UniqueConstraint(fields=('country', 'dimension', 'year', 'level'), name='one_reference_share')],
            },
        ),
        migrations.RunPython(load, unload),
    ]
