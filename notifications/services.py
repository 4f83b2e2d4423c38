"""Writes for the outbox: adding messages, handing them to Celery, sending each exactly once.

An app adds messages about one of its rows with :func:`outbox_messages_create` in the
transaction that writes the row. Once it commits, the ``outbox_messages_added`` signal
has them queued for the ``outbox_deliver`` task (services never import tasks), and the
periodic ``outbox_deliver_pending`` task sends whatever could not be queued. Delivery
claims a row before sending it, so a message goes out once even when the queued task
and the periodic task race for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from .kinds import kind_get
from .models import OutboxMessage, OutboxStatus
from .signals import outbox_messages_added

logger = logging.getLogger(__name__)

OUTBOX_MAX_ATTEMPTS = 8
OUTBOX_CLAIM_TIMEOUT = timedelta(minutes=10)


def outbox_messages_create(*, subject: models.Model, kinds: Iterable[str]) -> list[OutboxMessage]:
    """One pending message of each kind about ``subject``, queued once the caller commits.

    Call it inside the transaction that writes ``subject``: the messages exist exactly
    when it does. Every kind must be registered (:func:`notifications.kinds.kind_register`);
    an unknown one raises :class:`~notifications.kinds.UnknownKind` before anything is
    written.
    """
    kinds = [kind_get(kind).name for kind in kinds]
    subject_type = ContentType.objects.get_for_model(subject)
    now = timezone.now()
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=kind, subject_type=subject_type, subject_id=subject.pk, available_at=now)
        for kind in kinds
    )
    message_ids = [m.pk for m in messages]
    transaction.on_commit(
        lambda: outbox_messages_added.send(sender=OutboxMessage, message_ids=message_ids)
    )
    return messages


def outbox_messages_cancel(*, subject: models.Model, reason: str) -> int:
    """Cancel the messages about ``subject`` not sent yet; returns how many."""
    return OutboxMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        status=OutboxStatus.PENDING,
    ).update(status=OutboxStatus.CANCELLED, last_error=reason[:200])


def outbox_enqueue(*, message_ids: list[int], task) -> int:
    """Hand messages to Celery (``task``: the delivery task), after the commit. Never
    raises: the outbox has them.

    The broker connection is tried once, without kombu's usual reconnect loop (which
    would hold the patient's request for seconds): if the broker is down the messages
    stay pending and the periodic ``outbox_deliver_pending`` task sends them once it is
    back. Returns how many were queued; the log line names message ids and the error
    class only.
    """
    if not message_ids:
        return 0
    app = task.app
    queued = 0
    try:
        if app.conf.task_always_eager:
            for message_id in message_ids:
                task.apply_async((message_id,))
                queued += 1
            return queued
        options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
        with app.connection_for_write(transport_options=options) as connection:
            for message_id in message_ids:
                task.apply_async((message_id,), connection=connection, retry=False)
                queued += 1
    except Exception as exc:  # the broker, the network, the worker: all the same here
        logger.warning(
            "outbox: could not queue messages %s (%s); they stay pending for the periodic delivery",
            ",".join(str(i) for i in message_ids[queued:]),
            exc.__class__.__name__,
        )
    return queued


class DeliveryFailed(Exception):
    """A message could not be sent this time; retry in ``retry_in`` seconds (no personal data)."""

    def __init__(self, message: str, retry_in: float = 60.0):
        super().__init__(message)
        self.retry_in = retry_in


def outbox_message_deliver(*, message_id: int) -> bool:
    """Send one outbox message exactly once; returns whether this call sent it.

    The row is claimed by moving it from ``pending`` to ``sending`` in one conditional
    UPDATE, so a queued task and the periodic task racing for the same message cannot
    both send it. Its kind's renderer makes the email (and the email gets an
    ``X-Outbox-Message`` header, so a delivery can be traced to exactly one row); no
    email means nobody to send it to, and the message is cancelled. A failure (an
    unregistered kind included) puts it back to ``pending`` with a later
    ``available_at`` and raises :class:`DeliveryFailed` so the Celery task retries.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, available_at__lte=now
    ).update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        kind = kind_get(message.kind)
        email = kind.render(message)
        if email is None:
            OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.CANCELLED, last_error="no recipient"
            )
            return False
        email.extra_headers.update(
            {"X-Outbox-Message": str(message.pk), "Auto-Submitted": "auto-generated"}
        )
        sent = email.send(fail_silently=False)
    except Exception as exc:
        retry_in = _outbox_retry_later(message, exc)
        raise DeliveryFailed(
            f"message {message_id}: {exc.__class__.__name__}", retry_in=retry_in
        ) from None
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        recipients_count=len(email.recipients()) * sent,
    )
    if kind.on_sent is not None:
        kind.on_sent(message)
    return True


def _outbox_retry_later(message: OutboxMessage, exc: Exception) -> float:
    """Put a failed message back (or give up on it); returns seconds until it is due."""
    attempts = message.attempts
    if attempts >= OUTBOX_MAX_ATTEMPTS:
        status = OutboxStatus.FAILED
        logger.error("outbox: giving up on message %s after %s attempts", message.pk, attempts)
    else:
        status = OutboxStatus.PENDING
    delay = timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=status,
        available_at=timezone.now() + delay,
        last_error=exc.__class__.__name__[:200],
    )
    logger.warning(
        "outbox: sending message %s failed (%s), attempt %s",
        message.pk,
        exc.__class__.__name__,
        attempts,
    )
    return delay.total_seconds() + 1


def outbox_deliver_pending(*, limit: int = 200) -> int:
    """Send every message that is due (the periodic catch-up); returns how many were sent.

    Also releases claims older than ten minutes (a worker that died while sending), so
    such a message is tried again: the one case where a message may go out twice.
    """
    now = timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING, claimed_at__lt=now - OUTBOX_CLAIM_TIMEOUT
    ).update(status=OutboxStatus.PENDING)
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=now).order_by(
        "available_at", "id"
    )
    sent = 0
    for message_id in list(due.values_list("pk", flat=True)[:limit]):
        try:
            sent += int(outbox_message_deliver(message_id=message_id))
        except DeliveryFailed:
            continue
    return sent
