"""FHIR ``$match`` input is checked, never trusted (issue 21, item 5): one test per finding.

Each test posts the request the finding describes and asserts the fixed answer: a
resource that fails a check is left out and reported in the OperationOutcome entry, the
request is refused (400) only when it has no single usable Patient or is not a FHIR
request at all, and no input gets a 500 or writes more than one short log line.

``tests/data/fhir/mcode_patient_data.json`` is the mCODE matching service's own Synthea
test patient, unchanged: mcode/clinical-trial-matching-service, ``spec/data/
patient_data.json`` at commit 4aec1ac20b18426490e00425171da95e618553e9 (Apache-2.0).
"""

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_api.mapping import (
    CHECKED_EXTENSION,
    CRITERION_EXTENSION,
    DISTANCE_EXTENSION,
    LOINC,
    MISSING_EXTENSION,
    SNOMED,
    VERDICT_EXTENSION,
    answers_from_bundle,
)
from fhir_api.outcomes import FhirInputError
from fhir_api.terminology import ICD10, ICD10_CM, ICD10_GM
from fhir_api.validation import MAX_ENTRIES
from tests.api.test_fhir_match import (
    FHIR_JSON,
    URL,
    bundle,
    candidate_bundle,
    condition,
    medication,
    outcome_of,
    patient,
    post,
)

pytestmark = pytest.mark.django_db

MCODE_PATIENT = Path(__file__).resolve().parents[1] / "data" / "fhir" / "mcode_patient_data.json"
EDSS = {"coding": [{"system": SNOMED, "code": "273554001"}]}
TODAY = date(2026, 6, 1)


def observation(code: dict, **fields) -> Observation:
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": code,
            **fields,
        }
    )


def edss(score, **fields) -> Observation:
    return observation(EDSS, valueQuantity={"value": score}, **fields)


def matches(body: dict) -> dict[str, dict]:
    return {e["resource"]["id"]: e for e in body.get("entry", []) if e["search"]["mode"] == "match"}


def extensions(entry: dict, url: str) -> list[dict]:
    return [x for x in entry["search"]["extension"] if x["url"] == url]


def verdicts(body: dict) -> dict[str, str]:
    return {
        nct: extensions(entry, VERDICT_EXTENSION)[0]["valueCode"]
        for nct, entry in matches(body).items()
    }


def issues(body: dict) -> list[dict]:
    outcome = next((e for e in body.get("entry", []) if e["search"]["mode"] == "outcome"), None)
    return outcome["resource"]["issue"] if outcome else []


def issue_at(body: dict, expression: str) -> dict:
    found = [i for i in issues(body) if expression in i.get("expression", [])]
    assert found, (expression, issues(body))
    return found[0]


