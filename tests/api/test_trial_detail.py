"""GET /api/v1/trials/<nct_id>/: criteria, arms with dosing, interventions, sites, badges."""

import pytest

from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_it_shows_the_trial(api, care_ms_ii):
    response = api.get("/api/v1/trials/NCT00548405/")
    assert response.status_code == 200
    body = response.json()
    assert body["nct_id"] == "NCT00548405"
    assert body["acronym"] == "CARE-MS II"
    assert body["minimum_age_years"] == 18 and body["maximum_age_years"] == 55
    assert body["locations_count"] == 2
    assert body["recruiting_locations_count"] == 2
    assert body["criteria_version"] == care_ms_ii.criteria_version


def test_it_lists_criteria_inclusion_first_with_patient_text(api, care_ms_ii):
    criteria = api.get("/api/v1/trials/NCT00548405/").json()["criteria"]
    kinds = [c["kind"] for c in criteria]
    assert kinds == sorted(kinds, key=lambda k: k != "inclusion")
    assert len(criteria) == care_ms_ii.criteria.count()
    assert all(c["text"] for c in criteria)


def test_it_gives_spanish_criteria_when_asked(api, care_ms_ii):
    english = api.get("/api/v1/trials/NCT00548405/").json()["criteria"][0]["text"]
    spanish = api.get("/api/v1/trials/NCT00548405/", {"lang": "es"}).json()["criteria"][0]
    assert spanish["text"] != english


def test_it_shows_arms_with_dosing_and_interventions(api, care_ms_ii):
    body = api.get("/api/v1/trials/NCT00548405/").json()
    arm = body["arms"][0]
    assert arm["label"] == "Alemtuzumab 12 mg"
    assert "12 mg a day" in arm["description"]
    assert arm["type_label"] == "Experimental treatment"
    assert arm["interventions"] == ["Alemtuzumab"]
    assert body["interventions"][0]["name"] == "Alemtuzumab"


def test_it_shows_badges(api, care_ms_ii):
    badges = {b["code"] for b in api.get("/api/v1/trials/NCT00548405/").json()["badges"]}
    assert badges == {"no_placebo", "pivotal", "travel_covered"}


def test_it_accepts_a_lower_case_nct_id(api, care_ms_ii):
    assert api.get("/api/v1/trials/nct00548405/").status_code == 200


@pytest.mark.parametrize(
    "nct_id", ["NCT99999999", "NCT0054840", "not-a-trial", "NCT0054840%00", "NCT٠٠٥٤٨٤٠٥"]
)
def test_it_is_a_404_for_an_unknown_trial(api, care_ms_ii, nct_id):
    assert_problem(api.get(f"/api/v1/trials/{nct_id}/"), 404)


def test_an_unknown_api_path_is_a_problem_404(api, db):
    assert_problem(api.get("/api/v1/no-such-thing/"), 404)
