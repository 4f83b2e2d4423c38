"""Site teams join without a shell: invitations, their approval, their link, and joining."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import outbox_message_deliver
from referrals.audit import Actor
from referrals.models import (
    AuditEvent,
    InvitationStatus,
    SiteInvitation,
    SiteMembership,
    invitation_token_hash,
)
from referrals.services import (
    COMMAND_ACTOR,
    InvitationRejected,
    InvitationUnusable,
    site_invitation_accept,
    site_invitation_approve,
    site_invitation_create,
    site_invitation_resend,
    site_invitation_revoke,
)
from tests.referrals.conftest import CONTACT
from tests.referrals.factories import SiteMembershipFactory, UserFactory, referral_for

INVITEE = "dana.okafor@stanford.example.org"
REGISTRY_ADDRESS = "trials-callcentre@sponsor.example.com"
LINK = re.compile(r"https?://[^\s]+/team/join/([A-Za-z0-9_-]+)/")
NEW_ACCOUNT = {
    "username": "dokafor",
    "first_name": "Dana",
    "last_name": "Okafor",
    "password1": "purple elephant library 9",
    "password2": "purple elephant library 9",
}


@pytest.fixture
def registry_site(site):
    site.contact_name = "Study hotline"
    site.contact_phone = "+1 800 555 0100"
    site.contact_email = REGISTRY_ADDRESS
    site.save()
    return site


@pytest.fixture
def operator(db):
    user = UserFactory(username="operator", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_siteinvitation"))
    return get_user_model().objects.get(pk=user.pk)  # a fresh permission cache


def as_actor(user) -> Actor:
    return Actor(label=user.username, user=user, ip_address="198.51.100.7")


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite through the service with the outbox delivering on commit; returns the
    invitation and the token of the email sent (None when nothing was sent)."""

    def do(*, site, email=INVITEE, role="coordinator", actor=COMMAND_ACTOR, approve=False):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = site_invitation_create(
                site=site, email=email, role=role, actor=actor, approve=approve
            )
        sent = mail.outbox[before:]
        return invitation, (LINK.search(sent[-1].body).group(1) if sent else None)

    return do


def invitation_emails():
    return [m for m in mail.outbox if "/team/join/" in m.body]


# --- making and sending an invitation ---------------------------------------------------------


def test_an_operator_invites_and_the_outbox_delivers_it_exactly_once(site, invite):
    invitation, token = invite(site=site)
    assert invitation.status == InvitationStatus.OPEN and token
    message = invitation.outbox.get()
    assert (message.kind, message.status) == ("site_invitation", "sent")
    assert outbox_message_deliver(message_id=message.pk) is False  # claimed and sent once
    assert len(invitation_emails()) == 1
    assert invitation_emails()[0].to == [INVITEE]
    assert invitation_emails()[0].extra_headers["X-Outbox-Message"] == str(message.pk)


def test_only_the_tokens_hash_is_kept_and_the_link_expires_in_a_week(site, invite):
    invitation, token = invite(site=site)
    invitation.refresh_from_db()
    assert invitation.token_hash == invitation_token_hash(token) != token
    assert len(token) >= 40  # 256 random bits, URL-safe
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_siteinvitation WHERE id = %s", [invitation.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert invitation.token_hash in stored
    assert token not in stored
    assert INVITEE not in stored and "stanford.example" not in stored  # encrypted at rest
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)


def test_the_invitation_email_holds_no_personal_data(site, invite, caplog):
    caplog.set_level(logging.DEBUG)
    with_referral = referral_for(site=site)  # a patient waits at this site
    invitation, token = invite(site=site)
    email = invitation_emails()[0]
    text = email.subject + email.body
    assert "Stanford Neuroscience Health Center" in text and site.trial.nct_id in text
    assert "1 request is waiting" in text
    for personal in (*CONTACT.values(), "Alice", "Zebrowski", "5550142", INVITEE, "Dana"):
        assert personal not in text
    assert with_referral.reference not in text
    # The link carries the token and nothing else.
    assert re.search(r"/team/join/[A-Za-z0-9_-]+/\s", email.body)
    for personal in (INVITEE, CONTACT["email"], CONTACT["name"], token):
        assert personal not in caplog.text


