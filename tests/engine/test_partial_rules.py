"""Partial rules: a rule that reads only part of its registered line.

``{"partial": rule, "unread": "..."}`` rules a patient out where the line does, and
leaves the rest to the study team: it fails or stays unknown, and where the rule would
pass the criterion is ``not_checked`` (never ``pass``), so the trial is never eligible
on its account.
"""

from datetime import date

import pytest

from eligibility.engine.catalog import Catalog
from eligibility.engine.evaluate import (
    FAIL,
    NOT_CHECKED,
    PASS,
    STATUS_UNKNOWN,
    CriterionSpec,
    compile_trial,
    interpret_criterion,
    interpret_verdict,
)
from eligibility.engine.facts import prepare_facts
from eligibility.engine.questions import is_settled, next_question
from eligibility.engine.rules import RuleError, rule_facts, split_partial, validate_rule

TODAY = date(2026, 6, 15)
RELAPSE_28 = {"fact": "days_since_last_relapse", "op": "<=", "value": 28}
# "Relapse or IV methylprednisolone 1 g/day within one month": the relapse part is read,
# the steroid part (one drug, one dose, one route) is narrower than any fact.
RELAPSE_OR_IV_MP = CriterionSpec(
    "exc-1",
    "exclusion",
    {"partial": RELAPSE_28, "unread": "IV methylprednisolone 1000 mg/day within one month"},
    "People who had an MS attack in the past 28 days",
    "Personas que tuvieron un brote de EM en los últimos 28 días",
    clinical_text="Relapse or IV methylprednisolone 1000 mg/day within one month",
)
# "At least two relapses in the previous 3 years": no relapse in 3 years fails it.
RELAPSE_3_YEARS = CriterionSpec(
    "inc-1",
    "inclusion",
    {
        "partial": {"fact": "days_since_last_relapse", "op": "<=", "value": 1096},
        "unread": "at least two relapses",
    },
    "People who had an MS attack in the past 3 years",
)
AGE = CriterionSpec("inc-2", "inclusion", {"fact": "age", "op": ">=", "value": 18}, "Adults")


def facts(**answers):
    return prepare_facts(answers, today=TODAY)


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({"last_relapse": "2026-06-01"}, FAIL),  # 14 days ago: the line rules them out
        ({"last_relapse": "2026-01-10"}, NOT_CHECKED),  # not by its relapse part
        ({"last_relapse": "never"}, NOT_CHECKED),
        ({}, STATUS_UNKNOWN),  # an answer could still rule them out
        ({"last_relapse": "unsure"}, STATUS_UNKNOWN),
    ],
)
def test_a_partial_exclusion_fails_or_is_left_to_the_study_team(answers, status):
    trial = compile_trial([RELAPSE_OR_IV_MP])
    assert trial.statuses(facts(**answers)) == [status]
    assert interpret_criterion(RELAPSE_OR_IV_MP, facts(**answers)) == status


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({"last_relapse": "2022-01-10"}, FAIL),  # no relapse in 3 years: fewer than two
        ({"last_relapse": "never"}, FAIL),
        ({"last_relapse": "2025-02-01"}, NOT_CHECKED),  # one or more: the team counts
        ({}, STATUS_UNKNOWN),
    ],
)
def test_a_partial_inclusion_fails_or_is_left_to_the_study_team(answers, status):
    assert compile_trial([RELAPSE_3_YEARS]).statuses(facts(**answers)) == [status]


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ({"age": 40, "last_relapse": "2026-01-10"}, "possibly_eligible"),
        ({"age": 40, "last_relapse": "2026-06-01"}, "ineligible"),
        ({"age": 16, "last_relapse": "2026-01-10"}, "ineligible"),
        ({"age": 40}, "possibly_eligible"),
    ],
)
def test_a_trial_with_a_partial_rule_is_never_eligible(answers, verdict):
    specs = [AGE, RELAPSE_OR_IV_MP]
    trial = compile_trial(specs)
    prepared = facts(**answers)
    assert trial.verdict(prepared) == verdict
    assert interpret_verdict(specs, prepared) == verdict
    assert trial.evaluate_facts(prepared).verdict == verdict
    assert Catalog([specs]).evaluate_facts(prepared).verdict(0) == verdict


