"""Oversized or overstuffed bodies are refused before anything reads them."""

from __future__ import annotations

import json

import pytest

from .conftest import TRIAL

pytestmark = pytest.mark.django_db

TOO_BIG = 300 * 1024  # over DATA_UPLOAD_MAX_MEMORY_SIZE (256 KiB)


@pytest.mark.parametrize(
    "url",
    [
        f"/trials/{TRIAL}/check/",
        f"/trials/{TRIAL}/contact/",
        "/accounts/login/",
        "/check/questions/",
    ],
)
def test_an_oversized_form_is_refused_with_413(client, trial, url):
    response = client.post(url, {"name": "x" * TOO_BIG})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/referrals/",
        f"/api/v1/trials/{TRIAL}/eligibility/",
        "/api/v1/match/",
    ],
)
def test_an_oversized_json_body_is_refused_with_413(client, trial, url):
    body = json.dumps({"answers": {"note": "x" * TOO_BIG}})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_a_form_with_too_many_fields_is_a_400(client, trial):
    data = {f"field{n}": "1" for n in range(500)}
    response = client.post(f"/trials/{TRIAL}/check/", data)
    assert response.status_code == 400


def test_deeply_nested_json_is_a_400_not_a_500(client, trial):
    body = "[" * 100_000 + "]" * 100_000  # 200,000 bytes: under the size limit
    response = client.post(
        f"/api/v1/trials/{TRIAL}/eligibility/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_a_body_just_under_the_limit_is_read(client, trial):
    # Read, not refused for its size: the 400 names the unknown field, so the body was parsed.
    body = json.dumps({"answers": {"age": 34}, "padding": "x" * (200 * 1024)})
    response = client.post(
        f"/api/v1/trials/{TRIAL}/eligibility/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["padding"]


def test_a_valid_body_just_under_the_limit_is_answered(client, trial):
    answers = {"age": 34, "treatments_ever": ["interferon_beta"] * 12_000}
    body = json.dumps({"answers": answers})
    assert 200 * 1024 < len(body) < 256 * 1024
    response = client.post(
        f"/api/v1/trials/{TRIAL}/eligibility/", body, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "possibly_eligible"
