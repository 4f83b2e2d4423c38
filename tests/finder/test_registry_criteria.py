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
    [criterion] = derive(healthy_volunteers=False, conditions=["Relapsing Multiple Sclerosis"])

    assert criterion["rule"] == {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
    assert criterion["patient_text_es"]


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
