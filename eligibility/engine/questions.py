"""The adaptive questionnaire: which question, if any, is worth asking next.

A fact is *relevant* to a trial when some value of it would change the status of one of
the trial's unknown criteria (found by probing the fact's domain: every choice, the
rule's constants and their neighbours, ``never`` and month-long day ranges straddling
each bound, the empty list and each code, a treatment history with each listed code
current, unsure or dated either side of each bound). Relevance also respects what the
verdict can still become:

- a trial with a failing criterion is settled (ineligible) and asks nothing more;
- a trial with no unknown criterion is settled (eligible, or possibly eligible when a
  criterion is ``not_checked``);
- any other trial gets every question that can still resolve one of its unknown
  criteria, to pass as well as to fail, even when it can no longer become eligible (it
  has a ``not_checked`` criterion, or an unknown no unanswered fact can resolve): the
  study site wants to know which criteria are met.

A fact already answered, ``unsure`` included, is never asked again. Rules test ``age``;
the questionnaire asks it as ``birth_date`` (or ``age``, the caller's choice), and once
either is answered the other is not relevant. Likewise rules test day counts
(``days_since_last_relapse``) and the questionnaire asks their dates (``last_relapse``).
A treatment history and a list of codes are asked whole, as one question.

For a set of trials the next question is chosen greedily: the fact that could settle
the most unsettled trials, then the one that could rule the most trials out, then the
one relevant to the most trials, then the registry's asking order; except that when
the choice falls on a pregnancy question (``pregnancy_or_breastfeeding``,
``planning_pregnancy``, ``contraception``) and ``sex`` is still relevant, ``sex`` is
asked first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .evaluate import FAIL, STATUS_UNKNOWN, CompiledTrial
from .facts import FACTS, PREGNANCY_FACTS, prepare_facts, question_key

#: The rule-level fact asked through ``birth_date`` or ``age``.
AGE = "age"


@dataclass(frozen=True)
class TrialRelevance:
    """What each unanswered fact could still do to one trial.

    ``can_fail``: facts with a value that makes some criterion fail (settling the trial).
    ``can_pass``: facts with a value that resolves some unknown criterion to pass.
    """

    settled: bool
    can_fail: frozenset[str]
    can_pass: frozenset[str]

    @property
    def relevant(self) -> frozenset[str]:
        return self.can_fail | self.can_pass


_SETTLED = TrialRelevance(True, frozenset(), frozenset())


def trial_relevance(trial: CompiledTrial, facts: Mapping[str, Any]) -> TrialRelevance:
    """Which unanswered facts could still change ``trial``, given prepared ``facts``."""
    statuses = trial.statuses(facts)
    if FAIL in statuses or STATUS_UNKNOWN not in statuses:
        return _SETTLED
    can_fail: set[str] = set()
    can_pass: set[str] = set()
    for criterion, status in zip(trial.criteria, statuses, strict=True):
        if status != STATUS_UNKNOWN:
            continue
        for key in criterion.facts:
            if key in facts:
                continue  # answered (possibly `unsure`): never asked again
            probe = dict(facts)
            for value in criterion.probes[key]:
                probe[key] = value
                outcome = criterion.status(probe)
                if outcome == FAIL:
                    can_fail.add(key)
                elif outcome != STATUS_UNKNOWN:
                    can_pass.add(key)
    if not can_fail and not can_pass:
        return TrialRelevance(True, frozenset(), frozenset())
    return TrialRelevance(False, frozenset(can_fail), frozenset(can_pass))


def _as_trials(trials: CompiledTrial | Iterable[CompiledTrial]) -> list[CompiledTrial]:
    return [trials] if isinstance(trials, CompiledTrial) else list(trials)


def _question_key(key: str, age_key: str) -> str:
    return question_key(key, age_key=age_key)


def relevant_facts(
    trials: CompiledTrial | Iterable[CompiledTrial],
    answers: Any,
    *,
    today: date,
    age_key: str = "birth_date",
) -> list[str]:
    """Every answer key still worth asking for any of ``trials``, in asking order.

    ``answers`` are raw answers (validated here; ``InvalidAnswers`` if bad).
    """
    _check_age_key(age_key)
    facts = prepare_facts(answers, today=today)
    relevant: set[str] = set()
    for trial in _as_trials(trials):
        relevant |= trial_relevance(trial, facts).relevant
    keys = {_question_key(key, age_key) for key in relevant}
    return sorted(keys, key=lambda key: FACTS[key].order)


def is_settled(trial: CompiledTrial, answers: Any, *, today: date) -> bool:
    """True when no further answer can change the status of any of ``trial``'s criteria
    (so its verdict is final) or a criterion already rules the patient out."""
    return trial_relevance(trial, prepare_facts(answers, today=today)).settled


def next_question(
    trials: CompiledTrial | Iterable[CompiledTrial],
    answers: Any,
    *,
    today: date,
    age_key: str = "birth_date",
) -> str | None:
    """The answer key to ask next, or ``None`` when no answer can change any verdict.

    Greedy choice over the unsettled trials: the fact that could settle the most of
    them (rule them out, or resolve their last open question), then the one that could
    rule out the most, then the one relevant to the most, then the registry order.
    """
    return next_question_for_facts(trials, prepare_facts(answers, today=today), age_key=age_key)


def next_question_for_facts(
    trials: CompiledTrial | Iterable[CompiledTrial],
    facts: Mapping[str, Any],
    *,
    age_key: str = "birth_date",
) -> str | None:
    """:func:`next_question` for answers already validated and derived (``prepare_facts``),
    so a request validates its answers once."""
    _check_age_key(age_key)
    return _next_question(_as_trials(trials), facts, age_key)


def _next_question(
    trials: list[CompiledTrial], facts: Mapping[str, Any], age_key: str
) -> str | None:
    settles: dict[str, int] = {}
    fails: dict[str, int] = {}
    touches: dict[str, int] = {}
    for trial in trials:
        relevance = trial_relevance(trial, facts)
        if relevance.settled:
            continue
        relevant = relevance.relevant
        for key in relevant:
            touches[key] = touches.get(key, 0) + 1
            if key in relevance.can_fail:
                fails[key] = fails.get(key, 0) + 1
            if key in relevance.can_fail or len(relevant) == 1:
                settles[key] = settles.get(key, 0) + 1
    if not touches:
        return None
    best = min(
        touches,
        key=lambda key: (
            -settles.get(key, 0),
            -fails.get(key, 0),
            -touches[key],
            FACTS[_question_key(key, age_key)].order,
        ),
    )
    if best in PREGNANCY_FACTS and "sex" in touches:
        # Sex may settle the pregnancy criterion: nobody is asked about pregnancy before
        # their sex had the chance to make the question moot.
        return "sex"
    return _question_key(best, age_key)


def _check_age_key(age_key: str) -> None:
    if age_key not in ("age", "birth_date"):
        raise ValueError("age_key must be 'age' or 'birth_date'")
