"""What every API endpoint shares: one error shape (RFC 9457 problem details).

Every error body looks like::

    {"type": "about:blank", "title": "Invalid request", "status": 400,
     "detail": "...", "errors": [{"field": "answers.edss", "message": "..."}]}

``errors`` names each offending field with a dotted path (``answers.edss``,
``location.postal_code``, ``lat``). Services raise domain exceptions; views map them
to ``ApiInputError`` (or a DRF ``ValidationError``) and this handler renders them.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApiInputError(exceptions.ValidationError):
    """A caller error with the offending fields named: ``{"field": "message"}``."""

    def __init__(self, errors: dict[str, str], detail: str | None = None):
        super().__init__({k: [v] for k, v in errors.items()})
        self.summary = detail


def flatten_errors(detail, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of ``{"field", "message"}``."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") and not prefix else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            out.extend(flatten_errors(value, path))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"field": prefix, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            path = f"{prefix}[{index}]" if prefix else f"[{index}]"
            out.extend(flatten_errors(item, path))
        return out
    return [{"field": prefix, "message": str(detail)}]


def problem(
    status_code: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error, one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        summary = getattr(exc, "summary", None) or "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        return problem(400, "Invalid request", summary, errors)

    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) if exc.wait is not None else 60
        return problem(
            429,
            "Too many requests",
            f"Request limit reached; try again in {wait} seconds.",
            headers={"Retry-After": str(max(wait, 1))},
        )

    if isinstance(exc, exceptions.ParseError):
        return problem(
            400,
            "Malformed request body",
            str(exc.detail),
            [{"field": "body", "message": str(exc.detail)}],
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handler, logged without request bodies
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    title = {
        status.HTTP_401_UNAUTHORIZED: "Not authenticated",
        status.HTTP_403_FORBIDDEN: "Forbidden",
        status.HTTP_404_NOT_FOUND: "Not found",
        status.HTTP_405_METHOD_NOT_ALLOWED: "Method not allowed",
        status.HTTP_406_NOT_ACCEPTABLE: "Not acceptable",
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    }.get(response.status_code, "Request failed")
    out = problem(response.status_code, title, str(detail))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            out[header] = response[header]
    return out
