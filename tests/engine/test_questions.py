"""The adaptive questionnaire: only questions that can still change a verdict."""

import pytest

from eligibility.engine.evaluate import CriterionSpec, compile_trial
from eligibility.engine.facts import FACTS
from eligibility.engine.questions import is_settled, next_question, relevant_facts

from .conftest import TODAY
from .test_vignettes_care_ms import CARE_MS_2_CANDIDATE, NEWLY_DIAGNOSED

EDSS_5 = {"fact": "edss", "op": "<=", "value": 5.0}
DIAGNOSIS_OR_MRI = {
    "any": [
        {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
        {"fact": "mri_lesions_confirmed", "op": "==", "value": "yes"},
    ]
}


def small_trial(*rules, kind="inclusion"):
    return compile_trial(
        [CriterionSpec(i, kind, rule, f"criterion {i}") for i, rule in enumerate(rules)]
    )


def walk(trials, profile, *, age_key="birth_date"):
    """Answer each question from ``profile`` until none is left; return the keys asked."""
    answers, asked = {}, []
    while (key := next_question(trials, answers, today=TODAY, age_key=age_key)) is not None:
        assert key not in answers, f"asked {key} twice"
        asked.append(key)
        answers[key] = profile[key]
    return asked, answers


def test_first_question_is_the_age_fact(care_ms_2):
    assert next_question(care_ms_2, {}, today=TODAY) == "birth_date"
    assert next_question(care_ms_2, {}, today=TODAY, age_key="age") == "age"


def test_rejects_an_unknown_age_key(care_ms_2):
    with pytest.raises(ValueError):
        next_question(care_ms_2, {}, today=TODAY, age_key="dob")


@pytest.mark.parametrize("answered", [{"age": 30}, {"birth_date": "1990-01-01"}])
def test_either_age_answer_settles_the_other(care_ms_2, answered):
    relevant = relevant_facts(care_ms_2, answered, today=TODAY)
    assert "age" not in relevant and "birth_date" not in relevant


def test_one_failing_answer_ends_a_trials_questionnaire(care_ms_2):
    assert next_question(care_ms_2, {"age": 60}, today=TODAY) is None
    assert is_settled(care_ms_2, {"age": 60}, today=TODAY)
    assert relevant_facts(care_ms_2, {"ms_course": "primary_progressive"}, today=TODAY) == []


def test_an_unsure_answer_is_not_asked_again(care_ms_2):
    relevant = relevant_facts(care_ms_2, {"edss": "unsure"}, today=TODAY)
    assert "edss" not in relevant
    assert "ms_diagnosis" in relevant


def test_complete_answers_ask_nothing(care_ms_2):
    assert next_question(care_ms_2, CARE_MS_2_CANDIDATE, today=TODAY) is None
    assert is_settled(care_ms_2, CARE_MS_2_CANDIDATE, today=TODAY)


def test_unanswered_trial_is_not_settled(care_ms_2):
    assert not is_settled(care_ms_2, {}, today=TODAY)


def test_a_fact_that_cannot_change_a_passing_criterion_is_not_asked():
    trial = small_trial({"any": [{"fact": "age", "op": ">=", "value": 18}, EDSS_5]})
    assert next_question(trial, {"age": 30}, today=TODAY) is None
    assert next_question(trial, {"age": 12}, today=TODAY) == "edss"


def test_every_question_is_asked_even_once_eligibility_is_out_of_reach():
    trial = small_trial(EDSS_5, DIAGNOSIS_OR_MRI)
    # EDSS unsure: the trial can never be "eligible", but the site still wants to know
    # whether the second criterion is met, so ms_diagnosis is asked (contract v2).
    assert next_question(trial, {"edss": "unsure"}, today=TODAY) == "ms_diagnosis"
    assert next_question(trial, {"edss": 2.0}, today=TODAY) == "ms_diagnosis"
    answers = {"edss": "unsure", "ms_diagnosis": "yes"}
    assert next_question(trial, answers, today=TODAY) is None


def test_exclusion_facts_are_asked_only_while_they_can_apply():
    trial = small_trial(
        {"fact": "treatments_ever", "op": "contains_any", "value": ["alemtuzumab"]},
        kind="exclusion",
    )
    assert next_question(trial, {}, today=TODAY) == "treatments_ever"
    assert next_question(trial, {"treatments_ever": []}, today=TODAY) is None


def test_care_ms_1_stops_at_the_first_prior_therapy(care_ms_1):
    asked, answers = walk(care_ms_1, {**CARE_MS_2_CANDIDATE, "birth_date": "1985-03-02"})
    assert care_ms_1.evaluate(answers, today=TODAY).verdict == "ineligible"
    assert len(asked) < len(care_ms_1.facts)


@pytest.mark.parametrize(
    "profile",
    [
        {**CARE_MS_2_CANDIDATE, "birth_date": "1985-03-02"},
        {**NEWLY_DIAGNOSED, "birth_date": "1995-01-20"},
        {**NEWLY_DIAGNOSED, "birth_date": "1995-01-20", "edss": "unsure"},
        {**CARE_MS_2_CANDIDATE, "birth_date": "1960-01-01"},
        {**CARE_MS_2_CANDIDATE, "birth_date": "1985-03-02", "ms_course": "unsure"},
    ],
)
def test_stopping_early_reaches_the_same_verdicts_as_answering_everything(
    care_ms_2, care_ms_1, profile
):
    trials = [care_ms_2, care_ms_1]
    asked, answers = walk(trials, profile)
    full = {k: v for k, v in profile.items() if k != "age"}
    for trial in trials:
        assert (
            trial.evaluate(answers, today=TODAY).verdict
            == trial.evaluate(full, today=TODAY).verdict
        )
    assert len(asked) <= len(FACTS)


def test_two_trials_ask_fewer_questions_than_every_fact(care_ms_2, care_ms_1):
    asked, _ = walk([care_ms_2, care_ms_1], {**NEWLY_DIAGNOSED, "birth_date": "1995-01-20"})
    assert "relapse_on_interferon_or_glatiramer" in asked  # it rules CARE-MS II out
    assert len(asked) < 13


def test_a_settled_trial_in_a_set_asks_nothing_more(care_ms_2, care_ms_1):
    # Prior interferon rules out CARE-MS I; what is asked next serves CARE-MS II only.
    answers = {"treatments_ever": ["interferon_beta"], "age": 40}
    relevant = relevant_facts([care_ms_2, care_ms_1], answers, today=TODAY)
    assert relevant == relevant_facts(care_ms_2, answers, today=TODAY)
