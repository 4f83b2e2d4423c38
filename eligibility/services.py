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
from .engine.questions import next_question_for_facts
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

CRITERION_FIELDS = (
    "kind",
    "order",
    "clinical_text",
    "patient_text",
    "patient_text_es",
    "rule",
    "line_hash",
)
#: What a registry import writes: the registered lines and the rules derived from the
#: record's structured fields that match no line.
REGISTRY_SOURCES = (CriterionSource.LINE, CriterionSource.REGISTRY)


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as the loaders and importers hand it over (plain data).

    ``rule`` is ``None`` for a criterion with no live rule (``not_checked``). ``source``
    matters to a registry import only: a registered ``line`` or a ``registry``-derived
    criterion.
    """

    kind: str
    order: int
    patient_text: str = ""
    rule: dict | None = None
    clinical_text: str = ""
    patient_text_es: str = ""
    line_hash: str = ""
    source: str = CriterionSource.CURATED

    @classmethod
    def from_dict(cls, data: dict, *, source: str | None = None) -> CriterionInput:
        fields = {k: data[k] for k in (*CRITERION_FIELDS, "source") if k in data}
        if source is not None:
            fields.setdefault("source", source)
        return cls(**fields)

    def key(self) -> tuple:
        return (self.source, *(getattr(self, f) for f in CRITERION_FIELDS))


def rule_facts(rule) -> set[str]:
    """The answer keys a valid rule reads (``age`` and ``birth_date`` count as one)."""
    if rule is None:
        return set()
    return {"age" if key == "birth_date" else key for key in engine_rule_facts(rule)}


def criterion_rule_validate(*, rule, label: str) -> None:
    """Refuse a rule the engine cannot evaluate, naming the criterion and the part at fault.

    ``None`` (no rule: the study team checks the criterion) is always accepted.
    """
    from .engine.rules import RuleError, validate_rule

    if rule is None:
        return
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


def _inputs(criteria: Iterable[CriterionInput | dict], source: str) -> list[CriterionInput]:
    wanted = [
        c if isinstance(c, CriterionInput) else CriterionInput.from_dict(c, source=source)
        for c in criteria
    ]
    for item in wanted:
        if item.kind not in CriterionKind.values:
            raise ValidationError({"kind": f"{item.kind!r} is not inclusion or exclusion"})
        criterion_rule_validate(rule=item.rule, label=f"{item.kind} criterion {item.order}")
    return wanted


@transaction.atomic
def criteria_replace(
    *, trial: Trial, criteria: Iterable[CriterionInput | dict], source: str
) -> bool:
    """Replace the trial's criteria of one origin with ``criteria``.

    ``source`` is ``curated`` (a curator's ruleset) or ``registry`` (an import: the
    registered lines and the rules derived from the record's structured fields, each
    item saying which by its own ``source``). Every rule is validated first, so nothing
    is written unless all are valid. The trial's criteria version is bumped only when
    something actually changed, which keeps re-imports and re-loads idempotent. Returns
    whether anything changed.

    A curated ruleset is the curator's reading of every registered criterion, so a
    trial with curated criteria keeps none of the registered lines, and no derived
    criterion on facts the curated ones already test.
    """
    if source == CriterionSource.CURATED:
        sources: tuple[str, ...] = (CriterionSource.CURATED,)
        wanted = [replace(item, source=source) for item in _inputs(criteria, source)]
    elif source in REGISTRY_SOURCES:
        sources = REGISTRY_SOURCES
        wanted = _registry_wanted(trial, _inputs(criteria, CriterionSource.REGISTRY))
    else:
        raise ValueError(f"unknown criterion source {source!r}")

    existing = trial.criteria.filter(source__in=sources)
    current = sorted((c.source, *(getattr(c, f) for f in CRITERION_FIELDS)) for c in existing)
    if current == sorted(item.key() for item in wanted):
        return False

    trial.criteria.filter(source__in=sources).delete()
    if source == CriterionSource.CURATED:
        _registry_superseded_delete(trial, wanted)
    Criterion.objects.bulk_create(
        Criterion(
            trial=trial, source=item.source, **{f: getattr(item, f) for f in CRITERION_FIELDS}
        )
        for item in wanted
    )
    trial_criteria_version_bump(trial=trial)
    return True


def _registry_wanted(trial: Trial, items: list[CriterionInput]) -> list[CriterionInput]:
    wanted = [
        replace(item, order=item.order + REGISTRY_ORDER_OFFSET)
        if item.source == CriterionSource.REGISTRY and item.order < REGISTRY_ORDER_OFFSET
        else item
        for item in items
    ]
    curated_rules = list(
        trial.criteria.filter(source=CriterionSource.CURATED).values_list("rule", flat=True)
    )
    if not curated_rules:
        return wanted
    # A curator's criteria supersede the registered lines, and the derived criteria on
    # facts they test (no "age 18 to 55" twice on the trial page).
    curated = set().union(*(rule_facts(rule) for rule in curated_rules))
    return [
        item
        for item in wanted
        if item.source == CriterionSource.REGISTRY
        and item.rule is not None
        and not rule_facts(item.rule) <= curated
    ]


def _registry_superseded_delete(trial: Trial, curated: list[CriterionInput]) -> None:
    if not curated:
        return
    trial.criteria.filter(source=CriterionSource.LINE).delete()
    covered = set().union(*(rule_facts(item.rule) for item in curated))
    for derived in trial.criteria.filter(source=CriterionSource.REGISTRY):
        if rule_facts(derived.rule) <= covered:
            derived.delete()


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
    #: How many of the trial's ``total`` criteria have a rule; the others are
    #: ``not_checked`` (the study team checks them).
    checked: int = 0
    total: int = 0

    @property
    def fully_checked(self) -> bool:
        return self.checked == self.total

    @property
    def left_to_study_team(self) -> int:
        return self.total - self.checked


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
        checked=result.checked,
        total=result.total,
    )


def questionnaire_next(
    *,
    trials: list[Trial],
    answers: Any,
    age_key: str = "birth_date",
    today: date | None = None,
) -> str | None:
    """The next question worth asking across ``trials``, or None when nothing can change.

    Age is asked as ``age_key`` (``age`` or ``birth_date``). ``answers`` are prepared
    :class:`Answers` or a raw answer set (validated here, raising ``InvalidAnswers``).
    """
    compiled = trials_compiled(trials=trials)
    prepared = _prepared(answers, today)
    return next_question_for_facts(compiled, prepared.facts, age_key=age_key)
