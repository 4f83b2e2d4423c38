"""Criteria the service cannot check (spec section 6.4): status ``not_checked``."""

from datetime import date

import pytest

from eligibility.engine.evaluate import (
    NOT_CHECKED,
    CriterionSpec,
    compile_trial,
    interpret_verdict,
    verdict_of,
)
from eligibility.engine.facts import prepare_facts
from eligibility.engine.questions import is_settled, next_question
from eligibility.engine.rules import RuleError

TODAY = date(2026, 6, 15)
AGE = {"fact": "age", "op": "between", "value": [18, 55]}
EDSS = {"fact": "edss", "op": "<=", "value": 5.5}
LIVER = CriterionSpec(
    "inc-9",
    "inclusion",
    None,
    "People whose liver works well enough (checked with a blood test)",
    "Personas cuyo hígado funciona lo bastante bien (se comprueba con un análisis de sangre)",
)
JUDGEMENT = CriterionSpec(
    "exc-9",
    "exclusion",
    None,
    "People with a condition that the study doctor thinks makes the study unsafe for them",
)


def specs():
    return [
        CriterionSpec("inc-1", "inclusion", AGE, "People aged 18 to 55"),
        CriterionSpec("inc-2", "inclusion", EDSS, "People with an EDSS score up to 5.5"),
        LIVER,
        JUDGEMENT,
    ]


def trial():
    return compile_trial(specs(), trial_id="NCT-NOT-CHECKED")


def test_a_criterion_without_a_rule_is_not_checked():
    result = trial().evaluate({"age": 40, "edss": 2.0}, today=TODAY)
    assert [r.status for r in result.results] == ["pass", "pass", NOT_CHECKED, NOT_CHECKED]
    assert NOT_CHECKED == "not_checked"


def test_a_trial_with_a_not_checked_criterion_is_at_best_possibly_eligible():
    result = trial().evaluate({"age": 40, "edss": 2.0}, today=TODAY)
    assert result.verdict == "possibly_eligible"
    assert result.missing == ()


def test_a_failing_criterion_still_rules_out():
    assert trial().evaluate({"age": 60}, today=TODAY).verdict == "ineligible"


def test_the_result_counts_checked_and_total_criteria():
    result = trial().evaluate({}, today=TODAY)
    assert (result.checked, result.total) == (2, 4)
    only = compile_trial([LIVER]).evaluate({}, today=TODAY)
    assert (only.checked, only.total, only.verdict) == (0, 1, "possibly_eligible")


def test_it_says_plainly_that_the_study_team_checks_it():
    row = trial().evaluate({}, today=TODAY).results[2]
    assert row.explanation == (
        "We can't check this from your answers, so the study team will check it with you: "
        "this study takes people whose liver works well enough (checked with a blood test)."
    )
    exclusion = trial().evaluate({}, today=TODAY).results[3]
    assert "the study team will check it with you: this study does not take people with" in (
        exclusion.explanation
    )


def test_it_says_so_in_spanish():
    row = trial().evaluate({}, today=TODAY, lang="es").results[2]
    assert row.text == LIVER.text_es
    assert row.explanation == (
        "No podemos comprobarlo con sus respuestas, así que el equipo del estudio lo "
        "comprobará con usted: este estudio admite a personas cuyo hígado funciona lo "
        "bastante bien (se comprueba con un análisis de sangre)."
    )


def test_the_api_row_keeps_its_keys():
    row = trial().evaluate({}, today=TODAY).results[2]
    assert row.as_dict() == {
        "id": "inc-9",
        "kind": "inclusion",
        "text": LIVER.text,
        "clinical_text": LIVER.clinical_text,
        "status": NOT_CHECKED,
        "facts_used": {},
        "explanation": row.explanation,
    }
    assert row.needs == ()


@pytest.mark.parametrize(
    "answers",
    [{}, {"age": 40}, {"age": 40, "edss": 2.0}, {"age": 12}, {"edss": "unsure", "age": 30}],
)
def test_generated_function_closures_and_interpreter_agree(answers):
    compiled = trial()
    facts = prepare_facts(answers, today=TODAY)
    expected = interpret_verdict(specs(), facts)
    assert compiled.verdict(facts) == expected
    assert verdict_of(compiled.statuses(facts)) == expected
    assert compiled.evaluate_facts(facts).verdict == expected


def test_verdict_of_counts_not_checked_like_unknown():
    assert verdict_of(["pass", NOT_CHECKED]) == "possibly_eligible"
    assert verdict_of([NOT_CHECKED, "fail"]) == "ineligible"
    assert verdict_of([NOT_CHECKED]) == "possibly_eligible"


def test_a_criterion_without_a_rule_still_needs_a_valid_kind():
    with pytest.raises(RuleError) as caught:
        compile_trial([CriterionSpec(1, "maybe", None, "x")])
    assert caught.value.path == "kind"


def test_a_trial_of_unchecked_criteria_reads_no_facts_and_asks_nothing():
    only = compile_trial([LIVER, JUDGEMENT])
    assert only.facts == ()
    assert next_question(only, {}, today=TODAY) is None
    assert is_settled(only, {}, today=TODAY)


def test_a_trial_that_cannot_be_eligible_still_asks_what_its_rules_need():
    # EDSS can only make inc-2 pass, which cannot make the trial eligible; it is asked
    # anyway so the site learns which criteria are met.
    assert next_question(trial(), {"age": 40}, today=TODAY) == "edss"
    assert not is_settled(trial(), {"age": 40}, today=TODAY)
    assert next_question(trial(), {"age": 40, "edss": 3.0}, today=TODAY) is None
