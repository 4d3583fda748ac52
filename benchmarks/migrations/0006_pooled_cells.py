# A thin country's cells pooled over its last three editions (issue 13, DESIGN.md "Thin data").

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0005_cell_smoothed_median"),
    ]

    operations = [
        migrations.AddField(
            model_name="cell",
            name="pooled_from",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RemoveConstraint(
            model_name="cell",
            name="one_cell_per_cohort",
        ),
        migrations.AddConstraint(
            model_name="cell",
            constraint=models.UniqueConstraint(
                fields=(
                    "snapshot",
                    "metric",
                    "country",
                    "year",
                    "region",
                    "experience",
                    "education",
                    "employer_size",
                    "employer_type",
                    "role",
                    "mission",
                    "mission_done",
                    "pooled_from",
                ),
                name="one_cell_per_cohort",
            ),
        ),
    ]
