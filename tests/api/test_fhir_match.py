"""POST /api/v1/fhir/match: a patient Bundle in, a ranked searchset Bundle out."""

import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.researchstudy import ResearchStudy

from fhir_api.mapping import (
    ATC,
    RXNORM,
    SNOMED,
    VERDICT_EXTENSION,
    answers_from_bundle,
    treatment_for_concept,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/fhir/match"
FHIR_JSON = "application/fhir+json"
TODAY = date(2026, 6, 1)


def patient(**fields) -> Patient:
    return Patient.model_validate({"resourceType": "Patient", "id": "p1", **fields})


def condition(code: str, system: str = SNOMED, **fields) -> Condition:
    return Condition.model_validate(
        {
            "resourceType": "Condition",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": system, "code": code}]},
            **fields,
        }
    )


def medication(concept: dict, status: str = "completed", **fields) -> MedicationStatement:
    return MedicationStatement.model_validate(
        {
            "resourceType": "MedicationStatement",
            "status": status,
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": concept,
            **fields,
        }
    )


def bundle(*resources) -> dict:
    model = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": json.loads(r.model_dump_json())} for r in resources],
        }
    )
    return json.loads(model.model_dump_json())


def candidate_bundle(**patient_fields) -> dict:
    """A CARE-MS II candidate as a partner's EHR would send them."""
    return bundle(
        patient(birthDate="1990-03-14", gender="female", **patient_fields),
        condition("426373005", onsetDateTime="2020-01-10"),
        medication(
            {"coding": [{"system": RXNORM, "code": "75917", "display": "interferon beta-1a"}]},
            status="active",
            effectivePeriod={"start": "2021-02-01"},
        ),
    )


def post(api, body, **extra):
    return api.post(URL, json.dumps(body), content_type=FHIR_JSON, **extra)


def test_it_returns_a_valid_searchset_ranked_with_scores(api, catalog):
    response = post(api, candidate_bundle())
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    result = Bundle.model_validate(response.json())
    assert result.type == "searchset"
    matches = [e for e in result.entry if e.search.mode == "match"]
    scores = [e.search.score for e in matches]
    assert scores == sorted(scores, reverse=True)
    for entry in matches:
        ResearchStudy.model_validate(entry.resource.model_dump())


def test_each_study_carries_its_verdict(api, catalog):
    body = post(api, candidate_bundle()).json()
    verdicts = {
        e["resource"]["id"]: next(
            x["valueCode"] for x in e["search"]["extension"] if x["url"] == VERDICT_EXTENSION
        )
        for e in body["entry"]
        if e["search"]["mode"] == "match"
    }
    # Missing facts (EDSS, relapses, ...) keep CARE-MS II open; the interferon history
    # excludes the patient from CARE-MS I (treatment-naive patients only).
    assert verdicts == {"NCT00548405": "possibly_eligible", "NCT00530348": "ineligible"}


def test_it_accepts_plain_json_too(api, catalog):
    response = api.post(URL, candidate_bundle(), format="json")
    assert response.status_code == 200


def test_an_address_ranks_by_distance(api, catalog):
    body = candidate_bundle(address=[{"postalCode": "94301", "country": "US"}])
    first = post(api, body).json()["entry"][0]
    distance = next(x for x in first["search"]["extension"] if x["url"] != VERDICT_EXTENSION)
    assert distance["valueQuantity"]["value"] < 5


def test_an_address_that_cannot_be_placed_is_a_warning_not_an_error(api, catalog):
    body = candidate_bundle(address=[{"city": "Nowhere-at-all-ville", "country": "US"}])
    response = post(api, body)
    assert response.status_code == 200
    outcome = next(e for e in response.json()["entry"] if e["search"]["mode"] == "outcome")
    assert outcome["resource"]["issue"][0]["severity"] == "warning"


