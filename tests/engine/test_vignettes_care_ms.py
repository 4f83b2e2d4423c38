"""Vignettes for CARE-MS II (NCT00548405) and CARE-MS I (NCT00530348), spec sections 3-4.

Each test starts from a patient who meets every criterion of the trial and changes one
answer, so the boundary it walks is the only thing that can move the verdict.
"""

import json

import pytest

from eligibility.engine.facts import TREATMENT_CODES, expand_treatment_codes
from eligibility.engine.rules import validate_rule

from .conftest import RULESETS, TODAY

# The treatment codes of spec section 1; contract v2 appends more (section 6.2), which
# CARE-MS I's exclusion covers through code groups (test_vignettes_v2.py).
SECTION_1_TREATMENT_CODES = TREATMENT_CODES[: TREATMENT_CODES.index("corticosteroids") + 1]

# Meets every CARE-MS II criterion: relapsed on interferon, never had alemtuzumab.
CARE_MS_2_CANDIDATE = {
    "age": 40,
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": 6,
    "relapses_last_12_months": 1,
    "relapses_last_24_months": 2,
    "relapse_on_interferon_or_glatiramer": "yes",
    "edss": 3.5,
    "mri_lesions_confirmed": "yes",
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": "no",
}

# Meets every CARE-MS I criterion: newly diagnosed, never treated.
NEWLY_DIAGNOSED = {
    "age": 30,
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": 1,
    "relapses_last_12_months": 2,
    "relapses_last_24_months": 2,
    "relapse_on_interferon_or_glatiramer": "no",
    "edss": 1.5,
    "mri_lesions_confirmed": "yes",
    "treatments_ever": [],
    "treatments_last_6_months": [],
    "investigational_drug_ever": "no",
}


def evaluate(trial, base, **changes):
    answers = {**base, **changes}
    for key in [key for key, value in changes.items() if value is None]:
        del answers[key]
    return trial.evaluate(answers, today=TODAY)


def status_of(result, criterion_id):
    return next(r.status for r in result.results if r.id == criterion_id)


# --- the files --------------------------------------------------------------------------------


@pytest.mark.parametrize("nct_id", ["NCT00548405", "NCT00530348"])
def test_ruleset_files_are_valid_and_complete(nct_id):
    items = json.loads((RULESETS / f"{nct_id}.json").read_text(encoding="utf-8"))
    for item in items:
        validate_rule(item["rule"])
        assert set(item) == {
            "kind",
            "order",
            "clinical_text",
            "patient_text",
            "patient_text_es",
            "rule",
        }
        assert all(
            item[key].strip() for key in ("clinical_text", "patient_text", "patient_text_es")
        )
    orders = [(item["kind"], item["order"]) for item in items]
    assert len(set(orders)) == len(orders)


def test_care_ms_2_has_seven_inclusions_and_five_exclusions(care_ms_2):
    kinds = [c.kind for c in care_ms_2.criteria]
    assert kinds.count("inclusion") == 7 and kinds.count("exclusion") == 5


def test_care_ms_1_has_five_inclusions_and_two_exclusions(care_ms_1):
    kinds = [c.kind for c in care_ms_1.criteria]
    assert kinds.count("inclusion") == 5 and kinds.count("exclusion") == 2


def test_care_ms_1_prior_therapy_rule_covers_every_code_but_corticosteroids(care_ms_1):
    rule = next(c.spec.rule for c in care_ms_1.criteria if c.spec.id == "exclusion-1")
    codes = set(expand_treatment_codes(rule["value"]))
    assert codes >= set(SECTION_1_TREATMENT_CODES) - {"corticosteroids"}
    assert "corticosteroids" not in codes


# --- the two typical patients -----------------------------------------------------------------


def test_typical_care_ms_2_candidate(care_ms_2, care_ms_1):
    assert evaluate(care_ms_2, CARE_MS_2_CANDIDATE).verdict == "eligible"
    result = evaluate(care_ms_1, CARE_MS_2_CANDIDATE)
    assert result.verdict == "ineligible"
    assert status_of(result, "exclusion-1") == "fail"