def answered(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    Bundle.model_validate(body)
    return body


def criterion_statuses(entry: dict) -> dict[str, str]:
    statuses = {}
    for criterion in extensions(entry, CRITERION_EXTENSION):
        parts = {
            part["url"]: next(v for k, v in part.items() if k != "url")
            for part in criterion["extension"]
        }
        statuses[parts["text"]] = parts["status"]
    return statuses


# --- the EDSS Observation ------------------------------------------------------------------


def test_an_edss_of_9_5_counts(api, catalog):
    """Finding: the EDSS Observation was ignored without a note (9.5 still scored 0.5)."""
    body = answered(post(api, bundle(*_candidate(), edss(9.5, effectiveDateTime="2026-01-10"))))
    entry = matches(body)["NCT00548405"]
    assert extensions(entry, VERDICT_EXTENSION)[0]["valueCode"] == "ineligible"
    assert entry["search"]["score"] == 0.0
    assert "edss" not in [x["valueCode"] for x in extensions(entry, MISSING_EXTENSION)]


def test_the_latest_edss_counts():
    result = answers_from_bundle(
        bundle(
            patient(),
            edss(2.0, effectiveDateTime="2020-01-01"),
            edss(6.5, effectiveDateTime="2025-11-02"),
        ),
        today=TODAY,
    )
    assert result.answers["edss"] == 6.5


@pytest.mark.parametrize("score", [3.2, 11, -1])
def test_an_edss_off_the_half_step_scale_is_left_out_and_reported(score):
    result = answers_from_bundle(bundle(patient(), edss(score)), today=TODAY)
    assert "edss" not in result.answers
    assert any("half steps" in note.diagnostics for note in result.notes)


def test_a_preliminary_edss_is_not_read():
    result = answers_from_bundle(bundle(patient(), edss(3.0, status="preliminary")), today=TODAY)
    assert "edss" not in result.answers
    assert any("not a final result" in note.diagnostics for note in result.notes)


def test_edss_is_recognised_by_its_words_and_by_local_codes():
    by_text = observation({"text": "EDSS total score"}, valueQuantity={"value": 4.0})
    assert answers_from_bundle(bundle(patient(), by_text), today=TODAY).answers["edss"] == 4.0
    local = observation(
        {"coding": [{"system": "urn:example:clinic", "code": "ms-edss"}]}, valueInteger=5
    )
    assert "edss" not in answers_from_bundle(bundle(patient(), local), today=TODAY).answers
    read = answers_from_bundle(
        bundle(patient(), local), today=TODAY, edss_codes=["urn:example:clinic|ms-edss"]
    )
    assert read.answers["edss"] == 5.0


@override_settings(FHIR_EDSS_CODES=["urn:example:clinic|ms-edss"])
def test_the_endpoint_reads_the_sites_edss_codes(api, catalog):
    local = observation(
        {"coding": [{"system": "urn:example:clinic", "code": "ms-edss"}]}, valueInteger=8
    )
    body = answered(post(api, bundle(*_candidate(), local)))
    assert verdicts(body)["NCT00548405"] == "ineligible"


# --- types and statuses --------------------------------------------------------------------


def test_a_bundle_type_outside_fhir_is_a_400_naming_it(api, catalog):
    """Finding: Bundle.type "nonsense" was accepted."""
    body = candidate_bundle()
    body["type"] = "nonsense"
    issue = outcome_of(post(api, body), 400)["issue"][0]
    assert issue["expression"] == ["Bundle.type"]
    assert issue["code"] == "code-invalid"


def test_a_gender_outside_fhir_is_left_out_and_reported(api, catalog):
    """Finding: gender "robot" was accepted."""
    body = answered(post(api, bundle(patient(gender="robot", birthDate="1990-03-14"))))
    issue = issue_at(body, "Bundle.entry[0].resource.gender")
    assert issue["severity"] == "warning" and issue["code"] == "code-invalid"
    result = answers_from_bundle(bundle(patient(gender="robot")), today=TODAY)
    assert "sex" not in result.answers


def test_a_bogus_medication_status_is_reported_not_counted_as_taken(api, catalog):
    """Finding: MedicationStatement.status "bogus" was counted as taken."""
    bogus = medication({"text": "Lemtrada"}, status="bogus", effectiveDateTime="2024-01-01")
    body = answered(post(api, bundle(*_candidate(), bogus)))
    assert issue_at(body, "Bundle.entry[2].resource.status")["code"] == "code-invalid"
    # Not counted: alemtuzumab would have ruled the patient out of CARE-MS II.
    assert verdicts(body)["NCT00548405"] == "possibly_eligible"
    result = answers_from_bundle(bundle(patient(), bogus), today=TODAY)
    assert "treatment_history" not in result.answers


@pytest.mark.parametrize("status", ["not-taken", "entered-in-error", "intended"])
def test_statements_that_are_not_taken_are_never_counted(status):
    statement = medication({"text": "Lemtrada"}, status=status, effectiveDateTime="2024-01-01")
    assert (
        "treatment_history"
        not in answers_from_bundle(bundle(patient(), statement), today=TODAY).answers
    )


def test_an_unknown_resource_type_is_left_out_and_reported(api, catalog):
    body = candidate_bundle()
    body["entry"].append({"resource": {"resourceType": "NoSuchThing", "id": "x"}})
    reported = answered(post(api, body))
    issue = issue_at(reported, f"Bundle.entry[{len(body['entry']) - 1}].resource.resourceType")
    assert issue["severity"] == "warning"


def test_an_invalid_condition_status_is_left_out(api, catalog):
    bad = condition(
        "24700007",
        clinicalStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "sometimes",
                }
            ]
        },
    )
    body = answered(post(api, bundle(patient(), bad)))
    assert issue_at(body, "Bundle.entry[1].resource.clinicalStatus")["code"] == "code-invalid"


# --- the patient reference -----------------------------------------------------------------


