"""Middleware for running behind a load balancer: refuse oversized bodies, answer 503
(not 500) while the database cannot be reached, and log each refused request in one
short line.

The first two sit right after Django's ``SecurityMiddleware`` and django-csp's
middleware, so their responses still carry the security headers; the log line's is the
outermost, so it sees every response.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import DisallowedHost, SuspiciousOperation, TooManyFieldsSent
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict

from config.api import bad_request, is_api_request, problem_json, short_path

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("django.request")

#: Exceptions that mean "the database is unreachable or the connection was lost" (a
#: restart, a failover, a network cut), as opposed to a bug in a query.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

RETRY_AFTER_SECONDS = 5

_FLAG = "_database_unavailable"


def _problem(request, status: int, title: str, detail: str) -> HttpResponse:
    """The API's problem-details shape under /api/, a small static page elsewhere.

    No template is rendered: templates may need the database or the session.
    """
    if is_api_request(request):
        return problem_json(status, title, detail)
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


class OneLogLineMiddleware:
    """Every refused request leaves one short log line, whatever it carried.

    Django logs each 4xx and 5xx answer as ``"<reason>: <path>"`` (``django.request``),
    with the path as long as the client made it (up to 8 KB through gunicorn), and a
    suspicious request (a Host header not in ``ALLOWED_HOSTS``, too many parameters on a
    page) on ``django.security.*`` with a traceback and the offending value in full.
    Here the Host header is checked before anything else reads it, a suspicious request
    raised by a view is answered here (400, problem details under /api/), and every
    error answer is logged once, with the path escaped and cut to 200 characters; Django
    then takes it as logged (``_has_been_logged``, the mark its own ``log_response``
    leaves). An uncaught error keeps Django's own line and traceback: that is a bug.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as exc:
            return self.refuse(request, exc)
        response = self.get_response(request)
        if response.status_code >= 400 and not getattr(response, "_has_been_logged", False):
            level = logging.ERROR if response.status_code >= 500 else logging.WARNING
            request_logger.log(
                level,
                "%s: %s",
                response.reason_phrase,
                short_path(request),
                extra={"status_code": response.status_code, "request": request},
            )
            response._has_been_logged = True
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, SuspiciousOperation):
            return self.refuse(request, exception)
        return None

    @staticmethod
    def refuse(request, exc: SuspiciousOperation) -> HttpResponse:
        logging.getLogger(f"django.security.{type(exc).__name__}").warning(
            "%s: %s %s", type(exc).__name__, request.method, short_path(request)
        )
        response = bad_request(request, exc)
        response._has_been_logged = True
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


#: How many fields a signed-in staff member's admin form may post: a curated trial's
#: change form (its criteria, arms, interventions and a registry trial's read-only lines)
#: runs to several hundred, over the service-wide ``DATA_UPLOAD_MAX_NUMBER_FIELDS``.
ADMIN_MAX_NUMBER_FIELDS = 5000


class StaffAdminFormFieldsMiddleware:
    """Parse a staff member's urlencoded admin POST with :data:`ADMIN_MAX_NUMBER_FIELDS`
    instead of ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (200, which every other request keeps:
    anonymous callers never get the larger limit). After the authentication middleware
    and before the CSRF check reads ``request.POST``; the body is already bounded by
    :class:`RequestBodyLimitMiddleware`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.path.startswith("/admin/")
            and request.content_type == "application/x-www-form-urlencoded"
            and getattr(request, "user", None) is not None
            and request.user.is_active
            and request.user.is_staff
        ):
            request._post, request._files = _staff_form(request), MultiValueDict()
        return self.get_response(request)


def _staff_form(request) -> QueryDict:
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:
        pairs = parse_qsl(
            request.body.decode(encoding, errors="replace"),
            keep_blank_values=True,
            max_num_fields=ADMIN_MAX_NUMBER_FIELDS,
        )
    except ValueError as error:
        raise TooManyFieldsSent(
            f"The form has more than {ADMIN_MAX_NUMBER_FIELDS} fields."
        ) from error
    form = QueryDict(mutable=True, encoding=encoding)
    for name, value in pairs:
        form.appendlist(name, value)
    form._mutable = False
    return form
