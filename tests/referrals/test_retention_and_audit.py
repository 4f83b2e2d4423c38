"""Contact details are erased after the retention period; the audit trail is append-only."""

import io
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from eligibility.models import Screening
from notifications.models import OutboxMessage
from referrals.audit import Actor, audit_record
from referrals.models import AuditEvent, Referral, Status
from referrals.services import referral_note_add, referral_status_change
from referrals.tasks import referral_contacts_erase_expired


def close(referral, days_ago: int, status=Status.DECLINED):
    referral_status_change(referral=referral, to_status=status, actor=Actor("c"), note="said no")
    Referral.objects.filter(pk=referral.pk).update(
        closed_at=timezone.now() - timedelta(days=days_ago)
    )


def test_contacts_are_erased_after_the_retention_period(referral, settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    referral_note_add(referral=referral, note="Call mornings", actor=Actor("c"))
    close(referral, days_ago=31)
    assert referral_contacts_erase_expired.apply().get() == 1
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.contact_name, fresh.contact_email, fresh.contact_phone) == ("", "", "")
    assert fresh.contact_erased_at is not None
    assert set(fresh.activities.values_list("note", flat=True)) == {""}
    # The screening and the referral's outcome stay; the answers go too (issue 21, see
    # tests/privacy/test_retention_gaps.py).
    assert Screening.objects.filter(pk=fresh.screening_id).exists()
    assert (fresh.status, fresh.verdict, fresh.answers) == ("declined", "eligible", {})
    assert AuditEvent.objects.filter(
        action="erase", referral=referral, actor_label="retention"
    ).exists()
    assert referral_contacts_erase_expired.apply().get() == 0  # once


def test_contacts_are_kept_until_the_period_has_passed(referral, settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    close(referral, days_ago=29)
    assert referral_contacts_erase_expired.apply().get() == 0
    assert Referral.objects.get(pk=referral.pk).contact_name != ""


def test_open_referrals_are_never_erased(coordinator, referral, settings):
    """An open referral to a site with a team stays until the team closes it (one to a
    site whose team never joined: tests/referrals/test_privacy_gaps.py)."""
    settings.REFERRAL_RETENTION_DAYS = 0
    Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - timedelta(days=999))
    assert referral_contacts_erase_expired.apply().get() == 0


def test_enrolled_closes_the_referral_too(referral, settings):
    settings.REFERRAL_RETENTION_DAYS = 1
    for status in (Status.CONTACTED, Status.VISIT_BOOKED):
        referral_status_change(referral=referral, to_status=status, actor=Actor("c"))
    close(referral, days_ago=2, status=Status.ENROLLED)
    assert referral_contacts_erase_expired.apply().get() == 1


def test_erasure_cancels_pending_messages(site, coordinator, settings):
    from tests.referrals.factories import referral_for

    settings.REFERRAL_RETENTION_DAYS = 1
    referral = referral_for(site=site)  # messages still pending
    close(referral, days_ago=2)
    call_command("erase_expired_contacts", stdout=io.StringIO())
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"cancelled"}


def test_an_erased_referral_page_says_so(client, coordinator, referral, settings):
    settings.REFERRAL_RETENTION_DAYS = 1
    close(referral, days_ago=2)
    referral_contacts_erase_expired()
    client.force_login(coordinator)
    page = client.get(f"/team/referrals/{referral.reference}/").content.decode()
    assert "were erased" in page


def test_audit_events_cannot_be_changed_or_deleted(referral):
    event = audit_record(actor=Actor("x", ip_address="192.0.2.1"), action="view", referral=referral)
    event.action = "export"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="export")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_admins_read_the_audit_trail_but_cannot_add_change_or_delete(
    admin_client, admin_user, referral
):
    model_admin = admin_site._registry[AuditEvent]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
    response = admin_client.get("/admin/referrals/auditevent/")
    assert response.status_code == 200
    assert "create" in response.content.decode()
    event = AuditEvent.objects.first()
    assert (
        admin_client.post(
            f"/admin/referrals/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_shows_no_contact_details(admin_client, referral):
    page = admin_client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert referral.reference in page
    assert "Zebrowski" not in page and "alice.zebrowski" not in page
