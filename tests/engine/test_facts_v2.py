"""The contract v2 registry (spec section 6): keys, codes, wording, JSON Schema, validation."""

from datetime import date

import jsonschema
import pytest

from eligibility.engine.facts import (
    ASKING_ORDER,
    CONDITION_CODES,
    DATED_FACTS,
    DERIVED_FROM,
    FACTS,
    NEVER,
    TREATMENT_CODES,
    TREATMENT_GROUPS,
    UNSURE,
    InvalidAnswers,
    expand_treatment_codes,
    prepare_facts,
    question_key,
    validate_answers,
)

TODAY = date(2026, 6, 15)

DATED = {
    "last_relapse": "days_since_last_relapse",
    "last_systemic_steroids": "days_since_systemic_steroids",
    "last_investigational_drug": "days_since_investigational_drug",
    "last_new_mri_activity": "days_since_new_mri_activity",
    "last_live_vaccine": "days_since_live_vaccine",
}
YES_NO_UNSURE = {
    "pregnancy_or_breastfeeding",
    "planning_pregnancy",
    "implanted_device",
    "can_have_mri",
    "has_internet_device",
}
V2_KEYS = {
    *DATED,
    *DATED.values(),
    *YES_NO_UNSURE,
    "treatment_history",
    "contraception",
    "other_conditions",
    "years_since_cancer",
}


def errors_for(answers) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as caught:
        validate_answers(answers, today=TODAY)
    return caught.value.errors


# --- the registry ---------------------------------------------------------------------------


def test_dated_facts_derive_the_day_counts_the_spec_names():
    assert dict(DATED_FACTS) == DATED
    assert dict(DERIVED_FROM) == {days: dated for dated, days in DATED.items()}
    for dated, days in DATED.items():
        assert FACTS[dated].type == "month_date" and FACTS[dated].derives == days
        assert FACTS[days].type == "days" and FACTS[days].derived_from == dated
        assert (FACTS[days].min, FACTS[days].max) == (0, 50000)


def test_every_new_key_accepts_unsure():
    assert all(FACTS[key].accepts_unsure for key in V2_KEYS)
    assert validate_answers(dict.fromkeys(V2_KEYS, UNSURE), today=TODAY) == dict.fromkeys(
        V2_KEYS, UNSURE
    )


def test_never_is_accepted_exactly_by_the_dated_facts_and_years_since_cancer():
    accepting = {key for key, fact in FACTS.items() if fact.accepts_never}
    assert accepting == {*DATED, *DATED.values(), "years_since_cancer"}


def test_choice_values_follow_the_spec():
    for key in YES_NO_UNSURE:
        assert FACTS[key].choice_codes == ("yes", "no", "unsure"), key
    assert FACTS["contraception"].choice_codes == ("yes", "no", "not_needed", "unsure")


def test_condition_codes_are_the_spec_list():
    assert CONDITION_CODES == (
        "nmosd",
        "epilepsy",
        "stroke",
        "heart_disease",
        "hiv",
        "hepatitis_b",
        "hepatitis_c",
        "tuberculosis",
        "pml",
        "active_infection",
        "immunodeficiency",
        "diabetes",
        "liver_disease",
        "kidney_disease",
        "other_autoimmune",
        "depression",
        "suicidal_thoughts",
        "psychiatric_illness",
        "substance_use",
    )
    assert FACTS["other_conditions"].choice_codes == CONDITION_CODES


