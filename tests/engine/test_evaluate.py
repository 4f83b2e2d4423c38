"""Three-valued evaluation, criterion statuses, verdicts and explanations."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from eligibility.engine.evaluate import (
    CriterionSpec,
    compile_rule,
    compile_trial,
    criterion_status,
    evaluate_trials,
    interpret_rule,
    verdict_of,
)
from eligibility.engine.facts import InvalidAnswers

TODAY = date(2025, 6, 15)
AGE = {"fact": "age", "op": "between", "value": [18, 55]}
EDSS = {"fact": "edss", "op": "<=", "value": 5.0}
ALEMTUZUMAB = {"fact": "treatments_ever", "op": "contains_any", "value": ["alemtuzumab"]}


def both(rule, facts):
    """Evaluate with the compiler and the interpreter; they must agree."""
    compiled = compile_rule(rule)(facts)
    assert compiled is interpret_rule(rule, facts)
    return compiled


def trial():
    return compile_trial(
        [
            CriterionSpec(
                "inc-1", "inclusion", AGE, "People aged 18 to 55", "Personas de 18 a 55 años"
            ),
            CriterionSpec("inc-2", "inclusion", EDSS, "People with an EDSS score up to 5.0"),
            CriterionSpec(
                "exc-1",
                "exclusion",
                ALEMTUZUMAB,
                "People who have ever been treated with alemtuzumab",
                "Personas que han recibido alguna vez alemtuzumab",
            ),
        ],
        trial_id="NCT-TEST",
    )


def test_missing_fact_is_unknown():
    assert both(AGE, {}) is None


def test_unsure_is_unknown():
    assert both(EDSS, {"edss": "unsure"}) is None
    assert both(ALEMTUZUMAB, {"treatments_ever": "unsure"}) is None
    assert (
        both({"fact": "ms_diagnosis", "op": "!=", "value": "no"}, {"ms_diagnosis": "unsure"})
        is None
    )


def test_between_is_inclusive():
    assert [both(AGE, {"age": age}) for age in (17, 18, 55, 56)] == [False, True, True, False]


def test_all_with_one_false_is_false_despite_unknown():
    assert both({"all": [AGE, EDSS]}, {"age": 60}) is False
    assert both({"all": [EDSS, AGE]}, {"age": 60}) is False


def test_all_with_unknown_and_no_false_is_unknown():
    assert both({"all": [AGE, EDSS]}, {"age": 30}) is None


def test_any_with_one_true_is_true_despite_unknown():
    assert both({"any": [AGE, EDSS]}, {"edss": 2.0}) is True


def test_any_with_unknown_and_no_true_is_unknown():
    assert both({"any": [AGE, EDSS]}, {"edss": 6.0}) is None


def test_not_keeps_unknown():
    assert both({"not": AGE}, {}) is None
    assert both({"not": AGE}, {"age": 60}) is True


def test_is_empty_and_contains_any():
    empty = {"fact": "treatments_ever", "op": "is_empty"}
    assert both(empty, {"treatments_ever": []}) is True
    assert both(empty, {"treatments_ever": ["ivig"]}) is False
    assert both(ALEMTUZUMAB, {"treatments_ever": []}) is False
    assert both(ALEMTUZUMAB, {"treatments_ever": ["ivig", "alemtuzumab"]}) is True


def test_status_from_the_patients_side():
    assert criterion_status("inclusion", True) == "pass"
    assert criterion_status("inclusion", False) == "fail"
    assert criterion_status("exclusion", True) == "fail"
    assert criterion_status("exclusion", False) == "pass"
    assert criterion_status("inclusion", None) == "unknown"
    assert criterion_status("exclusion", None) == "unknown"


def test_verdict_per_spec():
    assert verdict_of(["pass", "pass"]) == "eligible"
    assert verdict_of(["pass", "unknown"]) == "possibly_eligible"
    assert verdict_of(["unknown", "fail"]) == "ineligible"
    assert verdict_of([]) == "eligible"


def test_it_returns_every_criterion_with_status_and_facts_used():
    result = trial().evaluate({"age": 40, "edss": 3.0, "treatments_ever": []}, today=TODAY)
    assert result.verdict == "eligible"
    assert [(r.id, r.kind, r.status) for r in result.results] == [
        ("inc-1", "inclusion", "pass"),
        ("inc-2", "inclusion", "pass"),
        ("exc-1", "exclusion", "pass"),
    ]
    assert result.results[0].facts_used == {"age": 40}
    assert result.results[2].facts_used == {"treatments_ever": []}
    assert result.missing == ()


def test_explains_a_failing_age_with_the_actual_value():
    result = trial().evaluate({"age": 58}, today=TODAY)
    assert result.verdict == "ineligible"
    assert result.results[0].explanation == (
        "This study takes people aged 18 to 55; you told us you are 58."
    )


def test_explains_in_spanish():
    result = trial().evaluate({"age": 58}, today=TODAY, lang="es")
    assert result.results[0].text == "Personas de 18 a 55 años"
    assert result.results[0].explanation == (
        "Este estudio admite a personas de 18 a 55 años; nos dijo que tiene 58 años."
    )


def test_spanish_falls_back_to_english_text_when_missing():
    result = trial().evaluate({}, today=TODAY, lang="es")
    assert result.results[1].text == "People with an EDSS score up to 5.0"
    assert result.results[1].explanation.startswith("Todavía no sabemos")


def test_explains_an_applying_exclusion():
    result = trial().evaluate({"treatments_ever": ["alemtuzumab"]}, today=TODAY)
    assert result.results[2].status == "fail"
    assert result.results[2].explanation == (
        "This study does not take people who have ever been treated with alemtuzumab; "
        "you told us you have taken alemtuzumab."
    )


def test_explains_an_unknown_with_the_question_that_settles_it():
    result = trial().evaluate({}, today=TODAY)
    explanation = result.results[1].explanation
    assert explanation.startswith("We don't know yet whether")
    assert "your answer to 'What is your most recent EDSS score?' would tell us" in explanation


def test_explains_an_unsure_answer():
    result = trial().evaluate({"edss": "unsure"}, today=TODAY)
    assert "not sure about 'What is your most recent EDSS score?'" in result.results[1].explanation
    assert result.results[1].facts_used == {"edss": "unsure"}


def test_explanation_names_only_the_deciding_fact():
    rule = {"all": [AGE, EDSS]}
    result = compile_trial(
        [CriterionSpec(1, "inclusion", rule, "People 18 to 55 with EDSS up to 5")]
    ).evaluate({"age": 58, "edss": 2.0}, today=TODAY)
    assert result.results[0].explanation.endswith("you told us you are 58.")


def test_missing_lists_the_unknown_keys_in_asking_order():
    result = trial().evaluate({"treatments_ever": []}, today=TODAY)
    assert result.verdict == "possibly_eligible"
    assert result.missing == ("age", "edss")


def test_age_comes_from_birth_date_as_of_the_evaluation_day():
    compiled = trial()
    assert compiled.evaluate({"birth_date": "1970-06-16"}, today=TODAY).results[0].status == "pass"
    assert compiled.evaluate({"birth_date": "1970-06-15"}, today=TODAY).results[0].status == "pass"
    assert compiled.evaluate({"birth_date": "1969-06-15"}, today=TODAY).results[0].status == "fail"


def test_evaluate_rejects_bad_answers():
    with pytest.raises(InvalidAnswers) as caught:
        trial().evaluate({"edss": 5.2}, today=TODAY)
    assert list(caught.value.errors) == ["edss"]


def test_fast_verdict_matches_full_evaluation():
    compiled = trial()
    for answers in (
        {},
        {"age": 58},
        {"age": 30, "edss": 2.0, "treatments_ever": []},
        {"edss": "unsure"},
    ):
        facts = {**answers}
        assert compiled.verdict(facts) == compiled.evaluate(answers, today=TODAY).verdict


def test_evaluate_trials_validates_once_and_returns_each_verdict():
    verdicts = evaluate_trials([trial(), trial()], {"age": 58}, today=TODAY)
    assert verdicts == [("NCT-TEST", "ineligible"), ("NCT-TEST", "ineligible")]


def test_result_as_dict_has_the_api_fields():
    row = trial().evaluate({}, today=TODAY).results[0].as_dict()
    assert set(row) == {
        "id",
        "kind",
        "text",
        "clinical_text",
        "status",
        "facts_used",
        "explanation",
    }


def test_engine_imports_no_django():
    code = (
        "import sys, eligibility.engine.facts, eligibility.engine.rules, "
        "eligibility.engine.evaluate, eligibility.engine.questions; "
        "sys.exit('django' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
