"""POST /api/v1/referrals/ and GET /api/v1/referrals/<reference>/ (partner API)."""

import re

import pytest
from django.core import mail

from notifications.models import OutboxMessage
from referrals.models import AuditEvent, Channel, Referral
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS, INELIGIBLE_ANSWERS

URL = "/api/v1/referrals/"


def body(target, **overrides):
    data = {
        "trial": target.trial.nct_id,
        "site": target.pk,
        "answers": ELIGIBLE_ANSWERS,
        "contact": CONTACT,
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client, partner_key, django_capture_on_commit_callbacks):
    _partner, raw = partner_key

    def do(data, key=raw):
        headers = {"Authorization": f"Api-Key {key}"} if key else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data, content_type="application/json", headers=headers)

    return do


def error_fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_it_creates_a_referral_and_returns_its_reference(post, site, partner_key):
    response = post(body(site))
    assert response.status_code == 201, response.content
    data = response.json()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", data["reference"])
    assert data["status"] == "new"
    referral = Referral.objects.get(reference=data["reference"])
    assert referral.partner == partner_key[0]
    assert referral.channel == Channel.PARTNER
    assert referral.site == site
    assert referral.contact_email == CONTACT["email"]
    assert referral.contact_phone == "+16505550142"  # normalised to E.164
    assert referral.verdict == "eligible"
    assert referral.screening.referral == referral


def test_it_keeps_a_frozen_copy_of_the_screening(post, site):
    reference = post(body(site)).json()["reference"]
    referral = Referral.objects.get(reference=reference)
    screening = referral.screening
    assert referral.answers == screening.answers
    assert referral.results == screening.results
    assert len(referral.results) == 12
    assert {r["status"] for r in referral.results} == {"pass"}
    assert referral.criteria_version == site.trial.criteria_version
    assert referral.evaluated_on == screening.evaluated_on


