"""Curator review of registered lines: accept the reader's proposal, edit it, reject it.

A proposal (``Criterion.proposal_*``) is not live until a named curator accepts it. Every
decision makes the rule live or takes it away, bumps the trial's criteria version (which
re-evaluates the saved screenings, as any criteria change does) and is recorded in the
append-only :class:`~eligibility.models.CriterionReview`. Decisions stand for the same
wording: a re-import that brings the line unchanged keeps them; a reworded line comes
back waiting (``eligibility.services.criteria_replace``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finder.models import Trial

from .models import (
    Criterion,
    CriterionReview,
    CriterionSource,
    ReviewAction,
    ReviewStatus,
)
from .reader.identity import line_hash
from .services import criterion_rule_validate, trial_criteria_version_bump


class ReviewRefused(Exception):
    """A decision that cannot be made (a line without a proposal accepted, say)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Reviewer:
    """Who decides: a curator (``user``) or an operator's command (``label``)."""

    user: Any = None
    label: str = ""

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return self.label or "system"


def _record(
    criterion: Criterion,
    *,
    action: str,
    rule_before,
    reviewer: Reviewer,
    version: int,
) -> None:
    CriterionReview.objects.create(
        actor=reviewer.user,
        actor_label=reviewer.name,
        trial_id=criterion.trial_id,
        criterion=criterion,
        kind=criterion.kind,
        line=criterion.clinical_text,
        line_hash=criterion.line_hash,
        action=action,
        rule_before=rule_before,
        rule_after=criterion.rule,
        patient_text_after=criterion.patient_text,
        patient_text_es_after=criterion.patient_text_es,
        proposal_pattern=criterion.proposal_pattern,
        reader_version=criterion.reader_version,
        criteria_version=version,
    )


def _decide(criterion: Criterion, *, status: str, reviewer: Reviewer, **values) -> Any:
    before = criterion.rule
    for name, value in values.items():
        setattr(criterion, name, value)
    criterion.review_status = status
    criterion.reviewed_by = reviewer.user
    criterion.reviewed_at = timezone.now()
    criterion.save()
    return before


def _line(criterion: Criterion) -> None:
    if criterion.source != CriterionSource.LINE:
        raise ReviewRefused("Only registered lines are reviewed here; edit curated criteria.")


@transaction.atomic
def criterion_proposal_accept(*, criterion: Criterion, reviewer: Reviewer) -> Criterion:
    """Make the reader's proposal for ``criterion`` its live rule."""
    _line(criterion)
    if criterion.proposal_rule is None:
        raise ReviewRefused("This line has no proposal to accept: edit it or reject it.")
    before = _decide(
        criterion,
        status=ReviewStatus.ACCEPTED,
        reviewer=reviewer,
        rule=criterion.proposal_rule,
        patient_text=criterion.proposal_patient_text,
        patient_text_es=criterion.proposal_patient_text_es,
    )
    version = trial_criteria_version_bump(trial=criterion.trial)
    _record(
        criterion,
        action=ReviewAction.ACCEPT,
        rule_before=before,
        reviewer=reviewer,
        version=version,
    )
    return criterion


SPANISH_TEXT_MISSING = (
    'Write the plain words in Spanish too, in "Patient-facing text (Spanish)": patient '
    "pages are bilingual."
)


@transaction.atomic
def criterion_rule_edit(
    *,
    criterion: Criterion,
    rule: dict,
    patient_text: str,
    patient_text_es: str,
    reviewer: Reviewer,
) -> Criterion:
    """Make a curator's rule (validated, refused naming the part at fault) live, with their
    plain words in English and in Spanish (both required: patient pages are bilingual)."""
    _line(criterion)
    label = f"{criterion.kind} criterion {criterion.order}"
    criterion_rule_validate(rule=rule, label=label)
    if rule is None:
        raise ValidationError({"rule": f"{label}: write a rule, or reject the line"})
    if not patient_text.strip():
        raise ValidationError({"patient_text": "Say in plain words whom the rule is about."})
    if not patient_text_es.strip():
        raise ValidationError({"patient_text_es": SPANISH_TEXT_MISSING})
    before = _decide(
        criterion,
        status=ReviewStatus.EDITED,
        reviewer=reviewer,
        rule=rule,
        patient_text=patient_text.strip(),
        patient_text_es=patient_text_es.strip(),
    )
    version = trial_criteria_version_bump(trial=criterion.trial)
    _record(
        criterion, action=ReviewAction.EDIT, rule_before=before, reviewer=reviewer, version=version
    )
    return criterion


@transaction.atomic
def criterion_proposal_reject(*, criterion: Criterion, reviewer: Reviewer) -> Criterion:
    """No rule for this line: it stays ``not_checked`` (the study team checks it)."""
    _line(criterion)
    changed = criterion.rule is not None
    before = _decide(
        criterion,
        status=ReviewStatus.REJECTED,
        reviewer=reviewer,
        rule=None,
        patient_text="",
        patient_text_es="",
    )
    version = (
        trial_criteria_version_bump(trial=criterion.trial)
        if changed
        else criterion.trial.criteria_version
    )
    _record(
        criterion,
        action=ReviewAction.REJECT,
        rule_before=before,
        reviewer=reviewer,
        version=version,
    )
    return criterion


