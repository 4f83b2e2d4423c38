"""POST /api/v1/fhir/match: a patient Bundle in, a ranked searchset Bundle out."""

import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
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
        # Issue 17: the medications are a partial history, with last doses.
        assert answers["treatment_history"] == {"interferon_beta": "current"}

    @pytest.mark.parametrize(
        ("code", "course"),
        [
            # Issue 21: 425500002 is secondary progressive MS and 428700003 primary
            # progressive (this table had them as 425688002, a leukaemia, and 425500002).
            ("425500002", "secondary_progressive"),
            ("428700003", "primary_progressive"),
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

    def test_a_not_taken_statement_is_not_taken_and_proves_no_never(self):
        # Issue 17: a record cannot say "never" (spec 6.2); this test asserted a
        # treatment-naive patient before.
        naive = bundle(patient(), medication({"text": "Copaxone"}, status="not-taken"))
        result = answers_from_bundle(naive, today=TODAY)
        assert "treatment_history" not in result.answers
        assert "treatments_ever" not in result.answers
        assert any("not counted as taken" in note.diagnostics for note in result.notes)

    def test_an_old_course_gives_its_last_dose(self):
        old = medication(
            {"text": "Tysabri 300 mg"}, effectivePeriod={"start": "2015-01", "end": "2019-06"}
        )
        result = answers_from_bundle(bundle(patient(), old), today=TODAY)
        assert result.answers["treatment_history"] == {"natalizumab": "2019-06"}
        assert result.partial == ("treatment_history",)

    def test_an_undated_statement_makes_the_last_dose_unsure(self):
        undated = medication({"text": "methotrexate"})
        answers = answers_from_bundle(bundle(patient(), undated), today=TODAY).answers
        assert answers["treatment_history"] == {"methotrexate": "unsure"}

    def test_an_unknown_medication_is_ignored_with_a_note(self):
        result = answers_from_bundle(
            bundle(patient(), medication({"text": "vitamin D3"})), today=TODAY
        )
        assert "treatment_history" not in result.answers
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


# --- contract v2 facts from the Bundle (issue 17) --------------------------------------------

ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
ACTIVE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    ]
}
RESOLVED = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}
    ]
}


def read(*resources) -> dict:
    return answers_from_bundle(bundle(patient(birthDate="1980-01-01"), *resources), today=TODAY)


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


