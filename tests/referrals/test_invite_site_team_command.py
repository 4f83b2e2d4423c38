"""``manage.py invite_site_team``: operators invite a site's team from the command line."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from referrals.models import AuditEvent, InvitationStatus, SiteInvitation

INVITEE = "dana.okafor@stanford.example.org"
REGISTRY_ADDRESS = "trials@sponsor.example.com"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def do(*args) -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("invite_site_team", *[str(a) for a in args], stdout=out)
        return out.getvalue()

    return do


@pytest.fixture
def registry_site(site):
    site.contact_email = REGISTRY_ADDRESS
    site.save()
    return site


def test_it_invites_and_sends_the_link(run, site):
    out = run(site.pk, INVITEE, "--role", "investigator")
    invitation = SiteInvitation.objects.get()
    assert (invitation.site, invitation.role, invitation.status) == (site, "investigator", "open")
    assert f"Invitation {invitation.pk} to site {site.pk}" in out and "on its way" in out
    assert INVITEE not in out  # the address is never printed
    assert [m.to for m in mail.outbox] == [[INVITEE]]
    assert "/team/join/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="invite")
    assert event.actor_label == "manage.py invite_site_team" and event.detail["site"] == site.pk


def test_the_registry_contact_waits_for_approve(run, registry_site):
    out = run(registry_site.pk, "--registry-contact")
    invitation = SiteInvitation.objects.get()
    assert invitation.status == InvitationStatus.AWAITING_APPROVAL
    assert "waits for an approval" in out and "--approve" in out
    assert mail.outbox == []
    # Running it again with --approve approves the one waiting (not a second invitation).
    out = run(registry_site.pk, REGISTRY_ADDRESS, "--approve")
    assert SiteInvitation.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN and invitation.approved_at is not None
    assert [m.to for m in mail.outbox] == [[REGISTRY_ADDRESS]]
    assert "registry contact address" in out


def test_approve_at_once(run, registry_site):
    run(registry_site.pk, "--registry-contact", "--approve")
    assert SiteInvitation.objects.get().status == InvitationStatus.OPEN
    assert len(mail.outbox) == 1


def test_the_demo_catalogs_registry_address_is_refused(run, registry_site):
    registry_site.trial.sites_are_illustrative = True
    registry_site.trial.save()
    with pytest.raises(CommandError, match="demonstration site"):
        run(registry_site.pk, "--registry-contact", "--approve")
    assert not SiteInvitation.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((999_999, INVITEE), "There is no site 999999"),
        (("{site}",), "Give an email address"),
        (("{site}", "--registry-contact"), "lists no contact address"),
        (("{site}", "not-an-address"), "not a valid email address"),
    ],
)
def test_it_explains_what_is_wrong(run, site, args, message):
    args = [str(a).replace("{site}", str(site.pk)) for a in args]
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not SiteInvitation.objects.exists()


def test_an_unknown_role_is_refused_by_the_parser(site):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("invite_site_team", str(site.pk), INVITEE, "--role", "owner")