def test_a_condition_about_another_patient_is_not_applied(api, catalog):
    """Finding: a Condition whose subject is another patient was applied."""
    other = condition("425500002", subject={"reference": "Patient/someone-else"})
    body = answered(post(api, bundle(*_candidate(course=False), other)))
    issue = issue_at(body, "Bundle.entry[2].resource.subject")
    assert issue["code"] == "not-found"
    # Secondary progressive MS would have excluded the patient from CARE-MS II.
    assert verdicts(body)["NCT00548405"] == "possibly_eligible"


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": "urn:uuid:7d6a0c35-5d2b-4d0e-8d6c-000000000001"},
        {"reference": "https://ehr.example/fhir/Patient/p1"},
        {"reference": "Patient/p1/_history/3"},
        {"identifier": {"system": "urn:example:mrn", "value": "12345"}},
    ],
)
def test_a_condition_about_the_patient_may_name_it_in_every_fhir_way(subject):
    record = bundle(
        patient(identifier=[{"system": "urn:example:mrn", "value": "12345"}]),
        condition("24700007", subject=subject),
    )
    record["entry"][0]["fullUrl"] = "urn:uuid:7d6a0c35-5d2b-4d0e-8d6c-000000000001"
    assert answers_from_bundle(record, today=TODAY).answers["ms_diagnosis"] == "yes"


def test_an_observation_without_a_subject_is_not_applied():
    loose = edss(7.0)
    record = bundle(patient(), loose)
    del record["entry"][1]["resource"]["subject"]
    result = answers_from_bundle(record, today=TODAY)
    assert "edss" not in result.answers
    assert any(note.code == "required" for note in result.notes)


# --- dates against birth and today -------------------------------------------------------


def test_an_onset_in_2090_is_reported_and_left_out_not_clamped(api, catalog):
    """Finding: onsets in 2090 were dropped or clamped silently."""
    future = condition("426373005", onsetDateTime="2090-01-01")
    body = answered(post(api, bundle(patient(birthDate="1990-03-14"), future)))
    issue = issue_at(body, "Bundle.entry[1].resource.onsetDateTime")
    assert "future" in issue["diagnostics"]
    result = answers_from_bundle(bundle(patient(birthDate="1990-03-14"), future), today=TODAY)
    assert "years_since_first_symptoms" not in result.answers
    assert "ms_diagnosis" not in result.answers  # the whole Condition is left out


def test_an_onset_before_birth_is_reported_and_left_out(api, catalog):
    early = condition("426373005", onsetDateTime="1980-05-01")
    body = answered(post(api, bundle(patient(birthDate="1990-03-14"), early)))
    assert (
        "before the patient's birth"
        in issue_at(body, "Bundle.entry[1].resource.onsetDateTime")["diagnostics"]
    )


def test_a_dose_in_the_future_or_before_1900_is_left_out():
    future = medication(
        {"text": "Tysabri"}, effectivePeriod={"start": "2020-01-01", "end": "2031-01-01"}
    )
    ancient = medication({"text": "Tysabri"}, effectiveDateTime="1850-01")
    result = answers_from_bundle(bundle(patient(), future, ancient), today=TODAY)
    assert "treatment_history" not in result.answers
    assert {n.expression for n in result.notes} >= {
        "Bundle.entry[1].resource.effectivePeriod.end",
        "Bundle.entry[2].resource.effectiveDateTime",
    }


def test_an_active_statement_may_end_in_the_future():
    planned = medication(
        {"text": "Ocrevus"}, status="active", effectivePeriod={"start": "2024-01", "end": "2030-01"}
    )
    result = answers_from_bundle(bundle(patient(), planned), today=TODAY)
    assert result.answers["treatment_history"] == {"ocrelizumab": "current"}


def test_an_abatement_before_onset_is_left_out():
    backwards = condition("84757009", onsetDateTime="2020-01-01", abatementDateTime="2019-01-01")
    result = answers_from_bundle(bundle(patient(), backwards), today=TODAY)
    assert "other_conditions" not in result.answers
    assert any("before onsetDateTime" in note.diagnostics for note in result.notes)


# --- one usable Patient ------------------------------------------------------------------


def test_two_patients_are_a_400():
    with pytest.raises(FhirInputError) as caught:
        answers_from_bundle(bundle(patient(), patient(id="p2")), today=TODAY)
    assert "exactly one usable Patient" in str(caught.value)


def test_a_patient_with_an_impossible_birth_date_is_not_usable(api, catalog):
    outcome = outcome_of(post(api, bundle(patient(birthDate="1850-01-01"))), 400)
    assert "age over 120" in outcome["issue"][0]["diagnostics"]


