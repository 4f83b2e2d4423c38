"""Hostile requests to every API operation: never a 500, every error in the API's shape,
never more than one short log line (issue 21, item 1).

The operations are read from the OpenAPI schema, so an endpoint added later is fuzzed
too. For each, hypothesis builds requests a hostile client could send: hostile path
segments, query strings (unknown names, blank, repeated, huge, odd values), headers
(bad keys, odd Accept, Content-Type, Origin, If-None-Match, Accept-Language,
X-Forwarded-For), other methods, and bodies: raw bytes, JSON of any shape nested up to
past the depth limit, and the operation's valid body with parts replaced, removed or
added. Each answer must be below 500; an error (4xx) must be problem details, or an
OperationOutcome on the FHIR endpoints; the request may leave at most one log line,
short, on one line, without a traceback.

Bounded for the suite: ``FUZZ_EXAMPLES`` requests per operation (default 40),
derandomized so both CI passes send the same requests; ``FUZZ_EXAMPLES=2000`` and
``FUZZ_RANDOM=1`` for a longer, random hunt.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ELIGIBLE_ANSWERS

from .conftest import TRIAL
from .strategies import ATTACKS, hostile_text

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = "application/problem+json"
FHIR = "application/fhir+json"
#: The longest log line a refused request may leave.
LOG_LINE_CHARS = 250


def _operations() -> list[tuple[str, str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    )


OPERATIONS = _operations()


# --- what a hostile client sends ----------------------------------------------------------------

#: Header values travel as latin-1 on the wire.
header_text = st.one_of(
    st.sampled_from([a for a in ATTACKS if a.isascii()]),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300),
    st.just("x" * 4000),
)
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(hostile_text, st.sampled_from(sorted(ELIGIBLE_ANSWERS))), children, max_size=4
        ),
    ),
    max_leaves=25,
)


def nested(depth: int) -> object:
    value: object = {"answers": {}}
    for n in range(depth):
        value = [value] if n % 2 else {"a": value}
    return value


def seed_bodies(site_id: int) -> dict[str, object]:
    """A body each operation accepts, to be taken apart."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1985-04-02", "gender": "female"}
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "426373005"}]},
    }
    return {
        "/api/v1/trials/{nct_id}/eligibility/": {"answers": ELIGIBLE_ANSWERS},
        "/api/v1/match/": {
            "answers": ELIGIBLE_ANSWERS,
            "location": {"postal_code": "94301", "country": "US"},
            "radius_km": 500,
        },
        "/api/v1/referrals/": {
            "trial": TRIAL,
            "site": site_id,
            "answers": ELIGIBLE_ANSWERS,
            "contact": {"name": "A Patient", "email": "patient@example.org"},
            "consent": True,
        },
        "/api/v1/fhir/match": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": patient}, {"resource": condition}],
        },
    }


def _slots(value, slots):
    """Every (container, key) in a JSON value, to change one of them."""
    if isinstance(value, dict):
        for key, child in value.items():
            slots.append((value, key))
            _slots(child, slots)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            slots.append((value, index))
            _slots(child, slots)
    return slots


@st.composite
def mutated(draw, seed):
    body = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(body, [])
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(json_value)
        elif action == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(hostile_text)] = draw(json_value)
        else:
            container.append(draw(json_value))
    return body


def bodies(seed):
    as_json = st.one_of(
        mutated(seed) if seed else json_value,
        json_value,
        st.integers(1, 45).map(nested),
    ).map(lambda value: json.dumps(value, allow_nan=True).encode())
    return st.one_of(
        as_json,
        as_json,
        st.binary(max_size=300),
        st.sampled_from([b"", b"{", b'{"answers": ', b"\xff\xfe{}", b"[" * 5000, b"null"]),
    )


def query_strings(names: list[str]):
    known = names + ["lang", "limit", "page", "offset", "condition", "format", "_count"]
    pairs = st.lists(
        st.tuples(st.one_of(st.sampled_from(known), hostile_text), st.one_of(hostile_text)),
        max_size=6,
    )
    return st.one_of(
        pairs.map(urlencode),
        st.sampled_from(["", "&&&", "=", "a=%ZZ", "lang=%00", "x" * 6000 + "=1", "%0A=1"]),
        st.just("&".join(f"p{n}=1" for n in range(250))),
    )


