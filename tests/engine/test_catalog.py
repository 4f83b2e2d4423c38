"""The catalog evaluator gives every criterion the interpreter's status (hypothesis).

:class:`~eligibility.engine.catalog.Catalog` interns identical rules across trials and
evaluates them with numpy; it is only worth having if it says exactly what the
interpreter says. So random catalogs (random rules over every fact type of the section 1
and contract v2 strategies, criteria with no rule, empty trials) are checked against
random answer sets (missing and ``unsure`` facts, dates to the month, ``never``,
treatment histories with unsure doses, and partial records) criterion by criterion and
verdict by verdict.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.engine.catalog import STATUS_NAMES, VERDICT_NAMES, Catalog
from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_trial,
    interpret_criterion,
    interpret_verdict,
)
from eligibility.engine.facts import InvalidAnswers, prepare_facts
from eligibility.engine.rules import RuleError

from . import test_properties as v1
from . import test_properties_v2 as v2

TODAY = v2.TODAY
PARTIAL = ("treatment_history", "other_conditions")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Leaves of both strategy sets mixed in one rule, so composite nodes join fact types.
rules = st.recursive(
    st.one_of(v1.comparisons, v2.comparisons),
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda child: {"not": child}, children),
    ),
    max_leaves=6,
)
partial_rules = st.builds(lambda rule: {"partial": rule, "unread": "the rest"}, rules)
criteria = st.lists(
    st.tuples(
        st.sampled_from(["inclusion", "exclusion"]),
        # Real trials have many lines with no rule; so do these. Some rules read their
        # line in part (they never pass).
        st.one_of(rules, st.none(), st.none(), partial_rules),
    ),
    max_size=6,
)
# A few rules drawn once and reused across trials, so interning is exercised.
catalogs = st.lists(criteria, min_size=1, max_size=3).flatmap(
    lambda shared: st.lists(st.one_of(st.sampled_from(shared), criteria), min_size=1, max_size=8)
)


@st.composite
def prepared_facts(draw):
    """Answers over both strategy sets' facts, whole or read as a partial record."""
    answers = draw(v2.answer_sets())
    first = draw(v1.answer_sets())
    # v2 already gives treatments_ever (consistently with a treatment history).
    answers.update({key: value for key, value in first.items() if key != "treatments_ever"})
    partial = PARTIAL if draw(st.booleans()) else ()
    try:
        return prepare_facts(answers, today=TODAY, partial=partial)
    except InvalidAnswers:
        return prepare_facts({}, today=TODAY)


def specs_of(items):
    return [CriterionSpec(i, kind, rule, f"c{i}") for i, (kind, rule) in enumerate(items)]


def expected(trials, facts):
    statuses = [[interpret_criterion(spec, facts) for spec in specs] for specs in trials]
    verdicts = [interpret_verdict(specs, facts) for specs in trials]
    return statuses, verdicts


def observed(catalog, facts):
    result = catalog.evaluate_facts(facts)
    statuses = [result.trial_statuses(i) for i in range(len(catalog))]
    return statuses, result.verdict_names()


@SETTINGS
@given(catalogs, st.lists(prepared_facts(), min_size=1, max_size=3))
def test_statuses_and_verdicts_equal_the_interpreter(items, answer_sets):
    trials = [specs_of(trial) for trial in items]
    from_specs = Catalog(trials)
    from_compiled = Catalog([compile_trial(specs) for specs in trials])
    for facts in answer_sets:
        want = expected(trials, facts)
        assert observed(from_specs, facts) == want
        assert observed(from_compiled, facts) == want


@SETTINGS
@given(catalogs, prepared_facts())
def test_explanations_are_the_compiled_trials(items, facts):
    trials = [specs_of(trial) for trial in items]
    catalog = Catalog(trials)
    result = catalog.evaluate_facts(facts)
    for index, specs in enumerate(trials):
        explained = catalog.explain(index, facts, lang="es")
        assert explained == compile_trial(specs, trial_id=index).evaluate_facts(facts, lang="es")
        assert explained.verdict == result.verdict(index)
        assert [r.status for r in explained.results] == result.trial_statuses(index)


# --- examples ---------------------------------------------------------------------------------

AGE = {"fact": "age", "op": "between", "value": [18, 55]}
NO_DMT = {"fact": "treatments_ever", "op": "contains_any", "value": ["natalizumab", "fingolimod"]}
NO_DMT_REORDERED = {
    "value": ["fingolimod", "natalizumab"],
    "op": "contains_any",
    "fact": "treatments_ever",
}


def test_identical_rules_are_one_node():
    trials = [
        [CriterionSpec(1, "inclusion", AGE, "a"), CriterionSpec(2, "exclusion", NO_DMT, "b")],
        [
            CriterionSpec(1, "exclusion", NO_DMT_REORDERED, "b"),
            CriterionSpec(2, "inclusion", AGE, "a"),
        ],
        [CriterionSpec(1, "inclusion", {"all": [AGE, {"not": {"not": AGE}}]}, "a")],
        [CriterionSpec(1, "inclusion", {"any": [NO_DMT, NO_DMT_REORDERED]}, "a")],
    ]
    catalog = Catalog(trials)
    assert catalog.node_count == 2
    assert catalog.criterion_count == 6


def test_verdicts_of_empty_unchecked_and_failing_trials():
    catalog = Catalog(
        [
            [],
            [CriterionSpec(1, "inclusion", None, "a"), CriterionSpec(2, "inclusion", AGE, "b")],
            [CriterionSpec(1, "inclusion", None, "a"), CriterionSpec(2, "exclusion", AGE, "b")],
            [CriterionSpec(1, "inclusion", AGE, "a")],
        ]
    )
    result = catalog.evaluate({"age": 30}, today=TODAY)
    assert result.verdict_names() == ["eligible", "possibly_eligible", "ineligible", "eligible"]
    assert result.trial_statuses(0) == []
    assert result.trial_statuses(1) == ["not_checked", "pass"]
    assert result.trial_statuses(2) == ["not_checked", "fail"]
    assert list(catalog.checked_share) == [1.0, 0.5, 0.5, 1.0]
    assert STATUS_NAMES[result.statuses[0]] == "not_checked"
    assert VERDICT_NAMES[result.verdicts[3]] == "eligible"


def test_a_bad_rule_names_its_criterion():
    bad = {"fact": "age", "op": "between", "value": [60, 18]}
    try:
        Catalog([[CriterionSpec("c-7", "inclusion", bad, "a")]])
    except RuleError as error:
        assert error.criterion == "c-7"
        assert error.path == "value"
    else:
        raise AssertionError("the bad rule was accepted")


def test_a_bad_kind_names_its_criterion():
    try:
        Catalog([[CriterionSpec("c-8", "maybe", AGE, "a")]])
    except RuleError as error:
        assert error.criterion == "c-8"
    else:
        raise AssertionError("the bad kind was accepted")
