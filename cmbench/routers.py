"""Read replicas: which queries may read a copy of the database that lags behind.

Only the published snapshot is read from the replica (DESIGN.md privacy rule
3: everything public is read from it), and only while a public GET request
asks (`ReplicaReadsMiddleware` opens `replica_reads()`): a snapshot never
changes once published, and a new one becomes current in one transaction, so
a replica a few seconds behind serves the previous snapshot whole, never a mix.
Everything else reads the primary: answers and editions, the admin (an editor
must see what was just saved), POST requests, management commands and tasks
(a build compares against the current snapshot it must see). Every write goes
to the primary, and only the primary is migrated.

Switched on by DATABASE_REPLICA_URL (cmbench.settings), which adds the
`replica` alias and this router.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

REPLICA_DB_ALIAS = "replica"
# The app whose models hold published snapshots (Snapshot, Cell, ProfileModel).
SNAPSHOT_APP_LABEL = "benchmarks"

# A ContextVar, not a thread-local: each gunicorn thread and each asyncio task
# sees its own request's choice.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside this block, reads of snapshot models go to the replica (when one exists)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Snapshot reads inside `replica_reads()` to the replica; everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _replica_reads.get() and model._meta.app_label == SNAPSHOT_APP_LABEL:
            return REPLICA_DB_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases are the same database: an object read from the replica
        # may point at one read from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica is a physical copy: it receives the primary's schema.
        return db == DEFAULT_DB_ALIAS
