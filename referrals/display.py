"""A referral's frozen screening as the site team reads it (labels from the fact registry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eligibility.engine.facts import ASKING_ORDER, FACTS, UNSURE

_STATUS_LABELS = {
    "pass": "Met",
    "fail": "Not met",
    "unknown": "Not known",
    "not_checked": "Not checked by the service: for the study team",
}


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


@dataclass(frozen=True)
class CriterionRow:
    kind: str
    text: str
    status: str
    status_label: str
    explanation: str
    clinical_text: str = ""


def answers_for_display(answers: dict[str, Any], lang: str = "en") -> list[AnswerRow]:
    """Each answer with its question, in the questionnaire's order."""
    rows = []
    for key in ASKING_ORDER:
        if key not in answers:
            continue
        fact, value = FACTS[key], answers[key]
        if value == UNSURE:
            text = "Not sure"
        elif fact.type == "multi_choice" and not value:
            text = "None"
        else:
            try:
                text = fact.format_value(value, lang)
            except (KeyError, TypeError, ValueError):
                text = str(value)
        rows.append(AnswerRow(question=fact.question(lang), answer=text))
    return rows


@dataclass(frozen=True)
class CriteriaCounts:
    """How many of a screening's criteria were checked against the answers."""

    checked: int
    total: int

    @property
    def left_to_study_team(self) -> int:
        return self.total - self.checked

    @property
    def complete(self) -> bool:
        return self.checked == self.total


def criteria_counts(results: list[dict[str, Any]]) -> CriteriaCounts:
    """Checked and total criteria of stored per-criterion results."""
    rows = [r for r in results if isinstance(r, dict)]
    return CriteriaCounts(
        checked=sum(r.get("status") != "not_checked" for r in rows), total=len(rows)
    )


def criteria_for_display(results: list[dict[str, Any]]) -> list[CriterionRow]:
    """Per-criterion results (as stored on a screening or returned by the evaluator)."""
    return [
        CriterionRow(
            kind=str(r.get("kind", "")),
            text=str(r.get("text", "")),
            clinical_text=str(r.get("clinical_text", "")),
            status=str(r.get("status", "")),
            status_label=_STATUS_LABELS.get(r.get("status"), str(r.get("status", ""))),
            explanation=str(r.get("explanation", "")),
        )
        for r in results
    ]