def test_the_checked_count_leaves_out_a_partial_rule_that_did_not_decide():
    trial = compile_trial([AGE, RELAPSE_OR_IV_MP])
    result = trial.evaluate_facts(facts(age=40, last_relapse="2026-01-10"))
    assert [r.status for r in result.results] == [PASS, NOT_CHECKED]
    assert (result.checked, result.total) == (1, 2)
    ruled_out = trial.evaluate_facts(facts(age=40, last_relapse="2026-06-01"))
    assert (ruled_out.checked, ruled_out.total) == (2, 2)


def test_the_explanation_says_which_part_was_checked_and_that_the_team_checks_the_rest():
    trial = compile_trial([RELAPSE_OR_IV_MP])
    result = trial.evaluate_facts(facts(last_relapse="2026-01-10"))
    text = result.results[0].explanation
    assert text.startswith("We can check only part of this from your answers: this study does")
    assert "people who had an MS attack in the past 28 days" in text
    assert "does not rule you out; the study team will check the rest with you." in text
    assert result.results[0].facts_used  # the answer the part was checked with
    es = trial.evaluate_facts(facts(last_relapse="2026-01-10"), lang="es").results[0]
    assert es.explanation.startswith("Con sus respuestas solo podemos comprobar una parte")
    assert "el equipo del estudio comprobará el resto" in es.explanation
    failed = trial.evaluate_facts(facts(last_relapse="2026-06-01")).results[0]
    assert failed.explanation.startswith("This study does not take people who had an MS attack")


def test_the_questionnaire_asks_what_could_rule_out_and_stops_when_it_cannot():
    trial = compile_trial([RELAPSE_OR_IV_MP])
    assert next_question([trial], {}, today=TODAY, age_key="age") == "last_relapse"
    assert is_settled(trial, {"last_relapse": "2026-01-10"}, today=TODAY)
    assert is_settled(trial, {"last_relapse": "2026-06-01"}, today=TODAY)


def test_the_rule_facts_are_the_inner_rule_s():
    assert rule_facts(RELAPSE_OR_IV_MP.rule) == ("days_since_last_relapse",)
    assert split_partial(RELAPSE_OR_IV_MP.rule) == (
        RELAPSE_28,
        "IV methylprednisolone 1000 mg/day within one month",
    )
    assert split_partial(RELAPSE_28) == (RELAPSE_28, None)


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"all": [{"partial": RELAPSE_28, "unread": "x"}]}, "all[0].partial", "whole rule"),
        ({"not": {"partial": RELAPSE_28, "unread": "x"}}, "not.partial", "whole rule"),
        ({"partial": {"partial": RELAPSE_28, "unread": "x"}, "unread": "y"}, "partial.partial", ""),
        ({"partial": RELAPSE_28}, "unread", "needs both"),
        ({"unread": "x"}, "partial", "needs both"),
        ({"partial": RELAPSE_28, "unread": "x", "note": 1}, "note", "unexpected key"),
        ({"partial": RELAPSE_28, "unread": "  "}, "unread", "must quote"),
        ({"partial": RELAPSE_28, "unread": 3}, "unread", "must quote"),
        ({"partial": RELAPSE_28, "unread": "x" * 501}, "unread", "at most 500"),
        ({"partial": {"fact": "age", "op": ">=", "value": -1}, "unread": "x"}, "partial.value", ""),
    ],
)
def test_a_malformed_partial_rule_is_refused_naming_the_part(rule, path, message):
    with pytest.raises(RuleError) as raised:
        validate_rule(rule)
    assert raised.value.path == path
    assert message in raised.value.message
