"""GET /api/v1/trials/: search, filters, pagination and location ranking."""

import pytest

from tests.api.conftest import assert_problem
from tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/"


def nct_ids(response) -> list[str]:
    return [row["nct_id"] for row in response.json()["results"]]


def test_it_lists_trials_by_nct_id(api, catalog):
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert nct_ids(response) == ["NCT00530348", "NCT00548405"]
    assert body["origin"] is None
    first = body["results"][1]
    assert first["acronym"] == "CARE-MS II"
    assert first["locations_count"] == 2
    assert first["nearest_site"] is None
    assert first["links"]["eligibility"].endswith("/api/v1/trials/NCT00548405/eligibility/")


def test_it_filters_by_condition_case_insensitively(api, catalog):
    TrialFactory(nct_id="NCT01000001", conditions=["Neuromyelitis Optica"])
    response = api.get(URL, {"condition": "MULTIPLE sclerosis"})
    assert nct_ids(response) == ["NCT00530348", "NCT00548405"]
    # Relapsing MS finds the RRMS trial and the trial for MS in general, not NMO.
    response = api.get(URL, {"condition": "relapsing-remitting"})
    assert nct_ids(response) == ["NCT00530348", "NCT00548405"]
    response = api.get(URL, {"condition": "alemtuzumab"})
    assert nct_ids(response) == ["NCT00548405"]


def test_it_filters_by_status_and_phase(api, catalog):
    TrialFactory(nct_id="NCT01000002", overall_status="COMPLETED", phases=["PHASE2"])
    assert nct_ids(api.get(URL, {"status": "COMPLETED"})) == ["NCT01000002"]
    assert nct_ids(api.get(URL, {"phase": "PHASE2"})) == ["NCT01000002"]
    both = api.get(URL + "?phase=PHASE2&phase=PHASE3")
    assert len(nct_ids(both)) == 3


def test_it_keeps_trials_whose_age_range_admits_the_age(api, catalog):
    assert nct_ids(api.get(URL, {"age": 52})) == ["NCT00548405"]
    assert nct_ids(api.get(URL, {"age": 18})) == ["NCT00530348", "NCT00548405"]
    assert nct_ids(api.get(URL, {"age": 56})) == []


def test_it_keeps_trials_open_to_the_patients_sex(api, catalog):
    TrialFactory(nct_id="NCT01000003", sex="FEMALE")
    assert "NCT01000003" in nct_ids(api.get(URL, {"sex": "female"}))
    assert "NCT01000003" not in nct_ids(api.get(URL, {"sex": "male"}))
    assert "NCT01000003" not in nct_ids(api.get(URL, {"sex": "other"}))


def test_it_paginates_with_limit_and_offset(api, catalog):
    response = api.get(URL, {"limit": 1})
    body = response.json()
    assert body["count"] == 2 and nct_ids(response) == ["NCT00530348"]
    assert body["previous"] is None
    second = api.get(body["next"])
    assert nct_ids(second) == ["NCT00548405"]
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None


def test_it_paginates_with_page(api, catalog):
    response = api.get(URL, {"limit": 1, "page": 2})
    assert nct_ids(response) == ["NCT00548405"]
    assert "page=1" in response.json()["previous"]


def test_it_rejects_offset_and_page_together(api, catalog):
    assert_problem(api.get(URL, {"offset": 1, "page": 2}), 400, "page")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"age": 121}, "age"),
        ({"age": "99999999999999999999999999"}, "age"),
        ({"sex": "unknown"}, "sex"),
        ({"status": "OPEN"}, "status[0]"),
        ({"phase": "PHASE9"}, "phase[0]"),
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": 0, "lon": -181}, "lon"),
        ({"lat": "nan", "lon": 0}, "lat"),
        ({"lat": 10}, "lon"),
        ({"postal_code": "94301", "country": "US", "radius_km": -1}, "radius_km"),
        ({"radius_km": 50}, "radius_km"),
    ],
)
def test_it_rejects_bad_parameters_by_name(api, catalog, params, field):
    assert_problem(api.get(URL, params), 400, field)


def test_it_accepts_unicode_and_odd_text_without_error(api, catalog):
    for text in ["esclerosis múltiple", "多发性硬化", "'; drop table trial; --", "%", "_"]:
        assert api.get(URL, {"condition": text}).status_code == 200


def test_it_rejects_a_null_character(api, catalog):
    assert_problem(api.get(URL, {"condition": "ms\x00"}), 400, "condition")


class TestWithALocation:
    def test_it_ranks_nearest_recruiting_site_first(self, api, catalog):
        response = api.get(
            URL, {"condition": "multiple sclerosis", "postal_code": "94301", "country": "US"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert nct_ids(response) == ["NCT00548405", "NCT00530348"]
        assert body["origin"]["label"]
        nearest = body["results"][0]["nearest_site"]
        assert nearest["city"] == "Palo Alto"
        assert nearest["distance_km"] < 5
        assert body["results"][0]["other_locations"] == 1
        assert body["results"][1]["nearest_site"]["city"] == "Chicago"

    def test_it_leaves_out_trials_beyond_the_radius(self, api, catalog):
        response = api.get(
            URL,
            {
                "condition": "multiple sclerosis",
                "postal_code": "94301",
                "country": "US",
                "radius_km": 500,
            },
        )
        assert response.status_code == 200
        assert nct_ids(response) == ["NCT00548405"]
        assert response.json()["count"] == 1

    def test_it_applies_the_other_filters_to_the_ranking(self, api, catalog):
        response = api.get(URL, {"lat": 41.9, "lon": -87.6, "age": 52})
        assert nct_ids(response) == ["NCT00548405"]
        assert response.json()["results"][0]["nearest_site"]["city"] == "Boston"

    def test_it_accepts_lat_and_lon(self, api, catalog):
        response = api.get(URL, {"lat": 41.9, "lon": -87.6})
        assert nct_ids(response) == ["NCT00530348", "NCT00548405"]

    def test_it_names_a_place_it_cannot_find(self, api, catalog):
        assert_problem(api.get(URL, {"place": "Nowhere-at-all-ville"}), 400, "place")

    def test_it_names_an_unknown_postal_code(self, api, catalog):
        assert_problem(api.get(URL, {"postal_code": "00000", "country": "US"}), 400, "postal_code")
