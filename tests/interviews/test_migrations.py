"""The interview model moved from the survey app with its table: rows, grants and history follow.

A database of before the move is rebuilt by unapplying the interviews app
(its 0002 puts the content types back under the survey app's label), then
migrated forward as a deployment would.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from interviews.models import Interview
from tests.interviews.test_interviews import submitted


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_permissions_and_admin_history_follow_the_model_to_its_app(client: Client) -> None:
    # Its own row: the sample interviews a data migration stores may have been
    # flushed by an earlier test of the run.
    submitted()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("interviews", None)])
        ContentType.objects.clear_cache()
        old_type = ContentType.objects.get(app_label="surveys", model="interview")
        queue_type = ContentType.objects.get(app_label="surveys", model="pendinginterview")
        moderators = Group.objects.create(name="moderators")
        moderators.permissions.add(
            Permission.objects.get(content_type=old_type, codename="change_interview"),
            Permission.objects.get(content_type=queue_type, codename="view_pendinginterview"),
        )
        editor = User.objects.create_user("moderator", is_staff=True)
        editor.groups.add(moderators)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM surveys_interview ORDER BY id")
            rows = [row[0] for row in cursor.fetchall()]
        entry = LogEntry.objects.create(
            user=editor,
            content_type=old_type,
            object_id=str(rows[0]),
            object_repr="an interview",
            action_flag=CHANGE,
            change_message="Fixed a typo.",
        )

        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

        assert list(Interview.objects.order_by("id").values_list("id", flat=True)) == rows
        # The same rows of django_content_type, relabelled: no second type, no lost grant.
        assert ContentType.objects.get_for_model(Interview).pk == old_type.pk
        assert ContentType.objects.filter(model__in=["interview", "pendinginterview"]).count() == 2
        editor = User.objects.get(pk=editor.pk)
        assert editor.has_perm("interviews.change_interview")
        assert editor.has_perm("interviews.view_pendinginterview")
        client.force_login(editor)
        assert client.get("/en/admin/interviews/interview/").status_code == 200
        assert client.get("/en/admin/interviews/pendinginterview/").status_code == 200
        entry.refresh_from_db()
        assert entry.get_admin_url().endswith(f"/admin/interviews/interview/{rows[0]}/change/")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()
