"""Writes for the eligibility app: criteria (with validation and versioning) and screenings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from finder.models import Trial

from .engine.evaluate import ELIGIBLE, INELIGIBLE, POSSIBLY_ELIGIBLE, TrialResult
from .engine.facts import InvalidAnswers, derive_facts, validate_answers
from .engine.questions import next_question
from .engine.rules import rule_facts as engine_rule_facts
from .models import Criterion, CriterionKind, CriterionSource, Screening
from .selectors import trial_compiled, trials_compiled
from .signals import criteria_changed

VERDICT_RANK = {ELIGIBLE: 0, POSSIBLY_ELIGIBLE: 1, INELIGIBLE: 2}

__all__ = [
    "Answers",
    "InvalidAnswers",
    "ScreeningOutcome",
    "answers_prepare",
    "criteria_replace",
    "questionnaire_next",
    "screening_evaluate",
    "screening_outcome",
]

# Registry-derived criteria are numbered after the curated ones so the two never collide.
REGISTRY_ORDER_OFFSET = 1000

CRITERION_FIELDS = ("kind", "order", "clinical_text", "patient_text", "patient_text_es", "rule")


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as the loaders and importers hand it over (plain data)."""

    kind: str
    order: int
    patient_text: str
    rule: dict
    clinical_text: str = ""
    patient_text_es: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> CriterionInput:
        return cls(**{k: data[k] for k in CRITERION_FIELDS if k in data})

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, f) for f in CRITERION_FIELDS)


def rule_facts(rule) -> set[str]:
    """The answer keys a valid rule reads (``age`` and ``birth_date`` count as one)."""
    return {"age" if key == "birth_date" else key for key in engine_rule_facts(rule)}


def criterion_rule_validate(*, rule, label: str) -> None:
    """Refuse a rule the engine cannot evaluate, naming the criterion and the part at fault."""
    from .engine.rules import RuleError, validate_rule

    try:
        validate_rule(rule)
    except RuleError as exc:
        raise ValidationError({"rule": f"{label}: {exc}"}) from exc


def trial_criteria_version_bump(*, trial: Trial) -> int:
    """Record that the trial's criteria changed; returns the new version."""
    Trial.objects.filter(pk=trial.pk).update(criteria_version=F("criteria_version") + 1)
    trial.refresh_from_db(fields=["criteria_version"])
    transaction.on_commit(lambda: criteria_changed.send(sender=Trial, trial_id=trial.pk))
    return trial.criteria_version


@transaction.atomic
def criteria_replace(
    *, trial: Trial, criteria: Iterable[CriterionInput | dict], source: str
) -> bool:
    """Replace the trial's criteria of one source (curated or registry) with ``criteria``.

    Every rule is validated first, so nothing is written unless all are valid. The
    trial's criteria version is bumped only when something actually changed, which
    keeps re-imports and re-loads idempotent. Returns whether anything changed.
    """
    if source not in CriterionSource.values:
        raise ValueError(f"unknown criterion source {source!r}")
    wanted = [c if isinstance(c, CriterionInput) else CriterionInput.from_dict(c) for c in criteria]
    for item in wanted:
        if item.kind not in CriterionKind.values:
            raise ValidationError({"kind": f"{item.kind!r} is not inclusion or exclusion"})
        criterion_rule_validate(rule=item.rule, label=f"{item.kind} criterion {item.order}")

    if source == CriterionSource.REGISTRY:
        wanted = [
            replace(item, order=item.order + REGISTRY_ORDER_OFFSET)
            if item.order < REGISTRY_ORDER_OFFSET
            else item
            for item in wanted
        ]
        # A curator's criterion on the same facts supersedes the one derived from the
        # registry's structured fields (no "age 18 to 55" twice on the trial page).
        curated = set()
        for rule in trial.criteria.filter(source=CriterionSource.CURATED).values_list(
            "rule", flat=True
        ):
            curated |= rule_facts(rule)
        wanted = [item for item in wanted if not rule_facts(item.rule) <= curated or not curated]

    existing = list(trial.criteria.filter(source=source).order_by("kind", "order"))
    current = sorted(tuple(getattr(c, f) for f in CRITERION_FIELDS) for c in existing)
    if current == sorted(item.as_tuple() for item in wanted):
        return False

    trial.criteria.filter(source=source).delete()
    Criterion.objects.bulk_create(
        Criterion(trial=trial, source=source, **{f: getattr(item, f) for f in CRITERION_FIELDS})
        for item in wanted
    )
    if source == CriterionSource.CURATED:
        # Registry-derived criteria that the curated ones now cover are dropped.
        covered = set().union(*(rule_facts(item.rule) for item in wanted)) if wanted else set()
        for derived in trial.criteria.filter(source=CriterionSource.REGISTRY):
            if covered and rule_facts(derived.rule) <= covered:
                derived.delete()
    trial_criteria_version_bump(trial=trial)
    return True


