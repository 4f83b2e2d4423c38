"""Celery tasks of the eligibility app: thin wrappers around services."""

from importlib import import_module

from celery import shared_task
from django.conf import settings

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


@shared_task(acks_late=True)
def sessions_clear_expired() -> None:
    """Periodic: delete the expired sessions, which hold a patient's answers in clear.

    Django never deletes an expired session row by itself (a patient who closes the
    browser leaves theirs behind); this is ``manage.py clearsessions``: the session
    engine's own ``SessionStore.clear_expired()``.
    """
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def queue_reevaluation(sender, *, trial_id: int, **kwargs) -> None:
    """Receiver of ``criteria_changed``: re-evaluate that trial's screenings in a worker."""
    screenings_reevaluate.delay(trial_id)
