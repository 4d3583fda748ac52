"""The moderation queue's plural is a plural noun: the admin prints it after a count."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("surveys", "0008_submission_days_only")]

    operations = [
        migrations.AlterModelOptions(
            name="flaggedresponse",
            options={
                "verbose_name": "flagged response",
                "verbose_name_plural": "flagged responses",
            },
        ),
    ]
