"""The OpenAPI schema and its documentation page."""

import re

import pytest

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/trials/"),
    ("get", "/api/v1/trials/{nct_id}/"),
    ("post", "/api/v1/match/"),
    ("get", "/api/v1/trials/{nct_id}/questionnaire/"),
    ("post", "/api/v1/trials/{nct_id}/eligibility/"),
    ("get", "/api/v1/trials/{nct_id}/sites/"),
    ("get", "/api/v1/fhir/ResearchStudy"),
    ("get", "/api/v1/fhir/ResearchStudy/{nct_id}"),
    ("post", "/api/v1/fhir/match"),
    # The CodeX IG's address, copied in by fhir_api.schema (a path with "$").
    ("post", "/api/v1/fhir/ResearchStudy/$match"),
    ("get", "/api/v1/fhir/metadata"),
    ("post", "/api/v1/referrals/"),
    ("get", "/api/v1/referrals/{reference}/"),
}


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_every_endpoint_is_in_the_schema(schema):
    documented = {(m, p) for p, item in schema["paths"].items() for m in item}
    assert documented >= OPERATIONS


def test_the_codex_match_address_is_the_same_operation_as_fhir_match(schema):
    codex = schema["paths"]["/api/v1/fhir/ResearchStudy/$match"]["post"]
    ours = schema["paths"]["/api/v1/fhir/match"]["post"]
    assert codex["operationId"] != ours["operationId"]
    assert {k: v for k, v in codex.items() if k != "operationId"} == {
        k: v for k, v in ours.items() if k != "operationId"
    }


def test_every_operation_documents_its_errors(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "406", "429"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    media = (
                        "application/fhir+json"
                        if "/fhir/" in path
                        else ("application/problem+json")
                    )
                    assert media in response["content"], (method, path, code)
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_the_key_scheme_is_optional(schema):
    scheme = schema["components"]["securitySchemes"]["PartnerApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    operation = schema["paths"]["/api/v1/trials/"]["get"]
    assert {} in operation["security"]


def test_the_answers_schema_is_derived_from_the_fact_registry(schema):
    from eligibility.engine.facts import FACTS

    body = schema["paths"]["/api/v1/match/"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    answers = schema["components"]["schemas"][ref]["properties"]["answers"]
    assert set(answers["properties"]) == set(FACTS)
    assert answers["additionalProperties"] is False


def test_the_schema_is_also_served_as_yaml(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"openapi:" in response.content


def test_the_docs_page_loads_no_external_assets(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources


def test_the_docs_script_is_served_from_the_same_view(api):
    html = api.get("/api/v1/docs/").content.decode()
    script = next(s for s in re.findall(r'src="([^"]+)"', html) if "script" in s)
    response = api.get(script.replace("&amp;", "&"))
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.content
