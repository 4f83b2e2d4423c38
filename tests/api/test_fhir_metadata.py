"""GET /api/v1/fhir/metadata: the server's R4 CapabilityStatement (issue 21, item 5)."""

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

pytestmark = pytest.mark.django_db

URL = "/api/v1/fhir/metadata"
FHIR_JSON = "application/fhir+json"


@pytest.fixture
def statement(api):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    return response.json()


def test_it_serves_a_valid_capability_statement(statement):
    """Finding: there was no /fhir/metadata."""
    parsed = CapabilityStatement.model_validate(statement)
    assert parsed.kind == "instance"
    assert parsed.fhirVersion == "4.0.1"
    assert FHIR_JSON in parsed.format


def test_it_describes_the_searchable_research_study(statement):
    (rest,) = statement["rest"]
    assert rest["mode"] == "server"
    (study,) = rest["resource"]
    assert study["type"] == "ResearchStudy"
    assert {i["code"] for i in study["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in study["searchParam"]} == {"condition", "_count", "_offset"}


def test_it_describes_the_match_operation(statement):
    (operation,) = statement["rest"][0]["resource"][0]["operation"]
    assert operation["name"] == "match"
    assert operation["definition"].endswith("OperationDefinition/ClinicalTrialMatchService")
    for parameter in ("zipCode", "travelRadius", "recruitmentStatus", "phase"):
        assert parameter in operation["documentation"]
    assert statement["rest"][0]["operation"][0]["name"] == "match"


def test_its_base_is_the_fhir_root(statement):
    assert statement["implementation"]["url"] == "http://testserver/api/v1/fhir/"


def test_every_address_it_names_answers(api, catalog, statement):
    base = statement["implementation"]["url"].removeprefix("http://testserver")
    assert api.get(f"{base}ResearchStudy").status_code == 200
    assert api.get(f"{base}ResearchStudy/NCT00548405").status_code == 200
    # A GET of $match is the wrong method, not a missing page.
    assert api.get(f"{base}ResearchStudy/$match").status_code == 405


def test_it_refuses_other_methods_with_an_operation_outcome(api):
    response = api.post(URL, "{}", content_type=FHIR_JSON)
    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"


def test_an_unknown_parameter_is_a_400_naming_it(api):
    response = api.get(URL, {"modee": "full"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["modee"]