class TestOtherConditions:
    @pytest.mark.parametrize(
        ("system", "code", "other"),
        [
            (ICD10_CM, "G36.0", "nmosd"),
            (SNOMED, "25044007", "nmosd"),
            (ICD10_CM, "G40.909", "epilepsy"),
            (SNOMED, "84757009", "epilepsy"),
            (ICD10_CM, "I63.9", "stroke"),
            (SNOMED, "230690007", "stroke"),
            (ICD10_CM, "I21.4", "heart_disease"),
            (ICD10_CM, "B20", "hiv"),
            (SNOMED, "86406008", "hiv"),
            (ICD10_CM, "B18.1", "hepatitis_b"),
            (ICD10_CM, "B18.2", "hepatitis_c"),
            (ICD10_CM, "A15.0", "tuberculosis"),
            (SNOMED, "56717001", "tuberculosis"),
            (ICD10_CM, "A81.2", "pml"),
            (SNOMED, "22255007", "pml"),
            (ICD10_CM, "D83.9", "immunodeficiency"),
            (ICD10_CM, "E11.9", "diabetes"),
            (SNOMED, "44054006", "diabetes"),
            (ICD10_CM, "K74.60", "liver_disease"),
            (ICD10_CM, "N18.3", "kidney_disease"),
            (ICD10_CM, "M32.9", "other_autoimmune"),
            (SNOMED, "69896004", "other_autoimmune"),
            (ICD10_CM, "F20.9", "psychiatric_illness"),
        ],
    )
    def test_condition_codes_give_other_conditions(self, system, code, other):
        result = read(condition(code, system=system))
        assert result.answers["other_conditions"] == [other]
        assert "other_conditions" in result.partial

    def test_words_stand_in_for_a_code_we_do_not_list(self):
        text = Condition.model_validate(
            {
                "resourceType": "Condition",
                "subject": {"reference": "Patient/p1"},
                "code": {"text": "Hepatitis C, chronic"},
            }
        )
        assert read(text).answers["other_conditions"] == ["hepatitis_c"]

    @pytest.mark.parametrize(
        "text", ["Family history of epilepsy", "Screening for HIV", "Diabetes insipidus"]
    )
    def test_words_that_do_not_state_the_condition_are_not_read(self, text):
        concept = Condition.model_validate(
            {
                "resourceType": "Condition",
                "subject": {"reference": "Patient/p1"},
                "code": {"text": text},
            }
        )
        assert "other_conditions" not in read(concept).answers

    def test_depression_counts_only_while_active(self):
        assert read(condition("F32.9", system=ICD10_CM, clinicalStatus=ACTIVE)).answers[
            "other_conditions"
        ] == ["depression"]
        old = read(condition("F32.9", system=ICD10_CM, clinicalStatus=RESOLVED))
        assert "other_conditions" not in old.answers
        assert old.notes

    def test_substance_use_counts_in_the_past_year(self):
        recent = condition(
            "F10.20",
            system=ICD10_CM,
            clinicalStatus=RESOLVED,
            abatementDateTime="2026-01-15",
        )
        long_ago = condition(
            "F10.20", system=ICD10_CM, clinicalStatus=RESOLVED, abatementDateTime="2019-01-15"
        )
        assert read(recent).answers["other_conditions"] == ["substance_use"]
        assert "other_conditions" not in read(long_ago).answers

    def test_a_record_without_hiv_does_not_say_no_hiv(self, api, catalog):
        # A partial list: contains_any over a code it does not give is unknown.
        from eligibility.engine.facts import UncertainCodes
        from eligibility.services import answers_prepare

        result = read(condition("G40.909", system=ICD10_CM))
        facts = answers_prepare(answers=result.answers, today=TODAY, partial=result.partial).facts
        assert isinstance(facts["other_conditions"], UncertainCodes)
        assert "hiv" in facts["other_conditions"].unknown


class TestCancer:
    def test_an_active_cancer_is_zero_years_ago(self):
        assert (
            read(condition("254837009", clinicalStatus=ACTIVE)).answers["years_since_cancer"] == 0.0
        )

    def test_a_resolved_cancer_counts_from_its_abatement(self):
        answers = read(
            condition(
                "C50.911", system=ICD10_CM, clinicalStatus=RESOLVED, abatementDateTime="2020-06-01"
            )
        ).answers
        assert answers["years_since_cancer"] == pytest.approx(6.0)

    def test_a_cancer_without_dates_is_unsure(self):
        assert (
            read(condition("363346000", clinicalStatus=RESOLVED)).answers["years_since_cancer"]
            == "unsure"
        )

    def test_the_most_recent_cancer_counts(self):
        answers = read(
            condition(
                "C18.9", system=ICD10_CM, clinicalStatus=RESOLVED, abatementDateTime="2010-01-01"
            ),
            condition(
                "C61", system=ICD10_CM, clinicalStatus=RESOLVED, abatementDateTime="2022-06-01"
            ),
        ).answers
        assert answers["years_since_cancer"] == pytest.approx(4.0)

    @pytest.mark.parametrize(("system", "code"), [(ICD10_CM, "C44.91"), (ICD10_CM, "D06.9")])
    def test_skin_basal_and_squamous_cell_and_in_situ_do_not_count(self, system, code):
        assert "years_since_cancer" not in read(condition(code, system=system)).answers

    def test_no_cancer_condition_is_not_never(self):
        assert "years_since_cancer" not in read(condition("G40.909", system=ICD10_CM)).answers


