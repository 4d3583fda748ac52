"""The snapshot build as a task of Django's tasks framework (benchmarks.tasks)."""

from __future__ import annotations

from django.tasks import TaskResultStatus

from benchmarks.models import Snapshot
from benchmarks.tasks import publish_snapshot
from tests.benchmarks.conftest import MakeAnswers


def test_the_task_publishes_a_snapshot_and_returns_its_id(make_answers: MakeAnswers) -> None:
    make_answers(60, year=2026)

    result = publish_snapshot.enqueue()

    current = Snapshot.objects.current().get()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["snapshot"] == current.pk
    assert result.return_value["cells"] == current.cell_count == current.cells.count()
    assert set(result.return_value["timings"]) >= {"read", "cells", "store"}


def test_the_task_rebuilds_only_the_editions_asked(make_answers: MakeAnswers) -> None:
    make_answers(60, year=2025, seed=1)
    make_answers(60, year=2026, seed=2)
    first = publish_snapshot.enqueue().return_value["snapshot"]

    result = publish_snapshot.enqueue(years=[2026])

    second = Snapshot.objects.get(pk=result.return_value["snapshot"])
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert second.parameters["editions"] == [2026]
    assert second.parameters["previous_snapshot"] == first
    assert set(second.cells.values_list("year", flat=True)) == {2025, 2026}


def test_a_failed_build_is_a_failed_result_and_leaves_the_snapshot_in_place(
    make_answers: MakeAnswers,
) -> None:
    make_answers(60, year=2026)
    published = publish_snapshot.enqueue().return_value["snapshot"]

    result = publish_snapshot.enqueue(years=[1999])

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "benchmarks.snapshots.SnapshotError"
    assert Snapshot.objects.current().get().pk == published
