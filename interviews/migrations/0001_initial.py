"""The interview model, moved from the survey app with its table and its rows.

State only: surveys 0004 to 0008 created and shaped the table, which keeps
its name (`surveys_interview`, the model's `db_table`), its rows, indexes and
constraints. Here the model enters this app's migration state; surveys 0010
takes it out of the survey app's, and 0002 moves its content types.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The last migration of the survey app that shaped the table.
        ("surveys", "0008_submission_days_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Interview",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "path_to_job",
                            models.TextField(
                                max_length=3000, verbose_name="how you came to the job"
                            ),
                        ),
                        (
                            "current_position",
                            models.TextField(max_length=1000, verbose_name="current position"),
                        ),
                        (
                            "community_management",
                            models.TextField(
                                max_length=3000, verbose_name="what community management is for you"
                            ),
                        ),
                        (
                            "typical_week",
                            models.TextField(max_length=3000, verbose_name="a typical week"),
                        ),
                        (
                            "missions_and_tools",
                            models.TextField(max_length=3000, verbose_name="missions and tools"),
                        ),
                        (
                            "measuring_work",
                            models.TextField(
                                max_length=3000, verbose_name="how you measure your work"
                            ),
                        ),
                        (
                            "advice",
                            models.TextField(max_length=3000, verbose_name="advice to newcomers"),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("community-manager", "Community manager"),
                                    ("social-media-manager", "Social media manager"),
                                    ("content-manager", "Content manager"),
                                    (
                                        "community-lead",
                                        "Responsable de communauté (head of community)",
                                    ),
                                    ("moderator", "Modérateur·rice"),
                                    ("social-care", "Chargé·e de relation client sociale"),
                                    ("influence-manager", "Chargé·e d'influence"),
                                    ("other", "Autre"),
                                ],
                                max_length=24,
                                verbose_name="role",
                            ),
                        ),
                        (
                            "employer_type",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("brand", "Annonceur / marque"),
                                    ("agency", "Agence"),
                                    ("media", "Média"),
                                    ("public", "Secteur public"),
                                    ("nonprofit", "Association / ONG"),
                                    ("startup", "Start-up"),
                                    ("other", "Autre"),
                                ],
                                max_length=10,
                                verbose_name="employer type",
                            ),
                        ),
                        (
                            "country",
                            models.CharField(
                                choices=[
                                    ("FR", "France"),
                                    ("BE", "Belgique"),
                                    ("CH", "Suisse"),
                                    ("LU", "Luxembourg"),
                                    ("CA", "Canada"),
                                ],
                                max_length=2,
                                verbose_name="country",
                            ),
                        ),
                        (
                            "display_name",
                            models.CharField(blank=True, max_length=60, verbose_name="name shown"),
                        ),
                        (
                            "language",
                            models.CharField(
                                choices=[("fr", "Français"), ("en", "English")],
                                max_length=2,
                                verbose_name="language",
                            ),
                        ),
                        (
                            "consent_to_publish",
                            models.BooleanField(default=False, verbose_name="consent to publish"),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "pending"),
                                    ("approved", "approved"),
                                    ("rejected", "rejected"),
                                ],
                                default="pending",
                                max_length=8,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "rejection_reason",
                            models.CharField(
                                blank=True, max_length=500, verbose_name="reason for rejection"
                            ),
                        ),
                        ("slug", models.SlugField(blank=True, max_length=60, verbose_name="slug")),
                        (
                            "is_sample",
                            models.BooleanField(
                                default=False,
                                help_text="Written by the editors to show the format.",
                                verbose_name="sample",
                            ),
                        ),
                        (
                            "submitted_on",
                            models.DateField(
                                default=django.utils.timezone.localdate, verbose_name="submitted on"
                            ),
                        ),
                        (
                            "reviewed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="reviewed at"),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewed by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "interview",
                        "verbose_name_plural": "interviews",
                        "db_table": "surveys_interview",
                        "ordering": ["-submitted_on", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["state", "reviewed_at"], name="interview_public_idx"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("consent_to_publish", True)),
                                name="interview_has_consent",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("slug", ""), _negated=True),
                                fields=("slug",),
                                name="one_interview_per_slug",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("state", "approved"), _negated=True),
                                    models.Q(("slug", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="approved_interview_has_slug",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PendingInterview",
                    fields=[],
                    options={
                        "verbose_name": "pending interview",
                        "verbose_name_plural": "interview queue",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("interviews.interview",),
                ),
            ],
            # The table is there already, as the survey app left it.
            database_operations=[],
        ),
    ]
