import pytest

from eligibility.services import criteria_replace
from tests.factories import TrialFactory, load_ruleset


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