def test_newly_diagnosed_untreated_patient(care_ms_2, care_ms_1):
    assert evaluate(care_ms_1, NEWLY_DIAGNOSED).verdict == "eligible"
    result = evaluate(care_ms_2, NEWLY_DIAGNOSED)
    assert result.verdict == "ineligible"
    assert status_of(result, "inclusion-6") == "fail"


def test_header_age_65_is_not_the_rule(care_ms_2):
    # Seed 000's header says 18-65; the protocol says 18-55.
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, age=60)
    assert result.verdict == "ineligible"
    assert "you are 60" in result.results[0].explanation


# --- age --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "verdict"), [(17, "ineligible"), (18, "eligible"), (55, "eligible"), (56, "ineligible")]
)
def test_care_ms_2_age_boundaries(care_ms_2, age, verdict):
    assert evaluate(care_ms_2, CARE_MS_2_CANDIDATE, age=age).verdict == verdict


@pytest.mark.parametrize(
    ("age", "verdict"),
    [(17, "ineligible"), (18, "eligible"), (50, "eligible"), (51, "ineligible")],
)
def test_care_ms_1_age_boundaries(care_ms_1, age, verdict):
    assert evaluate(care_ms_1, NEWLY_DIAGNOSED, age=age).verdict == verdict


@pytest.mark.parametrize(
    ("birth_date", "status"),
    [
        ("2007-06-16", "fail"),  # 18th birthday tomorrow: still 17
        ("2007-06-15", "pass"),  # 18 today
        ("1969-06-16", "pass"),  # 56th birthday tomorrow: still 55
        ("1969-06-15", "fail"),  # 56 today
    ],
)
def test_care_ms_2_age_from_birth_date_around_the_birthday(care_ms_2, birth_date, status):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, age=None, birth_date=birth_date)
    assert status_of(result, "inclusion-1") == status


@pytest.mark.parametrize(
    ("birth_date", "status"),
    [
        ("2007-06-16", "fail"),
        ("2007-06-15", "pass"),
        ("1974-06-16", "pass"),
        ("1974-06-15", "fail"),
    ],
)
def test_care_ms_1_age_from_birth_date_around_the_birthday(care_ms_1, birth_date, status):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, age=None, birth_date=birth_date)
    assert status_of(result, "inclusion-1") == status


def test_feb_29_birthday_reaches_18_on_march_1(care_ms_2):
    from datetime import date

    answers = {**CARE_MS_2_CANDIDATE, "birth_date": "2004-02-29"}
    del answers["age"]
    assert care_ms_2.evaluate(answers, today=date(2022, 2, 28)).verdict == "ineligible"
    assert care_ms_2.evaluate(answers, today=date(2022, 3, 1)).verdict == "eligible"


# --- EDSS, onset, relapses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edss", "verdict"), [(0.0, "eligible"), (5.0, "eligible"), (5.5, "ineligible")]
)
def test_care_ms_2_edss_boundary(care_ms_2, edss, verdict):
    assert evaluate(care_ms_2, CARE_MS_2_CANDIDATE, edss=edss).verdict == verdict


@pytest.mark.parametrize(
    ("edss", "verdict"), [(0.0, "eligible"), (3.0, "eligible"), (3.5, "ineligible")]
)
def test_care_ms_1_edss_boundary(care_ms_1, edss, verdict):
    assert evaluate(care_ms_1, NEWLY_DIAGNOSED, edss=edss).verdict == verdict


@pytest.mark.parametrize(
    ("years", "verdict"), [(0, "eligible"), (10, "eligible"), (10.5, "ineligible")]
)
def test_care_ms_2_onset_within_10_years(care_ms_2, years, verdict):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, years_since_first_symptoms=years)
    assert result.verdict == verdict


