"""What every API endpoint shares: one error shape (RFC 9457 problem details).

Every error body looks like::

    {"type": "about:blank", "title": "Invalid request", "status": 400,
     "detail": "...", "errors": [{"field": "answers.edss", "message": "..."}]}

``errors`` names each offending field with a dotted path (``answers.edss``,
``location.postal_code``, ``lat``). Services raise domain exceptions; views map them
to ``ApiInputError`` (or a DRF ``ValidationError``) and this handler renders them.

Also shared here, the conventions of docs/api.md: strict query parameters
(:class:`QueryParamsSerializer`, :func:`query_params`, ``lang``), paging
(:func:`page_window`, :func:`page_links`), conditional reads (:func:`conditional_read`),
and the problem-details answers of Django's own error handlers under /api/.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation, TooManyFieldsSent
from django.db import DataError
from django.http import Http404, HttpResponseNotModified, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import parse_etags
from django.utils.http import http_date, parse_http_date_safe
from django.views import defaults as django_error_views
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from config.throttling import cache_outage
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


#: How many unknown parameter or field names an error lists, and how much of each name.
_UNKNOWN_NAMES_SHOWN, _NAME_CHARS_SHOWN = 10, 64


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, by name (a typo should not be silently ignored):
    the first ten, each cut to 64 characters, since the names come from the caller (a
    field name can be as long as the body)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                shown = {name[:_NAME_CHARS_SHOWN] for name in unknown[:_UNKNOWN_NAMES_SHOWN]}
                raise serializers.ValidationError(dict.fromkeys(sorted(shown), ["Unknown field."]))
        return super().to_internal_value(data)


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters, strictly: an unknown name or a blank value is an error.

    A misspelt parameter (``?conditon=ms``) silently ignored gives the caller an answer to
    a question it did not ask; each unknown name is a 400 naming it (the first ten, each
    cut to 64 characters: the names come from the caller). DRF treats ``?limit=`` like a
    missing ``limit`` (handy for HTML forms); an API caller who sends it has made a
    mistake and is told so, unless the field allows blank. ``ignored_parameters`` names
    any an endpoint accepts without using (a FHIR client's ``_format``, say).
    """

    ignored_parameters: tuple[str, ...] = ()

    def to_internal_value(self, data):
        names = data.keys() if hasattr(data, "keys") else ()
        unknown = sorted(set(names) - set(self.fields) - set(self.ignored_parameters))
        if unknown:
            shown = {name[:_NAME_CHARS_SHOWN] for name in unknown[:_UNKNOWN_NAMES_SHOWN]}
            raise serializers.ValidationError(dict.fromkeys(sorted(shown), ["Unknown parameter."]))
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