class TestReadingTheBundle:
    def test_it_reads_birth_date_gender_diagnosis_course_and_onset(self):
        answers = answers_from_bundle(candidate_bundle(), today=TODAY).answers
        assert answers["birth_date"] == "1990-03-14"
        assert answers["sex"] == "female"
        assert answers["ms_diagnosis"] == "yes"
        assert answers["ms_course"] == "relapsing_remitting"
        assert answers["years_since_first_symptoms"] == pytest.approx(6.4)
        assert answers["treatments_ever"] == ["interferon_beta"]
        assert answers["treatments_last_6_months"] == ["interferon_beta"]

    @pytest.mark.parametrize(
        ("code", "course"),
        [
            ("425688002", "secondary_progressive"),
            ("425500002", "primary_progressive"),
            ("426373005", "relapsing_remitting"),
        ],
    )
    def test_it_maps_the_course_codes(self, code, course):
        answers = answers_from_bundle(bundle(patient(), condition(code)), today=TODAY).answers
        assert answers["ms_course"] == course
        assert answers["ms_diagnosis"] == "yes"

    def test_plain_ms_gives_a_diagnosis_without_a_course(self):
        answers = answers_from_bundle(bundle(patient(), condition("24700007")), today=TODAY)
        assert answers.answers == {"ms_diagnosis": "yes"}

    def test_icd10_g35_is_ms(self):
        result = answers_from_bundle(
            bundle(patient(), condition("G35", system="http://hl7.org/fhir/sid/icd-10")),
            today=TODAY,
        )
        assert result.answers["ms_diagnosis"] == "yes"

    def test_a_refuted_condition_is_ignored(self):
        refuted = condition(
            "24700007",
            verificationStatus={
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "refuted",
                    }
                ]
            },
        )
        assert answers_from_bundle(bundle(patient(), refuted), today=TODAY).answers == {}

    def test_no_ms_condition_leaves_the_diagnosis_unknown_not_no(self):
        answers = answers_from_bundle(bundle(patient(), condition("38341003")), today=TODAY)
        assert "ms_diagnosis" not in answers.answers

    def test_conflicting_courses_are_unsure(self):
        both = bundle(patient(), condition("426373005"), condition("425500002"))
        assert answers_from_bundle(both, today=TODAY).answers["ms_course"] == "unsure"

    def test_a_partial_birth_date_leaves_age_unknown_with_a_note(self):
        result = answers_from_bundle(bundle(patient(birthDate="1990")), today=TODAY)
        assert "birth_date" not in result.answers
        assert "birthDate" in result.notes[0].expression

    def test_a_not_taken_statement_means_a_treatment_naive_patient(self):
        naive = bundle(patient(), medication({"text": "Copaxone"}, status="not-taken"))
        answers = answers_from_bundle(naive, today=TODAY).answers
        assert answers["treatments_ever"] == [] and answers["treatments_last_6_months"] == []

    def test_an_old_course_counts_as_ever_not_recent(self):
        old = medication(
            {"text": "Tysabri 300 mg"}, effectivePeriod={"start": "2015-01", "end": "2019-06"}
        )
        answers = answers_from_bundle(bundle(patient(), old), today=TODAY).answers
        assert answers["treatments_ever"] == ["natalizumab"]
        assert answers["treatments_last_6_months"] == []

    def test_an_undated_statement_makes_recent_treatments_unsure(self):
        undated = medication({"text": "methotrexate"})
        answers = answers_from_bundle(bundle(patient(), undated), today=TODAY).answers
        assert answers["treatments_last_6_months"] == "unsure"

    def test_an_unknown_medication_is_ignored_with_a_note(self):
        result = answers_from_bundle(
            bundle(patient(), medication({"text": "vitamin D3"})), today=TODAY
        )
        assert result.answers["treatments_ever"] == []
        assert result.notes

    @pytest.mark.parametrize(
        ("concept", "treatment"),
        [
            ({"coding": [{"system": RXNORM, "code": "214582"}]}, "glatiramer_acetate"),
            ({"coding": [{"system": RXNORM, "code": "117055"}]}, "alemtuzumab"),
            ({"coding": [{"system": ATC, "code": "L04AA23"}]}, "natalizumab"),
            ({"coding": [{"system": ATC, "code": "H02AB04"}]}, "corticosteroids"),
            ({"text": "Ocrevus 600 mg IV"}, "ocrelizumab"),
            ({"text": "Solu-Medrol 1 g"}, "corticosteroids"),
            ({"coding": [{"display": "Rebif 44 mcg"}]}, "interferon_beta"),
            ({"text": "peginterferon beta-1a"}, "interferon_beta"),
            ({"text": "Lemtrada"}, "alemtuzumab"),
            ({"text": "ibuprofen"}, None),
        ],
    )
    def test_medications_map_to_treatment_codes(self, concept, treatment):
        assert treatment_for_concept(concept) == treatment


def outcome_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Patient"},
        [],
        {"resourceType": "Bundle"},
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"x": 1}}]},
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "NoSuchThing"}}],
        },
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Patient", "birthDate": "yesterday"}}],
        },
    ],
)
def test_a_bad_bundle_is_an_operation_outcome_400(api, catalog, body):
    issues = outcome_of(post(api, body), 400)["issue"]
    assert issues and all(i["severity"] == "error" for i in issues)


def test_the_offending_element_is_named(api, catalog):
    body = bundle(patient())
    body["entry"][0]["resource"]["birthDate"] = "14/03/1990"
    issue = outcome_of(post(api, body), 400)["issue"][0]
    assert issue["expression"] == ["Bundle.entry[0].resource.birthDate"]


def test_a_bundle_without_a_patient_is_a_400(api, catalog):
    issue = outcome_of(post(api, bundle(condition("24700007"))), 400)["issue"][0]
    assert issue["code"] == "required"


def test_a_birth_date_in_the_future_is_a_400_naming_the_key(api, catalog):
    issue = outcome_of(post(api, bundle(patient(birthDate="2999-01-01"))), 400)["issue"][0]
    assert "birth_date" in issue["diagnostics"]


def test_malformed_json_is_an_operation_outcome(api, catalog):
    response = api.post(URL, "{not json", content_type=FHIR_JSON)
    outcome_of(response, 400)


def test_a_wrong_content_type_is_a_415_operation_outcome(api, catalog):
    response = api.post(URL, "<Bundle/>", content_type="application/fhir+xml")
    assert outcome_of(response, 415)["issue"][0]["code"] == "not-supported"