def test_a_duplicate_full_url_is_left_out_and_reported():
    record = bundle(patient(), condition("24700007"), condition("425500002"))
    record["entry"][1]["fullUrl"] = record["entry"][2]["fullUrl"] = "urn:uuid:same"
    result = answers_from_bundle(record, today=TODAY)
    assert "ms_course" not in result.answers
    assert any(note.code == "duplicate" for note in result.notes)


def test_too_many_entries_is_a_400(api, catalog):
    record = candidate_bundle()
    record["entry"] += [{"resource": {"resourceType": "Basic", "code": {}}}] * MAX_ENTRIES
    assert outcome_of(post(api, record), 400)["issue"][0]["code"] == "too-costly"


# --- the mCODE matching service's own test patient ----------------------------------------


def test_the_mcode_synthea_patient_is_answered_with_its_bad_resources_reported(api, catalog):
    """Finding: refused with a 400 because a tumour-marker Observation has two value[x]."""
    record = json.loads(MCODE_PATIENT.read_text(encoding="utf-8"))
    body = answered(post(api, record))
    reported = issues(body)
    two_values = [i for i in reported if "more than one value[x]" in i["diagnostics"]]
    assert [i["expression"] for i in two_values] == [
        ["Bundle.entry[2].resource"],
        ["Bundle.entry[3].resource"],
        ["Bundle.entry[4].resource"],
    ]
    assert all(i["severity"] == "warning" for i in two_values)
    others = [i for i in reported if i["code"] == "not-found"]
    assert {i["expression"][0] for i in others} == {
        "Bundle.entry[7].resource.subject",
        "Bundle.entry[23].resource.subject",
        "Bundle.entry[24].resource.subject",
    }
    OperationOutcome.model_validate(
        next(e for e in body["entry"] if e["search"]["mode"] == "outcome")["resource"]
    )
    result = answers_from_bundle(record, today=TODAY)
    # Her active breast cancer is read; nothing says she has MS.
    assert result.answers == {
        "birth_date": "1966-08-03",
        "sex": "female",
        "years_since_cancer": 0.0,
    }


# --- the MS code families ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "code", "course"),
    [
        (ICD10, "G35", None),
        (ICD10_CM, "G35", None),
        (ICD10_CM, "G35.A", "relapsing_remitting"),
        (ICD10_CM, "G35.B0", "primary_progressive"),
        (ICD10_CM, "G35.B1", "primary_progressive"),
        (ICD10_CM, "G35.C2", "secondary_progressive"),
        (ICD10_CM, "G35.D", None),
        (ICD10_CM, "g35c1", "secondary_progressive"),
        (ICD10_GM[0], "G35.10", "relapsing_remitting"),
        (ICD10_GM[0], "G35.20", "primary_progressive"),
        (ICD10_GM[0], "G35.31", "secondary_progressive"),
        (ICD10_GM[0], "G35.9", None),
        ("urn:oid:2.16.840.1.113883.6.90", "G35", None),
        (SNOMED, "24700007", None),
        (SNOMED, "426373005", "relapsing_remitting"),
        (SNOMED, "425500002", "secondary_progressive"),
        (SNOMED, "428700003", "primary_progressive"),
        (SNOMED, "230374002", "primary_progressive"),
        (SNOMED, "438511000", None),
    ],
)
def test_the_ms_code_families_are_recognised(system, code, course):
    """Finding: only the exact ICD-10 code G35 was recognised."""
    answers = answers_from_bundle(
        bundle(patient(), condition(code, system=system)), today=TODAY
    ).answers
    assert answers["ms_diagnosis"] == "yes"
    assert answers.get("ms_course") == course


def test_a_leukaemia_code_is_not_secondary_progressive_ms():
    """425688002 was mapped to secondary progressive MS; it is a leukaemia code."""
    answers = answers_from_bundle(bundle(patient(), condition("425688002")), today=TODAY).answers
    assert "ms_diagnosis" not in answers and "ms_course" not in answers


def test_clinically_isolated_syndrome_is_a_course_not_a_diagnosis():
    answers = answers_from_bundle(bundle(patient(), condition("445967004")), today=TODAY).answers
    assert answers == {"ms_course": "clinically_isolated_syndrome"}


