"""POST /api/v1/match/: answers against the catalog, ranked by verdict, share checked, distance."""

import pytest

from eligibility.models import Screening
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/match/"


def verdicts(response) -> list[tuple[str, str]]:
    return [(r["nct_id"], r["verdict"]) for r in response.json()["results"]]


def test_it_ranks_by_verdict(api, catalog, candidate_answers):
    response = api.post(URL, {"answers": candidate_answers}, format="json")
    assert response.status_code == 200, response.content
    assert verdicts(response) == [("NCT00548405", "eligible"), ("NCT00530348", "ineligible")]


def test_each_result_has_reasons_and_missing_keys(api, catalog):
    response = api.post(URL, {"answers": {"age": 40}}, format="json")
    first = response.json()["results"][0]
    assert first["verdict"] == "possibly_eligible"
    assert {"id", "kind", "text", "status", "explanation"} <= set(first["criteria"][0])
    assert "ms_diagnosis" in first["missing"]
    assert first["criteria_version"] >= 1


def test_it_explains_the_failing_criterion(api, catalog, candidate_answers):
    response = api.post(URL, {"answers": candidate_answers}, format="json")
    care_ms_i = response.json()["results"][1]
    failing = " ".join(c["explanation"] for c in care_ms_i["criteria"] if c["status"] == "fail")
    assert "6 years ago" in failing
    assert "interferon" in failing.lower()


def test_it_ranks_by_distance_within_a_verdict(api, catalog):
    body = {"answers": {"age": 40}, "location": {"lat": 41.9, "lon": -87.6}}
    response = api.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["nct_id"] for r in results] == ["NCT00530348", "NCT00548405"]
    assert results[0]["nearest_site"]["city"] == "Chicago"
    assert results[1]["nearest_site"]["city"] == "Boston"
    assert results[1]["other_locations"] == 1
    assert response.json()["origin"]["latitude"] == pytest.approx(41.9)


def test_verdict_outranks_distance(api, catalog, candidate_answers):
    body = {"answers": candidate_answers, "location": {"lat": 41.9, "lon": -87.6}}
    assert verdicts(api.post(URL, body, format="json"))[0] == ("NCT00548405", "eligible")


def test_a_radius_leaves_out_far_trials(api, catalog):
    body = {
        "answers": {},
        "location": {"postal_code": "94301", "country": "US"},
        "radius_km": 500,
    }
    response = api.post(URL, body, format="json")
    assert [r["nct_id"] for r in response.json()["results"]] == ["NCT00548405"]


def test_it_answers_in_spanish(api, catalog):
    response = api.post(URL + "?lang=es", {"answers": {"age": 70}}, format="json")
    texts = " ".join(c["explanation"] for c in response.json()["results"][0]["criteria"])
    assert "años" in texts


def test_it_stores_nothing(api, catalog, candidate_answers):
    api.post(URL, {"answers": candidate_answers}, format="json")
    assert Screening.objects.count() == 0


def test_an_unknown_condition_matches_nothing(api, catalog):
    response = api.post(URL, {"answers": {}, "condition": "psoriasis"}, format="json")
    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "origin": None,
        "results": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "answers"),
        ({"answers": []}, "answers"),
        ({"answers": "age=40"}, "answers"),
        ({"answers": {"edss": 5.3}}, "answers.edss"),
        ({"answers": {"age": 10**30}}, "answers.age"),
        ({"answers": {"favourite_colour": "blue"}}, "answers.favourite_colour"),
        ({"answers": {"treatments_ever": ["aspirin"]}}, "answers.treatments_ever"),
        (
            {"answers": {"relapses_last_12_months": 3, "relapses_last_24_months": 1}},
            "answers.relapses_last_24_months",
        ),
        ({"answers": {}, "location": {"lat": 91, "lon": 0}}, "location.lat"),
        ({"answers": {}, "location": {"place": "Nowhere-at-all-ville"}}, "location.place"),
        (
            {"answers": {}, "location": {"postal_code": "00000", "country": "US"}},
            "location.postal_code",
        ),
        ({"answers": {}, "location": {"lat": 10}}, "location.lon"),
        ({"answers": {}, "location": {"city": "Paris"}}, "location.city"),
        ({"answers": {}, "location": []}, "location"),
        ({"answers": {}, "radius_km": 100}, "radius_km"),
        ({"answers": {}, "location": {"lat": 1, "lon": 1}, "radius_km": -1}, "radius_km"),
        ({"answers": {}, "limit": 0}, "limit"),
        ({"answers": {}, "condition": ""}, "condition"),
        ({"answers": {}, "extra": 1}, "extra"),
    ],
)
def test_it_rejects_bad_input_by_name(api, catalog, body, field):
    assert_problem(api.post(URL, body, format="json"), 400, field)


def test_a_body_that_is_not_an_object_is_a_400(api, catalog):
    assert_problem(api.post(URL, [1, 2], format="json"), 400)
    assert_problem(api.post(URL, "null", content_type="application/json"), 400)