def test_code_groups_have_exactly_the_spec_membership():
    approved = {
        "interferon_beta",
        "glatiramer_acetate",
        "natalizumab",
        "fingolimod",
        "siponimod",
        "ozanimod",
        "ponesimod",
        "dimethyl_fumarate",
        "diroximel_fumarate",
        "monomethyl_fumarate",
        "teriflunomide",
        "alemtuzumab",
        "ocrelizumab",
        "ofatumumab",
        "ublituximab",
        "cladribine",
        "mitoxantrone",
    }
    members = {code: set(group.members) for code, group in TREATMENT_GROUPS.items()}
    assert members == {
        "@approved_dmt": approved,
        "@anti_cd20": {"ocrelizumab", "ofatumumab", "ublituximab", "rituximab"},
        "@s1p_modulator": {"fingolimod", "siponimod", "ozanimod", "ponesimod"},
        "@immunosuppressant": {
            "methotrexate",
            "azathioprine",
            "cyclosporine",
            "cyclophosphamide",
            "mycophenolate",
            "mitoxantrone",
        },
        "@any_dmt": approved | {"rituximab", "daclizumab", "laquinimod", "btk_inhibitor", "hsct"},
    }
    for group in TREATMENT_GROUPS.values():
        assert set(group.members) <= set(TREATMENT_CODES)
        assert group.label("en") and group.label("es") != group.label("en")


def test_expanding_groups_gives_each_code_once_in_registry_order():
    assert expand_treatment_codes(["@anti_cd20", "natalizumab", "rituximab"]) == (
        "natalizumab",
        "ocrelizumab",
        "rituximab",
        "ofatumumab",
        "ublituximab",
    )
    assert expand_treatment_codes(["ivig"]) == ("ivig",)
    with pytest.raises(KeyError):
        expand_treatment_codes(["@statins"])


def test_corticosteroids_dalfampridine_and_plasma_exchange_are_in_no_group():
    grouped = set(expand_treatment_codes(TREATMENT_GROUPS))
    assert {"corticosteroids", "dalfampridine", "plasma_exchange", "ivig"}.isdisjoint(grouped)


def test_every_new_fact_and_code_has_wording_in_both_languages():
    for key in V2_KEYS:
        fact = FACTS[key]
        for text in (fact.question_text, fact.help_text, fact.value_text):
            assert text.en.strip() and text.es.strip(), key
        assert fact.question("es") != fact.question("en"), key
        assert fact.help("es") != fact.help("en"), key
        if fact.accepts_never:
            assert fact.never_text and fact.never_text.es != fact.never_text.en, key
        for choice in fact.choices:
            assert choice.label("en") and choice.label("es"), (key, choice.code)
            if choice.code != UNSURE and fact.type == "choice":
                assert choice.statement and choice.statement.es != choice.statement.en, key


def test_help_texts_say_what_the_spec_means():
    assert "24 hours" in FACTS["last_relapse"].help("en")
    assert "first MS episode" in FACTS["last_relapse"].help("en")
    steroids = FACTS["last_systemic_steroids"].help("en")
    assert "ACTH" in steroids and "Creams, inhalers and eye drops do not count" in steroids
    assert "basal cell" in FACTS["years_since_cancer"].help("en")
    assert "in situ" in FACTS["years_since_cancer"].help("es")
    assert "Not needed" in FACTS["contraception"].help("en")
    assert "gadolinium" in FACTS["can_have_mri"].question("en")
    assert "peginterferon" in FACTS["treatment_history"].help("en")


def test_spanish_uses_the_usted_form():
    spanish = " ".join(FACTS[key].question("es") + FACTS[key].help("es") for key in V2_KEYS)
    for informal in (" tienes ", " has tenido", "¿Estás", " tu ", "Responde "):
        assert informal not in spanish


def test_pregnancy_facts_come_after_sex_in_the_asking_order():
    position = ASKING_ORDER.index
    for key in ("pregnancy_or_breastfeeding", "planning_pregnancy", "contraception"):
        assert position("sex") < position(key)


def test_day_counts_come_right_after_their_date_in_the_asking_order():
    for dated, days in DATED.items():
        assert ASKING_ORDER.index(days) == ASKING_ORDER.index(dated) + 1


