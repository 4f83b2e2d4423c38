"""The fact registry and answer validation (spec section 1)."""

from datetime import date

import pytest

from eligibility.engine.facts import (
    ASKING_ORDER,
    FACTS,
    TREATMENT_CODES,
    UNSURE,
    InvalidAnswers,
    age_on,
    derive_facts,
    normalize_language,
    prepare_facts,
    validate_answers,
)

TODAY = date(2025, 6, 15)

SPEC_KEYS = {
    "age",
    "birth_date",
    "sex",
    "ms_diagnosis",
    "ms_course",
    "years_since_first_symptoms",
    "relapses_last_12_months",
    "relapses_last_24_months",
    "relapse_on_interferon_or_glatiramer",
    "edss",
    "mri_lesions_confirmed",
    "treatments_ever",
    "treatments_last_6_months",
    "investigational_drug_ever",
}


def errors_for(answers) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(answers, today=TODAY)
    return caught.value.errors


# Contract v2 (spec section 6) adds these keys to the same registry.
SPEC_V2_KEYS = {
    "last_relapse",
    "days_since_last_relapse",
    "last_systemic_steroids",
    "days_since_systemic_steroids",
    "last_investigational_drug",
    "days_since_investigational_drug",
    "last_new_mri_activity",
    "days_since_new_mri_activity",
    "last_live_vaccine",
    "days_since_live_vaccine",
    "treatment_history",
    "pregnancy_or_breastfeeding",
    "planning_pregnancy",
    "contraception",
    "other_conditions",
    "years_since_cancer",
    "implanted_device",
    "can_have_mri",
    "has_internet_device",
}


def test_registry_holds_exactly_the_spec_keys():
    assert set(FACTS) == SPEC_KEYS | SPEC_V2_KEYS
    assert set(ASKING_ORDER) == SPEC_KEYS | SPEC_V2_KEYS


def test_treatment_codes_are_the_spec_list():
    assert TREATMENT_CODES == (
        "interferon_beta",
        "glatiramer_acetate",
        "natalizumab",
        "fingolimod",
        "dimethyl_fumarate",
        "teriflunomide",
        "alemtuzumab",
        "ocrelizumab",
        "rituximab",
        "mitoxantrone",
        "cyclophosphamide",
        "cladribine",
        "methotrexate",
        "azathioprine",
        "cyclosporine",
        "ivig",
        "corticosteroids",
        # added by contract v2 (spec section 6.2)
        "ofatumumab",
        "ublituximab",
        "ozanimod",
        "ponesimod",
        "siponimod",
        "diroximel_fumarate",
        "monomethyl_fumarate",
        "daclizumab",
        "laquinimod",
        "mycophenolate",
        "btk_inhibitor",
        "hsct",
        "plasma_exchange",
        "dalfampridine",
    )


def test_every_fact_has_question_and_help_in_both_languages():
    for fact in FACTS.values():
        for lang in ("en", "es"):
            assert fact.question(lang).strip(), fact.key
            assert fact.help(lang).strip(), fact.key
        assert fact.question("es") != fact.question("en"), fact.key
        for choice in fact.choices:
            assert choice.label("en") and choice.label("es"), (fact.key, choice.code)


def test_help_text_explains_the_medical_terms():
    assert "Expanded Disability Status Scale" in FACTS["edss"].help("en")
    assert "McDonald" in FACTS["ms_diagnosis"].help("en")
    assert "McDonald" in FACTS["ms_diagnosis"].help("es")
    assert "24 hours" in FACTS["relapses_last_12_months"].help("en")
    assert "lesions" in FACTS["mri_lesions_confirmed"].help("en")


def test_unknown_language_falls_back_to_english():
    assert FACTS["age"].question("fr") == FACTS["age"].question("en")
    assert FACTS["age"].question("es-MX") == FACTS["age"].question("es")


def test_choice_values_follow_the_spec():
    assert FACTS["sex"].choice_codes == ("female", "male", "other")
    assert FACTS["ms_diagnosis"].choice_codes == ("yes", "no", "unsure")
    assert FACTS["ms_course"].choice_codes == (
        "relapsing_remitting",
        "secondary_progressive",
        "primary_progressive",
        "clinically_isolated_syndrome",
        "unsure",
    )


