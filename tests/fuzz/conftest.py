"""Fixtures for the hostile-input tests: CARE-MS II with its criteria and a site, the
people who use the signed-in forms, and a patient who finished the questionnaire."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.factories import ELIGIBLE_ANSWERS, as_form

RULESETS = Path(__file__).resolve().parents[2] / "eligibility" / "rulesets"
TRIAL = "NCT00548405"
#: A CARE-MS II candidate who meets every criterion, as the questionnaire form posts it.
ELIGIBLE_FORM_ANSWERS = as_form(ELIGIBLE_ANSWERS)
QUESTION = re.compile(r'name="question" value="([a-z0-9_]+)"')


@pytest.fixture
def trial(db):
    from eligibility.models import CriterionSource
    from eligibility.services import criteria_replace
    from tests.factories import TrialFactory

    trial = TrialFactory(nct_id=TRIAL, acronym="CARE-MS II")
    items = json.loads((RULESETS / f"{TRIAL}.json").read_text(encoding="utf-8"))
    criteria_replace(trial=trial, criteria=items, source=CriterionSource.CURATED)
    trial.refresh_from_db()
    return trial


@pytest.fixture
def site(trial):
    from tests.factories import SiteFactory

    return SiteFactory(trial=trial, facility="Stanford Neuroscience Health Center")


@pytest.fixture
def coordinator(site):
    from tests.referrals.factories import SiteMembershipFactory

    return SiteMembershipFactory(site=site).user


@pytest.fixture
def clinician(db):
    from tests.referrals.factories import ClinicianProfileFactory

    return ClinicianProfileFactory().user


@pytest.fixture
def referral(site, django_capture_on_commit_callbacks):
    from tests.referrals.factories import referral_for

    with django_capture_on_commit_callbacks(execute=True):
        return referral_for(site=site)


def finish_questionnaire(client, nct_id: str = TRIAL) -> None:
    """Answer every question of the trial's questionnaire as an eligible patient."""
    url = f"/trials/{nct_id}/check/"
    page = client.get(url)
    for _ in range(40):
        match = QUESTION.search(page.content.decode())
        if match is None:
            return
        key = match.group(1)
        page = client.post(url, {"question": key, key: ELIGIBLE_FORM_ANSWERS[key]}, follow=True)
    raise AssertionError("the questionnaire did not finish")


@pytest.fixture
def screened_patient(client, site):
    """A client whose session holds a finished, eligible CARE-MS II screening."""
    finish_questionnaire(client)
    return client
