"""Celery tasks of the catalog: thin wrappers around ``finder.importing`` and the sync."""

from celery import shared_task

from .registry import RegistryError, registry_sync_changed


@shared_task(acks_late=True, autoretry_for=(RegistryError,), retry_backoff=60, max_retries=3)
def sync_ctgov_task(
    condition: str = "multiple sclerosis",
    statuses: list[str] | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    changed_only: bool = True,
) -> dict:
    """Refresh the catalog from the registry (Celery beat runs it: ``finder-sync-ctgov``).

    Only the studies updated since the last sync are fetched (``changed_only``; the first
    sync fetches everything), and every trial the registry confirmed records when.
    """
    return registry_sync_changed(
        condition=condition,
        statuses=statuses or [],
        changed_only=changed_only,
        page_size=page_size,
        max_pages=max_pages,
    ).report.as_dict()
