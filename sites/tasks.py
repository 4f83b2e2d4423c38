"""Celery tasks of the sites app: each a line or two calling a service."""

from __future__ import annotations

from celery import shared_task

from sites.geocoding import GeocoderUnavailable
from sites.services import sites_geocode_pending


@shared_task(
    autoretry_for=(GeocoderUnavailable,),
    retry_backoff=30,  # 30 s, 60 s, 120 s, ... with jitter, capped at 30 minutes
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def geocode_sites(site_ids: list[int] | None = None) -> dict[str, list[int]]:
    """Place pending sites without coordinates (``None``: all); see ``sites_geocode_pending``.

    Retries with exponential back-off while the online geocoder is unavailable; sites
    placed before an outage are kept, so a retry only does what is left.
    """
    return sites_geocode_pending(site_ids=site_ids).as_dict()


def queue_geocoding(sender, *, site_ids: list[int], **kwargs) -> None:
    """Receiver of ``sites_need_geocoding``: place those sites in a worker."""
    geocode_sites.delay(site_ids)
