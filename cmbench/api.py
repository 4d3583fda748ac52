"""API wiring shared by every app: the one exception handler."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a statistics error on bad input is a 400, not a 500.

    Imported lazily so that `benchmarks.stats` stays free of Django and this
    module free of a hard dependency on it.
    """
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    try:
        from benchmarks.stats.errors import StatsError
    except ImportError:  # pragma: no cover - the package is part of the project
        return None
    if isinstance(exc, StatsError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return None
