"""Partial records (spec section 6.2, last bullet): an absent code is unknown, not never.

A FHIR export lists the medications and diagnoses it knows. Prepared with ``partial``,
its ``treatment_history`` leaves every code it does not list open, and a partial
``other_conditions`` list leaves every code it does not give open. Every operator over
those codes gives each of its three values where the record allows it, and never FALSE
where a fuller record could make it TRUE. The interpreter, the compiled closures and the
generated verdict function agree, as ``test_properties_v2.py`` checks them.
"""

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_rule,
    compile_trial,
    interpret_criterion,
    interpret_rule,
    interpret_verdict,
)
from eligibility.engine.facts import (
    CONDITION_CODES,
    TREATMENT_CODES,
    InvalidAnswers,
    UncertainCodes,
    derive_facts,
    prepare_facts,
)

TODAY = date(2026, 6, 15)
PARTIAL = ("treatment_history", "other_conditions")
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def month_ago(months: int) -> str:
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - months, 12)
    return f"{year:04d}-{month + 1:02d}"


def partial_facts(answers):
    return prepare_facts(answers, today=TODAY, partial=PARTIAL)


def full_facts(answers):
    return prepare_facts(answers, today=TODAY)


def agreed(rule, prepared):
    """The rule's truth; the interpreter, the closures and the generated verdict agree."""
    truth = interpret_rule(rule, prepared)
    assert compile_rule(rule)(prepared) is truth
    trial = compile_trial([CriterionSpec(1, "exclusion", rule, "people")])
    expected = {True: "ineligible", False: "eligible", None: "possibly_eligible"}[truth]
    assert trial.verdict(prepared) == expected
    return truth


def taken_within(codes, days):
    return {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": codes, "days": days},
    }


def currently_taking(codes):
    return {"fact": "treatment_history", "op": "currently_taking", "value": codes}


def contains_any(key, codes):
    return {"fact": key, "op": "contains_any", "value": codes}


def is_empty(key):
    return {"fact": key, "op": "is_empty"}


class TestTakenWithin:
    def test_true_when_a_listed_code_was_taken_within_the_window(self):
        answers = {"treatment_history": {"natalizumab": ago(30)}}
        assert agreed(taken_within(["natalizumab", "fingolimod"], 90), partial_facts(answers))

    def test_false_when_every_listed_code_is_in_the_record_and_older(self):
        answers = {"treatment_history": {"natalizumab": ago(400), "fingolimod": ago(300)}}
        rule = taken_within(["natalizumab", "fingolimod"], 90)
        assert agreed(rule, partial_facts(answers)) is False

    def test_unknown_when_a_listed_code_is_not_in_the_record(self):
        answers = {"treatment_history": {"natalizumab": ago(400)}}
        rule = taken_within(["natalizumab", "fingolimod"], 90)
        assert agreed(rule, partial_facts(answers)) is None
        # The same answer given whole says fingolimod was never taken.
        assert agreed(rule, full_facts(answers)) is False

    def test_a_group_is_open_for_its_unlisted_members(self):
        answers = {"treatment_history": {"ocrelizumab": ago(400)}}
        assert agreed(taken_within(["@anti_cd20"], 183), partial_facts(answers)) is None


class TestCurrentlyTaking:
    def test_true_when_a_listed_code_is_current(self):
        answers = {"treatment_history": {"fingolimod": "current"}}
        assert agreed(currently_taking(["@s1p_modulator"]), partial_facts(answers)) is True

    def test_false_when_every_listed_code_is_in_the_record_and_stopped(self):
        answers = {"treatment_history": {"fingolimod": ago(20)}}
        assert agreed(currently_taking(["fingolimod"]), partial_facts(answers)) is False

    def test_unknown_when_a_listed_code_is_not_in_the_record(self):
        answers = {"treatment_history": {"fingolimod": ago(20)}}
        rule = currently_taking(["fingolimod", "natalizumab"])
        assert agreed(rule, partial_facts(answers)) is None
        assert agreed(rule, full_facts(answers)) is False


