"""Requests shaped to break the parser: too many parameters, bodies nested too deep."""

from __future__ import annotations

import json
import logging

import pytest

from .conftest import TRIAL

pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(f"p{n}=1" for n in range(300))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/trials/",
        f"/api/v1/trials/{TRIAL}/",
        f"/api/v1/trials/{TRIAL}/questionnaire/",
        f"/api/v1/trials/{TRIAL}/sites/",
    ],
)
def test_too_many_query_parameters_is_a_problem_400(client, trial, url):
    response = client.get(f"{url}?{TOO_MANY}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Too many parameters"


def test_too_many_query_parameters_on_fhir_is_an_operation_outcome(client, trial):
    response = client.get(f"/api/v1/fhir/ResearchStudy?{TOO_MANY}")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("url", ["/trials/", f"/trials/{TRIAL}/"])
def test_too_many_query_parameters_on_a_page_is_a_400(client, trial, url):
    assert client.get(f"{url}?{TOO_MANY}").status_code == 400


def test_too_many_parameters_logs_one_short_line(client, trial, caplog):
    with caplog.at_level(logging.INFO):
        client.get(f"/api/v1/trials/?{TOO_MANY}")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert len(records[0].getMessage()) < 200


def _nested_extension(depth: int) -> dict:
    extension = {"url": "http://example.org/leaf", "valueString": "a"}
    for _ in range(depth):
        extension = {"url": "http://example.org/node", "extension": [extension]}
    return extension


def _bundle_with_patient_extension(depth: int) -> str:
    patient = {"resourceType": "Patient", "id": "p1", "extension": [_nested_extension(depth)]}
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]}
    )


def test_fhir_match_with_an_extension_nested_150_deep_is_a_400(client, trial, caplog):
    with caplog.at_level(logging.INFO):
        response = client.post(
            "/api/v1/fhir/match",
            _bundle_with_patient_extension(150),
            content_type="application/fhir+json",
        )
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "nested" in outcome["issue"][0]["diagnostics"]
    assert not any(r.exc_info for r in caplog.records)
    assert sum(len(r.getMessage()) for r in caplog.records) < 500


def test_fhir_match_with_a_few_nested_extensions_is_read(client, trial):
    response = client.post(
        "/api/v1/fhir/match",
        _bundle_with_patient_extension(3),
        content_type="application/fhir+json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("url", [f"/api/v1/trials/{TRIAL}/eligibility/", "/api/v1/match/"])
def test_a_json_body_nested_deeper_than_the_limit_is_a_400(client, trial, url, settings):
    value: object = 1
    for _ in range(settings.API_MAX_JSON_DEPTH + 1):
        value = [value]
    response = client.post(url, json.dumps({"answers": value}), content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
