"""A build gives the memory its frames held back to the system (workers.give_back_memory).

glibc keeps freed heap pages in the process: a build worker that computed
France's cells would count France's peak through every smaller group after
it. The test frees a heap the way a group's frames do (many blocks under
glibc's mmap threshold, the last one still held) and reads the resident size.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest

from benchmarks.build import workers


def resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def has_malloc_trim() -> bool:
    try:
        ctypes.CDLL(None).malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return False
    return Path("/proc/self/statm").exists()


@pytest.mark.skipif(not has_malloc_trim(), reason="glibc's malloc_trim and /proc (Linux)")
def test_freed_frames_leave_the_process() -> None:
    # Free pages earlier tests left in the heap would take the blocks below without
    # growing the process: given back first.
    workers.give_back_memory()
    before = resident_mib()
    # About 200 MiB in blocks of 96 KiB, under the mmap threshold: they come from the heap.
    blocks = [np.ones(12_000) for _ in range(2_000)]
    last = blocks[-1]
    del blocks
    held = resident_mib()
    assert held - before > 150  # freed, but still the process's
    workers.give_back_memory()
    assert resident_mib() - before < 50
    assert last.sum() == 12_000
