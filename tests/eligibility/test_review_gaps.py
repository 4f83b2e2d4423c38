"""Issue 19: gaps in the curators' review of registered lines (the queue's "changed since
last review" filter, who the audit names, the demo's recorded review, bilingual edits)."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.models import CriterionSource
from eligibility.review import Reviewer, criterion_proposal_accept, criterion_proposal_reject
from finder.ctgov import parse_study
from finder.importing import trial_upsert_from_study
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"
QUEUE = "/admin/eligibility/linereview/"
CURATOR = Reviewer(label="curator")


@pytest.fixture
def trial():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


def study(**rewordings: str):
    """The trial's registry record, with its criteria reworded (old words: new words)."""
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    [raw] = [
        copy.deepcopy(s)
        for s in page["studies"]
        if s["protocolSection"]["identificationModule"]["nctId"] == NCT
    ]
    module = raw["protocolSection"]["eligibilityModule"]
    for old, new in rewordings.items():
        assert old in module["eligibilityCriteria"]
        module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(old, new)
    return parse_study(raw)


def line(trial, start: str):
    return trial.criteria.get(source=CriterionSource.LINE, clinical_text__startswith=start)


def listed(response) -> int:
    return response.content.decode().count('name="_selected_action"')


# --- 1. "changed since last review" keeps every reworded line still waiting ------------------

PROGRESSIVE = "Diagnosis of progressive forms of MS."
IMMUNE = "Active or chronic disease of the immune system other than MS."
REWORDED = {
    PROGRESSIVE: "Diagnosis of a progressive form of MS.",
    IMMUNE: "Active or chronic disease of the immune system apart from MS.",
}


def test_changed_since_review_keeps_a_waiting_line_once_another_is_decided(admin_client, trial):
    criterion_proposal_accept(criterion=line(trial, "Has an Expanded"), reviewer=CURATOR)
    trial_upsert_from_study(study=study(**REWORDED))
    assert listed(admin_client.get(QUEUE, {"changed": "yes"})) == 2

    # The curator decides one of the two reworded lines: the other still waits.
    criterion_proposal_reject(
        criterion=line(trial, "Diagnosis of a progressive form"), reviewer=CURATOR
    )

    response = admin_client.get(QUEUE, {"changed": "yes"})
    assert listed(response) == 1
    page = response.content.decode()
    assert "Active or chronic disease of the immune system apart from MS." in page
    assert "Diagnosis of a progressive form of MS." not in page


def test_changed_since_review_lists_no_line_of_a_trial_never_reviewed(admin_client, trial):
    trial_upsert_from_study(study=study(**REWORDED))

    assert listed(admin_client.get(QUEUE, {"changed": "yes"})) == 0