def test_an_invitation_to_an_ordinary_address_is_not_a_registry_one(registry_site, invite):
    invitation, token = invite(site=registry_site)
    assert not invitation.to_registry_contact and token
    assert "forward this email" not in invitation_emails()[0].body


def test_it_refuses_a_malformed_address_a_member_and_a_second_open_invitation(
    site, coordinator, invite
):
    with pytest.raises(InvitationRejected) as malformed:
        invite(site=site, email="dana@")
    assert "email" in malformed.value.errors
    with pytest.raises(InvitationRejected) as member:
        invite(site=site, email=coordinator.email.upper())
    assert "already on this site's team" in member.value.errors["email"]
    invite(site=site)
    with pytest.raises(InvitationRejected) as twice:
        invite(site=site, email=INVITEE.upper())
    assert "has an invitation" in twice.value.errors["email"]
    assert SiteInvitation.objects.count() == 1


def test_it_refuses_an_unknown_role(site, invite):
    with pytest.raises(InvitationRejected) as exc:
        invite(site=site, role="owner")
    assert "role" in exc.value.errors


# --- who may invite whom -----------------------------------------------------------------------


def test_a_coordinator_invites_a_colleague_to_their_own_site_only(
    site, other_site, coordinator, invite
):
    invitation, token = invite(site=site, role="investigator", actor=as_actor(coordinator))
    assert token and invitation.invited_by == coordinator
    with pytest.raises(InvitationRejected) as exc:
        invite(site=other_site, actor=as_actor(coordinator))
    assert "site" in exc.value.errors


def test_an_investigator_or_a_stranger_cannot_invite(site, invite):
    investigator = SiteMembershipFactory(site=site, role="investigator").user
    for actor in (as_actor(investigator), as_actor(UserFactory()), Actor(label="patient")):
        with pytest.raises(InvitationRejected):
            invite(site=site, actor=actor)
    assert not SiteInvitation.objects.exists()


def test_a_staff_user_without_the_permission_is_not_an_operator(site, invite):
    staff = UserFactory(is_staff=True)
    with pytest.raises(InvitationRejected):
        invite(site=site, actor=as_actor(staff))


# --- the registry contact address: an operator approves first ------------------------------


def test_an_invitation_to_the_registry_address_waits_for_an_approval(
    registry_site, operator, invite, django_capture_on_commit_callbacks
):
    invitation, token = invite(site=registry_site, email=REGISTRY_ADDRESS.upper())
    assert invitation.to_registry_contact
    assert invitation.status == InvitationStatus.AWAITING_APPROVAL
    assert token is None and not invitation.outbox.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        site_invitation_approve(invitation=invitation, actor=as_actor(operator))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN and invitation.approved_by == operator
    email = invitation_emails()[0]
    assert email.to == [REGISTRY_ADDRESS]
    assert "forward this email to the site's study coordinator" in " ".join(email.body.split())


def test_an_operator_can_approve_as_they_invite(registry_site, invite):
    invitation, token = invite(site=registry_site, email=REGISTRY_ADDRESS, approve=True)
    assert invitation.status == InvitationStatus.OPEN and token


def test_a_coordinator_cannot_approve_a_registry_invitation(registry_site, coordinator, invite):
    invitation, token = invite(
        site=registry_site, email=REGISTRY_ADDRESS, actor=as_actor(coordinator), approve=True
    )
    assert invitation.status == InvitationStatus.AWAITING_APPROVAL and token is None
    with pytest.raises(InvitationRejected):
        site_invitation_approve(invitation=invitation, actor=as_actor(coordinator))


