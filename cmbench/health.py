"""GET /healthz: can this app server reach its database and its cache?

For load balancers and monitors: 200 `{"status": "ok", "database": "ok",
"cache": "ok"}` when both answer, else 503 with the one that failed marked
"unavailable" (and "replica" when DATABASE_REPLICA_URL is set). It sets no
cookie, is never cached, is not translated, and is exempt from the HTTPS
redirect (a probe speaks plain HTTP to the app server).
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from cmbench.routers import REPLICA_DB_ALIAS

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"


def _database(alias: str) -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("Health check: database %r unavailable (%s).", alias, type(error).__name__)
        return UNAVAILABLE
    return OK


def _cache() -> str:
    key = f"healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=10)
        answered = cache.get(key)
        cache.delete(key)
    except Exception as error:
        logger.warning("Health check: cache unavailable (%s).", type(error).__name__)
        return UNAVAILABLE
    return OK if answered == value else UNAVAILABLE


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database("default"), "cache": _cache()}
    if REPLICA_DB_ALIAS in connections:
        checks["replica"] = _database(REPLICA_DB_ALIAS)
    healthy = all(result == OK for result in checks.values())
    response = JsonResponse(
        {"status": OK if healthy else UNAVAILABLE, **checks}, status=200 if healthy else 503
    )
    response.headers["Cache-Control"] = "no-store"
    return response
