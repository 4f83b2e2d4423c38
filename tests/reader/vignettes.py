"""Screening the reader's vignettes: every proposal accepted unread, then the patients.

Used by ``test_vignettes.py`` and by ``measure.py`` (the figures in docs/reader.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from eligibility.engine.evaluate import (
    ELIGIBLE,
    FAIL,
    NOT_CHECKED,
    CriterionSpec,
    compile_trial,
    verdict_of,
)
from eligibility.engine.facts import prepare_facts
from eligibility.reader import propose
from finder.criteria_lines import split_criteria

VIGNETTES = Path(__file__).resolve().parents[1] / "data" / "reader_vignettes" / "vignettes.json"


def load() -> dict:
    return json.loads(VIGNETTES.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Screened:
    trial: str
    who: str
    verdict: str
    statuses: dict[tuple[str, int], str]
    ruled_out_by: list[dict]

    @property
    def failing(self) -> set[tuple[str, int]]:
        return {line for line, status in self.statuses.items() if status == FAIL}

    @property
    def false_exclusions(self) -> set[tuple[str, int]]:
        """Lines that rule the patient out although the careful reading says they do not."""
        expected = {(line["kind"], line["order"]) for line in self.ruled_out_by}
        return self.failing - expected

    @property
    def expressible(self) -> list[tuple[str, int]]:
        return [(line["kind"], line["order"]) for line in self.ruled_out_by if line["expressible"]]

    @property
    def caught(self) -> list[tuple[str, int]]:
        return [line for line in self.expressible if self.statuses[line] == FAIL]


def import_trial(trial: dict) -> list[CriterionSpec]:
    """The trial's lines, each with its proposal accepted as it is (or not_checked)."""
    specs = []
    for line in split_criteria(trial["text"]).lines:
        proposal = propose(
            line.text,
            kind=line.kind,
            heading=line.heading,
            items=line.items,
            conditions=trial["conditions"],
        )
        specs.append(
            CriterionSpec(
                id=(line.kind, line.order),
                kind=line.kind,
                rule=proposal.rule if proposal else None,
                text=proposal.patient_text if proposal else line.text,
            )
        )
    return specs


def screen_all(data: dict | None = None) -> list[Screened]:
    data = data or load()
    today = date.fromisoformat(data["today"])
    screened = []
    for trial in data["trials"]:
        specs = import_trial(trial)
        compiled = compile_trial(specs, trial_id=trial["id"])
        for patient in trial["patients"]:
            facts = prepare_facts(patient["answers"], today=today)
            statuses = dict(zip([spec.id for spec in specs], compiled.statuses(facts), strict=True))
            verdict = compiled.verdict(facts)
            assert verdict == verdict_of(statuses.values())
            assert verdict != ELIGIBLE or NOT_CHECKED not in statuses.values()
            screened.append(
                Screened(trial["id"], patient["who"], verdict, statuses, patient["ruled_out_by"])
            )
    return screened


def catch_rate(screened: list[Screened]) -> tuple[int, int]:
    """(caught, expressible) over every patient's expressible exclusions."""
    expressible = sum(len(s.expressible) for s in screened)
    caught = sum(len(s.caught) for s in screened)
    return caught, expressible