def test_the_demo_catalogs_registry_addresses_are_never_invited(
    registry_site, operator, invite, django_capture_on_commit_callbacks
):
    registry_site.trial.sites_are_illustrative = True
    registry_site.trial.save()
    with pytest.raises(InvitationRejected) as exc:
        invite(site=registry_site, email=REGISTRY_ADDRESS, approve=True)
    assert "demonstration site" in exc.value.errors["email"]
    # Even a row written behind the services' back is never sent.
    forced = SiteInvitation.objects.create(
        site=registry_site,
        email=REGISTRY_ADDRESS,
        to_registry_contact=True,
        status=InvitationStatus.AWAITING_APPROVAL,
    )
    with pytest.raises(InvitationRejected):
        site_invitation_approve(invitation=forced, actor=as_actor(operator))
    SiteInvitation.objects.filter(pk=forced.pk).update(
        status=InvitationStatus.OPEN, approved_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        site_invitation_resend(
            invitation=SiteInvitation.objects.get(pk=forced.pk), actor=COMMAND_ACTOR
        )
    message = forced.outbox.get()
    assert (message.status, message.last_error) == ("cancelled", "no recipient")
    assert mail.outbox == []


# --- the link -------------------------------------------------------------------------------


def open_link(client, token):
    return client.get(reverse("site_invitation_open", args=[token]))


def test_joining_creates_the_account_and_the_membership_and_signs_in(
    client, site, invite, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waiting = referral_for(site=site)
    invitation, token = invite(site=site)
    response = open_link(client, token)
    # The token leaves the address bar at once.
    assert response.status_code == 302
    assert response["Location"] == reverse("site_invitation_accept")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Join the study team at Stanford Neuroscience Health Center" in page.content.decode()
    assert token not in page.content.decode()

    response = client.post(reverse("site_invitation_accept"), NEW_ACCOUNT)
    assert response.status_code == 302 and response["Location"] == reverse("team_referral_queue")
    user = get_user_model().objects.get(username="dokafor")
    assert user.email == INVITEE and user.check_password(NEW_ACCOUNT["password1"])
    membership = SiteMembership.objects.get(user=user)
    assert (membership.site, membership.role) == (site, "coordinator")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == user
    # Signed in, and the referral that waited is in the new team's queue.
    queue = client.get(reverse("team_referral_queue")).content.decode()
    assert waiting.reference in queue
    assert "Welcome to the study team at Stanford Neuroscience Health Center" in queue


def test_a_signed_in_user_joins_with_their_own_account(client, site, other_coordinator, invite):
    invitation, token = invite(site=site, role="investigator")
    client.force_login(other_coordinator)
    open_link(client, token)
    page = client.get(reverse("site_invitation_accept")).content.decode()
    assert f"You are signed in as {other_coordinator.username}" in page
    response = client.post(reverse("site_invitation_accept"))
    assert response.status_code == 302
    assert SiteMembership.objects.get(user=other_coordinator, site=site).role == "investigator"


def test_a_weak_password_is_refused_and_nothing_is_made(client, site, invite):
    _invitation, token = invite(site=site)
    open_link(client, token)
    data = {**NEW_ACCOUNT, "password1": "short", "password2": "short"}
    response = client.post(reverse("site_invitation_accept"), data)
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not get_user_model().objects.filter(username="dokafor").exists()
    assert not SiteMembership.objects.filter(site=site).exists()


def test_a_used_link_is_refused_with_410_and_says_what_to_do(client, site, invite):
    _invitation, token = invite(site=site)
    open_link(client, token)
    client.post(reverse("site_invitation_accept"), NEW_ACCOUNT)
    client.logout()
    response = open_link(client, token)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This invitation has already been used" in page
    assert "sign in with the username and password you chose" in page
    assert SiteMembership.objects.filter(site=site).count() == 1


def test_an_expired_link_is_refused_with_410_and_says_what_to_do(client, site, invite):
    invitation, token = invite(site=site)
    SiteInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = open_link(client, token)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This invitation has expired" in page and "send it again" in page
    assert not SiteMembership.objects.filter(site=site).exists()


def test_a_link_that_expires_while_the_form_is_open_is_refused(client, site, invite):
    invitation, token = invite(site=site)
    open_link(client, token)
    SiteInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(reverse("site_invitation_accept"), NEW_ACCOUNT)
    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="dokafor").exists()


def test_an_unknown_link_is_404_with_what_to_do(client, db):
    response = open_link(client, "not-a-real-token-at-all")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    # And the join page without a link opened first.
    response = client.get(reverse("site_invitation_accept"))
    assert response.status_code == 404


def test_sending_again_replaces_the_link(client, site, invite, django_capture_on_commit_callbacks):
    invitation, first = invite(site=site)
    with django_capture_on_commit_callbacks(execute=True):
        site_invitation_resend(invitation=invitation, actor=COMMAND_ACTOR)
    second = LINK.search(invitation_emails()[-1].body).group(1)
    assert first != second
    assert open_link(client, first).status_code == 404
    assert open_link(client, second).status_code == 302


def test_a_link_opened_before_it_was_sent_again_no_longer_joins(
    client, site, invite, django_capture_on_commit_callbacks
):
    invitation, first = invite(site=site)
    open_link(client, first)
    with django_capture_on_commit_callbacks(execute=True):
        site_invitation_resend(invitation=invitation, actor=COMMAND_ACTOR)
    assert client.post(reverse("site_invitation_accept"), NEW_ACCOUNT).status_code == 404
    assert not SiteMembership.objects.exists()


def test_a_withdrawn_invitation_is_not_sent_and_its_link_is_refused(
    client, site, invite, django_capture_on_commit_callbacks
):
    invitation, token = invite(site=site)
    site_invitation_revoke(invitation=invitation, actor=COMMAND_ACTOR)
    response = open_link(client, token)
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.content.decode()
    # Withdrawn before its email went: the pending message is cancelled.
    with_pending = site_invitation_create(
        site=site, email="lee@stanford.example.org", role="coordinator", actor=COMMAND_ACTOR
    )
    site_invitation_revoke(invitation=with_pending, actor=COMMAND_ACTOR)
    assert with_pending.outbox.get().status == "cancelled"


def test_accepting_twice_makes_one_membership(site, invite):
    invitation, _token = invite(site=site)
    invitation.refresh_from_db()
    first, second = UserFactory(), UserFactory()
    site_invitation_accept(invitation=invitation, user=first, actor=Actor("a"))
    with pytest.raises(InvitationUnusable) as exc:
        site_invitation_accept(invitation=invitation, user=second, actor=Actor("b"))
    assert exc.value.reason == "used"
    assert list(SiteMembership.objects.values_list("user", flat=True)) == [first.pk]


def test_every_step_is_audited_with_codes_only(
    client, registry_site, operator, invite, django_capture_on_commit_callbacks
):
    invitation, _ = invite(site=registry_site, email=REGISTRY_ADDRESS, actor=as_actor(operator))
    with django_capture_on_commit_callbacks(execute=True):
        site_invitation_approve(invitation=invitation, actor=as_actor(operator))
    token = LINK.search(invitation_emails()[-1].body).group(1)
    open_link(client, token)
    client.post(reverse("site_invitation_accept"), NEW_ACCOUNT)
    client.logout()
    open_link(client, token)  # refused: used
    events = AuditEvent.objects.filter(detail__invitation=invitation.pk).order_by("at", "id")
    assert [e.action for e in events] == ["invite", "approve", "notify", "accept", "refuse"]
    assert [e.actor_label for e in events] == [
        "operator",
        "operator",
        "outbox",
        "dokafor",
        "patient",
    ]
    assert events.get(action="refuse").detail["reason"] == "used"
    trail = " ".join(str(e.detail) for e in events)
    assert REGISTRY_ADDRESS not in trail and token not in trail


# --- the team's own page ---------------------------------------------------------------------


def test_a_coordinator_invites_from_the_team_page(
    client, site, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    page = client.get(reverse("team_members")).content.decode()
    assert coordinator.last_name in page and "Invite a colleague" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("team_members"),
            {"site": site.pk, "email": INVITEE, "role": "investigator"},
        )
    assert response.status_code == 302
    assert invitation_emails()[0].to == [INVITEE]
    page = client.get(reverse("team_members")).content.decode()
    assert "Invitation sent." in page and INVITEE in page and "valid until" in page


def test_the_team_page_shows_the_services_refusal_next_to_the_field(client, site, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("team_members"),
        {"site": site.pk, "email": coordinator.email, "role": "coordinator"},
    )
    assert response.status_code == 400
    assert "already on this site&#x27;s team" in response.content.decode()


def test_an_investigator_sees_the_team_but_cannot_invite(client, site):
    investigator = SiteMembershipFactory(site=site, role="investigator").user
    client.force_login(investigator)
    page = client.get(reverse("team_members")).content.decode()
    assert "Invite a colleague" not in page
    response = client.post(reverse("team_members"), {"site": site.pk, "email": INVITEE})
    assert response.status_code == 404 and not SiteInvitation.objects.exists()


def test_outsiders_get_404_on_the_team_page_and_the_invitation_actions(
    client, site, other_coordinator, invite
):
    invitation, _ = invite(site=site)
    client.force_login(other_coordinator)  # another site's coordinator
    url = reverse("site_invitation_action", args=[invitation.pk, "revoke"])
    assert client.post(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("team_members")).status_code == 404
    client.logout()
    assert client.get(reverse("team_members")).status_code == 302  # to the sign-in page
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN


def test_a_coordinator_withdraws_and_sends_again_from_the_team_page(
    client, site, coordinator, invite, django_capture_on_commit_callbacks
):
    invitation, _ = invite(site=site)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("site_invitation_action", args=[invitation.pk, "resend"]))
    assert len(invitation_emails()) == 2
    client.post(reverse("site_invitation_action", args=[invitation.pk, "revoke"]))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    response = client.post(reverse("site_invitation_action", args=[invitation.pk, "approve"]))
    assert response.status_code == 302  # refused politely: not an operator
    assert invitation.outbox.filter(status="sent").count() == 2


