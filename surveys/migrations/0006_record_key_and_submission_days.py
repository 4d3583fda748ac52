"""Record keys (privacy rule 3) and submission days (privacy rule 10), step 1 of 3: new columns.

Three migrations, so that on PostgreSQL no ALTER TABLE follows an UPDATE of the
same rows in one transaction ("pending trigger events"): 0006 adds the columns,
0007 fills them, 0008 drops the moments and tightens the new columns.
"""

from django.db import migrations, models

import surveys.models


class Migration(migrations.Migration):
    dependencies = [("surveys", "0005_sample_interviews")]

    operations = [
        # Every existing row gets the same default here: 0007 draws each its own.
        migrations.AddField(
            model_name="surveyresponse",
            name="record_key",
            field=models.PositiveSmallIntegerField(
                default=surveys.models.record_key_new, editable=False
            ),
        ),
        migrations.AddField(
            model_name="surveyresponse",
            name="submitted_on",
            field=models.DateField(null=True, verbose_name="submitted on"),
        ),
        migrations.AddField(
            model_name="interview",
            name="submitted_on",
            field=models.DateField(null=True, verbose_name="submitted on"),
        ),
    ]
