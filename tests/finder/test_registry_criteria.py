"""finder.registry_criteria: rules from the registry's structured eligibility fields."""

from decimal import Decimal

import pytest

from eligibility.engine.rules import validate_rule
from finder.ctgov import parse_age
from finder.registry_criteria import registry_criteria


def derive(minimum="", maximum="", **kwargs):
    return registry_criteria(
        minimum_age_years=parse_age(minimum),
        maximum_age_years=parse_age(maximum),
        minimum_age_text=minimum,
        maximum_age_text=maximum,
        **kwargs,
    )


def test_turns_both_age_limits_into_between():
    [criterion] = derive("18 Years", "55 Years")

    assert criterion["rule"] == {"fact": "age", "op": "between", "value": [18, 55]}
    assert criterion["kind"] == "inclusion"
    assert criterion["patient_text"] == "People aged 18 to 55"
    assert criterion["patient_text_es"] == "Personas de 18 a 55 años"
    assert "18 Years" in criterion["clinical_text"]


def test_turns_one_age_limit_into_a_one_sided_comparison():
    assert derive("16 Years")[0]["rule"] == {"fact": "age", "op": ">=", "value": 16}
    assert derive("", "17 Years")[0]["rule"] == {"fact": "age", "op": "<=", "value": 17}


@pytest.mark.parametrize(
    ("minimum", "maximum", "rule"),
    [
        # 6 months: every whole-year age of 0 may be old enough, so no lower bound at all.
        ("6 Months", "17 Years", {"fact": "age", "op": "<=", "value": 17}),
        ("18 Months", "", {"fact": "age", "op": ">=", "value": 1}),
        ("", "18 Months", {"fact": "age", "op": "<=", "value": 1}),
    ],
)
def test_rounds_fractional_age_limits_down_to_whole_years(minimum, maximum, rule):
    assert derive(minimum, maximum)[0]["rule"] == rule


def test_states_the_registered_limit_not_the_rounded_one():
    [criterion] = derive("6 Months", "17 Years")

    assert criterion["patient_text"] == "People aged 6 months to 17 years"
    assert criterion["patient_text_es"] == "Personas de 6 meses a 17 años"


def test_derives_nothing_without_limits():
    assert derive() == []
    assert derive("N/A", "N/A") == []
    assert derive("0 Years", "150 Years") == []


@pytest.mark.parametrize(("sex", "code"), [("FEMALE", "female"), ("MALE", "male")])
def test_restricts_sex_only_when_the_record_does(sex, code):
    [criterion] = derive(sex=sex)

    assert criterion["rule"] == {"fact": "sex", "op": "in", "value": [code]}
    assert derive(sex="ALL") == []