def test_a_family_history_of_ms_is_not_ms():
    family = condition("160323003")
    family.code.coding = None
    family.code.text = "Family history of multiple sclerosis"
    assert "ms_diagnosis" not in answers_from_bundle(bundle(patient(), family), today=TODAY).answers


def test_a_provisional_ms_diagnosis_is_not_applied():
    provisional = condition(
        "24700007",
        verificationStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "provisional",
                }
            ]
        },
    )
    result = answers_from_bundle(bundle(patient(), provisional), today=TODAY)
    assert "ms_diagnosis" not in result.answers
    assert any("not confirmed" in note.diagnostics for note in result.notes)


# --- Parameters (the CodeX IG's ResearchStudy/$match) --------------------------------------


def parameters(record: dict, *search: dict) -> dict:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": "subject", "resource": record}, *search],
    }


def test_a_parameters_body_is_accepted_with_its_zip_code(api, catalog):
    """Finding: a Parameters entry (zipCode, travelRadius) was ignored."""
    body = answered(
        post(api, parameters(candidate_bundle(), {"name": "zipCode", "valueString": "02115"}))
    )
    first = body["entry"][0]
    assert first["resource"]["id"] == "NCT00548405"
    assert extensions(first, DISTANCE_EXTENSION)[0]["valueQuantity"]["value"] < 5


def test_the_travel_radius_keeps_only_trials_with_a_site_inside_it(api, catalog):
    near_boston = parameters(
        candidate_bundle(),
        {"name": "zipCode", "valueString": "02115"},
        {"name": "travelRadius", "valueString": "50"},
    )
    assert set(matches(answered(post(api, near_boston)))) == {"NCT00548405"}
    wide = parameters(
        candidate_bundle(),
        {"name": "zipCode", "valueString": "02115"},
        {"name": "travelRadius", "valueQuantity": {"value": 2000, "unit": "km", "code": "km"}},
    )
    assert set(matches(answered(post(api, wide)))) == {"NCT00548405", "NCT00530348"}


def test_the_mcode_style_parameters_entry_inside_the_bundle_counts(api, catalog):
    record = candidate_bundle()
    record["entry"].append(
        {
            "resource": {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "zipCode", "valueString": "60611"},
                    {"name": "travelRadius", "valueDecimal": 25},
                ],
            }
        }
    )
    assert set(matches(answered(post(api, record)))) == {"NCT00530348"}


def test_the_phase_parameter_filters_trials(api, catalog, care_ms_i):
    care_ms_i.phases = ["PHASE2", "PHASE3"]
    care_ms_i.save()
    phase_3 = parameters(candidate_bundle(), {"name": "phase", "valueString": "phase-3"})
    assert set(matches(answered(post(api, phase_3)))) == {"NCT00548405", "NCT00530348"}
    combined = parameters(candidate_bundle(), {"name": "phase", "valueString": "phase-2-phase-3"})
    assert set(matches(answered(post(api, combined)))) == {"NCT00530348"}
    phase_1 = parameters(candidate_bundle(), {"name": "phase", "valueString": "PHASE1"})
    assert matches(answered(post(api, phase_1))) == {}


def test_the_recruitment_status_parameter_filters_trials(api, catalog):
    active = parameters(candidate_bundle(), {"name": "recruitmentStatus", "valueString": "active"})
    assert len(matches(answered(post(api, active)))) == 2
    closed = parameters(
        candidate_bundle(), {"name": "recruitmentStatus", "valueString": "closed-to-accrual"}
    )
    body = answered(post(api, closed))
    assert matches(body) == {}
    assert any("recruiting trials only" in i["diagnostics"] for i in issues(body))


@pytest.mark.parametrize(
    ("parameter", "named"),
    [
        ({"name": "travelRadius", "valueString": "far"}, "travelRadius"),
        ({"name": "travelRadius", "valueDecimal": -5}, "travelRadius"),
        ({"name": "phase", "valueString": "phase-9"}, "phase"),
        ({"name": "recruitmentStatus", "valueString": "open-ish"}, "recruitmentStatus"),
        ({"name": "zipCode", "valueInteger": 2115}, "zipCode"),
    ],
)
def test_a_bad_search_parameter_is_a_400_naming_it(api, catalog, parameter, named):
    outcome = outcome_of(post(api, parameters(candidate_bundle(), parameter)), 400)
    assert named in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["expression"] == ["Parameters.parameter[1]"]


