"""Cancelling a subject's messages touches only its unsent ones."""

import pytest

from notifications.models import OutboxMessage
from notifications.services import outbox_messages_cancel, outbox_messages_create

from .conftest import KIND

pytestmark = pytest.mark.django_db


def test_it_cancels_the_pending_messages_of_the_subject_only(account_kind, user):
    from tests.referrals.factories import UserFactory

    other = UserFactory(username="grace", email="grace@example.org")
    pending, sent = outbox_messages_create(subject=user, kinds=[KIND, KIND])
    OutboxMessage.objects.filter(pk=sent.pk).update(status="sent")
    (others,) = outbox_messages_create(subject=other, kinds=[KIND])

    assert outbox_messages_cancel(subject=user, reason="account closed") == 1

    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {pending.pk: "cancelled", sent.pk: "sent", others.pk: "pending"}
    assert OutboxMessage.objects.get(pk=pending.pk).last_error == "account closed"
