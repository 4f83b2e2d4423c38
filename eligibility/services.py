"""Writes for the eligibility app: criteria (with validation and versioning) and screenings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from finder.models import Trial

from .engine.evaluate import ELIGIBLE, INELIGIBLE, POSSIBLY_ELIGIBLE, TrialResult
from .engine.facts import InvalidAnswers, derive_facts, validate_answers
from .engine.questions import next_question_for_facts
from .engine.rules import rule_facts as engine_rule_facts
from .models import Criterion, CriterionKind, CriterionSource, ReviewStatus, Screening
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
#: The criteria reader's proposal for a registered line, and where the line's review stands.
PROPOSAL_FIELDS = (
    "proposal_rule",
    "proposal_patient_text",
    "proposal_patient_text_es",
    "proposal_pattern",
    "proposal_reason",
    "reader_version",
    "review_status",
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
    proposal_rule: dict | None = None
    proposal_patient_text: str = ""
    proposal_patient_text_es: str = ""
    proposal_pattern: str = ""
    proposal_reason: str = ""
    reader_version: str = ""
    review_status: str = ""

    @classmethod
    def from_dict(cls, data: dict, *, source: str | None = None) -> CriterionInput:
        names = (*CRITERION_FIELDS, *PROPOSAL_FIELDS, "source")
        fields = {k: data[k] for k in names if k in data}
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
        label = f"{item.kind} criterion {item.order}"
        criterion_rule_validate(rule=item.rule, label=label)
        criterion_rule_validate(rule=item.proposal_rule, label=f"{label} (proposal)")
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
        wanted = _registry_wanted(trial, _inputs(criteria, CriterionSource.REGISTRY))
        return _registry_merge(trial, wanted)
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


#: What makes a registered line's criterion count differently: a change here is a new
#: criteria version (and re-evaluates saved screenings); anything else is bookkeeping.
_LIVE_FIELDS = ("kind", "rule", "patient_text", "patient_text_es")
#: Reviews that stand for the same wording on a re-import.
_DECIDED = (ReviewStatus.ACCEPTED, ReviewStatus.EDITED, ReviewStatus.REJECTED)


def _line_keys(items) -> list[tuple[str, str, int]]:
    """(kind, line hash, occurrence): a registry may register the same line twice."""
    seen: dict[tuple[str, str], int] = {}
    keys = []
    for item in items:
        pair = (item.kind, item.line_hash)
        seen[pair] = seen.get(pair, 0) + 1
        keys.append((*pair, seen[pair]))
    return keys


def _registry_merge(trial: Trial, wanted: list[CriterionInput]) -> bool:
    """Bring the trial's registered lines and derived criteria in step with the registry.

    Lines are matched by content (kind and words, ``line_hash``): an unchanged line keeps
    its criterion, and the curator's decision on it; a new or reworded line is a new
    criterion waiting for review (not checked: yesterday's rule is never kept for new
    wording); a line no longer registered goes. The reader's proposal for a line still
    waiting is refreshed; a decided line keeps its rule. The criteria version is bumped
    only when what is evaluated changed; a re-import of unchanged text writes nothing.
    """
    existing = list(trial.criteria.filter(source__in=REGISTRY_SOURCES).order_by("id"))
    old_lines = [c for c in existing if c.source == CriterionSource.LINE]
    old_by_key = dict(zip(_line_keys(old_lines), old_lines, strict=True))
    new_lines = [item for item in wanted if item.source == CriterionSource.LINE]
    derived = [item for item in wanted if item.source == CriterionSource.REGISTRY]

    live_changed = False
    keep: list[tuple[Criterion, CriterionInput]] = []
    create: list[CriterionInput] = []
    for key, item in zip(_line_keys(new_lines), new_lines, strict=True):
        current = old_by_key.pop(key, None)
        if current is None:
            create.append(item)
            live_changed = True
        else:
            keep.append((current, item))
    gone = list(old_by_key.values())
    live_changed |= bool(gone)

    updates: list[Criterion] = []
    for current, item in keep:
        values = _kept_line_values(current, item)
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        if changed:
            live_changed |= any(name in _LIVE_FIELDS for name in changed)
            for name in changed:
                setattr(current, name, values[name])
            updates.append(current)

    old_derived = [c for c in existing if c.source == CriterionSource.REGISTRY]
    # Rules compared as canonical JSON: PostgreSQL's jsonb gives a stored rule back with
    # its keys reordered, so str() of the dict would call every re-import a change.
    derived_changed = sorted(
        (c.kind, c.order, c.clinical_text, c.patient_text, c.patient_text_es, _canonical(c.rule))
        for c in old_derived
    ) != sorted(
        (i.kind, i.order, i.clinical_text, i.patient_text, i.patient_text_es, _canonical(i.rule))
        for i in derived
    )

    if not (create or gone or updates or derived_changed):
        return False
    if gone:
        Criterion.objects.filter(pk__in=[c.pk for c in gone]).delete()
    if derived_changed:
        Criterion.objects.filter(pk__in=[c.pk for c in old_derived]).delete()
        live_changed = True
    if updates:
        _orders_update(updates)
    now = timezone.now()
    Criterion.objects.bulk_create(
        [_criterion_from(trial, item, added_at=now) for item in create]
        + ([_criterion_from(trial, item) for item in derived] if derived_changed else [])
    )
    if live_changed:
        trial_criteria_version_bump(trial=trial)
    return True


def _canonical(rule: Any) -> str:
    return json.dumps(rule, sort_keys=True, default=str)


def _kept_line_values(current: Criterion, item: CriterionInput) -> dict[str, Any]:
    """What an unchanged line's criterion becomes: its place and wording as registered,
    the fresh proposal while it waits, the curator's decision once there is one."""
    values: dict[str, Any] = {"order": item.order, "clinical_text": item.clinical_text}
    if current.review_status in _DECIDED:
        return values
    values.update({name: getattr(item, name) for name in PROPOSAL_FIELDS})
    values.update({name: getattr(item, name) for name in ("rule", "patient_text")})
    values["patient_text_es"] = item.patient_text_es
    return values


