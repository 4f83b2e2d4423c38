"""Celery tasks of the referrals app: thin wrappers around services.

The outbox's tasks (``referrals.tasks.outbox_deliver`` and ``..._pending`` by name) live
in :mod:`notifications.tasks`.
"""

from celery import shared_task


@shared_task(acks_late=True)
def referral_contacts_erase_expired() -> int:
    """Periodic, the referrals' retention job: erase contact details, notes and health
    answers REFERRAL_RETENTION_DAYS after a referral closed, and forget the partners'
    Idempotency-Keys once their 24 hours are over. Returns the referrals erased."""
    from .services import idempotency_keys_purge_expired
    from .services import referral_contacts_erase_expired as erase_expired

    idempotency_keys_purge_expired()
    return erase_expired()
