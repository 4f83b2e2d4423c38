"""Accounts: argon2 hashing, login throttling, session expiry and CSRF on every form."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.referrals.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def test_passwords_are_hashed_with_argon2(real_hashers, db):
    user = UserFactory(username="argon")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


def test_a_team_member_signs_in_and_reaches_the_queue(client, coordinator):
    response = client.post(
        LOGIN + "?next=/team/referrals/",
        {"username": coordinator.username, "password": PASSWORD, "next": "/team/referrals/"},
    )
    assert response.status_code == 302 and response["Location"] == "/team/referrals/"
    assert client.get("/team/referrals/").status_code == 200


def test_the_login_page_renders(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_logins_are_throttled_after_repeated_failures(client, coordinator, settings):
    statuses = [
        client.post(LOGIN, {"username": coordinator.username, "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again, with an error, until the limit; the failure reaching it locks out.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Locked out: even the right password is refused now.
    response = client.post(LOGIN, {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_expires(client, coordinator):
    client.post(LOGIN, {"username": coordinator.username, "password": PASSWORD})
    assert client.get("/team/referrals/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/team/referrals/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sessions_are_bounded_in_time(settings):
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_login_needs_a_csrf_token(csrf_client, coordinator):
    response = csrf_client.post(LOGIN, {"username": coordinator.username, "password": PASSWORD})
    assert response.status_code == 403


def test_every_referral_form_needs_a_csrf_token(
    csrf_client, coordinator, clinician, referral, trial
):
    csrf_client.force_login(coordinator)
    for url in (
        reverse("team_referral_status", args=[referral.reference]),
        reverse("team_referral_note", args=[referral.reference]),
        reverse("logout"),
    ):
        assert csrf_client.post(url, {"status": "contacted", "note": "x"}).status_code == 403, url
    csrf_client.force_login(clinician)
    url = reverse("clinician_referral_create", args=[trial.nct_id])
    assert csrf_client.post(url, {}).status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("referral_create", args=[trial.nct_id]), {}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == "new"


def test_every_referral_form_carries_a_csrf_token(client, coordinator, clinician, referral, trial):
    client.force_login(coordinator)
    page = client.get(reverse("team_referral_detail", args=[referral.reference])).content.decode()
    post_forms = re.findall(r'<form[^>]*method="post".*?</form>', page, flags=re.S | re.I)
    assert len(post_forms) >= 3  # status, note, sign out (and the layout's own)
    assert all('name="csrfmiddlewaretoken"' in form for form in post_forms)
    client.force_login(clinician)
    page = client.get(reverse("clinician_referral_create", args=[trial.nct_id])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_staff_pages_are_not_cached(client, coordinator, referral):
    client.force_login(coordinator)
    response = client.get(reverse("team_referral_detail", args=[referral.reference]))
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]