# --- the admin ---------------------------------------------------------------------------------


def test_an_operator_invites_in_the_admin(
    client, registry_site, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    url = reverse("admin:referrals_siteinvitation_add")
    assert client.get(url, {"site": registry_site.pk}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"site": registry_site.pk, "email": INVITEE, "role": "investigator"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert invitation_emails()[0].to == [INVITEE]
    # The registry address without "approve": kept, not sent, until an approval.
    client.post(url, {"site": registry_site.pk, "email": REGISTRY_ADDRESS, "role": "coordinator"})
    waiting = SiteInvitation.objects.get(to_registry_contact=True)
    assert waiting.status == InvitationStatus.AWAITING_APPROVAL and len(invitation_emails()) == 1
    changelist = reverse("admin:referrals_siteinvitation_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "approve", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert waiting.status == InvitationStatus.OPEN and invitation_emails()[-1].to == [
        REGISTRY_ADDRESS
    ]


def test_the_admin_form_shows_the_services_refusals(client, site, coordinator, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:referrals_siteinvitation_add"),
        {"site": site.pk, "email": coordinator.email, "role": "coordinator"},
    )
    assert response.status_code == 200
    assert "already on this site" in response.content.decode()
    assert not SiteInvitation.objects.exists()
    assert OutboxMessage.objects.count() == 0
