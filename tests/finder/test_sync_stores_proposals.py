"""manage.py sync_ctgov runs the criteria reader and stores its proposals beside each line.

The registry API is faked with ``responses`` as in ``test_sync_ctgov.py``; the study is a
real RECRUITING record (NCT06408259, paediatric RRMS) from ``tests/data/registry``. As with
``import_ctgov`` (tests/eligibility/test_criteria_proposals_command.py), each registered
line keeps the reader's proposal (rule, pattern, reader version) and nothing is live until
a curator accepts it.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
import responses
from django.core.management import call_command

from eligibility.models import CriterionSource, ReviewStatus
from eligibility.reader import read
from eligibility.reader.reader import READER_VERSION
from eligibility.review import Reviewer, trial_proposals_accept_all
from finder.criteria_lines import split_criteria
from finder.models import Trial

pytestmark = pytest.mark.django_db

PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)
NCT = "NCT06408259"


def record() -> dict:
    studies = json.loads(PAGE.read_text(encoding="utf-8"))["studies"]
    return next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == NCT)


@pytest.fixture
def synced(registry_url):
    with responses.RequestsMock() as mock:
        mock.get(registry_url, json={"studies": [record()]})
        out = StringIO()
        call_command(
            "sync_ctgov", "--condition", "multiple sclerosis", "--status", "RECRUITING", stdout=out
        )
        assert len(mock.calls) == 1
    assert out.getvalue().strip() == "created 1, updated 0, unchanged 0, skipped 0"
    return Trial.objects.get(nct_id=NCT)


def expected() -> dict[tuple[str, int], object]:
    """What the reader proposes for each registered line of the record, read directly."""
    protocol = record()["protocolSection"]
    text = protocol["eligibilityModule"]["eligibilityCriteria"]
    conditions = protocol["conditionsModule"]["conditions"]
    return {
        (line.kind, line.order): read(
            line.text, kind=line.kind, heading=line.heading, items=line.items, conditions=conditions
        ).proposal
        for line in split_criteria(text).lines
    }


def test_every_line_stores_the_readers_proposal_and_version(synced):
    lines = {(c.kind, c.order): c for c in synced.criteria.filter(source=CriterionSource.LINE)}
    proposals = expected()

    assert set(lines) == set(proposals)
    assert any(proposals.values()), "the reader proposed nothing for a real RRMS record"
    for key, proposal in proposals.items():
        line = lines[key]
        assert line.reader_version == READER_VERSION
        if proposal is None:
            assert line.proposal_rule is None
            assert line.proposal_pattern == ""
        else:
            assert line.proposal_rule == proposal.rule
            assert line.proposal_pattern == proposal.pattern
            assert line.proposal_reason


def test_nothing_is_live_until_accepted(synced):
    lines = synced.criteria.filter(source=CriterionSource.LINE)
    proposed = [c for c in lines if c.proposal_rule is not None]

    assert proposed
    # No proposal is live; only a rule derived from the record's structured fields may be.
    assert all(c.rule is None for c in lines if c.review_status != ReviewStatus.DERIVED)
    assert all(c.review_status == ReviewStatus.PENDING for c in proposed)

    trial_proposals_accept_all(trial=synced, reviewer=Reviewer(label="test"))

    for criterion in proposed:
        criterion.refresh_from_db()
        assert criterion.rule == criterion.proposal_rule
        assert criterion.review_status == ReviewStatus.ACCEPTED


def test_sync_and_import_store_the_same_proposals(synced, tmp_path):
    synced_lines = {
        (c.kind, c.order): (c.proposal_rule, c.proposal_pattern, c.reader_version)
        for c in synced.criteria.filter(source=CriterionSource.LINE)
    }
    Trial.objects.all().delete()
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [record()]}), encoding="utf-8")
    call_command("import_ctgov", str(page), "--no-progress", stdout=StringIO())
    imported = Trial.objects.get(nct_id=NCT)

    assert {
        (c.kind, c.order): (c.proposal_rule, c.proposal_pattern, c.reader_version)
        for c in imported.criteria.filter(source=CriterionSource.LINE)
    } == synced_lines
