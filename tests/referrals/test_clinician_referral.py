"""A referring clinician fills the questionnaire for a patient and follows the referral."""

import pytest
from django.core import mail
from django.urls import reverse

from referrals.audit import Actor
from referrals.models import Channel, Referral
from referrals.services import referral_status_change


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def form_data(site, **overrides):
    data = {
        "site": site.pk,
        "answer_birth_date": "1990-03-02",
        "answer_ms_diagnosis": "yes",
        "answer_ms_course": "relapsing_remitting",
        "answer_years_since_first_symptoms": "4",
        "answer_edss": "2.5",
        "answer_relapses_last_12_months": "1",
        "answer_relapses_last_24_months": "2",
        "answer_relapse_on_interferon_or_glatiramer": "yes",
        "answer_mri_lesions_confirmed": "yes",
        "answer_treatments_ever": ["interferon_beta"],
        "answer_treatments_last_6_months": ["none"],
        "answer_investigational_drug_ever": "no",
        "patient_name": "Carlos Ibáñez",
        "patient_phone": "+1 650 555 0177",
        "clinician_name": "Dr Ada Neuro",
        "clinician_email": "ada.neuro@clinic.example.org",
        "consent": "on",
    }
    data.update(overrides)
    return data


def submit(client, trial, data, capture):
    with capture(execute=True):
        return client.post(reverse("clinician_referral_create", args=[trial.nct_id]), data)


def test_the_form_asks_the_trials_questions(signed_in, trial, site):
    response = signed_in.get(reverse("clinician_referral_create", args=[trial.nct_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Expanded Disability Status Scale" in page or "EDSS" in page
    assert "My patient has agreed that MS Trial Finder sends their name" in page


def test_a_clinician_refers_a_patient(
    signed_in, clinician, trial, site, coordinator, django_capture_on_commit_callbacks
):
    response = submit(signed_in, trial, form_data(site), django_capture_on_commit_callbacks)
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert response["Location"] == reverse("clinician_referral_detail", args=[referral.reference])
    assert referral.channel == Channel.CLINICIAN and referral.referred_by == clinician
    assert referral.verdict == "eligible"
    assert referral.answers["treatments_last_6_months"] == []
    assert (referral.contact_name, referral.contact_phone) == ("Carlos Ibáñez", "+16505550177")
    assert (referral.clinician_name, referral.clinician_email) == (
        "Dr Ada Neuro",
        "ada.neuro@clinic.example.org",
    )
    assert referral.clinician_organisation == "Bay Area Neurology Group"
    kinds = sorted(referral.outbox.values_list("kind", "status"))
    assert kinds == [("clinician_confirmation", "sent"), ("site_team_new_referral", "sent")]
    clinician_mail = next(m for m in mail.outbox if m.to == ["ada.neuro@clinic.example.org"])
    assert "Carlos" not in clinician_mail.body and referral.reference in clinician_mail.body


def test_unknown_answers_make_a_possibly_eligible_referral(
    signed_in, trial, site, django_capture_on_commit_callbacks
):
    response = submit(
        signed_in,
        trial,
        form_data(site, answer_edss="", answer_treatments_ever=["unsure"]),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.verdict == "possibly_eligible"
    assert "edss" not in referral.answers and referral.answers["treatments_ever"] == "unsure"


def test_an_ineligible_patient_is_not_referred(
    signed_in, trial, site, django_capture_on_commit_callbacks
):
    response = submit(
        signed_in,
        trial,
        form_data(site, answer_ms_course="primary_progressive"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "do not meet the trial" in response.content.decode()
    assert not Referral.objects.exists()


def test_invalid_answers_are_shown_on_their_question(
    signed_in, trial, site, django_capture_on_commit_callbacks
):
    response = submit(
        signed_in,
        trial,
        form_data(site, answer_relapses_last_12_months="3", answer_relapses_last_24_months="1"),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("answer_relapses_last_24_months")
    assert not Referral.objects.exists()


def test_consent_is_required(signed_in, trial, site, django_capture_on_commit_callbacks):
    data = form_data(site)
    del data["consent"]
    response = submit(signed_in, trial, data, django_capture_on_commit_callbacks)
    assert response.context["form"].errors.get("consent")
    assert not Referral.objects.exists()


def test_the_clinician_sees_the_status_of_their_referrals(
    signed_in, trial, site, django_capture_on_commit_callbacks
):
    submit(signed_in, trial, form_data(site), django_capture_on_commit_callbacks)
    referral = Referral.objects.get()
    referral_status_change(
        referral=referral, to_status="contacted", actor=Actor("c"), note="secret note"
    )
    page = signed_in.get(reverse("clinician_referral_list")).content.decode()
    assert referral.reference in page and "Contacted" in page
    detail = signed_in.get(
        reverse("clinician_referral_detail", args=[referral.reference])
    ).content.decode()
    assert "Contacted" in detail
    # The clinician sees the status, not the site team's notes.
    assert "secret note" not in detail


def test_a_user_who_is_not_a_clinician_gets_404(client, coordinator, trial, site):
    client.force_login(coordinator)
    assert client.get(reverse("clinician_referral_create", args=[trial.nct_id])).status_code == 404
    assert client.get(reverse("clinician_referral_list")).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, trial):
    response = client.get(reverse("clinician_referral_create", args=[trial.nct_id]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
