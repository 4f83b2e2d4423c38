"""Every 201 says where the new thing is: a ``Location`` header (issue 21 found none).

The only API operation that creates anything is ``POST /api/v1/referrals/``; the schema
test below fails when a new operation documents a 201 without a ``Location`` header.
"""

import json

import pytest

from tests.factories import ELIGIBLE_ANSWERS

pytestmark = pytest.mark.django_db


def test_a_referral_made_answers_201_with_its_location(
    keyed_api, care_ms_ii, django_capture_on_commit_callbacks
):
    body = {
        "trial": care_ms_ii.nct_id,
        "site": care_ms_ii.sites.get(city="Palo Alto").pk,
        "answers": ELIGIBLE_ANSWERS,
        "contact": {"name": "A Patient", "email": "patient@example.org"},
        "consent": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_api.post(
            "/api/v1/referrals/", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert response["Location"] == f"http://testserver/api/v1/referrals/{reference}/"
    followed = keyed_api.get(response["Location"])
    assert followed.status_code == 200
    assert followed.json()["reference"] == reference


def test_every_201_in_the_schema_documents_a_location(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    created = [
        (path, method, operation["responses"]["201"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "201" in operation.get("responses", {})
    ]
    assert created, "no operation creates anything any more?"
    for path, method, response in created:
        assert "Location" in response.get("headers", {}), (method, path)
