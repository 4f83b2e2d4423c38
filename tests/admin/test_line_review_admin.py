"""The curators' review queue in the admin, through the test client."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from eligibility.models import CriterionSource
from eligibility.review import Reviewer, criterion_proposal_accept
from finder.ctgov import parse_study
from finder.importing import trial_upsert_from_study
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
PAGE = PAGE / "ms-recruiting-portland-page.json"
NCT = "NCT06408259"
URL = "/admin/eligibility/linereview/"


@pytest.fixture
def trial():
    call_command("import_ctgov", str(PAGE), "--no-progress", stdout=StringIO())
    return Trial.objects.get(nct_id=NCT)


def rows(response) -> int:
    return response.content.decode().count('name="_selected_action"')


def test_the_queue_lists_only_registered_lines_with_their_proposals(admin_client, trial):
    response = admin_client.get(URL, {"waiting_trial": trial.pk})

    assert response.status_code == 200
    assert rows(response) == trial.criteria.filter(source=CriterionSource.LINE).count()
    assert "edss_bound" in response.content.decode()


def test_changed_since_last_review_shows_the_reworded_line_only(admin_client, trial):
    edss = trial.criteria.get(clinical_text__startswith="Has an Expanded Disability")
    criterion_proposal_accept(criterion=edss, reviewer=Reviewer(label="curator"))
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    [study] = [
        copy.deepcopy(s)
        for s in page["studies"]
        if s["protocolSection"]["identificationModule"]["nctId"] == NCT
    ]
    module = study["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(
        "Diagnosis of progressive forms of MS.", "Diagnosis of a progressive form of MS."
    )
    trial_upsert_from_study(study=parse_study(study))

    response = admin_client.get(URL, {"changed": "yes"})

    assert rows(response) == 1
    assert "Diagnosis of a progressive form of MS." in response.content.decode()


def test_accepting_a_line_without_a_proposal_is_refused_in_the_message(admin_client, trial):
    judgement = trial.criteria.get(clinical_text__startswith="Clinically relevant")

    response = admin_client.post(
        URL,
        {"action": "accept_selected", "_selected_action": [judgement.pk]},
        follow=True,
    )

    assert "1 had no proposal to accept" in response.content.decode()
    judgement.refresh_from_db()
    assert judgement.review_status == "pending"


def test_the_audit_is_readable_and_not_editable(admin_client, trial):
    edss = trial.criteria.get(clinical_text__startswith="Has an Expanded Disability")
    criterion_proposal_accept(criterion=edss, reviewer=Reviewer(label="curator"))

    listing = admin_client.get("/admin/eligibility/criterionreview/")
    assert listing.status_code == 200
    assert "Has an Expanded Disability" in listing.content.decode()
    assert admin_client.get("/admin/eligibility/criterionreview/add/").status_code == 403
