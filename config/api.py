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
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation, TooManyFieldsSent
from django.db import DataError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from eligibility.engine.facts import InvalidAnswers, normalize_language

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApiInputError(exceptions.ValidationError):
    """A caller error with the offending fields named: ``{"field": "message"}``."""

    def __init__(self, errors: dict[str, str], detail: str | None = None):
        super().__init__({k: [v] for k, v in errors.items()})
        self.summary = detail


class JsonBooleanField(serializers.Field):
    """A JSON ``true`` or ``false`` and nothing else.

    DRF's ``BooleanField`` also takes ``"yes"``, ``"on"``, ``"1"``, ``1`` and ``1.0``; for
    consent that coercion would turn a form value or a typo into an agreement. The error
    never repeats the submitted value.
    """

    default_error_messages = {"invalid": "must be the JSON boolean true or false"}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return bool(value)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, by name (a typo should not be silently ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, ["Unknown field."]))
        return super().to_internal_value(data)


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters where a blank value is an error, not "absent", unless allowed.

    DRF treats ``?limit=`` like a missing ``limit`` (handy for HTML forms); an API caller
    who sends it has made a mistake and is told so.
    """

    def to_internal_value(self, data):
        blank = [
            name
            for name, field in self.fields.items()
            if not getattr(field, "allow_blank", False)
            and hasattr(data, "getlist")
            and "" in data.getlist(name)
        ]
        if blank:
            raise serializers.ValidationError(dict.fromkeys(blank, ["May not be blank."]))
        return super().to_internal_value(data)


def page_window(params: dict[str, Any]) -> tuple[int, int]:
    """(limit, offset) from ``limit`` with ``offset`` or ``page``."""
    limit = params["limit"]
    if params.get("page") is not None and params.get("offset") is not None:
        raise ApiInputError({"page": "Give offset or page, not both."})
    if params.get("page") is not None:
        return limit, (params["page"] - 1) * limit
    return limit, params.get("offset") or 0


def page_links(request, *, limit: int, offset: int, total: int) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    by_page = "page" in request.query_params

    def at(start: int) -> str:
        if by_page:
            return replace_query_param(url, "page", start // limit + 1)
        return replace_query_param(url, "offset", start)

    following = at(offset + limit) if offset + limit < total else None
    if offset <= 0:
        previous = None
    elif by_page or offset - limit > 0:
        previous = at(max(offset - limit, 0))
    else:
        previous = remove_query_param(url, "offset")
    return following, previous


#: The largest page any list endpoint returns.
MAX_PAGE_SIZE = 100


def request_language(request) -> str:
    """``?lang=es`` wins, then the negotiated language (Accept-Language, cookie)."""
    return normalize_language(
        request.query_params.get("lang") or getattr(request, "LANGUAGE_CODE", None)
    )


def problem_response(description: str) -> OpenApiResponse:
    """An error response in the schema; its body is the one problem shape (see
    :func:`add_error_responses`, which gives every error response its schema)."""
    return OpenApiResponse(description=description)


def invalid_answers_errors(exc: InvalidAnswers, *, prefix: str = "answers") -> dict[str, str]:
    """Each invalid answer by its path in the request (``answers.edss``): the one map from
    the engine's answer keys to request fields, for problem details and OperationOutcomes."""
    if not prefix:
        return dict(exc.errors)
    return {(key if key == prefix else f"{prefix}.{key}"): m for key, m in exc.errors.items()}


#: The generic error response of an operation in the schema.
PROBLEM = problem_response("Problem details (RFC 9457) naming the offending fields.")

LANG_PARAM = OpenApiParameter(
    "lang",
    str,
    required=False,
    description="Language of patient texts: en or es (es-MX and the like count as es). "
    "Anything else, or no value, gives English (then Accept-Language decides).",
)


