"""GET /api/v1/trials/<nct_id>/sites/: nearest first, and a 400 naming each bad parameter."""

import pytest
from rest_framework.test import APIClient

from sites.models import SiteStatus
from sites.ranking import geodesic_km
from tests.factories import SiteFactory, TrialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT00548405")
    SiteFactory(trial=trial, facility="Far", city="New York", latitude=40.71, longitude=-74.0)
    SiteFactory(trial=trial, facility="Near")
    SiteFactory(trial=trial, facility="Unplaced", latitude=None, longitude=None)
    SiteFactory(trial=trial, facility="Done", status=SiteStatus.COMPLETED, latitude=37.0)
    return trial


def get(params="", nct_id="NCT00548405"):
    return APIClient().get(f"/api/v1/trials/{nct_id}/sites/{params}")


def test_it_ranks_sites_from_a_zip_code(trial):
    response = get("?postal_code=94301&country=US")
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == {
        "latitude": 37.4443,
        "longitude": -122.1497,
        "label": "Palo Alto, CA 94301, United States",
    }
    assert [r["facility"] for r in body["results"]] == ["Near", "Done", "Far", "Unplaced"]
    first = body["results"][0]
    assert set(first) == {
        "id", "facility", "city", "state", "postal_code", "country", "status",
        "latitude", "longitude", "distance_km", "distance_mi",
    }  # fmt: skip
    exact_km = geodesic_km(37.4443, -122.1497, 37.4443, -122.1598)
    assert first["distance_km"] == round(exact_km, 3)
    assert first["distance_mi"] == round(exact_km / 1.609344, 3)
    assert body["results"][-1]["distance_km"] is None


@pytest.mark.parametrize(
    "params", ["?place=Palo+Alto,+CA", "?place=94301", "?lat=37.44&lon=-122.16"]
)
def test_it_accepts_a_place_or_coordinates(trial, params):
    body = get(params).json()
    assert body["results"][0]["facility"] == "Near"


def test_it_filters_by_radius_status_and_limit(trial):
    body = get("?lat=37.44&lon=-122.16&radius_km=100&status=RECRUITING").json()
    assert [r["facility"] for r in body["results"]] == ["Near"]
    body = get("?lat=37.44&lon=-122.16&limit=2").json()
    assert [r["facility"] for r in body["results"]] == ["Near", "Done"]


def test_without_a_location_sites_come_by_country_and_city(trial):
    body = get().json()
    assert body["origin"] is None
    assert [r["city"] for r in body["results"]] == ["New York"] + ["Palo Alto"] * 3
    assert {r["distance_km"] for r in body["results"]} == {None}


def test_it_returns_a_404_problem_for_an_unknown_trial(trial):
    response = get("?postal_code=94301", nct_id="NCT99999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ("?place=Qwxyzville", "place", 'No place called "Qwxyzville"'),
        ("?place=SW1A 1AA", "place", "Postal codes in United Kingdom"),
        ("?postal_code=99999&country=US", "postal_code", "ZIP code 99999 was not found"),
        ("?postal_code=94301&country=Atlantis", "country", 'Unknown country "Atlantis"'),
        ("?lat=91&lon=0", "lat", "less than or equal to 90"),
        ("?lat=-90.5&lon=0", "lat", "greater than or equal to -90"),
        ("?lat=0&lon=180.5", "lon", "less than or equal to 180"),
        ("?lat=0&lon=-181", "lon", "greater than or equal to -180"),
        ("?lat=37.4", "lon", "lon is required with lat"),
        ("?lon=-122", "lat", "lat is required with lon"),
        ("?lat=north&lon=0", "lat", "A valid number is required"),
        ("?lat=0&lon=0&radius_km=-1", "radius_km", "greater than or equal to 0"),
        ("?lat=0&lon=0&radius_km=far", "radius_km", "A valid number is required"),
        ("?radius_km=10", "radius_km", "radius_km needs a location"),
        ("?lat=0&lon=0&status=OPEN", "status", "not a valid choice"),
        ("?lat=0&lon=0&limit=0", "limit", "greater than or equal to 1"),
        ("?lat=0&lon=0&limit=501", "limit", "less than or equal to 500"),
        ("?lat=0&lon=0&limit=ten", "limit", "A valid integer is required"),
        ("?lat=0&lon=0&place=Madrid", "place", "Give one location"),
        ("?country=US", "country", "country needs a postal_code or a place"),
    ],
)
def test_it_names_the_bad_parameter(trial, params, field, message):
    response = get(params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert message in errors[0]["message"]
