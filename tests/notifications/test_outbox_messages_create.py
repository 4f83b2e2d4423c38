"""Any app writes messages about any of its rows; they are queued once the caller commits."""

from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction

from notifications.kinds import UnknownKind
from notifications.models import OutboxMessage
from notifications.services import outbox_messages_create

from .conftest import KIND

pytestmark = pytest.mark.django_db


def test_it_writes_one_pending_message_per_kind_about_the_subject(account_kind, user):
    with mock.patch("notifications.services.outbox_enqueue") as enqueue:
        messages = outbox_messages_create(subject=user, kinds=[KIND])
    (message,) = OutboxMessage.objects.all()
    assert messages == [message]
    assert (message.kind, message.status, message.attempts) == (KIND, "pending", 0)
    assert message.subject_type == ContentType.objects.get_for_model(user)
    assert message.subject_id == user.pk and message.subject == user
    enqueue.assert_not_called()  # not before the commit


def test_the_messages_are_delivered_after_the_commit(
    account_kind, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = outbox_messages_create(subject=user, kinds=[KIND])
        assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == "sent"
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_rolled_back_transaction_leaves_no_message(account_kind, user):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_messages_create(subject=user, kinds=[KIND])
        raise RuntimeError("the subject's transaction fails")
    assert not OutboxMessage.objects.exists()


def test_it_refuses_an_unregistered_kind_before_writing_anything(account_kind, user):
    with pytest.raises(UnknownKind):
        outbox_messages_create(subject=user, kinds=[KIND, "nobody_registered_this"])
    assert not OutboxMessage.objects.exists()
