"""A referral to a site with no team yet: the patient is told the truth, the operators see it."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from notifications.models import OutboxStatus
from referrals.models import AuditEvent, Referral, Status
from referrals.selectors import referral_progress, referrals_waiting_for_team
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS
from tests.referrals.factories import SiteMembershipFactory, UserFactory, referral_for
from tests.referrals.test_patient_referral import form_data, remember_screening, url

PROMISE = "usually within a few working days"


@pytest.fixture
def listed_site(site):
    """The site as the registry lists it: a contact for patients, and nobody on our service."""
    site.contact_name = "MS Research Office"
    site.contact_phone = "+1 650 555 0177"
    site.contact_email = "ms-research@stanford.example.org"
    site.save()
    return site


@pytest.fixture
def operator(db):
    user = UserFactory(username="operator", is_staff=True, email="ops@finder.example.org")
    user.user_permissions.add(Permission.objects.get(codename="add_siteinvitation"))
    return user


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """The patient sends the contact form for ``site``; returns the confirmation page."""

    def do(site, **overrides):
        remember_screening(client, site.trial, ELIGIBLE_ANSWERS)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(site.trial), form_data(site, **overrides))
        assert response.status_code == 302, response.content.decode()[:3000]
        return client.get(response["Location"]).content.decode()

    return do


def text_of(html: str) -> str:
    return " ".join(html.split())


# --- what the patient is told ----------------------------------------------------------------


def test_without_a_team_the_patient_is_told_nobody_was_told_and_whom_to_call(
    send, listed_site, operator
):
    page = text_of(send(listed_site))
    assert PROMISE not in page and "will contact you" not in page
    assert "does not use MS Trial Finder yet, so nobody there has been told" in page
    assert "We have your request" in page
    for public in ("MS Research Office", "+1 650 555 0177", "ms-research@stanford.example.org"):
        assert public in page
    assert "Tell them the study number, NCT00548405" in page
    referral = Referral.objects.get()
    assert reverse("referral_status", args=[referral.reference]) in page


def test_without_a_team_or_registry_contact_the_page_points_to_the_registry(send, site):
    page = text_of(send(site))
    assert PROMISE not in page
    assert "The trial registry lists no contact details for this site" in page
    assert "https://clinicaltrials.gov/study/NCT00548405" in page


def test_with_a_team_the_page_says_the_team_contacts_them(send, site, coordinator):
    page = text_of(send(site))
    assert PROMISE in page
    assert "The study team at Stanford Neuroscience Health Center" in page
    assert "nobody there has been told" not in page


def test_a_team_message_given_up_on_is_not_a_team_told(send, site, coordinator, client):
    send(site)
    referral = Referral.objects.get()
    referral.outbox.filter(kind="site_team_new_referral").update(status=OutboxStatus.FAILED)
    page = text_of(
        client.get(reverse("referral_status", args=[referral.reference])).content.decode()
    )
    assert PROMISE not in page and "nobody there has been told" in page


def test_the_patient_email_without_a_team_says_so_with_the_sites_public_contact(send, listed_site):
    send(listed_site)
    email = next(m for m in mail.outbox if m.to == [CONTACT["email"]])
    body = " ".join(email.body.split())
    assert "will contact you" not in body and "within a few working days" not in body
    assert "nobody there has been told about your request" in body
    assert "+1 650 555 0177" in body and "ms-research@stanford.example.org" in body
    reference = Referral.objects.get().reference
    assert f"/referrals/{reference}/" in body
    for personal in ("Alice", "Zebrowski", "+16505550142"):
        assert personal not in email.subject + body


def test_the_patient_email_with_a_team_keeps_its_promise(send, site, coordinator):
    send(site)
    email = next(m for m in mail.outbox if m.to == [CONTACT["email"]])
    body = " ".join(email.body.split())
    assert "someone from the study team will contact you, usually within a few working days" in body
    assert "nobody there has been told" not in body


# --- the status page by reference ---------------------------------------------------------------


def test_the_status_page_shows_when_the_site_opened_the_referral(
    client, send, site, coordinator, clinician
):
    send(site)
    referral = Referral.objects.get()
    status_url = reverse("referral_status", args=[referral.reference])
    other = client.__class__()  # another browser: only the reference is needed
    page = text_of(other.get(status_url).content.decode())
    assert '<dd id="opened">Not yet</dd>' in page
    assert CONTACT["name"] not in page and CONTACT["email"] not in page

    team = client.__class__()
    team.force_login(coordinator)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        team.get(reverse("team_referral_detail", args=[referral.reference]))  # first opened
    with time_machine.travel(timezone.now() + timedelta(hours=5), tick=False):
        team.get(reverse("team_referral_detail", args=[referral.reference]))  # not this one
    opened = referral_progress(referral=referral).opened_at
    assert opened is not None
    assert timedelta(minutes=110) < opened - referral.created_at < timedelta(minutes=130)
    page = text_of(other.get(status_url).content.decode())
    shown = f'<dd id="opened">{date_format(timezone.localtime(opened), "DATE_FORMAT")}</dd>'
    assert shown in page and "Not yet" not in page
    assert "opened your request on" in page


def test_only_the_site_teams_views_count_as_opened(client, send, site, coordinator):
    send(site)
    referral = Referral.objects.get()
    AuditEvent.objects.create(actor_label="someone", action="view", referral=referral)
    assert referral_progress(referral=referral).opened_at is None


def test_the_status_page_of_an_unknown_or_non_patient_reference_is_404(client, db, site):
    from referrals.audit import Actor
    from referrals.services import referral_create

    assert client.get(reverse("referral_status", args=["AAAAA-AAAAA"])).status_code == 404
    partner_referral = referral_create(
        trial=site.trial,
        site=site,
        answers=ELIGIBLE_ANSWERS,
        contact=CONTACT,
        consent=True,
        actor=Actor(label="partner:x"),
    )
    url = reverse("referral_status", args=[partner_referral.reference])
    assert client.get(url).status_code == 404


def test_the_status_page_says_nothing_of_the_sessions_email_to_another_browser(client, send, site):
    page = send(site)
    assert "We are also sending it to the email address you gave" in page
    reference = Referral.objects.get().reference
    other = client.__class__()
    page = other.get(reverse("referral_status", args=[reference])).content.decode()
    assert "We are also sending it" not in page


# --- the operators -------------------------------------------------------------------------


def test_the_operators_are_emailed_without_personal_data(send, listed_site, operator, caplog):
    caplog.set_level(logging.DEBUG)
    send(listed_site, phone="+1 650 555 0142")
    referral = Referral.objects.get()
    email = next(m for m in mail.outbox if m.to == [operator.email])
    text = email.subject + email.body
    assert referral.reference in text and "NCT00548405" in text
    assert "Stanford Neuroscience Health Center" in text and "/operators/waiting/" in text
    for personal in ("Alice", "Zebrowski", CONTACT["email"], "+16505550142", "5550142"):
        assert personal not in text
        assert personal not in caplog.text
    assert not referral.outbox.filter(kind="site_team_new_referral").exists()


def test_the_operator_queue_lists_the_waiting_referral_without_personal_data(
    client, send, listed_site, operator
):
    send(listed_site)
    referral = Referral.objects.get()
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - timedelta(days=3))
    client.force_login(operator)
    page = text_of(client.get(reverse("operator_waiting_referrals")).content.decode())
    for shown in (
        referral.reference,
        "NCT00548405",
        "Stanford Neuroscience Health Center",
        "3 days",
    ):
        assert shown in page
    assert "ms-research@stanford.example.org" in page  # the registry's public contact
    for personal in (CONTACT["name"], CONTACT["email"], "Zebrowski"):
        assert personal not in page
    assert AuditEvent.objects.filter(action="list", actor=operator).exists()


def test_a_site_that_gets_a_team_leaves_the_operator_queue(send, site, operator):
    send(site)
    assert referrals_waiting_for_team().count() == 1
    SiteMembershipFactory(site=site)
    assert referrals_waiting_for_team().count() == 0


def test_a_closed_referral_leaves_the_operator_queue(send, site):
    send(site)
    Referral.objects.update(status=Status.DECLINED)
    assert not referrals_waiting_for_team().exists()


def test_the_operator_queue_is_only_for_operators(client, site, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("operator_waiting_referrals")).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff who may not invite
    assert client.get(reverse("operator_waiting_referrals")).status_code == 404
    client.logout()
    assert client.get(reverse("operator_waiting_referrals")).status_code == 302


def test_an_operator_invites_the_registry_contact_from_the_queue_then_approves(
    client, send, listed_site, operator, django_capture_on_commit_callbacks
):
    send(listed_site)
    client.force_login(operator)
    client.post(reverse("operator_invite_registry_contact", args=[listed_site.pk]))
    invitation = listed_site.invitations.get()
    assert invitation.status == "awaiting_approval" and invitation.to_registry_contact
    page = client.get(reverse("operator_waiting_referrals")).content.decode()
    assert "Invitations waiting for your approval" in page and "Approve and send" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("site_invitation_action", args=[invitation.pk, "approve"]))
    sent = [m for m in mail.outbox if m.to == ["ms-research@stanford.example.org"]]
    assert len(sent) == 1 and "/team/join/" in sent[0].body


def test_the_queue_offers_no_registry_invitation_for_a_demo_site(
    client, send, listed_site, operator
):
    listed_site.trial.sites_are_illustrative = True
    listed_site.trial.save()
    send(listed_site)
    client.force_login(operator)
    page = client.get(reverse("operator_waiting_referrals")).content.decode()
    assert "Invite the registry contact" not in page and "demonstration site" in page
    client.post(reverse("operator_invite_registry_contact", args=[listed_site.pk]))
    assert not listed_site.invitations.exists()


def test_the_admin_lists_referrals_without_a_team(client, send, site, other_site, operator):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    send(site)
    SiteMembershipFactory(site=other_site)
    referral_for(site=other_site)
    client.force_login(admin)
    page = client.get(reverse("admin:referrals_referral_changelist"), {"team": "none"})
    waiting = Referral.objects.get(site=site).reference
    served = Referral.objects.get(site=other_site).reference
    assert waiting in page.content.decode() and served not in page.content.decode()


def test_a_team_that_joined_later_and_opened_it_makes_no_promise_of_days(client, send, site):
    send(site)
    referral = Referral.objects.get()
    joined = SiteMembershipFactory(site=site).user
    team = client.__class__()
    team.force_login(joined)
    team.get(reverse("team_referral_detail", args=[referral.reference]))
    page = text_of(
        client.get(reverse("referral_status", args=[referral.reference])).content.decode()
    )
    assert "opened your request on" in page
    assert "The team has your contact details and can contact you" in page
    assert PROMISE not in page and "nobody there has been told" not in page


def test_the_clinician_is_not_told_the_team_has_it_when_there_is_none(
    listed_site, clinician, django_capture_on_commit_callbacks
):
    from referrals.audit import Actor
    from referrals.services import referral_create

    with django_capture_on_commit_callbacks(execute=True):
        referral_create(
            trial=listed_site.trial,
            site=listed_site,
            answers=ELIGIBLE_ANSWERS,
            contact={"name": "Pat Example", "phone": "+1 650 555 0123"},
            consent=True,
            actor=Actor(label=clinician.username, user=clinician),
            channel="clinician",
            clinician={"name": "Dr Lee", "email": "dr.lee@clinic.example.org"},
        )
    email = next(m for m in mail.outbox if m.to == ["dr.lee@clinic.example.org"])
    body = " ".join(email.body.split())
    assert "sent to the study team" not in email.subject
    assert email.subject.endswith(
        f"received; the study team is not on MS Trial Finder yet ({listed_site.trial.nct_id})"
    )
    assert "has been sent to the study team" not in body
    assert "nobody there has been told" in body and "+1 650 555 0177" in body
    assert "Pat Example" not in body and "5550123" not in body


def test_a_demonstration_clinics_contact_is_not_called_the_registrys(send, listed_site, operator):
    listed_site.trial.sites_are_illustrative = True
    listed_site.trial.save()

    page = text_of(send(listed_site))

    assert "This is a demonstration clinic: these contact details are illustrative" in page
    assert "The trial registry (ClinicalTrials.gov) lists these contact details" not in page
    patient = next(m for m in mail.outbox if m.to == [CONTACT["email"]])
    body = text_of(patient.body)
    assert "This is a demonstration clinic: its contact details are illustrative" in body
    assert "The trial registry lists these contact details" not in body


def test_the_contact_form_of_a_demonstration_says_its_clinics_are_illustrative(client, listed_site):
    listed_site.trial.sites_are_illustrative = True
    listed_site.trial.save()
    remember_screening(client, listed_site.trial, ELIGIBLE_ANSWERS)

    page = text_of(client.get(url(listed_site.trial)).content.decode())

    assert "Demonstration list of clinics" in page
    assert page.index("Demonstration list of clinics") < page.index('id="sites"')
