"""The reader's public API: one call per line, plain values in, a small dataclass out."""

import ast
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

import eligibility.reader as reader_package
from eligibility.reader import READER_VERSION, Proposal, Reading, propose, read

READER = Path(reader_package.__file__).resolve().parent


def test_exports_the_api():
    assert set(reader_package.__all__) == {
        "READER_VERSION",
        "Proposal",
        "Reading",
        "propose",
        "read",
    }
    assert isinstance(READER_VERSION, str) and READER_VERSION


def test_a_proposal_is_frozen():
    proposal = propose("Age 18 to 55", kind="inclusion")
    assert isinstance(proposal, Proposal)
    with pytest.raises(FrozenInstanceError):
        proposal.rule = {}


def test_read_says_why_there_is_no_proposal():
    reading = read("Willing to comply with study visits", kind="inclusion")
    assert isinstance(reading, Reading)
    assert reading.proposal is None
    assert reading.note == "Not read: no pattern reads the whole line."


def test_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        propose("Age 18 to 55", kind="criterion")


@pytest.mark.parametrize("text", ["", "   ", ".", "-"])
def test_an_empty_line_gets_nothing(text):
    assert propose(text, kind="exclusion") is None


def test_is_deterministic():
    line = (
        "Treatment with ocrelizumab, ofatumumab or rituximab within 6 months before randomisation."
    )
    assert {repr(propose(line, kind="exclusion")) for _ in range(3)} == {
        repr(propose(line, kind="exclusion"))
    }


def test_reads_only_the_first_line_of_a_line_with_sub_items():
    text = "History of or positive test result at Screening for:\n- HIV\n- hepatitis C"
    rule = propose(text, kind="exclusion", items=("HIV", "hepatitis C")).rule
    assert rule == {
        "fact": "other_conditions",
        "op": "contains_any",
        "value": ["hiv", "hepatitis_c"],
    }


def test_a_line_introducing_sub_items_is_not_read_without_them_as_a_conjunction():
    assert (
        propose(
            "Patients must have one of the following:", kind="inclusion", items=("Uncertain thing",)
        )
        is None
    )


def test_survives_hostile_text():
    for text in ("(" * 500, "age " * 2000, "EDSS " + "0-" * 300, "\x00\u2028within 30 days"):
        propose(text, kind="exclusion")
        propose(text, kind="inclusion")


def test_imports_only_the_standard_library_and_the_engine():
    outside = []
    for path in sorted(READER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue  # the reader's own modules
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                if name == "eligibility.engine" or name.startswith("eligibility.engine."):
                    continue
                outside.append(f"{path.name}: {name}")
    assert outside == []