class TestTreatmentsEver:
    def test_contains_any_is_true_for_a_listed_code(self):
        answers = {"treatment_history": {"alemtuzumab": "unsure"}}
        rule = contains_any("treatments_ever", ["alemtuzumab"])
        assert agreed(rule, partial_facts(answers)) is True

    def test_contains_any_is_unknown_never_false_for_an_unlisted_code(self):
        answers = {"treatment_history": {"interferon_beta": "current"}}
        rule = contains_any("treatments_ever", ["alemtuzumab"])
        assert agreed(rule, partial_facts(answers)) is None
        assert agreed(rule, full_facts(answers)) is False

    def test_is_empty_is_false_when_the_record_lists_a_treatment(self):
        answers = {"treatment_history": {"interferon_beta": "current"}}
        assert agreed(is_empty("treatments_ever"), partial_facts(answers)) is False

    def test_is_empty_is_unknown_for_an_empty_record(self):
        assert agreed(is_empty("treatments_ever"), partial_facts({"treatment_history": {}})) is None
        assert agreed(is_empty("treatments_ever"), full_facts({"treatment_history": {}})) is True

    def test_the_derived_list_names_what_it_knows_and_what_it_does_not(self):
        ever = partial_facts({"treatment_history": {"natalizumab": ago(10)}})["treatments_ever"]
        assert ever.known == ("natalizumab",)
        assert set(ever.unknown) == set(TREATMENT_CODES) - {"natalizumab"}


class TestTreatmentsLastSixMonths:
    def test_contains_any_is_true_for_a_recent_listed_code(self):
        answers = {"treatment_history": {"methotrexate": ago(60)}}
        rule = contains_any("treatments_last_6_months", ["methotrexate"])
        assert agreed(rule, partial_facts(answers)) is True

    def test_contains_any_is_false_when_every_listed_code_is_older(self):
        answers = {"treatment_history": {"methotrexate": ago(400)}}
        rule = contains_any("treatments_last_6_months", ["methotrexate"])
        assert agreed(rule, partial_facts(answers)) is False

    def test_contains_any_is_unknown_for_an_unlisted_code(self):
        answers = {"treatment_history": {"methotrexate": ago(400)}}
        rule = contains_any("treatments_last_6_months", ["methotrexate", "azathioprine"])
        assert agreed(rule, partial_facts(answers)) is None

    def test_is_empty_is_false_with_a_recent_dose_and_unknown_without(self):
        recent = partial_facts({"treatment_history": {"methotrexate": ago(10)}})
        old = partial_facts({"treatment_history": {"methotrexate": ago(400)}})
        assert agreed(is_empty("treatments_last_6_months"), recent) is False
        assert agreed(is_empty("treatments_last_6_months"), old) is None


class TestOtherConditions:
    def test_contains_any_is_true_for_a_listed_condition(self):
        rule = contains_any("other_conditions", ["hiv", "pml"])
        assert agreed(rule, partial_facts({"other_conditions": ["pml"]})) is True

    def test_contains_any_is_unknown_for_one_not_listed(self):
        rule = contains_any("other_conditions", ["hiv"])
        assert agreed(rule, partial_facts({"other_conditions": ["epilepsy"]})) is None
        assert agreed(rule, full_facts({"other_conditions": ["epilepsy"]})) is False

    def test_is_empty_is_false_with_a_listed_condition_and_unknown_without(self):
        listed = partial_facts({"other_conditions": ["hiv"]})
        assert agreed(is_empty("other_conditions"), listed) is False
        empty = partial_facts({"other_conditions": []})
        assert agreed(is_empty("other_conditions"), empty) is None

    def test_the_list_keeps_the_codes_given_and_leaves_the_others_open(self):
        value = partial_facts({"other_conditions": ["hiv"]})["other_conditions"]
        assert value == UncertainCodes(("hiv",), tuple(c for c in CONDITION_CODES if c != "hiv"))