@pytest.mark.parametrize(("years", "verdict"), [(5, "eligible"), (5.5, "ineligible")])
def test_care_ms_1_onset_within_5_years(care_ms_1, years, verdict):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, years_since_first_symptoms=years)
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("r12", "r24", "status"),
    [
        (1, 2, "pass"),
        (0, 2, "fail"),  # two attacks, none in the past year
        (1, 1, "fail"),  # only one attack in two years
        (2, 2, "pass"),
        (0, 0, "fail"),
        (5, 9, "pass"),
    ],
)
def test_relapse_counts_in_both_trials(care_ms_2, care_ms_1, r12, r24, status):
    changes = {"relapses_last_12_months": r12, "relapses_last_24_months": r24}
    assert status_of(evaluate(care_ms_2, CARE_MS_2_CANDIDATE, **changes), "inclusion-5") == status
    assert status_of(evaluate(care_ms_1, NEWLY_DIAGNOSED, **changes), "inclusion-5") == status


def test_relapses_one_count_known_failing_is_enough(care_ms_2):
    result = evaluate(
        care_ms_2, CARE_MS_2_CANDIDATE, relapses_last_24_months=None, relapses_last_12_months=0
    )
    assert status_of(result, "inclusion-5") == "fail"


# --- the other inclusions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "criterion"),
    [
        ("ms_diagnosis", "no", "inclusion-2"),
        ("relapse_on_interferon_or_glatiramer", "no", "inclusion-6"),
        ("mri_lesions_confirmed", "no", "inclusion-7"),
    ],
)
def test_care_ms_2_yes_no_inclusions(care_ms_2, key, value, criterion):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, **{key: value})
    assert result.verdict == "ineligible"
    assert [r.id for r in result.results if r.status == "fail"] == [criterion]


@pytest.mark.parametrize("key", ["ms_diagnosis", "mri_lesions_confirmed"])
def test_care_ms_1_needs_diagnosis_and_mri(care_ms_1, key):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, **{key: "no"})
    assert [r.id for r in result.results if r.status == "fail"] == ["inclusion-2"]


# --- each exclusion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "criterion"),
    [
        ({"treatments_ever": ["interferon_beta", "alemtuzumab"]}, "exclusion-1"),
        ({"investigational_drug_ever": "yes"}, "exclusion-2"),
        ({"treatments_last_6_months": ["natalizumab"]}, "exclusion-3"),
        ({"treatments_last_6_months": ["methotrexate"]}, "exclusion-3"),
        ({"treatments_last_6_months": ["azathioprine"]}, "exclusion-3"),
        ({"treatments_last_6_months": ["cyclosporine"]}, "exclusion-3"),
        ({"treatments_ever": ["interferon_beta", "mitoxantrone"]}, "exclusion-4"),
        ({"treatments_ever": ["interferon_beta", "cyclophosphamide"]}, "exclusion-4"),
        ({"treatments_ever": ["interferon_beta", "cladribine"]}, "exclusion-4"),
        ({"treatments_ever": ["interferon_beta", "rituximab"]}, "exclusion-4"),
        ({"ms_course": "secondary_progressive"}, "exclusion-5"),
        ({"ms_course": "primary_progressive"}, "exclusion-5"),
    ],
)
def test_care_ms_2_each_exclusion(care_ms_2, changes, criterion):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, **changes)
    assert result.verdict == "ineligible"
    assert [r.id for r in result.results if r.status == "fail"] == [criterion]


def test_care_ms_2_recent_alemtuzumab_counts_as_ever(care_ms_2):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, treatments_last_6_months=["alemtuzumab"])
    assert status_of(result, "exclusion-1") == "fail"


def test_care_ms_2_natalizumab_long_ago_is_allowed(care_ms_2):
    result = evaluate(
        care_ms_2, CARE_MS_2_CANDIDATE, treatments_ever=["interferon_beta", "natalizumab"]
    )
    assert result.verdict == "eligible"


