"""Expected published figures, written independently of the code under test.

The cell key method and the rounding of DESIGN.md privacy rules 3 and 4, as a
reader of the design would compute them by hand: the tests compare what the
snapshot publishes with these, so the two implementations check each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Keys out of 256 giving noise -2, -1, 0, +1, +2 (DESIGN.md rule 3; docs/privacy.md).
SPREAD = (38, 64, 52, 64, 38)
ONE_ABOVE_FLOOR = (0, 115, 52, 63, 26)


def noise(n: int, cell_key: int) -> int:
    """The noise that true count ``n`` gets for ``cell_key`` (0..255)."""
    if n in (0, 10):
        return 0
    blocks = ONE_ABOVE_FLOOR if n in (1, 11) else SPREAD
    upper = 0
    for value, size in zip(range(-2, 3), blocks, strict=True):
        upper += size
        if cell_key < upper:
            return value
    raise AssertionError(f"cell key {cell_key} out of range")


def published_count(record_keys: Iterable[int]) -> int:
    """The published count of a set of responses, from their record keys."""
    keys = list(record_keys)
    return len(keys) + noise(len(keys), sum(keys) % 256)


def published_money(value: float, step: int) -> int:
    """An amount rounded to the nearest multiple of ``step``, halves up."""
    return int(math.floor(value / step + 0.5) * step)
