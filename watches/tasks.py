"""Celery tasks of the watchlist: thin wrappers around its services (beat runs both)."""

from celery import shared_task


@shared_task(name="watches.tasks.watch_alerts_send", acks_late=True)
def watch_alerts_send() -> dict:
    """Periodic: detect the catalog's changes, match them to watches, queue the digests.

    Safe to run twice or to be killed half-way (``watches.matching``): a redelivered task
    finishes the work and repeats none of it.
    """
    from .matching import watch_alerts_run

    return watch_alerts_run().as_dict()


@shared_task(name="watches.tasks.watches_erase_expired", acks_late=True)
def watches_erase_expired() -> dict:
    """Periodic: erase unconfirmed and unused watches, expired links, old alerts."""
    from .services import watches_erase_expired as erase

    return erase()
