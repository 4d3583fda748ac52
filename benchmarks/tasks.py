"""Background jobs of the benchmarks: building and publishing a snapshot.

In production the build runs from cron, `manage.py publish_snapshot` on a
schedule (docs/scaling.md, "Snapshot builds"): a few builds a year, each a
batch job that must not run inside a web request. This module wraps the same
service as a task of Django's tasks framework, so that a persistent backend
(TASKS_BACKEND in settings) can run it on a worker without a code change;
with the default immediate backend, `publish_snapshot.enqueue()` runs it at
once in the caller.
"""

from __future__ import annotations

import logging
from typing import Any

from django.tasks import task

from benchmarks.snapshots import snapshot_publish

logger = logging.getLogger(__name__)


@task
def publish_snapshot(years: list[int] | None = None) -> dict[str, Any]:
    """Build and publish a snapshot (`years`: the editions to rebuild, default all).

    Returns what a task result can carry (JSON): the snapshot's id, its number
    of published cells and the build's timings in seconds. A failure raises, the
    backend records it, and the previous snapshot stays current.
    """
    snapshot = snapshot_publish(years=years, progress=logger.info)
    return {
        "snapshot": snapshot.pk,
        "cells": snapshot.cell_count,
        "timings": snapshot.timings,
    }
