"""Fixtures for the plain-Python engine tests (no Django needed).

The project-wide autouse cache fixture needs Django's ``settings`` fixture; the engine
never touches a cache, so it is replaced by a no-op here and these tests also run with
``-p no:django``.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from eligibility.engine.evaluate import CompiledTrial, compile_trial, criteria_from_ruleset

RULESETS = Path(__file__).resolve().parents[2] / "eligibility" / "rulesets"
TODAY = date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _clear_local_cache():
    yield


def load_trial(nct_id: str) -> CompiledTrial:
    """Compile a ruleset file shipped in ``eligibility/rulesets``."""
    items = json.loads((RULESETS / f"{nct_id}.json").read_text(encoding="utf-8"))
    return compile_trial(criteria_from_ruleset(items), trial_id=nct_id)


@pytest.fixture(scope="session")
def care_ms_2() -> CompiledTrial:
    return load_trial("NCT00548405")


@pytest.fixture(scope="session")
def care_ms_1() -> CompiledTrial:
    return load_trial("NCT00530348")
