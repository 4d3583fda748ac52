"""The read-replica router, against a second database alias on the same server.

The `replica` alias is a test mirror of `default` (Django's TEST MIRROR): a
separate connection to the same test database, as DATABASE_REPLICA_URL would
give in production. Each connection sees only what is committed, so these
tests commit (transactional) and count the queries each connection ran.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Snapshot
from benchmarks.read import lookup
from cmbench.routers import REPLICA_DB_ALIAS, replica_reads
from surveys.models import SurveyResponse
from tests.answers import store_answers
from tests.expected import published_count
from tests.factories import EditionFactory, EditorFactory

REPO = Path(__file__).resolve().parent.parent
ROUTER = "cmbench.routers.ReplicaRouter"

both_databases = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", REPLICA_DB_ALIAS]
)


@pytest.fixture(scope="module")
def replica(django_db_setup: None) -> Iterator[BaseDatabaseWrapper]:
    """The `replica` alias, a test mirror of the test database, and the router switched on.

    settings.py adds the alias only when DATABASE_REPLICA_URL is set, which the
    rest of the suite must not see: every snapshot read of a test that has not
    committed would find nothing. So it is added here, as the settings would.
    """
    added = REPLICA_DB_ALIAS not in connections
    if added:
        primary = connections["default"].settings_dict
        mirror = copy.deepcopy(primary)
        mirror["TEST"] = {**primary["TEST"], "MIRROR": "default"}
        connections.settings[REPLICA_DB_ALIAS] = mirror
    with override_settings(DATABASE_ROUTERS=[ROUTER]):
        yield connections[REPLICA_DB_ALIAS]
    if added:
        connections[REPLICA_DB_ALIAS].close()
        del connections[REPLICA_DB_ALIAS]
        del connections.settings[REPLICA_DB_ALIAS]


def publish(count: int = 60) -> Snapshot:
    EditionFactory(year=2026)
    store_answers(count, seed=11)
    snapshot = snapshot_publish()
    lookup.forget_published_snapshot()
    return snapshot


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    """Which of the snapshot and answer tables the captured queries touched."""
    names = ("benchmarks_snapshot", "benchmarks_cell", "surveys_surveyresponse")
    return {name for name in names if any(name in query["sql"] for query in queries)}


@both_databases
def test_a_public_api_read_takes_the_snapshot_from_the_replica(replica, client) -> None:
    snapshot = publish()

    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/api/v1/benchmarks/salaries/", {"country": "FR", "year": 2026})

    assert response.status_code == 200
    assert response.json()["snapshot"]["id"] == snapshot.pk
    assert response.json()["published"] is True
    employees = SurveyResponse.objects.filter(status="employee")
    assert response.json()["n"] == published_count(employees.values_list("record_key", flat=True))
    assert tables_read(on_replica) == {"benchmarks_snapshot", "benchmarks_cell"}
    assert tables_read(on_primary) == set()


@both_databases
def test_a_public_page_reads_the_snapshot_from_the_replica(replica, client) -> None:
    publish()

    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("benchmarks"))

    assert response.status_code == 200
    assert "benchmarks_snapshot" in tables_read(on_replica)


@both_databases
def test_the_admin_reads_snapshots_from_the_primary(replica, client) -> None:
    snapshot = publish()
    client.force_login(EditorFactory())

    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("admin:benchmarks_snapshot_changelist"))

    assert response.status_code == 200
    assert f"#{snapshot.pk}".encode() in response.content
    assert len(on_replica) == 0
    assert "benchmarks_snapshot" in tables_read(on_primary)


@both_databases
def test_writes_and_answer_reads_go_to_the_primary_even_during_a_public_read(replica) -> None:
    snapshot = publish()

    with (
        replica_reads(),
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        current = Snapshot.objects.current().get()
        answers = SurveyResponse.objects.count()
        Snapshot.objects.filter(pk=current.pk).update(error="checked")

    assert current.pk == snapshot.pk
    assert answers == 60
    assert tables_read(on_replica) == {"benchmarks_snapshot"}
    assert tables_read(on_primary) == {"surveys_surveyresponse", "benchmarks_snapshot"}
    assert any(query["sql"].startswith("UPDATE") for query in on_primary)


@both_databases
def test_commands_and_tasks_read_snapshots_from_the_primary(replica) -> None:
    snapshot = publish()

    with CaptureQueriesContext(replica) as on_replica:
        current = lookup.current_snapshot()

    assert current is not None
    assert current.pk == snapshot.pk
    assert len(on_replica) == 0


@both_databases
def test_the_health_check_reports_the_replica(replica, client) -> None:
    response = client.get("/healthz")

    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "replica": "ok"}


def test_only_the_primary_is_migrated(replica) -> None:
    assert router.allow_migrate("default", "benchmarks", model_name="cell") is True
    assert router.allow_migrate(REPLICA_DB_ALIAS, "benchmarks", model_name="cell") is False
    assert router.allow_migrate(REPLICA_DB_ALIAS, "surveys", model_name="surveyresponse") is False


def test_database_replica_url_adds_a_mirrored_replica_and_the_router() -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "replica = settings.DATABASES['replica']; "
        "print(json.dumps([replica['NAME'], replica['HOST'], replica['TEST']['MIRROR'], "
        "settings.DATABASE_ROUTERS]))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cmbench",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/cmbench",
    }

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["cmbench", "replica.internal", "default", [ROUTER]]