def test_an_unknown_parameter_is_reported_and_ignored(api, catalog):
    body = answered(
        post(api, parameters(candidate_bundle(), {"name": "favouriteColour", "valueString": "x"}))
    )
    assert issue_at(body, "Parameters.parameter[1]")["code"] == "not-supported"


def test_parameters_without_the_patient_bundle_are_a_400(api, catalog):
    outcome = outcome_of(
        post(
            api,
            {"resourceType": "Parameters", "parameter": [{"name": "zipCode", "valueString": "1"}]},
        ),
        400,
    )
    assert outcome["issue"][0]["code"] == "required"


def test_research_study_match_is_the_codex_address(api, catalog):
    response = api.post(
        "/api/v1/fhir/ResearchStudy/$match",
        json.dumps(parameters(candidate_bundle())),
        content_type=FHIR_JSON,
    )
    assert set(matches(answered(response))) == {"NCT00548405", "NCT00530348"}


# --- per trial: the reasons and the facts still missing ------------------------------------


def test_each_match_carries_its_counts_reasons_and_missing_facts(api, catalog):
    entry = matches(answered(post(api, candidate_bundle())))["NCT00548405"]
    checked = {
        x["url"]: x["valueUnsignedInt"]
        for x in extensions(entry, CHECKED_EXTENSION)[0]["extension"]
    }
    assert checked == {"checked": 12, "total": 12}
    missing = [x["valueCode"] for x in extensions(entry, MISSING_EXTENSION)]
    assert {"edss", "mri_lesions_confirmed", "treatments_ever"} <= set(missing)
    statuses = criterion_statuses(entry)
    assert len(statuses) == 12
    assert statuses["People aged 18 to 55"] == "pass"
    # A partial history: the Bundle lists interferon only, so alemtuzumab stays open.
    assert statuses["People who have ever been treated with alemtuzumab"] == "unknown"
    explanation = next(
        part["valueString"]
        for criterion in extensions(entry, CRITERION_EXTENSION)
        for part in criterion["extension"]
        if part["url"] == "explanation" and "alemtuzumab" in part["valueString"]
    )
    assert "say nothing of alemtuzumab" in explanation


# --- never a 500, never more than one short log line ---------------------------------------


def test_a_deeply_nested_extension_is_a_400_with_one_short_log_line(api, catalog, caplog):
    """Finding: Patient.extension nested 150 deep was a RecursionError 500 and 128 KB of log."""
    nested: dict = {"url": "urn:x", "valueString": "x"}
    for _ in range(150):
        nested = {"url": "urn:x", "extension": [nested]}
    record = bundle(patient())
    record["entry"][0]["resource"]["extension"] = [nested]
    with caplog.at_level(logging.INFO):
        outcome_of(post(api, record), 400)
    assert len(caplog.records) <= 1
    assert all(len(r.getMessage()) < 200 and not r.exc_info for r in caplog.records)


def test_an_accepted_bundle_with_bad_resources_logs_nothing(api, catalog, caplog):
    record = json.loads(MCODE_PATIENT.read_text(encoding="utf-8"))
    post(api, record)  # builds the site index (one info line) on first use
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert post(api, record).status_code == 200
    assert caplog.records == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**20) | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
