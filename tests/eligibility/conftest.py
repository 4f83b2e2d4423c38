import json
from pathlib import Path

import pytest

from eligibility.services import criteria_replace
from tests.factories import TrialFactory

RULESETS = Path(__file__).resolve().parents[2] / "eligibility" / "rulesets"


def load_ruleset(nct_id: str) -> list[dict]:
    return json.loads((RULESETS / f"{nct_id}.json").read_text())


@pytest.fixture
def care_ms_ii(db):
    trial = TrialFactory(nct_id="NCT00548405", acronym="CARE-MS II")
    criteria_replace(trial=trial, criteria=load_ruleset("NCT00548405"), source="curated")
    trial.refresh_from_db()
    return trial


@pytest.fixture
def care_ms_i(db):
    trial = TrialFactory(nct_id="NCT00530348", acronym="CARE-MS I")
    criteria_replace(trial=trial, criteria=load_ruleset("NCT00530348"), source="curated")
    trial.refresh_from_db()
    return trial


@pytest.fixture
def candidate_answers():
    """A typical CARE-MS II candidate: relapsed on interferon, everything else in range."""
    return {
        "age": 34,
        "ms_diagnosis": "yes",
        "ms_course": "relapsing_remitting",
        "years_since_first_symptoms": 6,
        "edss": 3.5,
        "relapses_last_12_months": 1,
        "relapses_last_24_months": 2,
        "relapse_on_interferon_or_glatiramer": "yes",
        "mri_lesions_confirmed": "yes",
        "treatments_ever": ["interferon_beta"],
        "treatments_last_6_months": ["interferon_beta"],
        "investigational_drug_ever": "no",
    }
