"""Middleware for running behind a load balancer: refuse oversized bodies, and answer
503 (not 500) while the database cannot be reached.

Both sit right after Django's ``SecurityMiddleware`` and django-csp's middleware, so
their responses still carry the security headers.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

#: Exceptions that mean "the database is unreachable or the connection was lost" (a
#: restart, a failover, a network cut), as opposed to a bug in a query.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

RETRY_AFTER_SECONDS = 5

_FLAG = "_database_unavailable"


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _problem(request, status: int, title: str, detail: str) -> HttpResponse:
    """The API's problem-details shape under /api/, a small static page elsewhere.

    No template is rendered: templates may need the database or the session.
    """
    if _is_api(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        return JsonResponse(body, status=status, content_type="application/problem+json")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{detail}</p></body></html>"
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def database_unavailable_response(request) -> HttpResponse:
    response = _problem(
        request,
        503,
        "Service temporarily unavailable",
        "The service cannot reach its database. Please try again in a few seconds.",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class RequestBodyLimitMiddleware:
    """Refuse a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with 413 before it is read.

    Django enforces that limit only where it reads ``request.body`` or ``request.POST``;
    DRF's parsers read the stream directly, so without this a JSON body of any size
    would be read into memory. The service accepts no file uploads, so one limit holds
    for every body. A ``Content-Length`` that is not a non-negative integer is a 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return _problem(request, 400, "Bad request", "Invalid Content-Length header.")
        if limit is not None and length > limit:
            return _problem(
                request,
                413,
                "Request body too large",
                f"Request bodies are limited to {limit} bytes.",
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when the database is down, never a 500.

    A database error raised by a view is caught in ``process_exception`` and logged as
    one line, without a traceback. Some arrive here already turned into a 500: one
    raised by an inner middleware (saving the session after the view ran), marked on
    the request by the ``got_request_exception`` receiver below, and one a DRF
    exception handler rendered itself, recognised by the connection it left broken.
    Either way the 500 is replaced with the same 503. No traceback ever reaches
    the client (``DEBUG`` is off in production), and the next request after the
    database is back gets a fresh connection (``CONN_HEALTH_CHECKS``), so the web
    processes recover without a restart.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and (
            getattr(request, _FLAG, False) or database_connection_lost()
        ):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.warning(
                "database unavailable on %s %s: %s: %s",
                request.method,
                request.path,
                type(exception).__name__,
                str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            )
            return database_unavailable_response(request)
        return None


def database_connection_lost() -> bool:
    """Whether a database error in this request left its connection unusable.

    A bug in a query (``ProgrammingError``) also sets ``errors_occurred``, but leaves
    the connection usable; a restart, failover or network cut does not.
    """
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred and (
            connection.connection is None or not connection.is_usable()
        ):
            return True
    return False


@receiver(got_request_exception, dispatch_uid="config.middleware.mark_database_unavailable")
def mark_database_unavailable(sender, request=None, **kwargs):
    """Remember on the request that the uncaught exception was a database outage."""
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_UNAVAILABLE):
        setattr(request, _FLAG, True)
