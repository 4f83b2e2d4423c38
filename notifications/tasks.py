"""Celery tasks of the outbox: thin wrappers around services.

Their names are the ones they had in the referrals app, where the outbox began: tasks
already queued in Redis, the beat schedule rows in the database and workers of the
previous release all know them by these names.
"""

from celery import shared_task


def outbox_messages_queue(sender, *, message_ids: list[int], **kwargs) -> None:
    """Receiver of ``outbox_messages_added``: one ``outbox_deliver`` task per message."""
    from .services import outbox_enqueue

    outbox_enqueue(message_ids=message_ids, task=outbox_deliver)


@shared_task(name="referrals.tasks.outbox_deliver", bind=True, acks_late=True, max_retries=8)
def outbox_deliver(self, message_id: int) -> bool:
    """Send one outbox message (exactly once: the service claims the row first).

    A failed send is retried when the message is next due; the periodic task is the
    safety net if the retry itself cannot be queued.
    """
    from .services import DeliveryFailed, outbox_message_deliver

    try:
        return outbox_message_deliver(message_id=message_id)
    except DeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in)


@shared_task(name="referrals.tasks.outbox_deliver_pending", acks_late=True)
def outbox_deliver_pending() -> int:
    """Periodic: send whatever is still pending (e.g. queued while Redis was down)."""
    from .services import outbox_deliver_pending as deliver_pending

    return deliver_pending()