@pytest.mark.parametrize(
    ("key", "asked"),
    [
        ("age", "birth_date"),
        ("days_since_last_relapse", "last_relapse"),
        ("days_since_live_vaccine", "last_live_vaccine"),
        ("treatment_history", "treatment_history"),
        ("edss", "edss"),
    ],
)
def test_question_key_maps_rule_facts_to_what_is_asked(key, asked):
    assert question_key(key) == asked


def test_question_key_can_ask_age_directly():
    assert question_key("age", age_key="age") == "age"


# --- JSON Schema ----------------------------------------------------------------------------

VALID_EXAMPLES = {
    "age": [0, 120],
    "birth_date": ["1990-01-01"],
    "edss": [0, 5.5],
    "ms_course": ["relapsing_remitting", UNSURE],
    "treatments_ever": [[], ["ivig", "ocrelizumab"], UNSURE],
    "last_relapse": ["2026-03-04", "2026-03", NEVER, UNSURE],
    "days_since_last_relapse": [0, 50000, NEVER, UNSURE],
    "treatment_history": [
        {},
        {"natalizumab": "2026-03-01", "interferon_beta": "current", "rituximab": UNSURE},
        {"ocrelizumab": "2025-11"},
        UNSURE,
    ],
    "other_conditions": [[], ["pml", "hiv"]],
    "years_since_cancer": [0, 2.5, 100, NEVER, UNSURE],
    "contraception": ["not_needed"],
}
INVALID_EXAMPLES = {
    "age": [-1, 121, "30", UNSURE],
    "edss": [3.2, 10.5],
    "last_relapse": ["2026-13", "2026/03", "March 2026", 2026, "sometimes"],
    "days_since_last_relapse": [-1, 50001, 3.5, "40"],
    "treatment_history": [
        {"snake_oil": "current"},
        {"natalizumab": NEVER},
        {"natalizumab": "March"},
        ["natalizumab"],
        {"@anti_cd20": "current"},
    ],
    "other_conditions": [["gout"], "pml"],
    "years_since_cancer": [-1, 101, "5"],
    "contraception": ["maybe"],
}


@pytest.mark.parametrize("key", sorted(FACTS))
def test_every_fact_has_a_json_schema_that_is_itself_valid(key):
    schema = FACTS[key].json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["description"] == FACTS[key].question("en")


@pytest.mark.parametrize(
    ("key", "value"), [(k, v) for k, values in VALID_EXAMPLES.items() for v in values]
)
def test_json_schema_accepts_what_validation_accepts(key, value):
    validate_answers({key: value}, today=TODAY)
    jsonschema.validate(value, FACTS[key].json_schema())


@pytest.mark.parametrize(
    ("key", "value"), [(k, v) for k, values in INVALID_EXAMPLES.items() for v in values]
)
def test_json_schema_refuses_what_validation_refuses(key, value):
    assert key in errors_for({key: value})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, FACTS[key].json_schema())


def test_json_schema_of_section_1_facts_keeps_its_shape():
    assert FACTS["edss"].json_schema() == {
        "oneOf": [
            {"type": "number", "minimum": 0.0, "maximum": 10.0, "multipleOf": 0.5},
            {"type": "string", "enum": ["unsure"]},
        ],
        "description": "What is your most recent EDSS score?",
    }
    assert FACTS["sex"].json_schema() == {
        "type": "string",
        "enum": ["female", "male", "other"],
        "description": "What is your sex?",
    }


# --- validation of the simple new facts -----------------------------------------------------


@pytest.mark.parametrize("key", sorted(YES_NO_UNSURE | {"contraception"}))
def test_rejects_an_unknown_choice_by_name(key):
    assert "maybe" in errors_for({key: "maybe"})[key]


def test_other_conditions_are_a_list_of_codes():
    clean = validate_answers({"other_conditions": ["pml", "epilepsy", "pml"]}, today=TODAY)
    assert clean == {"other_conditions": ["epilepsy", "pml"]}
    assert validate_answers({"other_conditions": []}, today=TODAY) == {"other_conditions": []}
    assert "condition code 'gout'" in errors_for({"other_conditions": ["gout"]})["other_conditions"]
    assert "other_conditions" in errors_for({"other_conditions": "pml"})


