"""Celery tasks of the referrals app: thin wrappers around services."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=8)
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


@shared_task(acks_late=True)
def outbox_deliver_pending() -> int:
    """Periodic: send whatever is still pending (e.g. queued while Redis was down)."""
    from .services import outbox_deliver_pending as deliver_pending

    return deliver_pending()


@shared_task(acks_late=True)
def referral_contacts_erase_expired() -> int:
    """Periodic: erase contact details REFERRAL_RETENTION_DAYS after a referral closed."""
    from .services import referral_contacts_erase_expired as erase_expired

    return erase_expired()
