"""Record keys and submission days, step 3 of 3: drop the moments, tighten the new columns."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("surveys", "0007_fill_record_keys_and_days")]

    operations = [
        migrations.AddConstraint(
            model_name="surveyresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(record_key__lt=256), name="record_key_in_range"
            ),
        ),
        migrations.RemoveIndex(model_name="surveyresponse", name="resp_moderation_idx"),
        migrations.RemoveField(model_name="surveyresponse", name="submitted_at"),
        migrations.RemoveField(model_name="interview", name="submitted_at"),
        migrations.AlterField(
            model_name="surveyresponse",
            name="submitted_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, verbose_name="submitted on"
            ),
        ),
        migrations.AlterField(
            model_name="interview",
            name="submitted_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, verbose_name="submitted on"
            ),
        ),
        migrations.AddIndex(
            model_name="surveyresponse",
            index=models.Index(
                fields=["state", "submitted_on", "id"], name="resp_moderation_idx"
            ),
        ),
        migrations.AlterModelOptions(
            name="surveyresponse",
            options={
                "ordering": ["-submitted_on", "-id"],
                "verbose_name": "response",
                "verbose_name_plural": "responses",
            },
        ),
        migrations.AlterModelOptions(
            name="interview",
            options={
                "ordering": ["-submitted_on", "-id"],
                "verbose_name": "interview",
                "verbose_name_plural": "interviews",
            },
        ),
    ]
