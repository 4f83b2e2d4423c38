"""Request body parsers for the API: JSON with a size and nesting limit.

DRF reads the request stream itself, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is not
applied to API bodies unless a parser does it; these parsers refuse a larger body
with a 413, and a body nested too deep to decode or holding an unpaired surrogate
(``"\ud800"``, which cannot be encoded back) with a 400, instead of a 500.
Kept apart from ``config.api`` for the same import-order reason as the throttles.
"""

from __future__ import annotations

import io
import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def nesting_depth(data, *, limit: int) -> int:
    """How deeply ``data`` nests objects and arrays, counted without recursion.

    Stops counting at ``limit + 1``: the caller only needs to know it is too deep.
    """
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, nested at most
    ``API_MAX_JSON_DEPTH`` levels.

    The depth is bounded before anything walks the body recursively (the FHIR models
    validate nested extensions recursively, so a 5 KB body nested 150 deep would
    otherwise end in a ``RecursionError``).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
            # "\ud800" is valid JSON but no text: refuse it here rather than fail later
            # when a message quoting it is encoded.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None
        except UnicodeEncodeError:
            raise exceptions.ParseError("JSON parse error - unpaired surrogate in a string")
        depth_limit = settings.API_MAX_JSON_DEPTH
        if nesting_depth(data, limit=depth_limit) > depth_limit:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {depth_limit} levels deep"
            )
        return data


class FhirJsonParser(BoundedJSONParser):
    """FHIR resources as ``application/fhir+json`` (plain ``application/json`` is accepted too)."""

    media_type = "application/fhir+json"