@functools.cache
def _renderer(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer_class()


def render(serializer_class: type[serializers.Serializer], instance: Any) -> dict:
    """``serializer_class(instance).data``, from one instance of the serializer kept per
    class: DRF builds every field (nested ones included) again for each new serializer,
    which was most of the rendering's cost on the busiest answers. Only for output
    serializers whose fields read nothing from the context (no request-built URLs);
    tests/api/test_output_serializers.py checks the two agree."""
    return _renderer(serializer_class).to_representation(instance)


def page_window(params: dict[str, Any]) -> tuple[int | None, int]:
    """(limit, offset) from ``limit`` with ``offset`` or ``page``.

    A ``limit`` of ``None`` (a list whose page size defaults to "everything") is the rest
    of the list from ``offset``; ``page`` then needs a ``limit``.
    """
    limit = params.get("limit")
    if params.get("page") is not None and params.get("offset") is not None:
        raise ApiInputError({"page": "Give offset or page, not both."})
    if params.get("page") is not None:
        if limit is None:
            raise ApiInputError({"page": "page needs limit (the page size)."})
        return limit, (params["page"] - 1) * limit
    return limit, params.get("offset") or 0


def page_links(
    request, *, limit: int | None, offset: int, total: int
) -> tuple[str | None, str | None]:
    """The ``next`` and ``previous`` links of a page: the same URL with another offset
    (or page, when the caller pages by page); ``None`` at either end."""
    url = request.build_absolute_uri()
    by_page = "page" in request.query_params

    def at(start: int) -> str:
        if by_page:
            return replace_query_param(url, "page", start // limit + 1)
        return replace_query_param(url, "offset", start)

    if limit is None:  # the rest of the list: no next page, the previous is the start
        return None, (remove_query_param(url, "offset") if offset > 0 else None)
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

LANG_DESCRIPTION = (
    "Language of patient texts: en or es (es-MX and the like count as es); any other value, "
    "or none, is a 400. Without it, Accept-Language decides (English by default)."
)


#: ``lang``: English or Spanish, alone or with subtags (``es-MX``, ``en-GB``, ``es-419``).
LANGUAGE_TAG_PATTERN = r"^([eE][nN]|[eE][sS])(-[A-Za-z0-9]{1,8})*$"


class LanguageField(serializers.RegexField):
    """The ``lang`` parameter: ``en`` or ``es`` (``es-MX`` and the like), else a 400."""

    default_error_messages = {"invalid": "Must be en or es, alone or with a region (es-MX)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 35)
        kwargs.setdefault("help_text", LANG_DESCRIPTION)
        super().__init__(LANGUAGE_TAG_PATTERN, **kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)  # the pattern checks what was sent
        return normalize_language(value) if value is not None else None


class LanguageParams(QueryParamsSerializer):
    """The query of an endpoint whose only parameter is ``lang``."""

    lang = LanguageField()


class NoParams(QueryParamsSerializer):
    """The query of an endpoint that takes no parameters: any is a 400."""


def query_params(request, serializer_class: type[QueryParamsSerializer]) -> dict[str, Any]:
    """The request's query parameters, validated (400 naming each bad or unknown one).

    An empty query string of a class with no required or defaulted field and no
    ``validate`` of its own is ``{}`` without building the serializer (most API calls
    send none, and building one costs a copy of every field)."""
    if not request.query_params and _empty_query_is_valid(serializer_class):
        return {}
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


@functools.cache
def _empty_query_is_valid(serializer_class: type[QueryParamsSerializer]) -> bool:
    """Whether an empty query validates to ``{}`` for ``serializer_class``."""
    if serializer_class.validate is not serializers.Serializer.validate:
        return False
    fields = serializer_class().fields.values()
    return not any(f.required or f.default is not serializers.empty for f in fields)


def request_language(request) -> str:
    """``?lang=es`` wins (a 400 if it is neither en nor es), then the negotiated language
    (Accept-Language, cookie)."""
    if "lang" in request.query_params:
        return query_params(request, LanguageParams)["lang"]
    return normalize_language(getattr(request, "LANGUAGE_CODE", None))


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
    pattern=LANGUAGE_TAG_PATTERN,
    description=LANG_DESCRIPTION,
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


def problem_body(
    status_code: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The one problem-details body (``PROBLEM_SCHEMA``), inside DRF or outside it;
    ``errors`` only when there are any."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def problem(
    status_code: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response from a DRF view or the exception handler."""
    body = problem_body(status_code, title, detail, errors)
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


# --- conditional reads: ETag and Last-Modified, and 304 -------------------------------------

#: How long the cache remembers when a representation was first served (see conditional_read).
FIRST_SERVED_SECONDS = 30 * 24 * 3600


def representation_etag(data) -> str:
    """A weak ETag for ``data``: the hash of its JSON, keys sorted.

    Weak because it names the data, not the bytes: the same data rendered with another
    ``indent`` (DRF reads one from ``Accept``) is the same resource state.
    """
    text = json.dumps(data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return f'W/"{digest}"'


def _first_served(etag: str, now: int) -> int:
    """When this server first served the representation ``etag`` names (``now`` if never,
    or if the cache cannot say)."""
    if cache_outage.active:
        return now
    key = "api:first-served:" + etag
    try:
        first = cache.get(key)
        if first is None:
            cache.add(key, now, FIRST_SERVED_SECONDS)
            first = cache.get(key, now)
    except Exception as exc:  # any cache failure: answer without remembering
        cache_outage.record(exc)
        return now
    return int(first)


def _client_copy_is_current(request, etag: str, last_modified: int) -> bool:
    """RFC 9110's If-None-Match (weak comparison), else If-Modified-Since."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        return "*" in tags or any(tag.removeprefix("W/") == etag[2:] for tag in tags)
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE") or "")
    return since is not None and last_modified <= since


def conditional_read(request, data, *, changed_at: datetime | None = None) -> HttpResponseBase:
    """``data`` as a 200 with ``ETag`` and ``Last-Modified``, or a 304 if the client's copy
    is current; for a GET of one resource (a trial, a ResearchStudy).

    The ETag is the data's (:func:`representation_etag`), so it changes with anything the
    body shows: a site, a criterion, the language, the host in the links. Last-Modified
    is when this server first served that representation (remembered in the cache), and
    never earlier than ``changed_at``: a trial's sites and arms can change or disappear
    without touching any timestamp, so a time read from the rows alone could send a 304
    to a client holding an older copy. ``Cache-Control: no-cache``: caches may keep the
    answer but must ask again (a 304 costs no body). If-Match and If-Unmodified-Since
    are not evaluated: these reads change nothing.
    """
    etag = representation_etag(data)
    now = int(time.time())
    last_modified = _first_served(etag, now)
    if changed_at is not None:
        last_modified = max(last_modified, min(int(changed_at.timestamp()), now))
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": "no-cache",
    }
    if request.method in ("GET", "HEAD") and _client_copy_is_current(request, etag, last_modified):
        response = HttpResponseNotModified()
        for name, value in headers.items():
            response[name] = value
        return response
    return Response(data, headers=headers)


#: The schema of a conditional read: the validators it sends, the conditions it honours.
CONDITIONAL_READ_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier answer: 304 Not Modified if it is still current.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        description="An HTTP date (an earlier answer's Last-Modified): 304 if nothing changed "
        "since. Ignored with If-None-Match.",
    ),
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="A weak validator of this representation (language and links included).",
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="When this representation was first served, as an HTTP date.",
    ),
]
NOT_MODIFIED = OpenApiResponse(
    description="Not Modified: the copy named by If-None-Match or If-Modified-Since is "
    "current (no body)."
)