@pytest.mark.parametrize("value", [0, 0.5, 100, 100.0])
def test_years_since_cancer_accepts_its_range(value):
    assert validate_answers({"years_since_cancer": value}, today=TODAY) == {
        "years_since_cancer": float(value)
    }


@pytest.mark.parametrize("value", [-0.5, 100.5, True, "never ", float("nan")])
def test_years_since_cancer_rejects_out_of_range_and_wrong_types(value):
    assert "years_since_cancer" in errors_for({"years_since_cancer": value})


def test_years_since_cancer_accepts_never():
    assert prepare_facts({"years_since_cancer": NEVER}, today=TODAY) == {
        "years_since_cancer": NEVER
    }


def test_never_is_refused_where_the_spec_does_not_allow_it():
    errors = errors_for({"edss": NEVER, "age": NEVER, "treatments_ever": NEVER})
    assert set(errors) == {"edss", "age", "treatments_ever"}


def test_reports_every_offending_new_key_at_once():
    errors = errors_for(
        {
            "last_relapse": "2026-13",
            "days_since_live_vaccine": -3,
            "treatment_history": {"tea": "current"},
            "other_conditions": ["gout"],
            "years_since_cancer": 101,
            "contraception": "sometimes",
            "edss": 3.3,
        }
    )
    assert set(errors) == {
        "last_relapse",
        "days_since_live_vaccine",
        "treatment_history",
        "other_conditions",
        "years_since_cancer",
        "contraception",
        "edss",
    }


# --- telling answers back -------------------------------------------------------------------


def test_describes_the_simple_new_facts_in_both_languages():
    assert FACTS["pregnancy_or_breastfeeding"].describe_answer("no", "es") == (
        "no está embarazada ni dando el pecho"
    )
    assert FACTS["contraception"].describe_answer("not_needed", "en") == (
        "you cannot become pregnant or father a child"
    )
    assert FACTS["years_since_cancer"].describe_answer(NEVER, "en") == "you have never had cancer"
    assert FACTS["years_since_cancer"].describe_answer(1.0, "en") == (
        "you last had cancer or cancer treatment 1 year ago"
    )
    assert FACTS["years_since_cancer"].describe_answer(2.5, "es") == (
        "tuvo cáncer o tratamiento contra el cáncer por última vez hace 2,5 años"
    )
    assert FACTS["other_conditions"].describe_answer([], "en") == (
        "you have none of the conditions on the list"
    )
    assert (
        FACTS["other_conditions"]
        .describe_answer(["hiv", "pml"], "es")
        .startswith("tiene o ha tenido VIH y leucoencefalopatía")
    )


def test_format_value_for_summaries():
    assert FACTS["last_relapse"].format_value("2026-03", "en") == "March 2026"
    assert FACTS["last_relapse"].format_value("2026-03-04", "es") == "4 de marzo de 2026"
    assert FACTS["last_relapse"].format_value(NEVER, "es") == "Nunca"
    assert FACTS["years_since_cancer"].format_value(5.0, "en") == "5 years"
    history = {"interferon_beta": "current"}
    assert FACTS["treatment_history"].format_value(history, "en") == (
        "you are taking interferon beta now"
    )


@pytest.mark.parametrize(
    "value",
    ["٢٠٢٥-٠٥", "２０２５-０５", "2025-٠٥", "२०२५-05", "٢٠٢٥-٠٥-٠١", "2025-05-０１"],
)
def test_a_date_in_other_digits_than_ascii_is_refused_by_name(value):
    """The contract's dates are ``YYYY-MM`` (or ``YYYY-MM-DD``) in ASCII digits: Arabic-Indic,
    full-width or Devanagari digits are refused, never read as a date."""
    assert "last_relapse" in errors_for({"last_relapse": value})
    assert "birth_date" in errors_for({"birth_date": value})