def test_unsure_is_accepted_everywhere_but_age_birth_date_and_sex():
    refusing = {key for key, fact in FACTS.items() if not fact.accepts_unsure}
    assert refusing == {"age", "birth_date", "sex"}
    accepting = dict.fromkeys(SPEC_KEYS - refusing, UNSURE)
    assert validate_answers(accepting, today=TODAY) == accepting


@pytest.mark.parametrize("key", ["age", "birth_date", "sex"])
def test_rejects_unsure_for_age_birth_date_and_sex(key):
    assert key in errors_for({key: UNSURE})


def test_edss_has_half_steps_from_0_to_10():
    edss = FACTS["edss"]
    assert (edss.min, edss.max, edss.step) == (0.0, 10.0, 0.5)


def test_it_accepts_a_full_valid_answer_set():
    answers = {
        "birth_date": "1985-03-02",
        "sex": "female",
        "ms_diagnosis": "yes",
        "ms_course": "relapsing_remitting",
        "years_since_first_symptoms": 4.5,
        "relapses_last_12_months": 1,
        "relapses_last_24_months": 2,
        "relapse_on_interferon_or_glatiramer": "yes",
        "edss": 3.5,
        "mri_lesions_confirmed": "yes",
        "treatments_ever": ["interferon_beta"],
        "treatments_last_6_months": [],
        "investigational_drug_ever": "no",
    }
    assert validate_answers(answers, today=TODAY) == answers


def test_rejects_answers_that_are_not_an_object():
    assert "answers" in errors_for(["age", 30])
    assert "answers" in errors_for("age=30")
    assert "answers" in errors_for(None)


def test_rejects_unknown_key_by_name():
    errors = errors_for({"age": 30, "favourite_colour": "blue"})
    assert list(errors) == ["favourite_colour"]
    assert "unknown" in errors["favourite_colour"]


def test_rejects_unknown_treatment_code_by_name():
    errors = errors_for({"treatments_ever": ["interferon_beta", "snake_oil"]})
    assert "snake_oil" in errors["treatments_ever"]
    errors = errors_for({"treatments_last_6_months": ["ocrelizumab", "tea"]})
    assert "tea" in errors["treatments_last_6_months"]


def test_rejects_bool_as_integer():
    assert "age" in errors_for({"age": True})
    assert "relapses_last_12_months" in errors_for({"relapses_last_12_months": False})


def test_rejects_numeric_strings():
    assert "age" in errors_for({"age": "30"})
    assert "edss" in errors_for({"edss": "3.5"})


def test_rejects_fractional_integer_but_accepts_integral_float():
    assert "relapses_last_12_months" in errors_for({"relapses_last_12_months": 1.5})
    clean = validate_answers({"relapses_last_12_months": 2.0}, today=TODAY)
    assert clean["relapses_last_12_months"] == 2
    assert isinstance(clean["relapses_last_12_months"], int)


def test_rejects_nan_and_infinity():
    assert "edss" in errors_for({"edss": float("nan")})
    assert "years_since_first_symptoms" in errors_for({"years_since_first_symptoms": float("inf")})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("age", -1),
        ("age", 121),
        ("years_since_first_symptoms", 80.5),
        ("years_since_first_symptoms", -0.5),
        ("relapses_last_12_months", 51),
        ("relapses_last_24_months", 101),
        ("edss", 10.5),
        ("edss", -0.5),
    ],
)
def test_rejects_out_of_range(key, value):
    assert "between" in errors_for({key: value})[key]


def test_rejects_edss_off_half_step():
    errors = errors_for({"edss": 3.2})
    assert "0.5" in errors["edss"]


def test_accepts_edss_on_half_step():
    assert validate_answers({"edss": 5}, today=TODAY) == {"edss": 5.0}
    assert validate_answers({"edss": 5.5}, today=TODAY) == {"edss": 5.5}


def test_rejects_unknown_choice():
    assert "maybe" in errors_for({"ms_diagnosis": "maybe"})["ms_diagnosis"]
    assert "ms_course" in errors_for({"ms_course": "benign"})


def test_rejects_treatments_that_are_not_a_list():
    assert "treatments_ever" in errors_for({"treatments_ever": "alemtuzumab"})


def test_rejects_birth_date_in_the_future():
    assert "future" in errors_for({"birth_date": "2025-06-16"})["birth_date"]


