"""Celery tasks of the catalog: thin wrappers around ``finder.importing``."""

from celery import shared_task

from .importing import registry_sync
from .registry import RegistryError


@shared_task(acks_late=True, autoretry_for=(RegistryError,), retry_backoff=60, max_retries=3)
def sync_ctgov_task(
    condition: str = "multiple sclerosis",
    statuses: list[str] | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
) -> dict:
    """Refresh the catalog from the registry (schedule it with Celery beat)."""
    return registry_sync(
        condition=condition, statuses=statuses or [], page_size=page_size, max_pages=max_pages
    ).as_dict()
