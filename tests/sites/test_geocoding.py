"""sites.geocoding.geocode: every input form, unknown and ambiguous places, the online
geocoder as fallback and as primary (a fake: no network)."""

import pytest
from geopy import exc as geopy_exc
from geopy.extra.rate_limiter import RateLimiter

from sites import geocoding
from sites.geocoding import AmbiguousPlace, GeocoderUnavailable, PlaceNotFound, geocode
from tests.sites.conftest import FakeLocation

PALO_ALTO_ZIP = "Palo Alto, CA 94301, United States"


@pytest.mark.parametrize(
    ("kwargs", "label", "source"),
    [
        ({"query": "94301"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"query": "94301, US"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"query": "94301-1234, USA"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"postal_code": "94301", "country": "US"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"postal_code": "94301"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"query": "Palo Alto, CA 94301"}, PALO_ALTO_ZIP, "zipcodes"),
        ({"query": "Palo Alto, CA"}, "Palo Alto, California, United States", "geonames"),
        ({"query": "Palo Alto, California"}, "Palo Alto, California, United States", "geonames"),
        ({"query": "palo alto,  california "}, "Palo Alto, California, United States", "geonames"),
        ({"query": "Palo Alto, CA, US"}, "Palo Alto, California, United States", "geonames"),
        ({"query": "London, United Kingdom"}, "London, United Kingdom", "geonames"),
        ({"query": "London", "country": "GB"}, "London, United Kingdom", "geonames"),
        ({"query": "Madrid, Spain"}, "Madrid, Spain", "geonames"),
        ({"query": "Seoul, Korea, Republic of"}, "Seoul, South Korea", "geonames"),
        ({"query": "Istanbul, Türkiye"}, "Istanbul, Turkey", "geonames"),
        ({"query": "München, Germany"}, "Munich, Germany", "geonames"),
        ({"query": "Toronto, Ontario, Canada"}, "Toronto, Canada", "geonames"),
        ({"query": "New York, NY"}, "New York City, New York, United States", "geonames"),
        ({"query": "Atlanta, Georgia"}, "Atlanta, Georgia, United States", "geonames"),
        ({"query": "Tbilisi, Georgia"}, "Tbilisi, Georgia", "geonames"),
    ],
)
def test_places_every_input_form(kwargs, label, source):
    place = geocode(**kwargs)
    assert place.label == label
    assert place.source == source
    assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180


def test_zip_code_is_its_centroid():
    place = geocode(query="94301")
    assert (place.latitude, place.longitude, place.country_code) == (37.4443, -122.1497, "US")


def test_city_is_near_where_it_is():
    place = geocode(query="Madrid, Spain")
    assert place.country_code == "ES"
    assert abs(place.latitude - 40.42) < 0.1 and abs(place.longitude + 3.70) < 0.1


@pytest.mark.parametrize(
    ("text", "latitude", "longitude"),
    [("37.44,-122.16", 37.44, -122.16), ("-33.9 151.2", -33.9, 151.2), ("0,180", 0, 180)],
)
def test_reads_coordinates(text, latitude, longitude):
    place = geocode(query=text)
    assert (place.latitude, place.longitude, place.source) == (latitude, longitude, "coordinates")


@pytest.mark.parametrize("text", ["95,10", "-90.5, 0", "10, 181", "0,-180.01"])
def test_rejects_coordinates_out_of_range(text):
    with pytest.raises(PlaceNotFound, match="outside"):
        geocode(query=text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "Qwxyzville"}, 'No place called "Qwxyzville"'),
        ({"query": "Palo Alto, Texas"}, "No place called"),
        ({"query": "Paris, Narnia"}, '"Narnia" is not a known US state or country'),
        ({"query": "Paris, Ile, Narnia"}, 'Unknown country "Narnia"'),
        ({"query": "Palo Alto, Foo, US"}, 'Unknown US state "Foo"'),
        ({"query": "99999"}, "ZIP code 99999 was not found"),
        ({"postal_code": "ABC"}, "is not a US ZIP code"),
        ({"postal_code": "75001", "country": "FR"}, "Postal codes in France"),
        ({"query": "94301, Spain"}, "is not a Spanish postal code"),
        ({"query": "75001, France"}, "Postal codes in France"),
        ({"query": "Madrid", "country": "Atlantis"}, 'Unknown country "Atlantis"'),
        ({"query": "Madrid, Spain", "country": "FR"}, "is not in France"),
        ({"query": "  "}, "Enter a place"),
        ({}, "Enter a place"),
    ],
)
def test_says_what_was_not_found(kwargs, message):
    with pytest.raises(PlaceNotFound, match=message):
        geocode(**kwargs)


