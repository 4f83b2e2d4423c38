"""The rule language: validation messages name the part at fault."""

import pytest

from eligibility.engine.evaluate import CriterionSpec, compile_trial
from eligibility.engine.rules import OPERATORS, RuleError, probe_values, rule_facts, validate_rule

AGE_18_55 = {"fact": "age", "op": "between", "value": [18, 55]}


def rule_error(rule) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    return caught.value


@pytest.mark.parametrize(
    "rule",
    [
        AGE_18_55,
        {"fact": "edss", "op": "<=", "value": 5.0},
        {"fact": "edss", "op": ">", "value": 3},
        {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
        {"fact": "sex", "op": "!=", "value": "male"},
        {"fact": "ms_course", "op": "in", "value": ["primary_progressive"]},
        {"fact": "treatments_ever", "op": "contains_any", "value": ["alemtuzumab"]},
        {"fact": "treatments_ever", "op": "is_empty"},
        {"all": [AGE_18_55, {"not": {"fact": "treatments_ever", "op": "is_empty"}}]},
        {"any": [AGE_18_55]},
    ],
)
def test_it_accepts_well_formed_rules(rule):
    validate_rule(rule)


def test_rejects_unknown_fact():
    error = rule_error({"all": [AGE_18_55, {"fact": "height", "op": ">", "value": 1}]})
    assert error.path == "all[1].fact"
    assert "height" in str(error)


def test_rejects_unknown_operator():
    error = rule_error({"any": [{"fact": "age", "op": "~=", "value": 3}]})
    assert error.path == "any[0].op"
    assert "'~='" in error.message


def test_rejects_contains_any_on_a_number():
    error = rule_error({"fact": "edss", "op": "contains_any", "value": [1]})
    assert error.path == "op"
    assert "contains_any" in error.message and "edss" in error.message


def test_rejects_less_than_on_a_choice():
    error = rule_error({"not": {"fact": "ms_diagnosis", "op": "<", "value": "yes"}})
    assert error.path == "not.op"
    assert "choice" in error.message


def test_rejects_rules_on_birth_date():
    error = rule_error({"fact": "birth_date", "op": "==", "value": "2000-01-01"})
    assert "age" in error.message


def test_rejects_value_outside_fact_range():
    error = rule_error({"all": [{"fact": "edss", "op": "<=", "value": 12}]})
    assert error.path == "all[0].value"
    assert "0..10" in error.message


def test_rejects_rule_value_off_edss_half_step():
    assert "step" in rule_error({"fact": "edss", "op": "<=", "value": 5.2}).message


def test_rejects_fractional_value_for_integer_fact():
    assert rule_error({"fact": "age", "op": ">=", "value": 17.5}).path == "value"


def test_rejects_bool_value_for_number():
    assert rule_error({"fact": "age", "op": ">=", "value": True}).path == "value"


def test_rejects_unknown_choice_value():
    error = rule_error({"fact": "ms_course", "op": "in", "value": ["benign"]})
    assert "benign" in error.message


def test_rejects_unknown_treatment_code_in_rule():
    error = rule_error({"fact": "treatments_ever", "op": "contains_any", "value": ["tea"]})
    assert "tea" in error.message


def test_rejects_unsure_as_a_rule_value():
    error = rule_error({"fact": "ms_diagnosis", "op": "==", "value": "unsure"})
    assert "unsure" in error.message


def test_rejects_between_with_bounds_reversed():
    assert "above" in rule_error({"fact": "age", "op": "between", "value": [55, 18]}).message


@pytest.mark.parametrize("value", [18, [18], [18, 55, 60], "18-55"])
def test_rejects_between_without_two_bounds(value):
    assert rule_error({"fact": "age", "op": "between", "value": value}).path == "value"


def test_rejects_is_empty_with_a_value():
    assert (
        "no value" in rule_error({"fact": "treatments_ever", "op": "is_empty", "value": []}).message
    )


def test_rejects_comparison_without_value():
    assert "needs a value" in rule_error({"fact": "age", "op": ">="}).message


def test_rejects_empty_all():
    error = rule_error({"all": []})
    assert error.path == "all"
    assert "non-empty" in error.message


def test_rejects_empty_any_nested():
    assert rule_error({"not": {"any": []}}).path == "not.any"


def test_rejects_extra_key_in_comparison():
    error = rule_error({"fact": "age", "op": ">=", "value": 18, "unit": "years"})
    assert error.path == "unit"


def test_rejects_extra_key_beside_all():
    assert rule_error({"all": [AGE_18_55], "any": [AGE_18_55]}).path == "any"


def test_rejects_non_object_rule():
    assert rule_error({"all": [AGE_18_55, "age > 18"]}).path == "all[1]"
    assert rule_error([AGE_18_55]).path == "rule"


def test_rejects_object_that_is_no_rule():
    assert "one of" in rule_error({"value": 3}).message


def test_rejects_empty_list_for_in():
    assert rule_error({"fact": "ms_course", "op": "in", "value": []}).path == "value"


def test_rejects_duplicate_codes():
    rule = {"fact": "treatments_ever", "op": "contains_any", "value": ["ivig", "ivig"]}
    assert "twice" in rule_error(rule).message


def test_compile_trial_names_the_criterion_at_fault():
    criteria = [
        CriterionSpec("inc-1", "inclusion", AGE_18_55, "People aged 18 to 55"),
        CriterionSpec(
            "inc-2", "inclusion", {"all": [{"fact": "edss", "op": "<=", "value": 11}]}, "x"
        ),
    ]
    with pytest.raises(RuleError) as caught:
        compile_trial(criteria)
    assert caught.value.criterion == "inc-2"
    assert str(caught.value).startswith("criterion inc-2, all[0].value:")


def test_compile_trial_rejects_unknown_kind():
    with pytest.raises(RuleError) as caught:
        compile_trial([CriterionSpec(7, "maybe", AGE_18_55, "x")])
    assert caught.value.path == "kind"


def test_every_operator_declares_types_and_semantics():
    assert set(OPERATORS) == {
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "between",
        "in",
        "contains_any",
        "is_empty",
        # contract v2 (spec sections 6.1 and 6.2)
        "ever",
        "taken_within",
        "currently_taking",
    }
    for operator in OPERATORS.values():
        assert operator.fact_types


def test_rule_facts_lists_each_fact_once_in_order():
    rule = {
        "all": [
            {"fact": "edss", "op": "<=", "value": 5},
            AGE_18_55,
            {"fact": "edss", "op": ">=", "value": 0},
        ]
    }
    assert rule_facts(rule) == ("edss", "age")


def test_probe_values_straddle_the_rule_constants():
    probes = probe_values(AGE_18_55, "age")
    assert {17, 18, 19, 54, 55, 56, 0, 120} <= set(probes)
    assert {4.5, 5.0, 5.5} <= set(probe_values({"fact": "edss", "op": "<=", "value": 5.0}, "edss"))


def test_probe_values_for_lists_and_choices():
    rule = {"fact": "treatments_ever", "op": "is_empty"}
    probes = probe_values(rule, "treatments_ever")
    assert () in probes and ("alemtuzumab",) in probes
    assert "unsure" not in probe_values(
        {"fact": "ms_diagnosis", "op": "==", "value": "yes"}, "ms_diagnosis"
    )