def test_requires_an_ms_diagnosis_when_healthy_volunteers_are_not_accepted():
    [criterion] = derive(healthy_volunteers=False, conditions=["Multiple Sclerosis"])

    assert criterion["rule"] == {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
    assert criterion["patient_text_es"]


@pytest.mark.parametrize(
    "conditions",
    [
        ["Relapsing Multiple Sclerosis"],
        ["Relapsing-Remitting Multiple Sclerosis", "Relapsing Multiple Sclerosis"],
        ["Multiple Sclerosis, Relapsing-Remitting"],
        ["RRMS"],
    ],
)
def test_excludes_primary_progressive_ms_when_every_condition_is_a_relapsing_form(conditions):
    criteria = derive(conditions=conditions)

    assert [(c["kind"], c["rule"]) for c in criteria] == [
        ("exclusion", {"fact": "ms_course", "op": "==", "value": "primary_progressive"})
    ]
    assert criteria[0]["patient_text_es"] == "Personas con EM primaria progresiva"


@pytest.mark.parametrize(
    "conditions",
    [
        ["Multiple Sclerosis"],
        ["Relapsing Multiple Sclerosis", "Multiple Sclerosis"],
        ["Relapsing Multiple Sclerosis", "Secondary Progressive Multiple Sclerosis"],
        ["Relapsing Polychondritis"],
        [],
    ],
)
def test_derives_nothing_more_about_the_ms_course(conditions):
    assert not [c for c in derive(conditions=conditions) if c["kind"] == "exclusion"]


@pytest.mark.parametrize(
    ("healthy", "conditions"),
    [
        (True, ["Multiple Sclerosis"]),
        (None, ["Multiple Sclerosis"]),
        (False, ["Neuromyelitis Optica", "Multiple Sclerosis"]),
        (False, ["Clinically Isolated Syndrome"]),
        (False, []),
    ],
)
def test_does_not_require_ms_when_others_may_take_part(healthy, conditions):
    assert derive(healthy_volunteers=healthy, conditions=conditions) == []


def test_numbers_criteria_in_order_and_every_rule_validates():
    criteria = derive(
        "18 Months",
        "65 Years",
        sex="FEMALE",
        healthy_volunteers=False,
        conditions=["MS", "RRMS"],
    )

    assert [c["order"] for c in criteria] == [1, 2, 3]
    for criterion in criteria:
        validate_rule(criterion["rule"])


def test_one_year_reads_in_the_singular():
    [criterion] = registry_criteria(
        minimum_age_years=Decimal(1), maximum_age_years=None, minimum_age_text="1 Year"
    )
    assert criterion["patient_text_es"] == "Personas de 1 año o más"


# --- every registered line, and derived rules attached to the line that says the same ----


def _registry_study(nct_id):
    import json
    from pathlib import Path

    from finder.ctgov import parse_study

    page = Path(__file__).resolve().parents[1] / "data" / "registry"
    page = json.loads((page / "ms-recruiting-portland-page.json").read_text(encoding="utf-8"))
    for study in page["studies"]:
        if study["protocolSection"]["identificationModule"]["nctId"] == nct_id:
            return parse_study(study)
    raise LookupError(nct_id)


def _trial_criteria(study):
    from finder.registry_criteria import registry_trial_criteria

    return registry_trial_criteria(
        eligibility_text=study.eligibility_text,
        minimum_age_years=study.minimum_age_years,
        maximum_age_years=study.maximum_age_years,
        minimum_age_text=study.minimum_age_text,
        maximum_age_text=study.maximum_age_text,
        sex=study.sex,
        healthy_volunteers=study.healthy_volunteers,
        conditions=study.conditions,
    )


def test_every_registered_line_is_a_criterion_without_a_rule():
    from finder.criteria_lines import split_criteria

    study = _registry_study("NCT04047628")  # BEAT-MS
    criteria = _trial_criteria(study)
    lines = [c for c in criteria if c["source"] == "line"]

    registered = split_criteria(study.eligibility_text).lines
    assert [(c["kind"], c["order"], c["clinical_text"]) for c in lines] == [
        (line.kind, line.order, line.text) for line in registered
    ]
    # The age line and the MS diagnosis line carry the rules derived from the record.
    assert sum(c["rule"] is None for c in lines) == len(lines) - 2
    assert all(len(c["line_hash"]) == 64 for c in lines)


def test_the_derived_age_rule_attaches_to_the_registered_age_line():
    criteria = _trial_criteria(_registry_study("NCT04047628"))

    [age] = [c for c in criteria if c["rule"] and c["rule"]["fact"] == "age"]
    assert age["source"] == "line"
    assert age["clinical_text"].startswith("Age 18 to 55 years, inclusive")
    assert age["rule"] == {"fact": "age", "op": "between", "value": [18, 55]}
    assert age["patient_text"] == "People aged 18 to 55"


def test_a_derived_rule_that_matches_no_line_stands_on_its_own():
    # NCT06433752 registers no age line; its minimum age comes from the record's fields.
    criteria = _trial_criteria(_registry_study("NCT06433752"))

    derived = [c for c in criteria if c["source"] == "registry"]
    assert [c["rule"]["fact"] for c in derived] == ["age"]
    [diagnosis] = [c for c in criteria if c["rule"] and c["rule"]["fact"] == "ms_diagnosis"]
    assert diagnosis["source"] == "line"
    assert diagnosis["clinical_text"] == "Confirmed Multiple Sclerosis (MS) diagnosis."


def test_the_primary_progressive_exclusion_of_a_relapsing_only_trial_is_counted_once():
    study = _registry_study("NCT06408259")  # paediatric RRMS
    criteria = _trial_criteria(study)

    [excluded] = [c for c in criteria if c["kind"] == "exclusion" and c["rule"]]
    assert excluded["rule"] == {"fact": "ms_course", "op": "==", "value": "primary_progressive"}
    assert excluded["source"] == "registry"
    assert "derived" not in excluded


@pytest.mark.parametrize(
    ("text", "attaches"),
    [
        ("Age 18 to 55 years, inclusive, at the time of the screening Visit -2.", True),
        ("Subjects must be between 18 and 55 years of age, inclusive.", True),
        ("Male or female subjects aged 18 to 55 years.", True),
        ("18 to 55 years of age", True),
        ("Age 18 to 65 years", False),  # other limits than the record's
        ("Age greater than 18 and less than 55", False),  # strict bounds
        ("Men, age 18-55, with a diagnosis of relapsing remitting multiple sclerosis.", False),
    ],
)
def test_an_age_line_gets_the_age_rule_only_when_it_says_exactly_the_same(text, attaches):
    from decimal import Decimal

    from finder.registry_criteria import registry_trial_criteria

    criteria = registry_trial_criteria(
        eligibility_text=f"Inclusion Criteria:\n\n- {text}\n- EDSS 0 to 5.5",
        minimum_age_years=Decimal(18),
        maximum_age_years=Decimal(55),
        minimum_age_text="18 Years",
        maximum_age_text="55 Years",
    )
    line = criteria[0]
    assert (line["rule"] is not None) is attaches
    assert len(criteria) == (2 if attaches else 3)