class TestTreatmentHistory:
    @pytest.mark.parametrize(
        ("concept", "treatment"),
        [
            ({"text": "Kesimpta 20 mg/0.4 mL pen"}, "ofatumumab"),
            ({"coding": [{"system": ATC, "code": "L04AG12"}]}, "ofatumumab"),
            ({"text": "Briumvi (ublituximab-xiiy)"}, "ublituximab"),
            ({"text": "Zeposia 0.92 mg"}, "ozanimod"),
            ({"text": "ponesimod"}, "ponesimod"),
            ({"text": "Mayzent 2 mg"}, "siponimod"),
            ({"text": "Vumerity 231 mg"}, "diroximel_fumarate"),
            ({"text": "Bafiertam"}, "monomethyl_fumarate"),
            ({"coding": [{"system": ATC, "code": "L04AC01"}]}, "daclizumab"),
            ({"text": "laquinimod"}, "laquinimod"),
            ({"coding": [{"system": RXNORM, "code": "68149"}]}, "mycophenolate"),
            ({"text": "CellCept 500 mg"}, "mycophenolate"),
            ({"text": "tolebrutinib 60 mg (study drug)"}, "btk_inhibitor"),
            ({"text": "evobrutinib"}, "btk_inhibitor"),
            ({"text": "fenebrutinib"}, "btk_inhibitor"),
            ({"text": "remibrutinib"}, "btk_inhibitor"),
            ({"coding": [{"system": ATC, "code": "L01EL01"}]}, "btk_inhibitor"),
            ({"text": "Ampyra 10 mg ER"}, "dalfampridine"),
            ({"text": "fampridine"}, "dalfampridine"),
            ({"coding": [{"system": ATC, "code": "N07XX07"}]}, "dalfampridine"),
        ],
    )
    def test_the_v2_treatment_codes_are_read(self, concept, treatment):
        assert treatment_for_concept(concept) == treatment

    def test_an_active_statement_without_an_end_is_current(self):
        active = medication({"text": "Ocrevus"}, status="active", effectiveDateTime="2024-03-01")
        assert read(active).answers["treatment_history"] == {"ocrelizumab": "current"}

    def test_an_active_statement_that_ended_gives_its_end(self):
        ended = medication(
            {"text": "Ocrevus"},
            status="active",
            effectivePeriod={"start": "2023-01-01", "end": "2025-09-14"},
        )
        assert read(ended).answers["treatment_history"] == {"ocrelizumab": "2025-09-14"}

    def test_a_stopped_statement_with_only_a_start_is_unsure(self):
        stopped = medication(
            {"text": "Gilenya"}, status="stopped", effectivePeriod={"start": "2019-02-01"}
        )
        assert read(stopped).answers["treatment_history"] == {"fingolimod": "unsure"}

    def test_the_latest_dose_of_several_statements_counts(self):
        answers = read(
            medication({"text": "Tysabri"}, effectiveDateTime="2021-02-03"),
            medication({"text": "Tysabri"}, effectiveDateTime="2025-11"),
            medication({"text": "Tysabri"}, effectiveDateTime="2023-07-09"),
        ).answers
        assert answers["treatment_history"] == {"natalizumab": "2025-11"}

    def test_an_undated_statement_beside_dated_ones_leaves_the_last_dose_unsure(self):
        answers = read(
            medication({"text": "Tysabri"}, effectiveDateTime="2021-02-03"),
            medication({"text": "Tysabri"}),
        ).answers
        assert answers["treatment_history"] == {"natalizumab": "unsure"}

    def test_a_dose_dated_to_the_year_is_unsure(self):
        assert read(medication({"text": "Tysabri"}, effectiveDateTime="2021")).answers[
            "treatment_history"
        ] == {"natalizumab": "unsure"}

    def test_a_medication_reference_is_followed(self):
        record = bundle(
            patient(),
            medication(None, medicationReference={"reference": "Medication/m1"}),
        )
        record["entry"][1]["resource"].pop("medicationCodeableConcept", None)
        record["entry"].append(
            {"resource": {"resourceType": "Medication", "id": "m1", "code": {"text": "Lemtrada"}}}
        )
        result = answers_from_bundle(record, today=TODAY)
        assert result.answers["treatment_history"] == {"alemtuzumab": "unsure"}


