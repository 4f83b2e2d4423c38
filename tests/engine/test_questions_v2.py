"""The adaptive questionnaire over the contract v2 facts."""

from datetime import date

from eligibility.engine.evaluate import CriterionSpec, compile_trial
from eligibility.engine.facts import CURRENT, NEVER, UNSURE, DayRange, TreatmentHistory
from eligibility.engine.questions import is_settled, next_question, relevant_facts
from eligibility.engine.rules import probe_values

from .conftest import load_trial
from .test_vignettes_care_ms import CARE_MS_2_CANDIDATE

TODAY = date(2026, 6, 15)
RELAPSE_30 = {"fact": "days_since_last_relapse", "op": "<=", "value": 30}
STEROIDS_30 = {"fact": "days_since_systemic_steroids", "op": "<=", "value": 30}
PREGNANT = {"fact": "pregnancy_or_breastfeeding", "op": "==", "value": "yes"}
WOMAN = {"fact": "sex", "op": "==", "value": "female"}
NATALIZUMAB_6_MONTHS = {
    "fact": "treatment_history",
    "op": "taken_within",
    "value": {"codes": ["natalizumab", "@anti_cd20"], "days": 180},
}


def small_trial(*rules, kind="exclusion"):
    return compile_trial(
        [CriterionSpec(i, kind, rule, f"criterion {i}") for i, rule in enumerate(rules)]
    )


def walk(trials, profile):
    """Answer each question from ``profile`` until none is left; return the keys asked."""
    answers, asked = {}, []
    while (key := next_question(trials, answers, today=TODAY)) is not None:
        assert key not in answers, f"asked {key} twice"
        asked.append(key)
        answers[key] = profile[key]
    return asked, answers


def test_a_day_count_is_asked_as_its_date():
    trial = small_trial(RELAPSE_30)
    assert next_question(trial, {}, today=TODAY) == "last_relapse"
    assert relevant_facts(trial, {}, today=TODAY) == ["last_relapse"]


def test_an_answered_date_or_day_count_is_not_asked_again():
    trial = small_trial(RELAPSE_30)
    for answers in (
        {"last_relapse": "2026-06"},  # a month that straddles the bound: still not asked
        {"last_relapse": UNSURE},
        {"days_since_last_relapse": 40},
        {"days_since_last_relapse": UNSURE},
    ):
        assert next_question(trial, answers, today=TODAY) is None, answers


def test_probes_of_a_day_count_include_never_and_straddling_months():
    probes = probe_values(RELAPSE_30, "days_since_last_relapse")
    assert {0, 29, 30, 31, 50000} <= set(probes)
    assert NEVER in probes
    assert DayRange(15, 45) in probes


def test_probes_of_years_since_cancer_include_never():
    rule = {"fact": "years_since_cancer", "op": "<", "value": 5}
    assert {4.5, 5, 5.5, NEVER} <= set(probe_values(rule, "years_since_cancer"))


def test_probes_of_a_history_try_each_listed_code_around_the_bound():
    probes = probe_values(NATALIZUMAB_6_MONTHS, "treatment_history")
    assert all(isinstance(probe, TreatmentHistory) for probe in probes)
    doses = [dict(probe.doses) for probe in probes]
    assert {} in doses
    # Every listed code behaves alike here, so one of them stands for all.
    code = next(iter(doses[1]))
    for dose in (CURRENT, UNSURE, 179, 180, 181, DayRange(165, 195)):
        assert {code: dose} in doses


def test_a_history_is_asked_whole_for_a_washout_rule():
    trial = small_trial(NATALIZUMAB_6_MONTHS)
    assert next_question(trial, {}, today=TODAY) == "treatment_history"
    assert next_question(trial, {"treatment_history": {}}, today=TODAY) is None


def test_lists_that_decide_a_washout_rule_spare_the_history_question():
    trial = small_trial(NATALIZUMAB_6_MONTHS)
    assert next_question(trial, {"treatments_ever": ["interferon_beta"]}, today=TODAY) is None
    # Natalizumab in the past 6 months leaves "within 180 days" open: ask the history.
    answers = {"treatments_ever": ["natalizumab"], "treatments_last_6_months": ["natalizumab"]}
    assert next_question(trial, answers, today=TODAY) == "treatment_history"


