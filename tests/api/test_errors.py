"""One problem-details shape for every error, and never a 500 for any input."""

import json

import pytest
from django.db import DataError

from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

MATCH = "/api/v1/match/"


def test_malformed_json_is_a_400_naming_the_body(api, catalog):
    assert_problem(api.post(MATCH, "{not json", content_type="application/json"), 400, "body")


def test_a_wrong_content_type_is_a_415(api, catalog):
    assert_problem(api.post(MATCH, "answers=1", content_type="text/plain"), 415)
    assert_problem(api.post(MATCH, {"answers": "x"}, format="multipart"), 415)


def test_an_unacceptable_accept_header_is_a_406(api, catalog):
    assert_problem(api.get("/api/v1/trials/", HTTP_ACCEPT="application/xml"), 406)


def test_a_wrong_method_is_a_405_with_allow(api, catalog):
    response = api.delete("/api/v1/trials/")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        "null",
        "42",
        '"answers"',
        '{"answers": {"age": 1e400}}',
        '{"answers": {"age": NaN}}',
        '{"answers": {"age": Infinity}}',
        '{"answers": {"age": ' + "9" * 5000 + "}}",
        '{"answers": {"edss": -0.0000000000000000000001}}',
        '{"answers": {"birth_date": "1990-02-30"}}',
        '{"answers": {"sex": "\\u0000"}}',
        '{"answers": {"\\ud800": 1}}',
        '{"answers": {"treatments_ever": [[], {}, null]}}',
        '{"answers": {"age": true}}',
        '{"answers": {}, "location": {"lat": "north", "lon": 0}}',
        '{"answers": {}, "location": {"place": "' + "x" * 5000 + '"}}',
        '{"answers": {}, "location": {"place": ["Paris"]}}',
        '{"answers": {}, "limit": 1.5}',
        '{"answers": {}, "condition": {"$ne": null}}',
        "[" * 20000 + "]" * 20000,
    ],
)
def test_hostile_bodies_get_a_4xx_problem(api, catalog, raw):
    response = api.post(MATCH, raw, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_body_over_the_limit_is_a_413(api, catalog, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"answers": {}, "condition": "x" * 2000})
    response = api.post(MATCH, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_database_refusal_of_input_is_a_400_not_a_500(api, catalog, monkeypatch):
    def refuse(**kwargs):
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr("finder.apis.trial_for_detail", refuse)
    assert_problem(api.get("/api/v1/trials/NCT00548405/"), 400)


def test_an_unexpected_error_is_a_problem_500_logged_without_the_body(
    api, catalog, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("finder.apis.trial_for_detail", broken)
    response = api.get("/api/v1/trials/NCT00548405/")
    assert_problem(response, 500)
    assert any("Unhandled API error" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trials/NCT00548405%00/",
        "/api/v1/trials/%F0%9F%92%A9/",
        "/api/v1/trials/" + "9" * 300 + "/",
        "/api/v1/fhir/ResearchStudy/%00",
    ],
)
def test_odd_paths_are_404s(api, catalog, path):
    response = api.get(path)
    assert response.status_code == 404
