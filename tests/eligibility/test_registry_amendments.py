"""A catalog kept in step with the registry: re-imports of a real record, amended.

NCT06408259 (paediatric RRMS, ozanimod vs fingolimod) from tests/data/registry, imported
as is, reviewed, then imported again as the registry would serve a protocol amendment:
a line reworded, a line added, a line removed, and the record unchanged.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from eligibility.models import CriterionReview, CriterionSource, ReviewStatus
from eligibility.reader import READER_VERSION
from eligibility.review import Reviewer, criterion_proposal_accept, criterion_proposal_reject
from finder.ctgov import parse_study
from finder.importing import Outcome, trial_upsert_from_study
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).resolve().parents[1] / "data" / "registry"
NCT = "NCT06408259"
EDSS_LINE = "Has an Expanded Disability Status Scale (EDSS) score of 0 to 5.5, both inclusive."
CURATOR = Reviewer(label="curator")


def record() -> dict:
    page = json.loads((PAGE / "ms-recruiting-portland-page.json").read_text(encoding="utf-8"))
    [study] = [
        s for s in page["studies"] if s["protocolSection"]["identificationModule"]["nctId"] == NCT
    ]
    return copy.deepcopy(study)


def amended(change) -> dict:
    study = record()
    module = study["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = change(module["eligibilityCriteria"])
    return study


def upsert(study: dict):
    return trial_upsert_from_study(study=parse_study(study))


def lines(trial: Trial):
    return {c.clinical_text: c for c in trial.criteria.filter(source=CriterionSource.LINE)}


@pytest.fixture
def reviewed(django_capture_on_commit_callbacks):
    """The record imported, its EDSS proposal accepted and its 'progressive' line rejected."""
    upsert(record())
    trial = Trial.objects.get(nct_id=NCT)
    by_text = lines(trial)
    criterion_proposal_accept(criterion=by_text[EDSS_LINE], reviewer=CURATOR)
    criterion_proposal_reject(
        criterion=by_text["Diagnosis of progressive forms of MS."], reviewer=CURATOR
    )
    trial.refresh_from_db()
    return trial


def test_an_unchanged_reimport_changes_nothing(reviewed):
    version = reviewed.criteria_version
    before = {(c.pk, c.updated_at) for c in reviewed.criteria.all()}

    result = upsert(record())

    assert result.outcome is Outcome.UNCHANGED
    reviewed.refresh_from_db()
    assert reviewed.criteria_version == version
    assert {(c.pk, c.updated_at) for c in reviewed.criteria.all()} == before


def test_a_reworded_line_comes_back_waiting_and_its_old_rule_is_not_kept(reviewed):
    version = reviewed.criteria_version
    reworded = "Has an EDSS score of 0 to 4.5, both inclusive."

    upsert(amended(lambda text: text.replace(EDSS_LINE, reworded)))

    reviewed.refresh_from_db()
    by_text = lines(reviewed)
    assert EDSS_LINE not in by_text
    new = by_text[reworded]
    assert new.review_status == ReviewStatus.PENDING
    assert new.rule is None  # not checked until reviewed
    assert new.proposal_rule == {"fact": "edss", "op": "between", "value": [0, 4.5]}
    assert reviewed.criteria_version == version + 1
    # The other decision stands: same wording, same rule.
    assert by_text["Diagnosis of progressive forms of MS."].review_status == "rejected"


def test_an_added_line_is_a_new_criterion_waiting_for_review(reviewed):
    version = reviewed.criteria_version
    added = "Pregnant or breastfeeding."

    upsert(
        amended(lambda text: text.replace("* Active or chronic", f"* {added}\n* Active or chronic"))
    )

    reviewed.refresh_from_db()
    new = lines(reviewed)[added]
    assert (new.kind, new.review_status, new.rule) == ("exclusion", "pending", None)
    assert new.line_added_at is not None
    assert reviewed.criteria_version == version + 1
    # Lines after it moved down one; their decisions stand.
    assert lines(reviewed)[EDSS_LINE].review_status == "accepted"


def test_a_removed_line_leaves_with_a_new_version_and_its_history_stays(reviewed):
    version = reviewed.criteria_version
    removed = "Diagnosis of progressive forms of MS."

    upsert(amended(lambda text: text.replace(f"* {removed}\n", "")))

    reviewed.refresh_from_db()
    assert removed not in lines(reviewed)
    assert reviewed.criteria_version == version + 1
    [review] = CriterionReview.objects.filter(line=removed)
    assert (review.action, review.criterion) == ("reject", None)


def test_a_reimport_refreshes_a_waiting_proposal_but_not_a_decided_one(reviewed, monkeypatch):
    import finder.importing
    import finder.registry_criteria

    monkeypatch.setattr(finder.registry_criteria, "READER_VERSION", "test-next")
    monkeypatch.setattr(finder.importing, "READER_VERSION", "test-next")
    version = reviewed.criteria_version

    assert upsert(record()).outcome is Outcome.UPDATED

    reviewed.refresh_from_db()
    by_text = lines(reviewed)
    waiting = [c for c in by_text.values() if c.review_status == "pending"]
    assert waiting and all(c.reader_version == "test-next" for c in waiting)
    assert by_text[EDSS_LINE].reader_version == READER_VERSION  # accepted under the old: kept
    assert reviewed.criteria_version == version  # proposals are not live
