"""Interviews have an app of their own: the model leaves the survey app's migration state.

State only: the table `surveys_interview` keeps its name and its rows; it is
now the `interviews` app's (interviews 0001, which this one follows).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_flagged_responses_plural"),
        ("interviews", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PendingInterview"),
                migrations.DeleteModel(name="Interview"),
            ],
            # The table stays: interviews.Interview reads and writes it.
            database_operations=[],
        ),
    ]
