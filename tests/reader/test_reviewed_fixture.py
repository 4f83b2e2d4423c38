"""The reader against a curator's review of every line of the 41 registry texts."""

from collections import Counter

import pytest

from eligibility.engine.rules import validate_rule
from eligibility.reader import read
from finder.criteria_lines import split_criteria
from tests.reader.conftest import canonical, registry_records, reviewed

RECORDS = registry_records()
REVIEWED = reviewed()
BY_LINE = {(e["nct_id"], e["kind"], e["order"]): e for e in REVIEWED["lines"]}


def registry_lines():
    for nct_id, record in sorted(RECORDS.items()):
        for line in split_criteria(record["text"]).lines:
            yield nct_id, record, line


LINES = list(registry_lines())
LINE_IDS = [f"{nct_id}-{line.kind[:3]}-{line.order}" for nct_id, _, line in LINES]


def test_the_review_covers_every_line_once():
    assert sorted(BY_LINE) == sorted((n, line.kind, line.order) for n, _, line in LINES)
    assert len(REVIEWED["lines"]) == len(BY_LINE) == 553
    for nct_id, _, line in LINES:
        assert BY_LINE[(nct_id, line.kind, line.order)]["text"] == line.text


def test_every_reviewed_rule_is_valid():
    for entry in REVIEWED["lines"]:
        if entry["rule"] is not None:
            validate_rule(entry["rule"])


@pytest.mark.parametrize(("nct_id", "record", "line"), LINES, ids=LINE_IDS)
def test_every_proposal_equals_the_reviewed_rule(nct_id, record, line):
    entry = BY_LINE[(nct_id, line.kind, line.order)]
    reading = read(
        line.text,
        kind=line.kind,
        heading=line.heading,
        items=line.items,
        conditions=record["conditions"],
    )
    proposed = reading.proposal.rule if reading.proposal else None
    if proposed is None and entry.get("missed"):
        return  # a curator writes this one by hand; the note says why the reader cannot
    assert canonical(proposed) == canonical(entry["rule"]), reading.note
    if reading.proposal:
        validate_rule(proposed)
        assert reading.proposal.patient_text.startswith("People ")
        assert reading.proposal.patient_text_es.startswith("Personas ")
        assert reading.proposal.reason.startswith("Matched ")


def test_the_share_of_lines_with_a_proposal():
    counts = Counter()
    for _nct_id, record, line in LINES:
        proposal = read(
            line.text,
            kind=line.kind,
            heading=line.heading,
            items=line.items,
            conditions=record["conditions"],
        ).proposal
        counts[line.kind, proposal is not None] += 1
    assert counts["inclusion", True] + counts["inclusion", False] == 223
    assert counts["exclusion", True] + counts["exclusion", False] == 330
    # The figures quoted in docs/reader.md.
    assert counts["inclusion", True] == 99
    assert counts["exclusion", True] == 97


def test_the_review_records_what_was_wrong_before_fixing():
    review = REVIEWED["review"]["wrong_at_review"]
    assert review["first_full_comparison"]["wrong"] == 0
    assert review["during_development"]["substance_use"] == 1