class TestPreparing:
    def test_partial_is_not_an_answer_key(self):
        with pytest.raises(InvalidAnswers) as caught:
            prepare_facts({"partial": ["treatment_history"]}, today=TODAY)
        assert "partial" in caught.value.errors

    def test_only_record_keys_can_be_partial(self):
        with pytest.raises(ValueError, match="edss"):
            derive_facts({"edss": 3.0}, today=TODAY, partial=("edss",))

    def test_a_full_history_is_unchanged(self):
        history = full_facts({"treatment_history": {"natalizumab": ago(5)}})["treatment_history"]
        assert not history.partial

    def test_the_explanation_says_what_the_record_leaves_open(self):
        rule = taken_within(["natalizumab"], 183)
        trial = compile_trial([CriterionSpec(1, "exclusion", rule, "People on natalizumab")])
        prepared = partial_facts({"treatment_history": {"interferon_beta": "current"}})
        result = trial.evaluate_facts(prepared)
        assert result.verdict == "possibly_eligible"
        assert "say nothing of natalizumab" in result.results[0].explanation
        assert result.missing == ("treatment_history",)
        spanish = trial.evaluate_facts(prepared, lang="es").results[0].explanation
        assert "no dicen nada de natalizumab" in spanish

    def test_a_group_left_open_is_named_as_the_others(self):
        rule = contains_any("treatments_ever", ["@any_dmt"])
        trial = compile_trial([CriterionSpec(1, "inclusion", rule, "People treated before")])
        prepared = partial_facts({"treatment_history": {"corticosteroids": ago(30)}})
        explanation = trial.evaluate_facts(prepared).results[0].explanation
        assert "say nothing of the others" in explanation


# --- properties --------------------------------------------------------------------------

CODES = ["natalizumab", "ocrelizumab", "rituximab", "fingolimod", "ivig", "alemtuzumab"]
RULE_CODES = [*CODES, "@anti_cd20", "@s1p_modulator", "@any_dmt"]
CONDITIONS = ["pml", "hiv", "epilepsy", "stroke"]
code_lists = st.lists(st.sampled_from(RULE_CODES), min_size=1, max_size=3, unique=True)

comparisons = st.one_of(
    st.builds(taken_within, code_lists, st.integers(0, 400)),
    st.builds(currently_taking, code_lists),
    st.builds(
        contains_any, st.sampled_from(["treatments_ever", "treatments_last_6_months"]), code_lists
    ),
    st.builds(
        is_empty,
        st.sampled_from(["treatments_ever", "treatments_last_6_months", "other_conditions"]),
    ),
    st.builds(
        contains_any,
        st.just("other_conditions"),
        st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2, unique=True),
    ),
)
rules = st.recursive(
    comparisons,
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda child: {"not": child}, children),
    ),
    max_leaves=4,
)
doses = st.one_of(
    st.just("current"),
    st.just("unsure"),
    st.integers(0, 500).map(ago),
    st.integers(0, 14).map(month_ago),
)
histories = st.dictionaries(st.sampled_from(CODES), doses, max_size=3)
condition_lists = st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True)


@PROPERTY_SETTINGS
@given(rules, histories, condition_lists)
def test_interpreter_closures_and_generated_verdict_agree_on_partial_records(
    rule, history, conditions
):
    prepared = partial_facts({"treatment_history": history, "other_conditions": conditions})
    agreed(rule, prepared)
    specs = [CriterionSpec(1, "inclusion", rule, "c"), CriterionSpec(2, "exclusion", rule, "d")]
    trial = compile_trial(specs)
    assert trial.statuses(prepared) == [interpret_criterion(s, prepared) for s in specs]
    assert trial.verdict(prepared) == interpret_verdict(specs, prepared)
    json.dumps([row.as_dict() for row in trial.evaluate_facts(prepared).results])


@PROPERTY_SETTINGS
@given(rules, histories, histories, condition_lists, condition_lists)
def test_a_partial_record_decides_only_what_every_fuller_record_decides(
    rule, history, more, conditions, more_conditions
):
    """Whatever the record left out, a result it settles stays settled the same way."""
    partial = partial_facts({"treatment_history": history, "other_conditions": conditions})
    settled = interpret_rule(rule, partial)
    if settled is None:
        return
    fuller_history = {**{c: d for c, d in more.items() if c not in history}, **history}
    fuller_conditions = sorted(set(conditions) | set(more_conditions))
    full = full_facts({"treatment_history": fuller_history, "other_conditions": fuller_conditions})
    assert interpret_rule(rule, full) is settled
