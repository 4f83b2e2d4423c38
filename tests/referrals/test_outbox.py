"""Notifications go through an outbox: saved with the referral, sent exactly once."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import DeliveryFailed, outbox_deliver_pending, outbox_message_deliver
from notifications.tasks import outbox_deliver_pending as outbox_deliver_pending_task
from referrals.models import Referral
from tests.referrals.conftest import CONTACT
from tests.referrals.factories import referral_for

BROKER_DOWN = mock.patch(
    "notifications.tasks.outbox_deliver.apply_async",
    side_effect=ConnectionRefusedError("[Errno 111] Connection refused"),
)


def test_messages_are_saved_in_the_same_transaction_as_the_referral(site, coordinator):
    # Without running the on-commit hooks nothing is sent, but the outbox has it all.
    referral = referral_for(site=site)
    assert sorted(referral.outbox.values_list("kind", "status")) == [
        ("patient_confirmation", "pending"),
        ("site_team_new_referral", "pending"),
    ]
    assert mail.outbox == []


def test_a_failed_referral_leaves_no_message(site):
    from referrals.services import ReferralRejected

    with pytest.raises(ReferralRejected):
        referral_for(site=site, contact={"name": "x"})
    assert not OutboxMessage.objects.exists() and not Referral.objects.exists()


def test_a_broker_outage_is_caught_logged_without_personal_data_and_the_referral_kept(
    site, coordinator, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with BROKER_DOWN, django_capture_on_commit_callbacks(execute=True):
        referral = referral_for(site=site)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert set(referral.outbox.values_list("status", flat=True)) == {"pending"}
    assert "stay pending" in caplog.text
    for personal in (CONTACT["name"], CONTACT["email"], "Zebrowski", "555"):
        assert personal not in caplog.text


def test_the_periodic_task_delivers_what_is_pending_exactly_once(
    site, coordinator, django_capture_on_commit_callbacks
):
    with BROKER_DOWN, django_capture_on_commit_callbacks(execute=True):
        referral_for(site=site)
        referral_for(site=site)
    assert mail.outbox == []
    assert outbox_deliver_pending_task.apply().get() == 4
    assert len(mail.outbox) == 4
    assert outbox_deliver_pending() == 0  # nothing twice
    assert len(mail.outbox) == 4
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_claimed_message_is_not_sent_by_a_second_caller(referral_unsent):
    message = referral_unsent.outbox.first()
    assert outbox_message_deliver(message_id=message.pk) is True
    assert outbox_message_deliver(message_id=message.pk) is False
    assert len(mail.outbox) == 1


def test_a_message_being_sent_elsewhere_is_left_alone(referral_unsent):
    message = referral_unsent.outbox.first()
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", claimed_at=timezone.now())
    assert outbox_message_deliver(message_id=message.pk) is False
    assert outbox_deliver_pending() == 1  # only the other message
    assert OutboxMessage.objects.get(pk=message.pk).status == "sending"


def test_a_claim_abandoned_by_a_dead_worker_is_released(referral_unsent):
    message = referral_unsent.outbox.first()
    stale = timezone.now() - timedelta(minutes=30)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", claimed_at=stale)
    assert outbox_deliver_pending() == 2


def test_a_send_failure_is_retried_later_and_then_sent(referral_unsent, caplog):
    message = referral_unsent.outbox.get(kind="patient_confirmation")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")),
        pytest.raises(DeliveryFailed) as caught,
    ):
        outbox_message_deliver(message_id=message.pk)
    assert caught.value.retry_in > 0
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "OSError")
    assert message.available_at > timezone.now()
    assert outbox_message_deliver(message_id=message.pk) is False  # not due yet
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox_message_deliver(message_id=message.pk) is True
    assert CONTACT["email"] not in caplog.text


def test_it_gives_up_after_the_last_attempt(referral_unsent):
    from notifications.services import OUTBOX_MAX_ATTEMPTS

    message = referral_unsent.outbox.get(kind="patient_confirmation")
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=OUTBOX_MAX_ATTEMPTS - 1)
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")),
        pytest.raises(DeliveryFailed),
    ):
        outbox_message_deliver(message_id=message.pk)
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.FAILED


def test_a_site_without_a_team_gets_no_team_message_and_the_operators_are_told(
    site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_for(site=site)
    assert not referral.outbox.filter(kind="site_team_new_referral").exists()
    # Nobody is an operator here either: that message has nobody to go to.
    assert referral.outbox.get(kind="operator_referral_waiting").status == "cancelled"
    assert referral.outbox.get(kind="patient_confirmation").status == "sent"


def test_a_team_gone_before_delivery_cancels_the_team_message(site, coordinator):
    referral = referral_for(site=site)
    coordinator.site_memberships.all().delete()
    message = referral.outbox.get(kind="site_team_new_referral")
    assert outbox_message_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("cancelled", "no recipient")


def test_the_team_message_goes_to_every_member_blind_copied(
    site, coordinator, django_capture_on_commit_callbacks
):
    from tests.referrals.factories import SiteMembershipFactory

    second = SiteMembershipFactory(site=site).user
    with django_capture_on_commit_callbacks(execute=True):
        referral_for(site=site)
    team_mail = next(m for m in mail.outbox if m.bcc)
    assert team_mail.to == [] and sorted(team_mail.bcc) == sorted([coordinator.email, second.email])


@pytest.fixture
def referral_unsent(site, coordinator):
    """A referral whose two messages are still pending (on-commit hooks not run)."""
    return referral_for(site=site)
