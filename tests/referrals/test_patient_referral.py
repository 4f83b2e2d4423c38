"""The patient's "Ask to be contacted": site choice, consent, confirmation and messages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from eligibility.services import screening_evaluate
from referrals.models import AuditEvent, Referral
from tests.referrals.conftest import (
    CONTACT,
    ELIGIBLE_ANSWERS,
    INELIGIBLE_ANSWERS,
    POSSIBLY_ELIGIBLE_ANSWERS,
)


def remember_screening(client, trial, answers):
    """What the questionnaire leaves in the session after showing a result."""
    screening = screening_evaluate(trial=trial, answers=answers).screening
    session = client.session
    session["screenings"] = {trial.nct_id: ["fingerprint", str(screening.pk)]}
    session.save()
    return screening


def url(trial):
    return reverse("referral_create", args=[trial.nct_id])


def form_data(target, **overrides):
    data = {
        "site": target.pk,
        "name": CONTACT["name"],
        "email": CONTACT["email"],
        "phone": "",
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    def do(trial, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url(trial), data)

    return do


def test_the_form_preselects_the_nearest_site(client, trial, site, other_site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    session = client.session
    session["origin"] = {"latitude": 41.4993, "longitude": -81.6944, "label": "Cleveland, OH"}
    session.save()
    response = client.get(url(trial))
    assert response.status_code == 200
    checked = re.findall(
        r'<input type="radio" name="site" value="(\d+)"[^>]*checked', response.content.decode()
    )
    assert checked == [str(other_site.pk)]
    assert response.context["sites"][0].id == other_site.pk
    assert response.context["form"].initial["site"] == str(other_site.pk)


def test_the_consent_says_what_is_shared_with_whom(client, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    page = client.get(url(trial)).content.decode()
    for words in (
        "my name",
        "email address",
        "phone",
        "my answers",
        "the study team at Stanford Neuroscience Health Center",
        "Nobody else",
        "deleted 90 days",
    ):
        assert words in page, words


def test_it_refers_and_shows_the_confirmation_with_the_reference(
    client, submit, trial, site, coordinator
):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = submit(trial, form_data(site))
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_sent")
    referral = Referral.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert referral.reference in page
    # Nothing personal in the confirmation page's URL or the redirect.
    assert CONTACT["email"] not in response["Location"]
    assert referral.consent_text.startswith("I agree that MS Trial Finder sends my name")
    assert "Stanford Neuroscience Health Center" in referral.consent_text
    assert referral.channel == "patient" and referral.referred_by is None
    assert AuditEvent.objects.get(action="create").actor_label == "patient"


def test_the_patient_confirmation_email_has_the_reference_and_no_personal_data(
    client, submit, trial, site, coordinator
):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    submit(trial, form_data(site, phone="+1 650 555 0142"))
    referral = Referral.objects.get()
    patient_mail = next(m for m in mail.outbox if m.to == [CONTACT["email"]])
    assert referral.reference in patient_mail.subject and referral.reference in patient_mail.body
    text = patient_mail.subject + patient_mail.body
    for personal in ("Alice", "Zebrowski", "+16505550142", "555"):
        assert personal not in text


def test_the_site_team_message_is_a_link_without_personal_data(
    client, submit, trial, site, coordinator
):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    submit(trial, form_data(site, phone="+1 650 555 0142"))
    referral = Referral.objects.get()
    team_mail = next(m for m in mail.outbox if coordinator.email in m.to + m.bcc)
    text = team_mail.subject + team_mail.body
    assert f"/team/referrals/{referral.reference}/" in text
    for personal in ("Alice", "Zebrowski", CONTACT["email"], "+16505550142", "5550142"):
        assert personal not in text
    # Every answer stays out of it too.
    assert "relapsing" not in text.lower() and "interferon" not in text.lower()


def test_it_accepts_a_possibly_eligible_screening(client, submit, trial, site):
    remember_screening(client, trial, POSSIBLY_ELIGIBLE_ANSWERS)
    assert submit(trial, form_data(site)).status_code == 302
    assert Referral.objects.get().verdict == "possibly_eligible"


def test_it_requires_the_consent(client, submit, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    data = form_data(site)
    del data["consent"]
    response = submit(trial, data)
    assert response.status_code == 200
    assert "Tick the box to agree" in response.content.decode()
    assert not Referral.objects.exists()
    # The form keeps what was typed, so nothing has to be entered twice.
    assert CONTACT["email"] in response.content.decode()


def test_it_requires_an_email_or_a_phone(client, submit, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = submit(trial, form_data(site, email=""))
    assert "Give an email address or a phone number (or both)." in response.content.decode()
    assert not Referral.objects.exists()


def test_it_rejects_a_malformed_email(client, submit, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = submit(trial, form_data(site, email="alice@"))
    assert "This is not a valid email address" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_rejects_a_site_of_another_trial(client, submit, trial, site):
    from tests.factories import SiteFactory

    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = submit(trial, form_data(site, site=SiteFactory().pk))
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_an_ineligible_screening_offers_no_referral(client, submit, trial, site):
    remember_screening(client, trial, INELIGIBLE_ANSWERS)
    assert "First, check whether you may qualify" in client.get(url(trial)).content.decode()
    submit(trial, form_data(site))
    assert not Referral.objects.exists()


def test_without_a_screening_it_asks_to_check_first(client, trial, site):
    response = client.get(url(trial))
    assert response.status_code == 200
    assert reverse("eligibility:trial_check", args=[trial.nct_id]) in response.content.decode()


def test_a_second_submission_does_not_refer_twice(client, submit, trial, site):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    submit(trial, form_data(site))
    response = submit(trial, form_data(site))
    assert response.status_code == 302 and response["Location"] == reverse("referral_sent")
    assert Referral.objects.count() == 1


def test_an_unknown_trial_is_404(client, db):
    assert client.get(reverse("referral_create", args=["NCT00000000"])).status_code == 404


def test_the_confirmation_page_without_a_referral_goes_home(client, db):
    assert client.get(reverse("referral_sent")).status_code == 302


def test_the_result_page_action_links_here_only_for_referable_verdicts(trial):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    for verdict, shown in (("eligible", True), ("possibly_eligible", True), ("ineligible", False)):
        outcome = SimpleNamespace(verdict=verdict)
        html = render_to_string(
            "referrals/referral_action.html", {"trial": trial, "outcome": outcome}
        )
        assert (url(trial) in html) is shown
