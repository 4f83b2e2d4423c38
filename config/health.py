"""Health checks for load balancers and orchestrators.

``/healthz`` answers whether the process is alive: it touches neither the database nor
the cache, so a database outage never makes a load balancer kill healthy web processes.

``/readyz`` answers whether this process can serve traffic: the database answers a
query and the cache answers a write and a read. Anything down gives a 503 with a JSON
body naming each check, so a load balancer takes the process out of rotation and an
operator sees what is missing::

    {"status": "unavailable", "checks": {"database": "ok", "cache": "down: ConnectionError"}}

Neither view sets a cookie, reads the session or is cached by a proxy.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"


def database_status() -> str:
    """``"ok"`` if the default database answers ``SELECT 1``, else ``"down: <reason>"``."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the reason goes to the body
        # The broken connection is dropped at the end of the request (close_old_connections).
        return _down(exc)
    return OK


def cache_status() -> str:
    """``"ok"`` if the default cache stores and returns a value, else ``"down: <reason>"``."""
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # redis.ConnectionError, TimeoutError, ...
        return _down(exc)
    return OK if value == "1" else "down: value not returned"


def _down(exc: Exception) -> str:
    logger.warning("readiness check failed: %s: %s", type(exc).__name__, exc)
    # The exception class names the failure without leaking hosts or credentials.
    return f"down: {type(exc).__name__}"


@never_cache
@require_safe
def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """The database and the cache are reachable: 200, otherwise 503 naming what is down."""
    checks = {"database": database_status(), "cache": cache_status()}
    ready = all(value == OK for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