@pytest.mark.parametrize("code", [c for c in SECTION_1_TREATMENT_CODES if c != "corticosteroids"])
def test_care_ms_1_excludes_any_prior_therapy(care_ms_1, code):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, treatments_ever=[code])
    assert [r.id for r in result.results if r.status == "fail"] == ["exclusion-1"]


def test_care_ms_1_allows_corticosteroids_only(care_ms_1):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, treatments_ever=["corticosteroids"])
    assert result.verdict == "eligible"


@pytest.mark.parametrize("course", ["secondary_progressive", "primary_progressive"])
def test_care_ms_1_excludes_progressive_ms(care_ms_1, course):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, ms_course=course)
    assert [r.id for r in result.results if r.status == "fail"] == ["exclusion-2"]


@pytest.mark.parametrize("course", ["relapsing_remitting", "clinically_isolated_syndrome"])
def test_non_progressive_courses_pass_the_exclusion(care_ms_2, course):
    assert evaluate(care_ms_2, CARE_MS_2_CANDIDATE, ms_course=course).verdict == "eligible"


# --- every unsure, and every missing answer ---------------------------------------------------

UNSURE_KEYS = [key for key in CARE_MS_2_CANDIDATE if key != "age"]


@pytest.mark.parametrize("key", UNSURE_KEYS)
def test_care_ms_2_every_unsure_makes_it_possible_not_certain(care_ms_2, key):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, **{key: "unsure"})
    unknown = [r for r in result.results if r.status == "unknown"]
    assert result.verdict == "possibly_eligible"
    assert unknown and all(key in r.facts_used for r in unknown)
    assert key in result.missing
    assert all("not sure" in r.explanation for r in unknown)


CARE_MS_1_KEYS = [
    "ms_diagnosis",
    "ms_course",
    "years_since_first_symptoms",
    "relapses_last_12_months",
    "relapses_last_24_months",
    "edss",
    "mri_lesions_confirmed",
    "treatments_ever",
]


@pytest.mark.parametrize("key", CARE_MS_1_KEYS)
def test_care_ms_1_every_unsure_makes_it_possible_not_certain(care_ms_1, key):
    result = evaluate(care_ms_1, NEWLY_DIAGNOSED, **{key: "unsure"})
    assert result.verdict == "possibly_eligible"
    assert key in result.missing


def test_unsure_never_hides_a_failing_answer(care_ms_2):
    result = evaluate(care_ms_2, CARE_MS_2_CANDIDATE, edss="unsure", age=60)
    assert result.verdict == "ineligible"


def test_unsure_relapses_24_with_no_relapse_in_12_months_fails(care_ms_1):
    result = evaluate(
        care_ms_1, NEWLY_DIAGNOSED, relapses_last_24_months="unsure", relapses_last_12_months=0
    )
    assert status_of(result, "inclusion-5") == "fail"


def test_no_answers_is_possibly_eligible_with_everything_missing(care_ms_2):
    result = care_ms_2.evaluate({}, today=TODAY)
    assert result.verdict == "possibly_eligible"
    assert set(result.missing) == set(care_ms_2.facts)
    assert all(r.status == "unknown" for r in result.results)


def test_explanations_in_spanish_for_both_trials(care_ms_2, care_ms_1):
    result = care_ms_2.evaluate({**CARE_MS_2_CANDIDATE, "edss": 5.5}, today=TODAY, lang="es")
    edss = next(r for r in result.results if r.id == "inclusion-4")
    assert edss.explanation == (
        "Este estudio admite a personas con una puntuación de discapacidad EDSS de 0 a 5,0; "
        "nos dijo que su puntuación EDSS es 5,5."
    )
    result = care_ms_1.evaluate(
        {**NEWLY_DIAGNOSED, "treatments_ever": ["fingolimod"]}, today=TODAY, lang="es"
    )
    assert (
        "ha tomado fingolimod"
        in next(r for r in result.results if r.id == "exclusion-1").explanation
    )