def _orders_update(criteria: list[Criterion]) -> None:
    """Save changed lines; orders go through a free range first (unique per trial and kind)."""
    fields = [
        "order",
        "clinical_text",
        "rule",
        "patient_text",
        "patient_text_es",
        *PROPOSAL_FIELDS,
    ]
    final = {c.pk: c.order for c in criteria}
    for index, c in enumerate(criteria):
        c.order = 1_000_000 + index
    Criterion.objects.bulk_update(criteria, ["order"])
    for c in criteria:
        c.order = final[c.pk]
    Criterion.objects.bulk_update(criteria, fields)


def _criterion_from(trial: Trial, item: CriterionInput, *, added_at=None) -> Criterion:
    return Criterion(
        trial=trial,
        source=item.source,
        line_added_at=added_at,
        **{f: getattr(item, f) for f in (*CRITERION_FIELDS, *PROPOSAL_FIELDS)},
    )


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
    ``partial`` names the answer keys read from a partial record (a FHIR export), where a
    code absent is unknown rather than never.
    """

    clean: dict[str, Any]
    facts: dict[str, Any]
    today: date
    partial: tuple[str, ...] = ()


def answers_prepare(
    *, answers: Any, today: date | None = None, partial: Iterable[str] = ()
) -> Answers:
    """Validate raw ``answers`` against the contract (raises ``InvalidAnswers`` naming each
    offending key) and derive the facts rules test, as of ``today``.

    ``partial`` is for callers that read the answers from a record listing only what it
    knows (FHIR ``$match``): the keys of
    :data:`~eligibility.engine.facts.PARTIAL_KEYS` given there leave every code they do
    not list unknown (spec section 6.2). It is never an answer key a client can send.
    """
    today = _today(today)
    partial = tuple(partial)
    clean = validate_answers(answers, today=today)
    facts = derive_facts(clean, today=today, partial=partial)
    return Answers(clean=clean, facts=facts, today=today, partial=partial)


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


def screenings_erase_expired(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Erase the anonymous screenings no referral points at, once no session can need them.

    A patient's session remembers the screening its answers produced
    (:mod:`eligibility.session`), and a session lives ``SESSION_COOKIE_AGE``; screenings
    older than ``SCREENING_RETENTION_SECONDS`` (that age unless set) are deleted with
    their answers and re-evaluations. A session that still remembers one gets a fresh
    screening from the same answers on its next result page. A screening a referral points
    at is never erased; one being referred at this moment is locked by the referral and
    left for the next run. Returns how many were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SCREENING_RETENTION_SECONDS)
    due = Screening.objects.filter(created_at__lt=cutoff, referral__isnull=True)
    erased = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .order_by("created_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                return erased
            _, by_model = Screening.objects.filter(pk__in=batch, referral__isnull=True).delete()
            erased += by_model.get(Screening._meta.label, 0)
