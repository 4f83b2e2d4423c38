"""The geocode_sites task and sites_geocode_pending: idempotent, retried, failures recorded."""

import pytest
from celery.exceptions import Retry
from geopy import exc as geopy_exc

from sites import geocoding
from sites.geocoding import GeocoderUnavailable
from sites.models import GeocodeStatus, Site
from sites.services import sites_geocode_pending
from sites.tasks import geocode_sites
from tests.factories import SiteFactory
from tests.sites.conftest import FakeLocation

pytestmark = pytest.mark.django_db


def pending(**fields):
    defaults = {"latitude": None, "longitude": None, "geocode_status": GeocodeStatus.PENDING}
    return SiteFactory(**{**defaults, **fields})


def test_it_places_sites_from_zip_codes_and_cities():
    by_zip = pending()
    by_city = pending(postal_code="", city="Madrid", state="", country="Spain", country_code="")
    report = geocode_sites.apply(args=[[by_zip.pk, by_city.pk]]).get()
    assert report == {"placed": [by_zip.pk, by_city.pk], "failed": []}
    by_zip.refresh_from_db()
    by_city.refresh_from_db()
    assert (by_zip.latitude, by_zip.longitude) == (37.4443, -122.1497)
    assert by_zip.geocode_status == GeocodeStatus.GAZETTEER
    assert by_zip.geocode_attempts == 1
    assert by_city.geocode_status == GeocodeStatus.GAZETTEER
    assert round(by_city.latitude) == 40


def test_it_records_sites_it_cannot_place():
    unknown = pending(postal_code="", city="Qwxyzville", state="", country="France")
    ambiguous = pending(postal_code="", city="Springfield", state="", country="United States")
    report = sites_geocode_pending()
    assert report.failed == [unknown.pk, ambiguous.pk]
    unknown.refresh_from_db()
    ambiguous.refresh_from_db()
    assert unknown.geocode_status == GeocodeStatus.FAILED
    assert 'No place called "Qwxyzville"' in unknown.geocode_error
    assert unknown.latitude is None
    assert "More than one place matches" in ambiguous.geocode_error


def test_it_is_idempotent():
    site = pending()
    placed = SiteFactory(latitude=1.0, longitude=2.0, geocode_status=GeocodeStatus.MANUAL)
    first = sites_geocode_pending()
    second = sites_geocode_pending(site_ids=[site.pk, placed.pk])
    assert (first.placed, second.placed, second.failed) == ([site.pk], [], [])
    site.refresh_from_db()
    placed.refresh_from_db()
    assert site.geocode_attempts == 1
    assert (placed.latitude, placed.longitude, placed.geocode_status) == (1.0, 2.0, "manual")


def test_it_only_looks_at_the_sites_asked_for():
    asked, other = pending(), pending()
    assert sites_geocode_pending(site_ids=[asked.pk]).placed == [asked.pk]
    assert Site.objects.get(pk=other.pk).geocode_status == GeocodeStatus.PENDING


def test_an_unavailable_geocoder_leaves_sites_pending_when_retries_run_out(fake_geocoder):
    site = pending(postal_code="", city="Smalltown", state="", country="United Kingdom")
    fake_geocoder.error = geopy_exc.GeocoderUnavailable("down")
    with pytest.raises(GeocoderUnavailable):
        geocode_sites.apply(args=[[site.pk]], retries=geocode_sites.max_retries).get()
    site.refresh_from_db()
    assert site.geocode_status == GeocodeStatus.PENDING
    assert site.geocode_attempts == 0


def test_the_task_retries_with_back_off_while_the_geocoder_is_down(fake_geocoder, monkeypatch):
    assert geocode_sites.autoretry_for == (GeocoderUnavailable,)
    assert geocode_sites.retry_backoff and geocode_sites.retry_jitter
    site = pending(postal_code="", city="Smalltown", state="", country="United Kingdom")
    fake_geocoder.answers["Smalltown"] = FakeLocation(52.0, -1.0, "Smalltown, England")
    outages = [geopy_exc.GeocoderUnavailable("down"), geopy_exc.GeocoderTimedOut("slow")]

    def flaky(query, **kwargs):
        if outages:
            raise outages.pop(0)
        return fake_geocoder(query, **kwargs)

    monkeypatch.setattr(geocoding, "online_geocoder", lambda: flaky)
    # Full jitter draws the delay from [0, backoff]; take the top of the range so the
    # test sees the back-off itself (a draw of 0 is allowed, and was 1 run in 31).
    monkeypatch.setattr("celery.utils.time.random.randrange", lambda stop: stop - 1)
    with pytest.raises(Retry) as caught:
        geocode_sites.apply(args=[[site.pk]]).get()
    assert caught.value.when == geocode_sites.retry_backoff  # a delay, not a hammering
    assert Site.objects.get(pk=site.pk).geocode_status == GeocodeStatus.PENDING
    with pytest.raises(Retry):
        geocode_sites.apply(args=[[site.pk]], retries=1).get()
    assert geocode_sites.apply(args=[[site.pk]], retries=2).get() == {
        "placed": [site.pk],
        "failed": [],
    }


def test_a_retry_finishes_what_an_outage_left(fake_geocoder):
    first = pending()
    second = pending(postal_code="", city="Smalltown", state="", country="United Kingdom")
    fake_geocoder.error = geopy_exc.GeocoderTimedOut("slow")
    with pytest.raises(Exception, match="did not answer"):
        sites_geocode_pending()
    assert Site.objects.get(pk=first.pk).geocode_status == GeocodeStatus.GAZETTEER

    fake_geocoder.error = None
    fake_geocoder.answers["Smalltown"] = FakeLocation(52.0, -1.0, "Smalltown, England")
    assert sites_geocode_pending().placed == [second.pk]
    assert Site.objects.get(pk=second.pk).geocode_status == GeocodeStatus.GEOCODER
