"""Property tests over random rules and answers (hypothesis).

They show the Kleene laws, that the compiled evaluator equals the interpreter, that
answering one more fact never turns a settled status around (monotonicity), and that
the questionnaire never asks a question whose answer cannot change anything.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_rule,
    compile_trial,
    criterion_status,
    interpret_rule,
    kleene_all,
    kleene_any,
    kleene_not,
    verdict_of,
)
from eligibility.engine.facts import FACTS, prepare_facts
from eligibility.engine.questions import next_question, relevant_facts
from eligibility.engine.rules import probe_values, validate_rule

from .conftest import TODAY

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

CODES = ["interferon_beta", "natalizumab", "alemtuzumab", "corticosteroids"]
truths = st.sampled_from([True, False, None])

# Leaves over a handful of facts of every type, with constants inside each fact's domain.
comparisons = st.one_of(
    st.builds(
        lambda low, span: {"fact": "age", "op": "between", "value": [low, low + span]},
        st.integers(0, 100),
        st.integers(0, 20),
    ),
    st.builds(
        lambda op, value: {"fact": "age", "op": op, "value": value},
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        st.integers(0, 120),
    ),
    st.builds(
        lambda op, value: {"fact": "edss", "op": op, "value": value / 2},
        st.sampled_from(["<", "<=", ">", ">=", "=="]),
        st.integers(0, 20),
    ),
    st.builds(
        lambda op, value: {"fact": "relapses_last_12_months", "op": op, "value": value},
        st.sampled_from([">=", "<", "=="]),
        st.integers(0, 4),
    ),
    st.builds(
        lambda value: {"fact": "ms_diagnosis", "op": "==", "value": value},
        st.sampled_from(["yes", "no"]),
    ),
    st.builds(
        lambda values: {"fact": "ms_course", "op": "in", "value": values},
        st.lists(
            st.sampled_from(
                ["relapsing_remitting", "secondary_progressive", "primary_progressive"]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        ),
    ),
    st.builds(
        lambda values: {"fact": "treatments_ever", "op": "contains_any", "value": values},
        st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True),
    ),
    st.just({"fact": "treatments_ever", "op": "is_empty"}),
)

rules = st.recursive(
    comparisons,
    lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda child: {"not": child}, children),
    ),
    max_leaves=6,
)

FACT_VALUES = {
    "age": st.integers(0, 120),
    "edss": st.integers(0, 20).map(lambda half: half / 2),
    "relapses_last_12_months": st.integers(0, 5),
    "ms_diagnosis": st.sampled_from(["yes", "no", "unsure"]),
    "ms_course": st.sampled_from(
        ["relapsing_remitting", "secondary_progressive", "primary_progressive", "unsure"]
    ),
    "treatments_ever": st.one_of(
        st.just("unsure"), st.lists(st.sampled_from(CODES), max_size=3, unique=True)
    ),
}
UNSURE_OK = {key for key in FACT_VALUES if FACTS[key].accepts_unsure}


@st.composite
def answer_sets(draw):
    """A partial answer set: each fact missing, `unsure` (when allowed) or a value."""
    answers = {}
    for key, values in FACT_VALUES.items():
        choice = draw(
            st.sampled_from(
                ["missing", "unsure", "value"] if key in UNSURE_OK else ["missing", "value"]
            )
        )
        if choice == "unsure":
            answers[key] = "unsure"
        elif choice == "value":
            answers[key] = draw(values)
    return answers


def facts_of(answers):
    return prepare_facts(answers, today=TODAY)


# --- the connectives themselves -------------------------------------------------------------


@given(truths, truths)
def test_kleene_commutativity(a, b):
    assert kleene_all([a, b]) is kleene_all([b, a])
    assert kleene_any([a, b]) is kleene_any([b, a])


@given(truths, truths)
def test_kleene_de_morgan(a, b):
    assert kleene_not(kleene_all([a, b])) is kleene_any([kleene_not(a), kleene_not(b)])
    assert kleene_not(kleene_any([a, b])) is kleene_all([kleene_not(a), kleene_not(b)])


@given(truths, truths)
def test_kleene_identity_and_absorption(a, b):
    assert kleene_all([a, True]) is a
    assert kleene_any([a, False]) is a
    assert kleene_all([a, False]) is False
    assert kleene_any([a, True]) is True
    assert kleene_all([a, None]) is (False if a is False else None)
    assert kleene_any([a, None]) is (True if a is True else None)
    assert kleene_any([a, kleene_all([a, b])]) is a
    assert kleene_all([a, kleene_any([a, b])]) is a
    assert kleene_not(kleene_not(a)) is a


# --- the same laws on rules, evaluated ---------------------------------------------------------


@PROPERTY_SETTINGS
@given(rules, rules, answer_sets())
def test_rule_laws_hold(a, b, answers):
    facts = facts_of(answers)

    def ev(rule):
        return interpret_rule(rule, facts)

    assert ev({"all": [a, b]}) is ev({"all": [b, a]})
    assert ev({"any": [a, b]}) is ev({"any": [b, a]})
    assert ev({"not": {"all": [a, b]}}) is ev({"any": [{"not": a}, {"not": b}]})
    assert ev({"not": {"any": [a, b]}}) is ev({"all": [{"not": a}, {"not": b}]})
    assert ev({"any": [a, {"all": [a, b]}]}) is ev(a)
    assert ev({"all": [a, {"any": [a, b]}]}) is ev(a)
    assert ev({"not": {"not": a}}) is ev(a)


@PROPERTY_SETTINGS
@given(rules)
def test_generated_rules_are_valid(rule):
    validate_rule(rule)


@PROPERTY_SETTINGS
@given(rules, answer_sets())
def test_compiled_evaluator_equals_interpreter(rule, answers):
    facts = facts_of(answers)
    assert compile_rule(rule)(facts) is interpret_rule(rule, facts)


@PROPERTY_SETTINGS
@given(rules, answer_sets(), st.data())
def test_answering_one_more_fact_never_reverses_a_known_result(rule, answers, data):
    facts = facts_of(answers)
    before = interpret_rule(rule, facts)
    unanswered = [key for key in FACT_VALUES if key not in answers]
    if not unanswered:
        return
    key = data.draw(st.sampled_from(unanswered))
    after = interpret_rule(rule, facts_of({**answers, key: data.draw(FACT_VALUES[key])}))
    if before is not None:
        assert after is before


# --- trials and the questionnaire ----------------------------------------------------------------

criteria_lists = st.lists(
    st.tuples(st.sampled_from(["inclusion", "exclusion"]), rules), min_size=1, max_size=4
)


def make_trial(criteria):
    return compile_trial(
        [CriterionSpec(i, kind, rule, f"c{i}") for i, (kind, rule) in enumerate(criteria)]
    )


def probes_for(trial, key):
    values = set()
    for criterion in trial.criteria:
        values.update(probe_values(criterion.spec.rule, key))
    return values


@PROPERTY_SETTINGS
@given(criteria_lists, answer_sets(), st.data())
def test_statuses_are_monotone_per_criterion(criteria, answers, data):
    trial = make_trial(criteria)
    before = trial.statuses(facts_of(answers))
    unanswered = [key for key in FACT_VALUES if key not in answers]
    if not unanswered:
        return
    key = data.draw(st.sampled_from(unanswered))
    after = trial.statuses(facts_of({**answers, key: data.draw(FACT_VALUES[key])}))
    for old, new in zip(before, after, strict=True):
        assert old == "unknown" or new == old


@PROPERTY_SETTINGS
@given(st.lists(criteria_lists, min_size=1, max_size=3), answer_sets())
def test_questionnaire_asks_only_what_can_change_something(trial_criteria, answers):
    trials = [make_trial(criteria) for criteria in trial_criteria]
    facts = facts_of(answers)
    asked = next_question(trials, answers, today=TODAY, age_key="age")
    if asked is not None:
        assert asked not in answers
        relevant = relevant_facts(trials, answers, today=TODAY, age_key="age")
        assert asked in relevant
        # Some value of it turns an unknown criterion of a trial still open into pass/fail.
        changes = False
        for trial in trials:
            before = trial.statuses(facts)
            if "fail" in before:
                continue
            for value in probes_for(trial, asked):
                after = trial.statuses({**facts, asked: value})
                changes = changes or after != before
        assert changes
    else:
        # Nothing left to ask: no single answer to any unanswered fact changes a verdict.
        for trial in trials:
            verdict = trial.verdict(facts)
            for key in FACT_VALUES:
                if key in answers:
                    continue
                for value in probes_for(trial, key):
                    assert trial.verdict({**facts, key: value}) == verdict


@PROPERTY_SETTINGS
@given(criteria_lists, answer_sets())
def test_generated_verdict_function_equals_interpreted_verdict(criteria, answers):
    trial = make_trial(criteria)
    facts = facts_of(answers)
    statuses = [criterion_status(kind, interpret_rule(rule, facts)) for kind, rule in criteria]
    assert trial.verdict(facts) == verdict_of(statuses)
    assert trial.evaluate_facts(facts).verdict == verdict_of(statuses)
