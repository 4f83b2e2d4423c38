"""In a browser: the patient picks a site, must consent, and gets a reference number."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from eligibility.services import screening_evaluate
from referrals.models import Referral
from tests.referrals.conftest import ELIGIBLE_ANSWERS, axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def patient_page(browser_context, live_server, trial, site, other_site):
    """A browser whose session holds an eligible screening, as the questionnaire leaves it,
    and a location near Cleveland."""
    screening = screening_evaluate(trial=trial, answers=ELIGIBLE_ANSWERS).screening
    session = SessionStore()
    session["screenings"] = {trial.nct_id: ["fingerprint", str(screening.pk)]}
    session["origin"] = {"latitude": 41.4993, "longitude": -81.6944, "label": "Cleveland, OH"}
    session.create()
    browser_context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    return browser_context.new_page()


def test_patient_consents_and_gets_a_confirmation(
    patient_page, live_server, trial, site, other_site
):
    page = patient_page
    page.goto(f"{live_server.url}/trials/{trial.nct_id}/contact/")
    assert page.locator("h1").inner_text() == "Ask the study team to contact you"
    # The nearest site is preselected and the consent names it.
    assert page.locator(f'input[name="site"][value="{other_site.pk}"]').is_checked()
    consent = page.locator("#consent-text")
    assert "Cleveland Clinic Mellen Center" in consent.inner_text()
    screenshot(page, "patient-form")
    assert axe_violations(page) == []

    # Choosing the other site changes who the consent names.
    page.get_by_label(re.compile("Stanford Neuroscience")).check()
    assert "Stanford Neuroscience Health Center" in consent.inner_text()

    page.get_by_label("Your name", exact=True).fill("Alice Zebrowski")
    page.get_by_label("Email address", exact=True).fill("alice.zebrowski@example.org")
    page.get_by_role("button", name="Send my request").click()
    # No consent: nothing is sent, the error says why, what was typed is kept.
    assert page.locator(".error-summary").is_visible()
    assert "Tick the box to agree" in page.locator(".error-summary").inner_text()
    assert (
        page.get_by_label("Email address", exact=True).input_value()
        == "alice.zebrowski@example.org"
    )
    assert not Referral.objects.exists()
    screenshot(page, "patient-consent-missing")

    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/referrals/sent/")
    referral = Referral.objects.get()
    assert page.locator("#reference").inner_text() == referral.reference
    assert referral.site == site
    assert "Stanford Neuroscience Health Center" in referral.consent_text
    assert "alice" not in page.url.lower()
    screenshot(page, "patient-confirmation")
    assert axe_violations(page) == []
