"""The referral's language (issue 20, item 5): stored from the page the patient used, or
given by the partner, and used for the patient's confirmation."""

import pytest
from django.core import mail

from referrals.models import Referral
from referrals.services import referral_language
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS
from tests.referrals.test_patient_referral import form_data, remember_screening, url
from tests.referrals.test_referral_create_api import body, error_fields

URL = "/api/v1/referrals/"


@pytest.fixture
def post(client, partner_key, django_capture_on_commit_callbacks):
    _partner, raw = partner_key

    def do(data):
        headers = {"Authorization": f"Api-Key {raw}"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data, content_type="application/json", headers=headers)

    return do


def patient_mail():
    return next(m for m in mail.outbox if m.to == [CONTACT["email"]])


def test_a_referral_made_in_spanish_is_stored_in_spanish_and_confirmed_in_spanish(
    client, trial, site, coordinator, django_capture_on_commit_callbacks
):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(trial), form_data(site), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.language == "es"
    assert referral.consent_text.startswith("Acepto que MS Trial Finder")
    message = patient_mail()
    assert message.extra_headers["Content-Language"] == "es"
    assert referral.reference in message.body
    assert "equipo del estudio" in message.body
    # The site team's notice stays in the team's language.
    team = next(m for m in mail.outbox if coordinator.email in m.to + m.bcc)
    assert team.extra_headers["Content-Language"] == "en"


def test_a_referral_made_in_english_is_english(client, trial, site, coordinator):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    client.post(url(trial), form_data(site), HTTP_ACCEPT_LANGUAGE="en")
    assert Referral.objects.get().language == "en"


def test_a_partner_gives_the_patients_language(post, site, coordinator):
    response = post(body(site, language="es"))
    assert response.status_code == 201, response.content
    assert Referral.objects.get().language == "es"
    assert "equipo del estudio" in patient_mail().body


def test_a_partner_referral_without_a_language_is_english(post, site):
    assert post(body(site)).status_code == 201
    assert Referral.objects.get().language == "en"


@pytest.mark.parametrize("language", ["xx", "", 3, None, ["es"]])
def test_an_unknown_language_is_a_400_naming_it(post, site, language):
    response = post(body(site, language=language))
    assert response.status_code == 400
    assert error_fields(response) == {"language"}
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("code", "expected"), [("es", "es"), ("es-ES", "es"), ("ES", "es"), ("fr", "en"), ("", "en")]
)
def test_referral_language_is_one_of_ours(code, expected):
    assert referral_language(code) == expected


def test_the_site_team_sees_the_patients_language(client, post, site, coordinator):
    assert post(body(site, language="es")).status_code == 201
    referral = Referral.objects.get()
    client.force_login(coordinator)

    html = client.get(f"/team/referrals/{referral.reference}/", HTTP_ACCEPT_LANGUAGE="en")

    text = " ".join(html.content.decode().split())
    assert "Language of the patient's pages</dt><dd>Spanish <span" in text
