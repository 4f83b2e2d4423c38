"""A referral's frozen screening as the site team reads it (labels from the fact registry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eligibility.engine.facts import ASKING_ORDER, FACTS, UNSURE

_STATUS_LABELS = {"pass": "Met", "fail": "Not met", "unknown": "Not known"}


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


def criteria_for_display(results: list[dict[str, Any]]) -> list[CriterionRow]:
    """Per-criterion results (as stored on a screening or returned by the evaluator)."""
    return [
        CriterionRow(
            kind=str(r.get("kind", "")),
            text=str(r.get("text", "")),
            status=str(r.get("status", "")),
            status_label=_STATUS_LABELS.get(r.get("status"), str(r.get("status", ""))),
            explanation=str(r.get("explanation", "")),
        )
        for r in results
    ]
