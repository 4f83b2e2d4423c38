"""FHIR R4 ResearchStudy read and search, validated with the fhir.resources R4B models."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.researchstudy import ResearchStudy

from fhir_api.mapping import REGISTRY_STATUS_EXTENSION, research_study_phase, research_study_status
from tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"


def read(api, nct_id="NCT00548405", **headers):
    return api.get(f"/api/v1/fhir/ResearchStudy/{nct_id}", **headers)


def test_it_serves_a_valid_research_study(api, care_ms_ii):
    response = read(api)
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    study = ResearchStudy.model_validate(response.json())
    assert study.id == "NCT00548405"
    assert study.identifier[0].value == "NCT00548405"
    assert study.status == "active"
    assert study.phase.coding[0].code == "phase-3"
    assert study.title.startswith("Comparison of alemtuzumab")


def test_conditions_carry_snomed_codes(api, care_ms_ii):
    study = ResearchStudy.model_validate(read(api).json())
    codes = {c.coding[0].code for c in study.condition if c.coding}
    assert codes == {"24700007", "426373005"}


def test_sites_are_contained_locations(api, care_ms_ii):
    body = read(api).json()
    locations = [r for r in body["contained"] if r["resourceType"] == "Location"]
    assert {loc["address"]["city"] for loc in locations} == {"Palo Alto", "Boston"}
    assert {ref["reference"] for ref in body["site"]} == {f"#{loc['id']}" for loc in locations}
    assert all("position" in loc for loc in locations)


def test_enrollment_is_a_contained_group_with_the_count(api, care_ms_ii):
    body = read(api).json()
    group = next(r for r in body["contained"] if r["resourceType"] == "Group")
    assert group["quantity"] == 840
    assert body["enrollment"] == [{"reference": f"#{group['id']}"}]


def test_the_sponsor_and_arms_are_included(api, care_ms_ii):
    body = read(api).json()
    assert body["sponsor"]["display"] == "Genzyme, a Sanofi Company"
    assert body["arm"][0]["name"] == "Alemtuzumab 12 mg"
    assert body["period"] == {"start": "2007-10", "end": "2011-09"}


def test_the_registry_status_rides_along(api, db):
    TrialFactory(nct_id="NCT01000005", overall_status="ACTIVE_NOT_RECRUITING")
    body = read(api, "NCT01000005").json()
    assert body["status"] == "closed-to-accrual"
    assert {"url": REGISTRY_STATUS_EXTENSION, "valueCode": "ACTIVE_NOT_RECRUITING"} in body[
        "extension"
    ]


@pytest.mark.parametrize(
    ("phases", "code"),
    [
        ([], "n-a"),
        (["NA"], "n-a"),
        (["PHASE2", "PHASE1"], "phase-1-phase-2"),
        (["PHASE4"], "phase-4"),
    ],
)
def test_phases_map_to_the_research_study_phase_codes(phases, code):
    assert research_study_phase(phases) == code


def test_every_registry_status_maps_to_a_fhir_status():
    from finder.models import OverallStatus

    allowed = {
        "active",
        "administratively-completed",
        "approved",
        "closed-to-accrual",
        "closed-to-accrual-and-intervention",
        "completed",
        "disapproved",
        "in-review",
        "temporarily-closed-to-accrual",
        "temporarily-closed-to-accrual-and-intervention",
        "withdrawn",
    }
    assert {research_study_status(s) for s in OverallStatus.values} <= allowed


def test_it_answers_fhir_json_whatever_the_accept_header(api, care_ms_ii):
    for accept in ["application/json", "application/xml", "text/html", "*/*"]:
        response = read(api, HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == FHIR_JSON


def test_an_unknown_study_is_an_operation_outcome_404(api, db):
    response = read(api, "NCT99999999")
    assert response.status_code == 404
    assert response["Content-Type"] == FHIR_JSON
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["code"] == "not-found"


def test_a_bad_key_is_an_operation_outcome_401(api, care_ms_ii):
    response = read(api, HTTP_AUTHORIZATION="Api-Key nope")
    assert response.status_code == 401
    assert response.json()["issue"][0]["code"] == "security"


class TestSearch:
    URL = "/api/v1/fhir/ResearchStudy"

    def test_it_is_a_valid_searchset_bundle(self, api, catalog):
        response = api.get(self.URL, {"condition": "multiple sclerosis"})
        assert response.status_code == 200
        assert response["Content-Type"] == FHIR_JSON
        bundle = Bundle.model_validate(response.json())
        assert bundle.type == "searchset"
        assert bundle.total == 2
        for entry in bundle.entry:
            assert entry.search.mode == "match"
            assert entry.fullUrl.endswith(f"/api/v1/fhir/ResearchStudy/{entry.resource.id}")
            ResearchStudy.model_validate(entry.resource.model_dump())

    def test_it_filters_by_condition(self, api, catalog):
        # A keyword only CARE-MS II has (a relapsing-MS query also finds the general MS trial).
        response = api.get(self.URL, {"condition": "alemtuzumab"})
        assert [e["resource"]["id"] for e in response.json()["entry"]] == ["NCT00548405"]

    def test_it_pages_with_count_and_a_next_link(self, api, catalog):
        body = api.get(self.URL, {"_count": 1}).json()
        assert len(body["entry"]) == 1 and body["total"] == 2
        following = next(link["url"] for link in body["link"] if link["relation"] == "next")
        second = api.get(following).json()
        assert second["entry"][0]["resource"]["id"] != body["entry"][0]["resource"]["id"]
        assert all(link["relation"] != "next" for link in second["link"])

    def test_no_match_is_an_empty_bundle(self, api, catalog):
        bundle = Bundle.model_validate(api.get(self.URL, {"condition": "psoriasis"}).json())
        assert bundle.total == 0 and not bundle.entry

    def test_a_bad_count_is_an_operation_outcome_400(self, api, catalog):
        response = api.get(self.URL, {"_count": "lots"})
        assert response.status_code == 400
        issue = response.json()["issue"][0]
        assert issue["code"] == "invalid" and issue["expression"] == ["_count"]
