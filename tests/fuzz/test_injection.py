"""SQL and script injection attempts are inert: nothing runs, nothing is dropped, and
everything typed comes back escaped."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from finder.models import Trial
from referrals.models import Referral

from .conftest import TRIAL
from .strategies import SCRIPT_INJECTION, SQL_INJECTION

pytestmark = pytest.mark.django_db

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.parametrize("payload", SQL_INJECTION)
def test_sql_in_search_and_api_parameters_is_only_text(client, site, payload):
    before = (tables(), Trial.objects.count(), get_user_model().objects.count())
    responses = [
        client.get("/trials/", {"location": payload, "condition": payload}),
        client.get("/api/v1/trials/", {"condition": payload, "q": payload}),
        client.get(f"/api/v1/trials/{TRIAL}/sites/", {"place": payload}),
        client.get(f"/api/v1/trials/{payload}/"),
    ]
    assert all(r.status_code in (200, 400, 404) for r in responses), [
        r.status_code for r in responses
    ]
    assert (tables(), Trial.objects.count(), get_user_model().objects.count()) == before


@pytest.mark.parametrize("payload", SQL_INJECTION)
def test_sql_in_a_referral_reference_finds_nothing(client, referral, coordinator, payload):
    client.force_login(coordinator, backend=LOGIN_BACKEND)
    from urllib.parse import quote

    response = client.get(f"/team/referrals/{quote(payload, safe='')}/")
    assert response.status_code == 404


@pytest.mark.parametrize("payload", SQL_INJECTION)
def test_sql_in_the_login_form_does_not_sign_in(client, coordinator, payload):
    client.post("/accounts/login/", {"username": payload, "password": payload})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("payload", SCRIPT_INJECTION)
def test_a_typed_location_comes_back_escaped(client, site, payload):
    body = client.get("/trials/", {"location": payload}).content.decode()
    assert payload not in body or payload.replace("<", "").replace(">", "") == payload
    assert "<script>alert(1)</script>" not in body
    assert "onerror=alert(1)>" not in body


@pytest.mark.parametrize("payload", SCRIPT_INJECTION)
def test_a_patients_name_and_a_note_are_escaped_for_the_site_team(
    client, screened_patient, site, coordinator, payload
):
    response = screened_patient.post(
        f"/trials/{TRIAL}/contact/",
        {"site": site.pk, "name": payload, "email": "alex@example.org", "consent": "on"},
    )
    assert response.status_code == 302, response.content[:1000]
    referral = Referral.objects.get()
    client.force_login(coordinator, backend=LOGIN_BACKEND)
    client.post(f"/team/referrals/{referral.reference}/notes/", {"note": payload})
    for url in ("/team/referrals/", f"/team/referrals/{referral.reference}/"):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert '"><img src=x onerror' not in body
        assert "<svg/onload" not in body
        assert "django-insecure" not in body and "test-secret-key" not in body
