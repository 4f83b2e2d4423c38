"""Delivery is the same for every kind: claimed, rendered, sent once, traced, retried."""

from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import DeliveryFailed, outbox_message_deliver, outbox_messages_create

from .conftest import KIND

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(account_kind, user):
    (message,) = outbox_messages_create(subject=user, kinds=[KIND])
    return message


def test_it_sends_the_rendered_email_once_and_marks_it_sent(message):
    assert outbox_message_deliver(message_id=message.pk) is True
    assert outbox_message_deliver(message_id=message.pk) is False
    (email,) = mail.outbox
    assert (email.to, email.subject) == (["ada@example.org"], "Your account")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.recipients_count) == ("sent", 1, 1)
    assert message.sent_at is not None


def test_every_email_is_traced_to_its_message(message):
    outbox_message_deliver(message_id=message.pk)
    headers = mail.outbox[0].extra_headers
    assert headers["X-Outbox-Message"] == str(message.pk)
    assert headers["Auto-Submitted"] == "auto-generated"


def test_the_kinds_hook_runs_once_the_message_is_sent(message, sent_hook):
    outbox_message_deliver(message_id=message.pk)
    outbox_message_deliver(message_id=message.pk)
    assert sent_hook.calls == [message.pk]


def test_a_subject_with_nobody_to_send_to_cancels_the_message(message, user, sent_hook):
    user.email = ""
    user.save()
    assert outbox_message_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("cancelled", "no recipient")
    assert mail.outbox == [] and sent_hook.calls == []


def test_a_deleted_subject_cancels_the_message(message, user):
    user.delete()
    assert outbox_message_deliver(message_id=message.pk) is False
    assert OutboxMessage.objects.get(pk=message.pk).status == "cancelled"


def test_a_kind_no_app_registers_any_more_is_retried_later(message, monkeypatch):
    from notifications import kinds

    monkeypatch.delitem(kinds._registry, KIND)
    with pytest.raises(DeliveryFailed) as caught:
        outbox_message_deliver(message_id=message.pk)
    assert caught.value.retry_in > 0
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("pending", "UnknownKind")
    assert message.available_at > timezone.now()


def test_a_renderer_that_fails_is_retried_like_a_failed_send(message):
    with (
        mock.patch("tests.notifications.conftest.EmailMessage", side_effect=KeyError("boom")),
        pytest.raises(DeliveryFailed, match="KeyError"),
    ):
        outbox_message_deliver(message_id=message.pk)
    assert OutboxMessage.objects.get(pk=message.pk).status == "pending"
