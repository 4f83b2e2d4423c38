"""Fixtures for the criteria reader tests: plain Python, no database.

The project-wide autouse fixtures need Django (the cache, Celery); the reader never
touches either, so they are replaced by no-ops here and these tests also run with
``-p no:django``, except ``test_vignettes.py``: it imports the vignettes with
``import_ctgov`` and screens them with the eligibility service, on the test database.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest

from eligibility.engine.facts import expand_treatment_codes
from eligibility.reader import propose, read

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "registry"


@pytest.fixture(autouse=True)
def _clear_cache():
    yield


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    yield


def registry_records() -> dict[str, dict]:
    """The 41 registry texts with their registered conditions, by NCT id."""
    records = {}
    page = json.loads((REGISTRY / "ms-recruiting-portland-page.json").read_text(encoding="utf-8"))
    for study in page["studies"]:
        protocol = study["protocolSection"]
        records[protocol["identificationModule"]["nctId"]] = {
            "text": protocol["eligibilityModule"]["eligibilityCriteria"],
            "conditions": protocol["conditionsModule"]["conditions"],
        }
    with (REGISTRY / "ms-criteria-older-trials.csv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            records[row["nctid"]] = {
                "text": row["criteria"],
                "conditions": ast.literal_eval(row["diseases"]),
            }
    return records


def reviewed() -> dict:
    return json.loads((REGISTRY / "reader_reviewed.json").read_text(encoding="utf-8"))


def canonical(rule):
    """A rule compared by meaning: lists sorted, code groups expanded, numbers as floats,
    the operands of ``all`` / ``any`` in any order."""
    if rule is None:
        return None
    if "partial" in rule:
        return ("partial", canonical(rule["partial"]), rule["unread"])
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        return (key, tuple(sorted((canonical(child) for child in rule[key]), key=repr)))
    if "not" in rule:
        return ("not", canonical(rule["not"]))
    value = rule.get("value")
    if rule["op"] == "taken_within":
        value = (tuple(sorted(expand_treatment_codes(value["codes"]))), value["days"])
    elif rule["op"] in ("contains_any", "currently_taking") and rule["fact"] != "other_conditions":
        value = tuple(sorted(expand_treatment_codes(value)))
    elif isinstance(value, list) and rule["op"] in ("in", "contains_any"):
        value = tuple(sorted(value))
    elif isinstance(value, list):
        value = tuple(float(v) for v in value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    return (rule["fact"], rule["op"], value)


def took(codes, days):
    """A treatment taken within ``days`` days (``treatment_history``)."""
    return {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": codes, "days": days},
    }


def ever(*codes):
    """Any of ``codes`` ever taken (``treatments_ever``)."""
    return {"fact": "treatments_ever", "op": "contains_any", "value": list(codes)}


def rule_of(text: str, kind: str = "inclusion", **kwargs):
    """The proposed rule for one line, or None."""
    proposal = propose(text, kind=kind, **kwargs)
    return proposal.rule if proposal else None


def note_of(text: str, kind: str = "inclusion", **kwargs) -> str:
    return read(text, kind=kind, **kwargs).note
