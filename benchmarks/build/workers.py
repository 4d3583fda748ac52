"""The build's groups on several processes: each country, edition and status is independent.

A build computes one group of cells per (country, edition, status): the cube,
the privacy rules, the comparisons and, for employees, the profile model. No
group reads another's result, so `snapshot_build` hands them to
BENCHMARKS_BUILD_WORKERS processes when it may, and computes them in its own
process otherwise. Either way each group is computed by the same function
(`snapshots.group_cells`) from the same rows, and the results are put back in
the order of the groups: a snapshot is the same whichever way it was built
(tests/test_build_workers.py).

The processes start from a fork server (`multiprocessing`'s "forkserver"): a
fresh, single-threaded interpreter that imported numpy, pandas and scipy once,
and forks each worker from itself. Forking the build's own process instead
would copy its open database connection, and its threads (the task's
heartbeat) with whatever lock they hold at that instant. Each worker reads
what its groups need of the previous snapshot (privacy rule 8's memory, the
last profile model) over its own connection, so a build only goes parallel
when those rows are committed, that is outside a transaction (a test's
transaction, say, is visible to its own connection only), and when the
database is not SQLite's in-memory one, which no other process can open.

A worker leaves as soon as the build's process is gone, killed or not.
At most `workers` + 1 groups are in flight at a time, largest first (the
longest group starts at once and the small ones fill in around it). A task
carries its group's name, not its rows: each group reads its own answers
(`snapshots.group_from_answers`), so the build's process never holds them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.db import connections, transaction

# Imported once by the fork server, so that each worker forked from it starts
# with Django set up and the build lane imported (worker_boot).
PRELOAD = ["benchmarks.build.worker_boot"]


def worker_count() -> int:
    """How many processes this build may use (1: all in this process)."""
    workers = max(1, int(settings.BENCHMARKS_BUILD_WORKERS))
    if workers == 1:
        return 1
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        return 1
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1
    return workers


def warm_up(workers: int) -> None:
    """Start the fork server in the background (it imports for a second or two), so
    that it is ready when the tasks are: called before the build reads its answers
    (and by publish_snapshot before it imports the build). Starting it twice is
    harmless: a running server is kept."""
    if workers <= 1:
        return
    multiprocessing.forkserver.set_forkserver_preload(PRELOAD)
    threading.Thread(
        target=multiprocessing.forkserver.ensure_running, name="build-fork-server", daemon=True
    ).start()


def run[Key, Result](
    compute: Callable[..., Result],
    tasks: Sequence[tuple[Key, int, Callable[[], dict[str, Any]]]],
    *,
    workers: int,
) -> Iterator[tuple[Key, Result]]:
    """`compute(**arguments())` for each task (key, size, arguments), as each one ends.

    `compute` must be a module-level function (workers import it by name).
    `arguments` is called just before its task is handed out.
    """
    if workers <= 1 or len(tasks) <= 1:
        for key, _size, arguments in tasks:
            yield key, compute(**arguments())
        return
    waiting = sorted(tasks, key=lambda task: -task[1])
    multiprocessing.forkserver.set_forkserver_preload(PRELOAD)
    databases = {alias: dict(connections[alias].settings_dict) for alias in connections}
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_worker_start,
        initargs=(settings.SETTINGS_MODULE, databases),
    ) as pool:
        running: dict[Future[Result], Key] = {}

        def hand_out() -> None:
            # One task more than processes: a process that finishes finds the
            # next one queued, even while the caller is busy with a result.
            while waiting and len(running) <= workers:
                key, _size, arguments = waiting.pop(0)
                running[pool.submit(_worker_compute, compute, arguments())] = key

        try:
            while waiting or running:
                hand_out()
                done, _pending = wait(running, return_when=FIRST_COMPLETED)
                finished = [(running.pop(future), future) for future in done]
                hand_out()
                for key, future in finished:
                    yield key, future.result()
        finally:
            for future in running:
                future.cancel()


def _worker_start(settings_module: str, databases: dict[str, dict[str, Any]]) -> None:
    """In each worker: Django on the parent's settings and databases (a test's, too)."""
    from django.apps import apps

    if not apps.ready:  # the fork server could not set it up (worker_boot)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django

        django.setup()
    for alias, settings_dict in databases.items():
        settings.DATABASES[alias] = settings_dict
        connections[alias].settings_dict = settings_dict
    # A build killed outright (SIGKILL, the OOM killer) cannot stop its workers,
    # and a worker waiting for its next task would wait for ever (it holds both
    # ends of the task queue): each one leaves when the build's process is gone.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_leave_with, args=(parent.sentinel,), name="build-parent-watch", daemon=True
        ).start()


def _leave_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _worker_compute[Result](compute: Callable[..., Result], arguments: dict[str, Any]) -> Result:
    """One task in a worker; its database connection closed after it, as a request's is,
    and the memory its frames held given back."""
    try:
        return compute(**arguments)
    finally:
        connections.close_all()
        give_back_memory()


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc's `malloc_trim`).

    numpy and pandas free a group's frames, but glibc keeps many of the freed
    pages in the process, which goes on counting them until it exits: a
    worker that computed France would hold France's peak through every
    smaller group after it. Nothing happens where the C library has no
    malloc_trim (musl, macOS).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