class TestSystemicSteroids:
    def test_a_systemic_steroid_gives_the_last_dose_of_steroids(self):
        answers = read(
            medication({"text": "methylprednisolone 1 g IV"}, effectiveDateTime="2026-04-02")
        ).answers
        assert answers["last_systemic_steroids"] == "2026-04-02"
        assert answers["treatment_history"] == {"corticosteroids": "2026-04-02"}

    def test_a_current_steroid_is_today(self):
        answers = read(
            medication({"coding": [{"system": ATC, "code": "H02AB07"}]}, status="active")
        ).answers
        assert answers["last_systemic_steroids"] == TODAY.isoformat()

    @pytest.mark.parametrize(
        "fields",
        [
            {"concept": {"text": "hydrocortisone 1% cream"}},
            {"concept": {"text": "fluticasone inhaler"}},
            {
                "concept": {"text": "dexamethasone"},
                "dosage": [{"route": {"coding": [{"system": SNOMED, "code": "54485002"}]}}],
            },
        ],
    )
    def test_a_local_steroid_is_not_read(self, fields):
        statement = medication(fields["concept"], effectiveDateTime="2026-04-02")
        if "dosage" in fields:
            statement = medication(
                fields["concept"], effectiveDateTime="2026-04-02", dosage=fields["dosage"]
            )
        answers = read(statement).answers
        assert "last_systemic_steroids" not in answers
        assert "treatment_history" not in answers

    def test_acth_counts_as_systemic_steroids_but_is_no_treatment_code(self):
        answers = read(
            medication({"text": "Acthar Gel 80 units"}, effectiveDateTime="2026-02")
        ).answers
        assert answers["last_systemic_steroids"] == "2026-02"
        assert "treatment_history" not in answers


class TestPregnancyStatus:
    PREGNANCY = {"coding": [{"system": LOINC, "code": "82810-3"}]}

    def status(self, answer: str, when: str) -> Observation:
        return observation(
            self.PREGNANCY,
            valueCodeableConcept={"coding": [{"system": LOINC, "code": answer}]},
            effectiveDateTime=when,
        )

    def test_a_recent_pregnant_status_is_yes(self):
        assert (
            read(self.status("LA15173-0", "2026-03-01")).answers["pregnancy_or_breastfeeding"]
            == "yes"
        )

    def test_an_old_pregnant_status_says_nothing_about_now(self):
        result = read(self.status("LA15173-0", "2024-01-01"))
        assert "pregnancy_or_breastfeeding" not in result.answers
        assert result.notes

    def test_not_pregnant_does_not_say_not_breastfeeding(self):
        result = read(self.status("LA26683-5", "2026-05-01"))
        assert "pregnancy_or_breastfeeding" not in result.answers
        assert any("breastfeeding" in note.diagnostics for note in result.notes)

    def test_the_latest_status_counts(self):
        answers = read(
            self.status("LA15173-0", "2025-12-01"), self.status("LA26683-5", "2026-05-01")
        ).answers
        assert "pregnancy_or_breastfeeding" not in answers


def test_a_partial_history_keeps_an_unlisted_exclusion_open(api, catalog):
    """The Bundle lists interferon only: alemtuzumab is unknown, not never (spec 6.2)."""
    body = post(api, candidate_bundle()).json()
    entry = next(e for e in body["entry"] if e["resource"]["id"] == "NCT00548405")
    statuses = {
        parts["text"]: parts["status"]
        for x in entry["search"]["extension"]
        if x["url"].endswith("/eligibility-criterion")
        for parts in [
            {p["url"]: next(v for k, v in p.items() if k != "url") for p in x["extension"]}
        ]
    }
    assert statuses["People who have ever been treated with alemtuzumab"] == "unknown"