def flatten_errors(detail, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of ``{"field", "message"}``."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int):  # ListField and DictField errors: items by index
                out.extend(flatten_errors(value, f"{prefix}[{key}]"))
                continue
            name = "" if key in ("non_field_errors", "__all__") else str(key)
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

    if isinstance(exc, TooManyFieldsSent):
        # Django raises it on first access to request.GET; DRF would let it become a 500.
        # django.request logs the 400 in one short line; nothing more is logged.
        return problem(
            400,
            "Too many parameters",
            f"A request may carry at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} query or "
            "form parameters.",
            [{"field": "query", "message": "too many parameters"}],
        )
    if isinstance(exc, SuspiciousOperation):
        return problem(400, "Bad request", "The request cannot be processed.")

    if isinstance(exc, InvalidAnswers):
        errors = invalid_answers_errors(exc)
        detail = "Some answers are not valid: " + "; ".join(
            f"{k}: {v}" for k, v in exc.errors.items()
        )
        return problem(
            400, "Invalid request", detail, flatten_errors({k: [v] for k, v in errors.items()})
        )

    if isinstance(exc, DataError):
        # Input the database cannot hold or compare (a NUL character in a path segment,
        # say, on PostgreSQL) that slipped past validation: still the caller's error.
        logger.warning("Database refused a value from the request: %s", exc)
        return problem(
            400,
            "Invalid request",
            "A value in the request cannot be used (for example, it contains a NUL character).",
        )

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
        # A bug, not a caller error: logged with the path only (bodies carry answers).
        request = context.get("request")
        logger.error(
            "Unhandled API error on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
        return problem(500, "Internal error", "The server could not complete the request.")
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    title = {
        status.HTTP_401_UNAUTHORIZED: "Not authenticated",
        status.HTTP_403_FORBIDDEN: "Forbidden",
        status.HTTP_404_NOT_FOUND: "Not found",
        status.HTTP_405_METHOD_NOT_ALLOWED: "Method not allowed",
        status.HTTP_406_NOT_ACCEPTABLE: "Not acceptable",
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "Request body too large",
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    }.get(response.status_code, "Request failed")
    out = problem(response.status_code, title, str(detail))
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            out[header] = response[header]
    return out


@csrf_exempt  # an API path with no route is a 404 for every method, never a CSRF 403
def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that no route matches: a problem-details 404, not HTML."""
    body = {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": f"No API endpoint at {request.path}.",
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


# --- OpenAPI: the key scheme and the error responses every operation shares -------------------


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerApiKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A partner key sent as `Authorization: Api-Key <key>`. Optional: callers "
                "without a key may read at a lower rate."
            ),
        }


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Problem details (RFC 9457): the one shape of every API error.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each offending field, by dotted path (answers.edss, lat).",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

OPERATION_OUTCOME_SCHEMA = {
    "type": "object",
    "description": "A FHIR R4 OperationOutcome: how FHIR endpoints report errors.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["severity", "code"],
            },
        },
    },
    "required": ["resourceType", "issue"],
}

_ERROR_DESCRIPTIONS = {
    "400": "The request is invalid; each offending field is named.",
    "401": "The API key is unknown, revoked or expired (omit the header to call anonymously).",
    "404": "No such resource.",
    "406": "The Accept header asks for a format this endpoint cannot produce.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "429": "Too many requests; Retry-After says how many seconds to wait.",
}
_RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before the next request.",
    }
}
FHIR_PATH_PREFIX = "/api/v1/fhir/"


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the errors every operation can give.

    Every operation can answer 400, 401, 406 and 429; those with a path parameter 404;
    those with a body 413 and 415. Error responses get their real media type and schema:
    problem details, or an OperationOutcome on the FHIR endpoints.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["OperationOutcome"] = OPERATION_OUTCOME_SCHEMA
    for path, item in result.get("paths", {}).items():
        if path.startswith(FHIR_PATH_PREFIX):
            media, ref = "application/fhir+json", "#/components/schemas/OperationOutcome"
        else:
            media, ref = PROBLEM_CONTENT_TYPE, "#/components/schemas/Problem"
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "401", "406", "429"]
            if "{" in path:
                codes.append("404")
            if "requestBody" in operation:
                codes += ["413", "415"]
            responses = operation["responses"]
            for code in codes:
                responses.setdefault(code, {"description": _ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = {media: {"schema": {"$ref": ref}}}
                    if code == "429":
                        response["headers"] = _RETRY_AFTER
    return result