def test_a_list_of_conditions_is_asked_whole_and_only_when_a_rule_needs_it():
    pml = {"fact": "other_conditions", "op": "contains_any", "value": ["pml"]}
    assert next_question(small_trial(pml), {}, today=TODAY) == "other_conditions"
    assert next_question(small_trial(pml), {"other_conditions": []}, today=TODAY) is None
    assert "other_conditions" not in relevant_facts(small_trial(RELAPSE_30), {}, today=TODAY)


def test_sex_is_asked_before_a_pregnancy_criterion_that_depends_on_it():
    trial = small_trial({"all": [WOMAN, PREGNANT]})
    assert next_question(trial, {}, today=TODAY) == "sex"
    assert next_question(trial, {"sex": "male"}, today=TODAY) is None
    assert next_question(trial, {"sex": "female"}, today=TODAY) == "pregnancy_or_breastfeeding"


def test_sex_comes_first_for_every_pregnancy_fact():
    contraception = {"fact": "contraception", "op": "in", "value": ["yes", "not_needed"]}
    planning = {"fact": "planning_pregnancy", "op": "==", "value": "yes"}
    trial = compile_trial(
        [
            CriterionSpec(1, "inclusion", {"any": [{"not": WOMAN}, contraception]}, "c"),
            CriterionSpec(2, "exclusion", {"all": [WOMAN, planning]}, "p"),
        ]
    )
    assert next_question(trial, {}, today=TODAY) == "sex"
    assert next_question(trial, {"sex": "other"}, today=TODAY) is None


def test_sex_is_not_asked_when_no_criterion_reads_it():
    trial = small_trial(PREGNANT)
    assert next_question(trial, {}, today=TODAY) == "pregnancy_or_breastfeeding"
    assert "sex" not in relevant_facts(trial, {}, today=TODAY)


def test_the_care_ms_trials_ask_no_contract_v2_question():
    trials = [load_trial("NCT00548405"), load_trial("NCT00530348")]
    profile = {**CARE_MS_2_CANDIDATE, "birth_date": "1985-03-02"}
    asked, _ = walk(trials, profile)
    assert set(asked) <= set(profile)


def test_a_trial_that_cannot_be_eligible_asks_every_question_its_rules_need():
    trial = compile_trial(
        [
            CriterionSpec(1, "exclusion", RELAPSE_30, "recent relapse"),
            CriterionSpec(2, "exclusion", STEROIDS_30, "recent steroids"),
            CriterionSpec(3, "inclusion", None, "adequate blood counts"),
        ]
    )
    profile = {"last_relapse": "2025-01", "last_systemic_steroids": NEVER}
    asked, answers = walk(trial, profile)
    assert asked == ["last_relapse", "last_systemic_steroids"]
    assert trial.evaluate(answers, today=TODAY).verdict == "possibly_eligible"
    assert is_settled(trial, answers, today=TODAY)


def pregnancy_washout_trial():
    return compile_trial(
        [
            CriterionSpec(1, "exclusion", RELAPSE_30, "recent relapse"),
            CriterionSpec(2, "exclusion", NATALIZUMAB_6_MONTHS, "recent natalizumab"),
            CriterionSpec(3, "exclusion", {"all": [WOMAN, PREGNANT]}, "pregnant"),
        ]
    )


def test_questions_that_can_rule_out_come_first_and_sex_before_pregnancy():
    profile = {
        "last_relapse": "2026-04-01",
        "treatment_history": {"ocrelizumab": "2025-03"},
        "sex": "female",
        "pregnancy_or_breastfeeding": "no",
    }
    asked, answers = walk(pregnancy_washout_trial(), profile)
    assert asked == ["last_relapse", "treatment_history", "sex", "pregnancy_or_breastfeeding"]
    assert pregnancy_washout_trial().evaluate(answers, today=TODAY).verdict == "eligible"


def test_a_man_is_not_asked_about_pregnancy():
    profile = {"last_relapse": NEVER, "treatment_history": {}, "sex": "male"}
    asked, _ = walk(pregnancy_washout_trial(), profile)
    assert asked == ["last_relapse", "treatment_history", "sex"]


def test_stopping_reaches_the_verdict_of_the_full_answers():
    profile = {
        "last_relapse": "2026-05-01",
        "treatment_history": {"ocrelizumab": "2026-03"},  # within 180 days: rules out
        "sex": "female",
        "pregnancy_or_breastfeeding": "no",
    }
    asked, answers = walk(pregnancy_washout_trial(), profile)
    assert asked == ["last_relapse", "treatment_history"]
    assert pregnancy_washout_trial().evaluate(answers, today=TODAY).verdict == "ineligible"