def test_rejects_birth_date_over_120_years_ago():
    assert "120" in errors_for({"birth_date": "1904-06-15"})["birth_date"]
    assert validate_answers({"birth_date": "1904-06-16"}, today=TODAY)


@pytest.mark.parametrize("value", ["15/06/1990", "1990-02-30", "1990-6-1", "19900601", 19900601])
def test_rejects_malformed_birth_date(value):
    assert "birth_date" in errors_for({"birth_date": value})


def test_rejects_relapses_24_below_relapses_12():
    errors = errors_for({"relapses_last_12_months": 3, "relapses_last_24_months": 2})
    assert "relapses_last_12_months" in errors["relapses_last_24_months"]


def test_accepts_relapses_24_equal_to_relapses_12():
    answers = {"relapses_last_12_months": 2, "relapses_last_24_months": 2}
    assert validate_answers(answers, today=TODAY) == answers


def test_rejects_age_that_disagrees_with_birth_date():
    errors = errors_for({"age": 40, "birth_date": "1990-01-01"})
    assert "birth_date" in errors["age"]


def test_accepts_age_within_one_year_of_birth_date():
    assert validate_answers({"age": 36, "birth_date": "1990-01-01"}, today=TODAY)
    assert validate_answers({"age": 34, "birth_date": "1990-01-01"}, today=TODAY)


def test_recent_treatments_count_as_taken_ever():
    clean = validate_answers(
        {"treatments_ever": ["interferon_beta"], "treatments_last_6_months": ["natalizumab"]},
        today=TODAY,
    )
    assert clean["treatments_ever"] == ["interferon_beta", "natalizumab"]


def test_recent_treatments_do_not_invent_a_missing_history():
    clean = validate_answers({"treatments_last_6_months": ["natalizumab"]}, today=TODAY)
    assert "treatments_ever" not in clean


def test_duplicate_codes_are_folded_in_registry_order():
    clean = validate_answers(
        {"treatments_ever": ["rituximab", "interferon_beta", "rituximab"]}, today=TODAY
    )
    assert clean["treatments_ever"] == ["interferon_beta", "rituximab"]


def test_null_means_not_answered():
    assert validate_answers({"edss": None}, today=TODAY) == {}


def test_reports_every_offending_key_at_once():
    errors = errors_for({"age": "x", "edss": 3.3, "colour": 1})
    assert set(errors) == {"age", "edss", "colour"}


def test_derives_age_from_birth_date_birthday_aware():
    assert derive_facts({"birth_date": "1970-06-15"}, today=TODAY)["age"] == 55
    assert derive_facts({"birth_date": "1970-06-16"}, today=TODAY)["age"] == 54


def test_derive_keeps_a_stated_age():
    assert derive_facts({"age": 36, "birth_date": "1990-01-01"}, today=TODAY)["age"] == 36


def test_feb_29_birthday_turns_a_year_older_on_march_1_in_common_years():
    born = date(2000, 2, 29)
    assert age_on(born, date(2025, 2, 28)) == 24
    assert age_on(born, date(2025, 3, 1)) == 25
    assert age_on(born, date(2024, 2, 28)) == 23
    assert age_on(born, date(2024, 2, 29)) == 24


def test_prepare_validates_then_derives():
    assert prepare_facts({"birth_date": "2000-02-29"}, today=date(2018, 3, 1))["age"] == 18
    with pytest.raises(InvalidAnswers):
        prepare_facts({"edss": 11}, today=TODAY)


def test_describe_answer_in_both_languages():
    assert FACTS["age"].describe_answer(58, "en") == "you are 58"
    assert FACTS["edss"].describe_answer(5.5, "es") == "su puntuación EDSS es 5,5"
    assert FACTS["treatments_ever"].describe_answer([], "en") == (
        "you have never taken an MS or immune treatment"
    )
    assert "natalizumab and rituximab" in FACTS["treatments_ever"].describe_answer(
        ["natalizumab", "rituximab"], "en"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "en"),
        ("es", "es"),
        ("ES", "es"),
        ("es-MX", "es"),
        ("es_AR", "es"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_language_tag_maps_to_a_translated_language_or_english(lang, expected):
    assert normalize_language(lang) == expected