def proposals_pending(*, trials: Iterable[Trial]):
    """The registered lines of ``trials`` waiting for review that have a proposal."""
    return Criterion.objects.filter(
        trial__in=list(trials),
        source=CriterionSource.LINE,
        review_status=ReviewStatus.PENDING,
        proposal_rule__isnull=False,
    ).order_by("trial__nct_id", "kind", "order")


@transaction.atomic
def trial_proposals_accept_all(*, trial: Trial, reviewer: Reviewer) -> int:
    """Accept every pending proposal of ``trial`` at once: one new criteria version."""
    pending = list(proposals_pending(trials=[trial]))
    if not pending:
        return 0
    befores = {}
    for criterion in pending:
        befores[criterion.pk] = _decide(
            criterion,
            status=ReviewStatus.ACCEPTED,
            reviewer=reviewer,
            rule=criterion.proposal_rule,
            patient_text=criterion.proposal_patient_text,
            patient_text_es=criterion.proposal_patient_text_es,
        )
    version = trial_criteria_version_bump(trial=trial)
    for criterion in pending:
        _record(
            criterion,
            action=ReviewAction.ACCEPT_ALL,
            rule_before=befores[criterion.pk],
            reviewer=reviewer,
            version=version,
        )
    return len(pending)


@dataclass(frozen=True)
class RecordedDecision:
    """A curator's decision on a line, written down beforehand (the demo catalog's reviews).

    ``line`` is matched by kind and words (``line_hash``). ``accept`` carries the rule the
    curator accepted, so a different proposal from a later reader is not accepted unread.
    """

    kind: str
    line: str
    decision: str  # accept, edit or reject
    rule: dict | None = None
    patient_text: str = ""
    patient_text_es: str = ""


@transaction.atomic
def trial_decisions_apply(
    *, trial: Trial, decisions: Iterable[RecordedDecision], reviewer: Reviewer
) -> list[str]:
    """Apply recorded decisions to the lines of ``trial`` still waiting, in one criteria
    version; returns a warning for each decision that could not be applied, a decision
    that matches no registered line of the trial among them (the registry reworded or
    dropped the line, or the recorded line is mistyped)."""
    lines = list(trial.criteria.filter(source=CriterionSource.LINE))
    registered = {(c.kind, c.line_hash) for c in lines}
    waiting = {(c.kind, c.line_hash): c for c in lines if c.review_status == ReviewStatus.PENDING}
    warnings: list[str] = []
    applied: list[tuple[Criterion, Any, str]] = []
    for decided in decisions:
        key = (decided.kind, line_hash(decided.kind, decided.line))
        if key not in registered:
            words = " ".join(decided.line.split())
            warnings.append(
                f"{trial.nct_id} {decided.kind}: the recorded {decided.decision} decision "
                f"matches no registered line ({words[:80]!r}); not applied"
            )
            continue
        criterion = waiting.pop(key, None)
        if criterion is None:
            continue  # decided already
        where = f"{trial.nct_id} {decided.kind} {criterion.order}"
        if decided.decision == "accept":
            if criterion.proposal_rule != decided.rule:
                warnings.append(f"{where}: the proposal is not the one reviewed; left waiting")
                continue
            before = _decide(
                criterion,
                status=ReviewStatus.ACCEPTED,
                reviewer=reviewer,
                rule=criterion.proposal_rule,
                patient_text=criterion.proposal_patient_text,
                patient_text_es=criterion.proposal_patient_text_es,
            )
            applied.append((criterion, before, ReviewAction.ACCEPT))
        elif decided.decision == "edit":
            criterion_rule_validate(rule=decided.rule, label=where)
            before = _decide(
                criterion,
                status=ReviewStatus.EDITED,
                reviewer=reviewer,
                rule=decided.rule,
                patient_text=decided.patient_text,
                patient_text_es=decided.patient_text_es,
            )
            applied.append((criterion, before, ReviewAction.EDIT))
        elif decided.decision == "reject":
            before = _decide(
                criterion,
                status=ReviewStatus.REJECTED,
                reviewer=reviewer,
                rule=None,
                patient_text="",
                patient_text_es="",
            )
            applied.append((criterion, before, ReviewAction.REJECT))
        else:
            warnings.append(f"{where}: unknown decision {decided.decision!r}")
    if not applied:
        return warnings
    live = any(before != criterion.rule for criterion, before, _ in applied)
    version = trial_criteria_version_bump(trial=trial) if live else trial.criteria_version
    for criterion, before, action in applied:
        _record(criterion, action=action, rule_before=before, reviewer=reviewer, version=version)
    return warnings