def path_values():
    return st.one_of(
        st.just(TRIAL),
        st.just(TRIAL.lower()),
        st.sampled_from(["NCT99999999", "ABCDE-FGHJK", "%0A", "%00", "..%2F..", "x" * 300]),
        hostile_text.map(lambda text: quote(text, safe="")),
    )


def headers(key: str):
    optional = {
        "HTTP_AUTHORIZATION": st.one_of(
            st.just(f"Api-Key {key}"),
            st.sampled_from(["Api-Key ", "Api-Key nope", "Api-Key a.b", "Bearer x", "Basic Og=="]),
            header_text.map(lambda text: f"Api-Key {text}"),
        ),
        "HTTP_ACCEPT": st.one_of(
            st.sampled_from(["application/json", "*/*", "application/xml", "text/html", FHIR]),
            st.sampled_from(["application/json; indent=99999", "application/json; version=x"]),
            header_text,
        ),
        "CONTENT_TYPE": st.one_of(
            st.sampled_from(["application/json", FHIR, "text/plain", "multipart/form-data"]),
            st.sampled_from(
                ["application/json; charset=latin-1", "multipart/form-data; boundary="]
            ),
            header_text,
        ),
        "HTTP_ACCEPT_LANGUAGE": header_text,
        "HTTP_IF_NONE_MATCH": st.one_of(st.just("*"), header_text),
        "HTTP_IF_MODIFIED_SINCE": st.one_of(
            st.just("Tue, 01 Dec 2099 00:00:00 GMT"),
            st.just("Thu, 01 Jan 1970 00:00:00 GMT"),
            header_text,
        ),
        "HTTP_ORIGIN": header_text,
        "HTTP_X_FORWARDED_FOR": header_text,
        "HTTP_IDEMPOTENCY_KEY": header_text,
    }
    return st.fixed_dictionaries({}, optional=optional)


# --- the test -------------------------------------------------------------------------------------


@pytest.fixture
def hostile_client(site, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "1000000/minute",
            "partner": "1000000/minute",
            "bad_key": "1000000/minute",
        },
    }
    return Client()


@pytest.fixture
def partner_key(db):
    from partners.models import Partner, PartnerAPIKey

    partner = Partner.objects.create(name="Fuzzing partner")
    return PartnerAPIKey.objects.create_key(name="fuzz", partner=partner)[1]


@pytest.mark.parametrize(
    ("method", "path", "params"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_no_hostile_request_gets_a_500_or_a_long_log(
    hostile_client, site, partner_key, caplog, method, path, params
):
    caplog.set_level(logging.INFO)
    seed = seed_bodies(site.pk).get(path)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        verb=st.one_of(st.just(method), st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"])),
        segments=st.lists(path_values(), min_size=2, max_size=2),
        query=query_strings(params),
        extra=headers(partner_key),
        body=bodies(seed),
    )
    def send(verb, segments, query, extra, body):
        values = iter(segments)
        target = re.sub(r"\{[^}]+\}", lambda _: next(values), path)
        if query:
            target = f"{target}?{query}"
        content_type = extra.pop("CONTENT_TYPE", "application/json")
        caplog.clear()
        response = hostile_client.generic(
            verb,
            target,
            data=body if verb in ("POST", "PUT", "PATCH", "DELETE") else b"",
            content_type=content_type,
            **extra,
        )
        assert response.status_code < 500, (verb, target[:200], response.content[:300])
        if response.status_code >= 400 and verb != "HEAD":
            assert_error_shape(response, fhir=path.startswith("/api/v1/fhir/"))
        assert_one_short_line(caplog, allow_more=response.status_code < 400)

    send()


def assert_error_shape(response, *, fhir: bool) -> None:
    content_type = response["Content-Type"].split(";")[0]
    body = json.loads(response.content)
    if fhir and content_type == FHIR:
        assert body["resourceType"] == "OperationOutcome" and body["issue"]
        return
    assert content_type == PROBLEM, (response.status_code, content_type)
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail"} <= set(body)


def assert_one_short_line(caplog, *, allow_more: bool) -> None:
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    if not allow_more:
        assert len(records) <= 1, [r.getMessage()[:120] for r in records]
    for record in records:
        message = record.getMessage()
        assert record.exc_info is None, message[:200]
        assert len(message) <= LOG_LINE_CHARS, message[:200]
        assert "\n" not in message, message[:200]
