"""Write-side operations on sites: placing sites the registry gave no coordinates."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from sites.countries import country_code_for, country_name
from sites.geocoding import (
    OFFLINE_SOURCES,
    AmbiguousPlace,
    GeocoderUnavailable,
    Place,
    PlaceNotFound,
    geocode,
)
from sites.index import site_index_invalidate
from sites.models import GeocodeStatus, Site

logger = logging.getLogger(__name__)

_ERROR_LENGTH = Site._meta.get_field("geocode_error").max_length


@dataclass
class GeocodeReport:
    """What one geocoding run did, by site id."""

    placed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"placed": self.placed, "failed": self.failed}


def sites_geocode_pending(*, site_ids: Iterable[int] | None = None) -> GeocodeReport:
    """Place pending sites without coordinates (``site_ids``; ``None``: every one).

    Idempotent: only sites still ``pending`` and without coordinates are looked at, and
    each is written with a conditional update, so a site placed meanwhile (by another
    worker or a curator) is never touched again. A site that cannot be placed (unknown
    or ambiguous address) is marked ``failed`` with the reason in ``geocode_error``.
    ``GeocoderUnavailable`` (online geocoder down or timing out) propagates so the task
    can retry later; sites placed before it keep their coordinates, the rest stay
    pending.
    """
    pending = Site.objects.filter(
        Q(latitude__isnull=True) | Q(longitude__isnull=True),
        geocode_status=GeocodeStatus.PENDING,
    )
    if site_ids is not None:
        pending = pending.filter(pk__in=list(site_ids))
    pending = pending.only("pk", "city", "state", "postal_code", "country", "country_code")

    report = GeocodeReport()
    try:
        for site in pending.order_by("pk").iterator(chunk_size=500):
            try:
                place = site_place(site=site)
            except GeocoderUnavailable:
                raise
            except (PlaceNotFound, AmbiguousPlace) as error:
                if _record_failure(site, error.message):
                    report.failed.append(site.pk)
                continue
            if _record_place(site, place):
                report.placed.append(site.pk)
    finally:
        if report.placed:
            site_index_invalidate()  # conditional updates send no signals
        if report.placed or report.failed:
            logger.info(
                "Geocoded sites: %d placed, %d failed", len(report.placed), len(report.failed)
            )
    return report


def site_place(*, site: Site) -> Place:
    """Where a site is, from its address: the US ZIP code first, then city and region.

    Raises ``PlaceNotFound``/``AmbiguousPlace`` when the address does not name one place.
    """
    code = site.country_code or (country_code_for(site.country) if site.country else None)
    if site.country and code is None:
        raise PlaceNotFound(f'Unknown country "{site.country}".')
    if site.postal_code and code in ("US", None):
        try:
            return geocode(postal_code=site.postal_code, country=code or "US")
        except GeocoderUnavailable:
            raise
        except PlaceNotFound:
            pass  # a wrong or PO-box code: the city may still place the site
    if not site.city:
        raise PlaceNotFound("The site has no city (nor a known US ZIP code).")
    query = ", ".join(part for part in (site.city, site.state) if part)
    try:
        return geocode(query=query, country=code)
    except AmbiguousPlace:
        raise
    except PlaceNotFound:
        if not site.state or code == "US":
            raise
    # Outside the US the region is not verified; try the city alone within the country.
    where = f" in {country_name(code)}" if code else ""
    try:
        return geocode(query=site.city, country=code)
    except AmbiguousPlace as error:
        raise AmbiguousPlace(f'"{query}"{where} matches several places.', error.candidates)


def _record_place(site: Site, place: Place) -> bool:
    status = GeocodeStatus.GAZETTEER if place.source in OFFLINE_SOURCES else GeocodeStatus.GEOCODER
    updated = Site.objects.filter(pk=site.pk, geocode_status=GeocodeStatus.PENDING).update(
        latitude=place.latitude,
        longitude=place.longitude,
        geocode_status=status,
        geocode_error="",
        geocode_attempts=F("geocode_attempts") + 1,
        updated_at=timezone.now(),
    )
    return updated == 1


def _record_failure(site: Site, message: str) -> bool:
    updated = Site.objects.filter(pk=site.pk, geocode_status=GeocodeStatus.PENDING).update(
        geocode_status=GeocodeStatus.FAILED,
        geocode_error=message[:_ERROR_LENGTH],
        geocode_attempts=F("geocode_attempts") + 1,
        updated_at=timezone.now(),
    )
    return updated == 1
