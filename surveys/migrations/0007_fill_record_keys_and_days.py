"""Record keys and submission days, step 2 of 3: fill the new columns.

- `SurveyResponse.record_key`: every existing row gets its own random key in
  [0, 256) (adding the column gave them all one default): one UPDATE with
  random() on PostgreSQL, batches of updates elsewhere.
- `submitted_on`, for responses and interviews: each `submitted_at` moment
  truncated to its day in settings.TIME_ZONE. Reversed, each day comes back
  as its local midnight (the time of day is gone for good).
"""

import datetime
import secrets

import django.utils.timezone
from django.db import migrations
from django.db.models.functions import TruncDate

# Frozen here: the range the keys of this migration are drawn from.
RECORD_KEY_RANGE = 256
BATCH = 2_000
DATED_MODELS = ("SurveyResponse", "Interview")


def draw_record_keys(apps, schema_editor):
    SurveyResponse = apps.get_model("surveys", "SurveyResponse")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SurveyResponse._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET record_key = floor(random() * %s)::integer",
                [RECORD_KEY_RANGE],
            )
        return
    rows = SurveyResponse.objects.using(connection.alias)
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = [
            SurveyResponse(pk=pk, record_key=secrets.randbelow(RECORD_KEY_RANGE))
            for pk in ids[start : start + BATCH]
        ]
        rows.bulk_update(batch, ["record_key"], batch_size=500)


def truncate_to_dates(apps, schema_editor):
    for name in DATED_MODELS:
        model = apps.get_model("surveys", name)
        # TruncDate takes the day in the current time zone: settings.TIME_ZONE.
        model.objects.using(schema_editor.connection.alias).update(
            submitted_on=TruncDate("submitted_at")
        )


def dates_back_to_midnights(apps, schema_editor):
    for name in DATED_MODELS:
        rows = apps.get_model("surveys", name).objects.using(schema_editor.connection.alias)
        days = rows.order_by("submitted_on").values_list("submitted_on", flat=True).distinct()
        for day in days:
            midnight = datetime.datetime.combine(day, datetime.time())
            rows.filter(submitted_on=day).update(
                submitted_at=django.utils.timezone.make_aware(midnight)
            )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0006_record_key_and_submission_days")]

    operations = [
        migrations.RunPython(draw_record_keys, migrations.RunPython.noop),
        migrations.RunPython(truncate_to_dates, dates_back_to_midnights),
    ]