plausible = {
    "subject": st.sampled_from(
        [
            {"reference": "Patient/p1"},
            {"reference": "Patient/p2"},
            {},
            {"display": "someone"},
            {"identifier": {"value": "x"}},
            "Patient/p1",
        ]
    ),
    "status": st.sampled_from(["active", "final", "bogus", "not-taken", 7, None]),
    "gender": st.sampled_from(["female", "robot", 3]),
    "birthDate": st.sampled_from(["1990-01-01", "2999-01-01", "1990", "yesterday", 1990]),
    "onsetDateTime": st.sampled_from(["2020-01-01", "2090-01-01", "1850-01", "soon"]),
    "effectiveDateTime": st.sampled_from(["2024-02", "2090-01-01", ""]),
    "effectivePeriod": st.sampled_from([{"start": "2020", "end": "2019"}, {"end": "2031-01"}]),
    "code": st.sampled_from(
        [EDSS, {"coding": [{"system": ICD10_CM, "code": "G35.A"}]}, {"text": "HIV"}, [], "x"]
    ),
    "medicationCodeableConcept": st.sampled_from([{"text": "Tysabri"}, {"coding": "x"}]),
    "medicationReference": st.sampled_from([{"reference": "Medication/1"}, {"reference": 5}]),
    "valueQuantity": st.sampled_from([{"value": 9.5}, {"value": "x"}, {"value": 3.2}]),
    "valueCodeableConcept": st.sampled_from([{"coding": [{"system": LOINC, "code": "LA15173-0"}]}]),
    "parameter": st.sampled_from(
        [[{"name": "zipCode", "valueString": "02115"}], [{"name": 5}], "x"]
    ),
    "id": st.sampled_from(["p1", "p2", "", None]),
}
#: Valid resources of every type $match reads; the fuzzer changes some of their elements.
TEMPLATES = [
    {"resourceType": "Patient", "id": "p1", "birthDate": "1990-01-01", "gender": "female"},
    {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": ICD10_CM, "code": "G35.A"}]},
        "onsetDateTime": "2020-01-01",
    },
    {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "Tysabri"},
        "effectivePeriod": {"start": "2021-01"},
    },
    {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": "Medication/1"},
        "dosage": [{"route": {"coding": [{"system": SNOMED, "code": "26643006"}]}}],
    },
    {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": EDSS,
        "valueQuantity": {"value": 3.5},
        "effectiveDateTime": "2025-01-01",
    },
    {"resourceType": "Medication", "id": "1", "code": {"text": "methylprednisolone"}},
    {"resourceType": "Procedure", "status": "completed", "subject": {"reference": "Patient/p1"}},
]


def _mutations(base: dict):
    """``base`` with some of its own elements replaced by hostile values."""
    own = {key: plausible.get(key, json_values) for key in base if key != "resourceType"}
    return st.fixed_dictionaries({}, optional=own).map(lambda changes: {**base, **changes})


template_resources = st.sampled_from(TEMPLATES).flatmap(_mutations)
junk_resources = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Parameters", "NoSuchThing", 5, None, ""])},
    optional={"parameter": plausible["parameter"], "note": json_values},
)
entries = st.one_of(
    st.builds(lambda resource: {"resource": resource}, template_resources),
    st.builds(
        lambda resource, url: {"resource": resource, "fullUrl": url},
        template_resources,
        st.sampled_from(["u1", "u2", 5]),
    ),
    st.builds(lambda resource: {"resource": resource}, junk_resources),
    json_values,
)
entry_lists = st.lists(entries, max_size=6)
#: A record whose first entry is a usable Patient, so the others are checked one by one.
record_entries = st.builds(
    lambda rest: [{"resource": TEMPLATES[0]}, *rest], st.lists(entries, min_size=1, max_size=6)
)
hostile_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"resourceType": st.just("Bundle")},
        optional={
            "type": st.sampled_from(["collection", "transaction", "nonsense", None, 3]),
            "entry": st.one_of(entry_lists, json_values),
        },
    ),
    # Most examples get past the Bundle's own checks, to reach every resource's.
    st.fixed_dictionaries(
        {"resourceType": st.just("Bundle"), "type": st.just("collection"), "entry": record_entries}
    ),
    st.fixed_dictionaries(
        {"resourceType": st.just("Bundle"), "type": st.just("batch"), "entry": record_entries}
    ),
    st.fixed_dictionaries(
        {
            "resourceType": st.just("Parameters"),
            "parameter": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "name": st.sampled_from(
                                ["subject", "zipCode", "travelRadius", "phase", 5]
                            )
                        },
                        optional={
                            "resource": st.one_of(st.builds(candidate_bundle), json_values),
                            "valueString": st.text(max_size=8),
                            "valueDecimal": st.floats(),
                        },
                    ),
                    max_size=4,
                ),
                json_values,
            ),
        },
    ),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=hostile_bodies)
def test_hostile_bundles_get_only_200_or_400(api, catalog, body):
    cache.clear()  # the throttle's counters: this test posts many times
    response = api.post(URL, json.dumps(body), content_type=FHIR_JSON)
    assert response.status_code in (200, 400), response.content
    assert response["Content-Type"] == FHIR_JSON
    expected = "Bundle" if response.status_code == 200 else "OperationOutcome"
    assert response.json()["resourceType"] == expected


def _candidate(*, course: bool = True) -> list:
    """The CARE-MS II candidate of test_fhir_match as resources (to add more to)."""
    resources = [patient(birthDate="1990-03-14", gender="female")]
    if course:
        resources.append(condition("426373005", onsetDateTime="2020-01-10"))
    else:
        resources.append(condition("24700007", onsetDateTime="2020-01-10"))
    return resources