def test_it_notifies_the_site_team_and_confirms_to_the_patient(post, site, coordinator):
    reference = post(body(site)).json()["reference"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([CONTACT["email"], coordinator.email])
    assert all(reference in m.subject + m.body for m in mail.outbox)
    assert OutboxMessage.objects.filter(status="sent").count() == 2


def test_it_accepts_a_phone_without_an_email(post, site, coordinator):
    response = post(body(site, contact={"name": "Bo", "phone": "+44 20 7946 0018"}))
    assert response.status_code == 201
    referral = Referral.objects.get(reference=response.json()["reference"])
    assert referral.contact_email == ""
    # No email: nothing to confirm to the patient; the site team is still told.
    assert list(referral.outbox.values_list("kind", flat=True)) == ["site_team_new_referral"]


def test_it_accepts_a_possibly_eligible_screening(post, site):
    answers = {**ELIGIBLE_ANSWERS, "edss": "unsure"}
    response = post(body(site, answers=answers))
    assert response.status_code == 201
    assert response.json()["verdict"] == "possibly_eligible"


def test_it_rejects_a_missing_consent(post, site):
    data = body(site)
    del data["consent"]
    response = post(data)
    assert response.status_code == 400
    assert error_fields(response) == {"consent"}
    assert not Referral.objects.exists()


def test_it_rejects_a_false_consent(post, site):
    response = post(body(site, consent=False))
    assert response.status_code == 400
    assert error_fields(response) == {"consent"}


@pytest.mark.parametrize("coerced", ["yes", "on", "t", "1", "true", 1, 1.0, [True], {"v": True}])
def test_it_accepts_only_json_true_as_consent(post, site, coerced):
    response = post(body(site, consent=coerced))
    assert response.status_code == 400
    assert error_fields(response) == {"consent"}
    assert not Referral.objects.exists()


def test_a_consent_error_does_not_echo_the_value(post, site):
    response = post(body(site, consent="a-value-to-look-for"))
    assert "a-value-to-look-for" not in response.content.decode()


def test_it_rejects_an_ineligible_screening(post, site):
    response = post(body(site, answers=INELIGIBLE_ANSWERS))
    assert response.status_code == 400
    assert error_fields(response) == {"answers"}
    assert not Referral.objects.exists()


def test_it_rejects_invalid_answers_naming_the_key(post, site):
    response = post(body(site, answers={**ELIGIBLE_ANSWERS, "edss": 2.3}))
    assert response.status_code == 400
    assert error_fields(response) == {"answers.edss"}


def test_it_rejects_a_site_of_another_trial(post, site):
    from tests.factories import SiteFactory

    elsewhere = SiteFactory()  # a site of another trial
    response = post(body(site, site=elsewhere.pk))
    assert response.status_code == 400
    assert error_fields(response) == {"site"}


def test_it_rejects_a_site_that_is_not_recruiting(post, site):
    site.status = "COMPLETED"
    site.save()
    response = post(body(site))
    assert response.status_code == 400
    assert error_fields(response) == {"site"}


def test_it_rejects_an_unknown_site(post, site):
    response = post(body(site, site=999999))
    assert response.status_code == 400
    assert error_fields(response) == {"site"}


def test_it_rejects_an_unknown_trial(post, site):
    response = post(body(site, trial="NCT99999999"))
    assert response.status_code == 400
    assert error_fields(response) == {"trial"}


def test_it_rejects_a_malformed_email(post, site):
    response = post(body(site, contact={**CONTACT, "email": "alice@@example"}))
    assert response.status_code == 400
    assert error_fields(response) == {"contact.email"}
    # The bad value is not echoed back.
    assert "alice@@example" not in response.content.decode()


def test_it_rejects_a_malformed_phone(post, site):
    response = post(body(site, contact={**CONTACT, "phone": "12"}))
    assert response.status_code == 400
    assert error_fields(response) == {"contact.phone"}


def test_it_rejects_a_contact_without_email_or_phone(post, site):
    response = post(body(site, contact={"name": "Alice"}))
    assert response.status_code == 400
    assert error_fields(response) == {"contact"}


def test_it_rejects_a_contact_without_a_name(post, site):
    response = post(body(site, contact={"email": "a@example.org"}))
    assert response.status_code == 400
    assert error_fields(response) == {"contact.name"}


def test_it_rejects_a_missing_contact(post, site):
    data = body(site)
    del data["contact"]
    response = post(data)
    assert response.status_code == 400
    assert error_fields(response) == {"contact"}


def test_it_refuses_an_anonymous_caller(post, site):
    response = post(body(site), key=None)
    assert response.status_code == 401
    assert not Referral.objects.exists()


def test_it_refuses_a_revoked_key(post, site, partner_key):
    from partners.models import PartnerAPIKey

    PartnerAPIKey.objects.filter(partner=partner_key[0]).update(revoked=True)
    assert post(body(site)).status_code == 401


def test_it_records_the_creation_in_the_audit_trail(post, site, partner_key):
    reference = post(
        body(site),
    ).json()["reference"]
    event = AuditEvent.objects.get(action="create")
    assert event.referral.reference == reference
    assert event.partner == partner_key[0]
    assert event.ip_address == "127.0.0.1"


def test_partner_reads_back_its_referral_status(client, post, site, partner_key):
    reference = post(body(site)).json()["reference"]
    response = client.get(
        f"{URL}{reference}/", headers={"Authorization": f"Api-Key {partner_key[1]}"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data == {**data, "reference": reference, "status": "new", "trial": "NCT00548405"}
    # Status only: no contact details, no answers.
    assert set(data) == {
        "reference", "trial", "site", "status", "status_label", "verdict", "created_at",
        "status_changed_at",
    }  # fmt: skip


def test_another_partner_gets_404_for_it(client, post, site, other_partner_key):
    reference = post(body(site)).json()["reference"]
    response = client.get(
        f"{URL}{reference}/", headers={"Authorization": f"Api-Key {other_partner_key[1]}"}
    )
    assert response.status_code == 404


def test_an_unknown_reference_is_404(client, partner_key, db):
    response = client.get(
        f"{URL}AAAAA-AAAAA/", headers={"Authorization": f"Api-Key {partner_key[1]}"}
    )
    assert response.status_code == 404


def test_an_anonymous_caller_cannot_read_a_status(client, post, site):
    reference = post(body(site)).json()["reference"]
    assert client.get(f"{URL}{reference}/").status_code == 401
