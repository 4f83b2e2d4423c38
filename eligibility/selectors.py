"""Reads for the eligibility app: questions, compiled criteria, screenings."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from finder.models import Trial

from .engine.evaluate import CompiledTrial, CriterionSpec, compile_trial
from .engine.facts import AGE_KEYS, FACTS, UNSURE, question_key
from .models import Criterion, Screening

_COMPILED_MAX = 50_000
_compiled: OrderedDict[tuple, CompiledTrial] = OrderedDict()
_compiled_lock = threading.Lock()


def criterion_specs(criteria: list[Criterion]) -> list[CriterionSpec]:
    """Model rows as the engine's plain data (the engine never sees a model)."""
    return [
        CriterionSpec(
            id=c.pk,
            kind=c.kind,
            rule=c.rule,
            text=c.patient_text or c.clinical_text,
            text_es=c.patient_text_es,
            clinical_text=c.clinical_text,
        )
        for c in sorted(criteria, key=lambda c: (c.kind != "inclusion", c.order, c.pk))
    ]


def _compiled_key(trial: Trial) -> tuple:
    return (trial.pk, trial.created_at, trial.criteria_version)


def trials_compiled(*, trials: list[Trial]) -> list[CompiledTrial]:
    """The compiled criteria of each trial, compiled once per criteria version.

    Compiled trials are kept per process, keyed on the trial's identity and criteria
    version, so a change to a trial's criteria (which bumps the version) is picked up at
    once. The creation time is part of the identity because SQLite may reuse the id of
    a deleted row.
    """
    out: dict[int, CompiledTrial] = {}
    todo: list[Trial] = []
    with _compiled_lock:
        for trial in trials:
            compiled = _compiled.get(_compiled_key(trial))
            if compiled is None:
                todo.append(trial)
            else:
                _compiled.move_to_end(_compiled_key(trial))
                out[trial.pk] = compiled
    if todo:
        by_trial: dict[int, list[Criterion]] = {t.pk: [] for t in todo}
        for criterion in Criterion.objects.filter(trial__in=[t.pk for t in todo]):
            by_trial[criterion.trial_id].append(criterion)
        with _compiled_lock:
            for trial in todo:
                compiled = compile_trial(criterion_specs(by_trial[trial.pk]), trial_id=trial.pk)
                _compiled[_compiled_key(trial)] = compiled
                out[trial.pk] = compiled
            while len(_compiled) > _COMPILED_MAX:
                _compiled.popitem(last=False)
    return [out[t.pk] for t in trials]


def trial_compiled(*, trial: Trial) -> CompiledTrial:
    return trials_compiled(trials=[trial])[0]


@dataclass(frozen=True)
class Question:
    """One question of a trial's questionnaire, derived from the fact registry."""

    key: str
    type: str
    text: str
    help: str
    choices: list[tuple[str, str]]
    min: float | None
    max: float | None
    step: float | None
    allows_unsure: bool
    allows_never: bool = False

    @property
    def choice_items(self) -> list[dict[str, str]]:
        """The choices as the API lists them: ``{"value", "label"}``."""
        return [{"value": code, "label": label} for code, label in self.choices]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.type,
            "text": self.text,
            "help": self.help,
            "choices": self.choice_items,
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "allows_unsure": self.allows_unsure,
            "allows_never": self.allows_never,
        }


def question_for(key: str, *, lang: str = "en") -> Question:
    fact = FACTS[key]
    return Question(
        key=key,
        type=fact.type,
        text=fact.question(lang),
        help=fact.help(lang),
        choices=[(c.code, c.label(lang)) for c in fact.choices],
        min=fact.min,
        max=fact.max,
        step=fact.step,
        allows_unsure=fact.accepts_unsure or UNSURE in fact.choice_codes,
        allows_never=fact.accepts_never,
    )


#: How each surface asks the patient's age (rules test ``age``; either key answers it).
#: The API lists ``birth_date``, so a partner can send it and the age stays right on any
#: later day; the web questionnaire asks ``age``: it is all the rules need and
#: identifies nobody.
API_AGE_KEY = "birth_date"
WEB_AGE_KEY = "age"


def asked_key(rule_key: str, *, age_key: str) -> str:
    """The question that answers fact ``rule_key`` when age is asked as ``age_key``: a
    day count is asked as its date (``days_since_last_relapse`` as ``last_relapse``)."""
    if rule_key in AGE_KEYS:
        return age_key
    return question_key(rule_key, age_key=age_key)


def question_keys(*, trials: list[Trial], age_key: str) -> list[str]:
    """Every question the trials' criteria can need, in the registry's asking order."""
    keys = {
        asked_key(key, age_key=age_key)
        for compiled in trials_compiled(trials=trials)
        for key in compiled.facts
    }
    return sorted(keys, key=lambda key: FACTS[key].order)


def trial_questions(
    *, trial: Trial, lang: str = "en", age_key: str = API_AGE_KEY
) -> list[Question]:
    """Every question the trial's criteria can need, in the registry's asking order."""
    return [question_for(k, lang=lang) for k in question_keys(trials=[trial], age_key=age_key)]


def screenings_with_referrals(*, trial: Trial):
    """The screenings of ``trial`` that led to a referral (re-evaluated on criteria change).

    Not those of a referral erased after its retention period: their answers are gone
    (``referrals.services.referral_contacts_erase``), so there is nothing to re-run.
    """
    return Screening.objects.filter(
        trial=trial, referral__isnull=False, referral__contact_erased_at__isnull=True
    )
