"""Celery tasks of the eligibility app: thin wrappers around services."""

from celery import shared_task

from .services import screenings_erase_expired as erase_expired_screenings
from .services import screenings_reevaluate_for_trial


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def screenings_reevaluate(trial_id: int) -> int:
    """Re-evaluate the screenings behind referrals after the trial's criteria changed."""
    return screenings_reevaluate_for_trial(trial_id=trial_id)


@shared_task(acks_late=True)
def screenings_erase_expired() -> int:
    """Periodic: erase anonymous screenings once no patient's session can need them."""
    return erase_expired_screenings()


def queue_reevaluation(sender, *, trial_id: int, **kwargs) -> None:
    """Receiver of ``criteria_changed``: re-evaluate that trial's screenings in a worker."""
    screenings_reevaluate.delay(trial_id)
