"""Errors raised by the statistics package.

Every bad input raises a :class:`StatsError` (a ``ValueError``), so one API
exception handler can turn any of them into a 400 with the message as is.
"""

from __future__ import annotations


class StatsError(ValueError):
    """Bad input to a statistics function; the message says what and why."""


class InsufficientDataError(StatsError):
    """Too few observations for the requested statistic (empty input, n <= p, ...)."""


class RankDeficientError(StatsError):
    """The design matrix of a model does not have full column rank."""


class CubeError(StatsError):
    """A cube of cells given to the suppression rules is malformed or inconsistent."""
