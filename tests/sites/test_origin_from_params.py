"""sites.geocoding.origin_from_params: the one parser of location query parameters."""

import pytest
from django.http import QueryDict

from config.api import ApiInputError
from sites.location import LocationInputError, origin_from_params


def test_no_location_is_none_unless_required():
    assert origin_from_params(QueryDict("")) is None
    assert origin_from_params({"place": "  ", "postal_code": ""}) is None
    with pytest.raises(LocationInputError) as caught:
        origin_from_params({}, required=True)
    assert caught.value.errors == {"place": "Enter a place, a postal code, or lat and lon."}


def test_reads_coordinates_as_text_or_numbers():
    assert origin_from_params(QueryDict("lat=37.5&lon=-122")).latitude == 37.5
    assert origin_from_params({"lat": 37.5, "lon": -122.0}).longitude == -122.0


def test_geocodes_a_postal_code_with_its_country():
    place = origin_from_params(QueryDict("postal_code=94301&country=United+States"))
    assert place.label == "Palo Alto, CA 94301, United States"


def test_geocodes_a_place_within_a_country():
    assert origin_from_params({"place": "London", "country": "GB"}).country_code == "GB"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "nan", "lon": "0"}, "lat"),
        ({"lat": "0", "lon": "inf"}, "lon"),
        ({"lat": "100", "lon": "0"}, "lat"),
        ({"lat": "0", "lon": "200"}, "lon"),
        ({"lat": "1", "lon": "1", "country": "US"}, "country"),
        ({"postal_code": "94301", "place": "Madrid"}, "place"),
        ({"place": "Paris", "country": "Narnia"}, "country"),
    ],
)
def test_names_the_parameter_at_fault(params, field):
    with pytest.raises(ApiInputError) as caught:
        origin_from_params(params)
    assert list(caught.value.errors) == [field]


def test_an_ambiguous_place_is_the_most_populous_with_the_others_as_alternatives():
    place = origin_from_params({"place": "Springfield"})
    assert place.label == "Springfield, Missouri, United States"
    assert len(place.alternatives) > 3
    assert "More than one place" in place.note