def screenings_reevaluate_for_trial(*, trial_id: int) -> int:
    """Re-run the screenings that led to referrals under the trial's current criteria.

    Records one ``ScreeningReevaluation`` per screening and criteria version (so a
    repeated run is a no-op) and returns how many verdicts changed.
    """
    from .models import ScreeningReevaluation
    from .selectors import screenings_with_referrals

    trial = Trial.objects.get(pk=trial_id)
    compiled = trial_compiled(trial=trial)
    changed = 0
    for screening in screenings_with_referrals(trial=trial).exclude(
        reevaluations__criteria_version=trial.criteria_version
    ):
        result = compiled.evaluate(screening.answers, today=screening.evaluated_on)
        _, created = ScreeningReevaluation.objects.get_or_create(
            screening=screening,
            criteria_version=trial.criteria_version,
            defaults={
                "previous_verdict": screening.verdict,
                "verdict": result.verdict,
                "results": results_as_json(result),
                "changed": result.verdict != screening.verdict,
            },
        )
        changed += int(created and result.verdict != screening.verdict)
    return changed


def results_as_json(result: TrialResult) -> list[dict[str, Any]]:
    """Per-criterion results as stored on a screening (English explanations)."""
    return [r.as_dict() for r in result.results]


@dataclass(frozen=True)
class Answers:
    """A patient's answers, validated once per request.

    ``clean`` is the normalised answer set as it is stored; ``facts`` adds what is derived
    from it as of ``today`` (``age`` from ``birth_date``), which the engine evaluates.
    """

    clean: dict[str, Any]
    facts: dict[str, Any]
    today: date


def answers_prepare(*, answers: Any, today: date | None = None) -> Answers:
    """Validate raw ``answers`` against the contract (raises ``InvalidAnswers`` naming each
    offending key) and derive the facts rules test, as of ``today``."""
    today = _today(today)
    clean = validate_answers(answers, today=today)
    return Answers(clean=clean, facts=derive_facts(clean, today=today), today=today)


def _prepared(answers: Any, today: date | None) -> Answers:
    if isinstance(answers, Answers) and (today is None or today == answers.today):
        return answers
    raw = answers.clean if isinstance(answers, Answers) else answers
    return answers_prepare(answers=raw, today=today)


@dataclass(frozen=True)
class ScreeningOutcome:
    """The answer to "may I qualify for this trial?", as the API and pages show it."""

    trial: Trial
    verdict: str
    criteria: list[dict[str, Any]]
    missing: list[str]
    criteria_version: int
    answers: dict[str, Any]
    screening: Screening | None = None


def _today(today: date | None) -> date:
    from django.utils import timezone

    return today or timezone.localdate()


def screening_evaluate(
    *,
    trial: Trial,
    answers: Answers | Any,
    today: date | None = None,
    lang: str = "en",
    save: bool = True,
) -> ScreeningOutcome:
    """Check ``answers`` against the trial's criteria; with ``save``, keep an anonymous record.

    ``answers`` are prepared :class:`Answers` (validated once by the caller) or a raw
    answer set, validated here. Raises ``InvalidAnswers`` (naming each offending key)
    before anything is stored.
    """
    prepared = _prepared(answers, today)
    compiled = trial_compiled(trial=trial)
    result = compiled.evaluate_facts(prepared.facts, lang=lang)
    screening = None
    if save:
        # The stored record is language-neutral: English explanations.
        stored = result if lang == "en" else compiled.evaluate_facts(prepared.facts)
        screening = Screening.objects.create(
            trial=trial,
            answers=prepared.clean,
            results=results_as_json(stored),
            verdict=result.verdict,
            criteria_version=trial.criteria_version,
            evaluated_on=prepared.today,
        )
    return screening_outcome(trial=trial, result=result, answers=prepared, screening=screening)


def screening_outcome(
    *, trial: Trial, result: TrialResult, answers: Answers, screening: Screening | None = None
) -> ScreeningOutcome:
    """The outcome pages and APIs show, from the engine's result for ``trial``."""
    return ScreeningOutcome(
        trial=trial,
        verdict=result.verdict,
        criteria=[r.as_dict() for r in result.results],
        missing=list(result.missing),
        criteria_version=trial.criteria_version,
        answers=answers.clean,
        screening=screening,
    )


def questionnaire_next(
    *,
    trials: list[Trial],
    answers: Any,
    age_key: str = "birth_date",
    today: date | None = None,
) -> str | None:
    """The next question worth asking across ``trials``, or None when nothing can change.

    Age is asked as ``age_key`` (``age`` or ``birth_date``). Raises ``InvalidAnswers``
    for answers that do not validate.
    """
    compiled = trials_compiled(trials=trials)
    return next_question(compiled, answers, today=_today(today), age_key=age_key)
