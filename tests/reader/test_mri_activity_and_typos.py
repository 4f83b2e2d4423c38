"""Wording from the fourth held-out batch's first run: MRI activity lines, and typos."""

import pytest

from tests.reader.conftest import rule_of

MRI = "days_since_new_mri_activity"


@pytest.mark.parametrize(
    ("text", "kind", "rule"),
    [
        (
            "New gadolinium-enhancing T1 lesions, or new or enlarging T2 hyperintense lesions, on"
            " any MRI within the past 12 months",
            "exclusion",
            {"fact": MRI, "op": "<=", "value": 336},  # the shortest reading of 12 months
        ),
        (
            "No new, enlarging or gadolinium-enhancing lesions on brain or spinal cord MRI within"
            " the last three years",
            "inclusion",
            {"fact": MRI, "op": ">", "value": 1095},
        ),
    ],
)
def test_a_line_naming_enhancing_and_new_t2_lesions_in_a_window_reads_mri_activity(
    text, kind, rule
):
    assert rule_of(text, kind=kind) == rule


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Enhancing lesions alone: the fact also counts new T2 lesions (broader).
        ("Gadolinium-enhancing lesions on MRI within the past 12 months", "exclusion"),
        # A scan still to come.
        ("New or enlarging T2 lesions or Gd-enhancing lesions on the screening MRI", "exclusion"),
        # Counted back from randomization: it holds the screening scan.
        (
            "New Gd-enhancing or new T2 lesions on MRI within 30 days prior to randomization",
            "exclusion",
        ),
        # Activity required by an inclusion (a partial reading at most, never a whole one).
        (
            "New gadolinium-enhancing lesions, or new T2 lesions, on MRI within the past 12 months",
            "inclusion",
        ),
        # An exclusion of no activity would rule out the stable patients the line takes.
        ("No new T2 or gadolinium-enhancing lesions on MRI within the past 12 months", "exclusion"),
        # Words the pattern does not know (here a count).
        (
            "More than 9 new gadolinium-enhancing or new T2 lesions on MRI within the past year",
            "exclusion",
        ),
    ],
)
def test_other_mri_lines_are_not_read_as_mri_activity(text, kind):
    rule = rule_of(text, kind=kind)
    assert rule is None or (rule.get("partial") and kind == "inclusion")


@pytest.mark.parametrize(
    ("text", "kind", "rule"),
    [
        (
            "No evidence of relaspe in the 3 months before randomization",
            "inclusion",
            {"fact": "days_since_last_relapse", "op": ">", "value": 84},
        ),
        (
            "No MS relapse within the last five (5) years",
            "inclusion",
            {"fact": "days_since_last_relapse", "op": ">", "value": 1825},
        ),
        (
            "Vaccination with a live vaccine within 6 wks",
            "exclusion",
            {"fact": "days_since_live_vaccine", "op": "<=", "value": 42},
        ),
        (
            "History of any malignancy within the past 5 years, except adequately treated basal"
            " cell or squamous cell skin cancer",
            "exclusion",
            {"fact": "years_since_cancer", "op": "<", "value": 5},
        ),
    ],
)
def test_typos_and_doubled_numbers_are_read_as_meant(text, kind, rule):
    assert rule_of(text, kind=kind) == rule


def test_evidence_of_activity_is_not_a_relapse():
    assert rule_of("No evidence of disease activity in the past year") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Any previous diagnosis of MS", {"fact": "ms_diagnosis", "op": "==", "value": "yes"}),
        (
            "Already meets the McDonald criteria for multiple sclerosis, or any previous"
            " diagnosis of MS.",
            {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
        ),
        # Bare, it may be a control arm's line without a heading of its own.
        ("Diagnosis of multiple sclerosis", None),
    ],
)
def test_an_ms_diagnosis_excluded_in_a_cis_trial(text, rule):
    assert rule_of(text, kind="exclusion") == rule