def test_a_name_in_several_states_is_ambiguous():
    with pytest.raises(AmbiguousPlace) as caught:
        geocode(query="Springfield")
    labels = [c.label for c in caught.value.candidates]
    assert "Springfield, Illinois, United States" in labels
    assert "Springfield, Missouri, United States" in labels
    assert "Add a state or country" in str(caught.value)


def test_a_state_settles_the_ambiguity():
    assert geocode(query="Springfield, IL").label == "Springfield, Illinois, United States"


def test_a_name_in_several_countries_is_ambiguous():
    with pytest.raises(AmbiguousPlace) as caught:
        geocode(query="London")
    codes = {c.country_code for c in caught.value.candidates}
    assert {"GB", "CA"} <= codes


def test_several_places_of_one_name_in_a_country_are_ambiguous_without_a_state():
    with pytest.raises(AmbiguousPlace) as caught:
        geocode(query="Portland", country="US")
    labels = {c.label for c in caught.value.candidates}
    assert {"Portland, Oregon, United States", "Portland, Maine, United States"} <= labels


def test_the_gazetteer_is_built_once():
    assert geocoding.gazetteer() is geocoding.gazetteer()


def test_fallback_fills_in_what_the_gazetteer_lacks(fake_geocoder):
    fake_geocoder.answers["75001"] = FakeLocation(
        48.86, 2.34, "75001 Paris, France", {"address": {"country_code": "fr"}}
    )
    place = geocode(postal_code="75001", country="France")
    assert (place.latitude, place.longitude, place.country_code) == (48.86, 2.34, "FR")
    assert place.source == "nominatim"
    query, kwargs = fake_geocoder.calls[0]
    assert query == {"postalcode": "75001"}
    assert kwargs["country_codes"] == "fr"


def test_fallback_leaves_what_the_gazetteer_knows_offline(fake_geocoder):
    assert geocode(query="Madrid, Spain").source == "geonames"
    assert fake_geocoder.calls == []


def test_fallback_does_not_resolve_ambiguity_online(fake_geocoder):
    with pytest.raises(AmbiguousPlace):
        geocode(query="Springfield")
    assert fake_geocoder.calls == []


def test_online_answers_are_cached(fake_geocoder):
    fake_geocoder.answers["Smalltown, Wales"] = FakeLocation(52.1, -3.5, "Smalltown, Wales, UK")
    first = geocode(query="Smalltown, Wales")
    second = geocode(query="Smalltown, Wales")
    assert first == second
    assert len(fake_geocoder.calls) == 1


def test_online_misses_are_cached_and_reported(fake_geocoder):
    for _ in range(2):
        with pytest.raises(PlaceNotFound, match='No place called "Nowhere Town"'):
            geocode(query="Nowhere Town")
    assert len(fake_geocoder.calls) == 1


def test_a_time_out_is_a_clear_not_found(fake_geocoder):
    fake_geocoder.error = geopy_exc.GeocoderTimedOut("too slow")
    with pytest.raises(GeocoderUnavailable, match="did not answer within 3 seconds"):
        geocode(query="Nowhere Town")


def test_an_outage_is_a_clear_not_found(fake_geocoder):
    fake_geocoder.error = geopy_exc.GeocoderUnavailable("down")
    with pytest.raises(PlaceNotFound, match="unavailable right now"):
        geocode(query="Nowhere Town")


def test_primary_mode_asks_the_geocoder_first(fake_geocoder, settings):
    settings.GEOCODER_MODE = "primary"
    fake_geocoder.answers["Madrid, Spain"] = FakeLocation(40.4, -3.7, "Madrid, Spain (online)")
    assert geocode(query="Madrid, Spain").label == "Madrid, Spain (online)"


def test_primary_mode_falls_back_to_the_gazetteer_when_the_geocoder_is_down(
    fake_geocoder, settings
):
    settings.GEOCODER_MODE = "primary"
    fake_geocoder.error = geopy_exc.GeocoderTimedOut("too slow")
    assert geocode(query="Madrid, Spain").source == "geonames"


def test_primary_mode_never_sends_coordinates_online(fake_geocoder, settings):
    settings.GEOCODER_MODE = "primary"
    assert geocode(query="37.44,-122.16").source == "coordinates"
    assert fake_geocoder.calls == []


def test_nominatim_is_rate_limited_with_our_user_agent_and_time_out(settings):
    geocoding._build_online_geocoder.cache_clear()
    limited = geocoding._build_online_geocoder("nominatim", "ms-trial-finder-test/1.0", 2.5)
    assert isinstance(limited, RateLimiter)
    assert limited.min_delay_seconds == 1.0
    nominatim = limited.func.__self__
    assert nominatim.headers["User-Agent"] == "ms-trial-finder-test/1.0"
    assert nominatim.timeout == 2.5


def test_rejects_an_unknown_geocoder_setting():
    with pytest.raises(ValueError, match="Unsupported GEOCODER"):
        geocoding._build_online_geocoder("google", "ua", 1.0)
