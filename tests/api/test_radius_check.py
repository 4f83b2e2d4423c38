"""A radius without a location: one check (``sites.location.origin_for_radius``), the same
400 naming ``radius_km`` from every endpoint that takes a radius."""

import pytest

from config.api import ApiInputError
from sites.geocoding import coordinates_place
from sites.location import origin_for_radius
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

MESSAGE = "radius_km needs a location."
EXPECTED_ERRORS = [{"field": "radius_km", "message": MESSAGE}]


def radius_problem(response) -> dict:
    body = assert_problem(response, 400, "radius_km")
    assert body["title"] == "Invalid request"
    assert body["errors"] == EXPECTED_ERRORS
    assert body["detail"] == f"radius_km: {MESSAGE}"
    return body


def test_the_trial_search_refuses_a_radius_without_a_location(api, catalog):
    radius_problem(api.get("/api/v1/trials/", {"radius_km": 50}))


def test_the_sites_list_refuses_a_radius_without_a_location(api, care_ms_ii):
    radius_problem(api.get(f"/api/v1/trials/{care_ms_ii.nct_id}/sites/", {"radius_km": 50}))


def test_the_match_refuses_a_radius_without_a_location(api, catalog):
    body = {"answers": {"age": 40}, "radius_km": 50}
    radius_problem(api.post("/api/v1/match/", body, format="json"))


def test_the_match_refuses_a_radius_with_a_null_location(api, catalog):
    body = {"answers": {"age": 40}, "location": None, "radius_km": 50}
    radius_problem(api.post("/api/v1/match/", body, format="json"))


def test_the_three_answers_are_the_same(api, catalog):
    bodies = [
        api.get("/api/v1/trials/", {"radius_km": 5}).json(),
        api.get("/api/v1/trials/NCT00548405/sites/", {"radius_km": 5}).json(),
        api.post("/api/v1/match/", {"answers": {}, "radius_km": 5}, format="json").json(),
    ]
    assert bodies[0] == bodies[1] == bodies[2]


@pytest.mark.parametrize(
    "query",
    [
        {"radius_km": 50, "lat": 42.36, "lon": -71.06},
        {"radius_km": 50, "postal_code": "02115", "country": "US"},
    ],
)
def test_a_radius_with_a_location_is_answered(api, catalog, query):
    assert api.get("/api/v1/trials/", query).status_code == 200
    assert api.get("/api/v1/trials/NCT00548405/sites/", query).status_code == 200


def test_a_radius_with_a_location_is_matched(api, catalog):
    body = {"answers": {}, "location": {"lat": 42.36, "lon": -71.06}, "radius_km": 50}
    assert api.post("/api/v1/match/", body, format="json").status_code == 200


def test_origin_for_radius():
    boston = coordinates_place(42.36, -71.06)
    assert origin_for_radius(boston, radius_km=50) is boston
    assert origin_for_radius(boston, radius_km=None) is boston
    assert origin_for_radius(None, radius_km=None) is None
    with pytest.raises(ApiInputError) as caught:
        origin_for_radius(None, radius_km=0)
    assert caught.value.detail == {"radius_km": [MESSAGE]}