# --- errors Django answers itself: problem details under /api/ -----------------------------

#: How much of a request's path an error message or a log line quotes.
PATH_CHARS_SHOWN = 200


def short_path(request) -> str:
    """The request's path for a message: control characters escaped, cut short."""
    path = request.path.encode("unicode_escape").decode("ascii")
    return path if len(path) <= PATH_CHARS_SHOWN else path[:PATH_CHARS_SHOWN] + "..."


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def problem_json(status_code: int, title: str, detail: str = "") -> JsonResponse:
    """A problem-details response outside DRF (middleware, Django's error handlers)."""
    return JsonResponse(
        problem_body(status_code, title, detail),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


@csrf_exempt  # an API path with no route is a 404 for every method, never a CSRF 403
def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that no route matches: a problem-details 404, not HTML."""
    return problem_json(404, "Not found", f"No API endpoint at {short_path(request)}.")


# Django's handler400, handler403, handler404 and handler500 (config.urls): what Django
# answers itself (a bad Host header, a path no route matches, such as one holding a
# newline, an uncaught error) is problem details under /api/, its usual page elsewhere.


def bad_request(request, exception):
    if is_api_request(request):
        return problem_json(400, "Bad request", "The request cannot be processed.")
    return django_error_views.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api_request(request):
        return problem_json(403, "Forbidden", "You may not do this.")
    return django_error_views.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api_request(request):
        return api_not_found(request)
    return django_error_views.page_not_found(request, exception)


def server_error(request):
    if is_api_request(request):
        return problem_json(500, "Internal error", "The server could not complete the request.")
    return django_error_views.server_error(request)


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
