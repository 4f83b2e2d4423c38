"""Relapse counts (12 and 24 months) and relapse windows ("no relapse within 30 days")."""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of


def count(months, op, value):
    return {"fact": f"relapses_last_{months}_months", "op": op, "value": value}


def days(op, value):
    return {"fact": "days_since_last_relapse", "op": op, "value": value}


def test_reads_one_in_a_year_or_two_in_two_years():
    line = (
        "Experienced at least 1 relapse over the 1 year preceding the trial or at least 2 "
        "relapses over the 2 years preceding the trial;"
    )
    proposal = propose(line, kind="inclusion")

    assert proposal.rule == {"any": [count(12, ">=", 1), count(24, ">=", 2)]}
    assert proposal.pattern == "relapse_count"
    assert proposal.patient_text == (
        "People who have had at least 1 MS attack in the past 12 months or at least 2 MS attacks "
        "in the past 24 months"
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("At least one relapse in the two years prior to entry.", count(24, ">=", 1)),
        ("at least one clinical relapse in the 24 months before screening", count(24, ">=", 1)),
        ("At least one documented relapse in the 12 months prior to screening", count(12, ">=", 1)),
        (
            "At least two documented clinical relapses within the previous 2 years prior to "
            "screening, or one clinical relapse within the year prior to screening",
            {"any": [count(24, ">=", 2), count(12, ">=", 1)]},
        ),
    ],
)
def test_reads_relapse_counts(text, rule):
    assert rule_of(text) == rule


def test_reads_a_line_introducing_alternatives_with_its_items():
    rule = rule_of(
        "Meets at least 1 of the following criteria for disease activity:",
        items=(
            "At least 1 MS relapse/attack in the previous year prior to screening.",
            "At least 2 MS relapses/attacks in the previous 2 years prior to screening.",
        ),
    )
    assert rule == {"any": [count(12, ">=", 1), count(24, ">=", 2)]}


def test_alternatives_with_a_gd_enhancing_lesion_are_read_as_a_partial_rule():
    # days_since_new_mri_activity also counts new T2 lesions: broader than the line, so it
    # can only fail it (reader version 4): no relapse and no active scan in the year.
    line = (
        "At least 1 relapse during the previous 1 year or 2 relapses during the previous 2 years "
        "or a positive gadolinium-enhancing MRI scan in previous year"
    )
    assert rule_of(line) == {
        "partial": {
            "any": [
                count(12, ">=", 1),
                count(24, ">=", 2),
                {"fact": "days_since_new_mri_activity", "op": "<=", "value": 366},
            ]
        },
        "unread": "a positive gadolinium-enhancing mri scan in previous year",
    }
    assert "Left to the study team" in note_of(line)


def test_a_gd_lesion_on_a_scan_counted_back_from_randomization_is_not_read():
    # "Within 6 weeks prior to randomization" holds the screening scan, still to come.
    line = (
        "Must have experienced at least 1 relapse within the 12 months prior to randomization,"
        " with a prior brain MRI demonstrating lesion(s) consistent with MS, or show evidence of"
        " gadolinium-enhancing lesion(s) of the brain on an MRI performed within the 6 weeks"
        " prior to randomization."
    )
    assert rule_of(line) is None


def test_an_alternative_with_a_gd_lesion_is_read_no_narrower_than_its_relapse():
    # Reader version 4: the Gd lesion is left to the study team; a relapse within 24
    # months is needed by either alternative, so its absence fails the line (partial).
    rule = rule_of(
        "Subjects must have had experienced one of the following:",
        items=(
            "At least one documented relapse in the 12 months prior to screening",
            (
                "One documented relapse between 12 and 24 months prior to screening with a T1-Gd"
                " lesion"
            ),
        ),
    )
    assert rule == {
        "partial": {"any": [count(12, ">=", 1), days("<=", 744)]},
        "unread": (
            "one documented relapse between 12 and 24 months prior to screening with a t1-gd lesion"
        ),
    }


def test_an_mri_alternative_in_the_months_before_screening_is_read_as_mri_activity():
    assert rule_of(
        "At least one relapse in the previous year or at least one Gd-enhancing lesion in"
        " the 6 months before screening"
    ) == {
        "partial": {
            "any": [
                count(12, ">=", 1),
                {"fact": "days_since_new_mri_activity", "op": "<=", "value": 186},
            ]
        },
        "unread": "at least one gd-enhancing lesion in the 6 months before screening",
    }


def test_one_relapse_in_another_window_uses_its_longest_reading():
    # Fails only a last relapse more than 18 months ago on every reading of a month.
    assert rule_of("At least one relapse within the last 18 months") == days("<=", 558)


def test_two_relapses_in_three_years_are_read_as_at_least_one_then_partial():
    # No 36-month count: whoever had no relapse in 3 years (1098 days, the longest
    # reading) fails; whoever had one or more is left to the study team.
    assert rule_of("Two documented relapses in the previous 3 years") == {
        "partial": days("<=", 1098),
        "unread": "two documented relapses in the previous 3 years",
    }


@pytest.mark.parametrize(
    "text",
    [
        "1 relapse or fewer in the previous 3 years",  # may be none at all
        "No more than 2 relapses in the previous 3 years",
        "One relapse, and an MRI within 30 days showing Gd lesions",  # the window is the MRI's
        "Two relapses, at least one of them in the previous 3 years",  # no window of its own
    ],
)
def test_a_count_that_may_allow_no_relapse_or_has_no_window_of_its_own_is_not_read(text):
    assert rule_of(text) is None


def test_an_exclusion_of_a_count_with_no_fact_is_not_read_in_part():
    # "Excluded if two relapses in 3 years": a relapse in 3 years is broader than the line.
    assert rule_of("At least 2 relapses in the previous 3 years", kind="exclusion") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("No relapse onset in the preceding 60 days prior to randomization;", days(">", 60)),
        ("No relapses 28 days before randomisation", days(">", 28)),
        (
            "Absence of clinical relapses for at least 24 months before screening.",
            count(24, "==", 0),
        ),
        ("No relapse within 1 month before screening", days(">", 28)),
    ],
)
def test_reads_no_relapse_within_a_window(text, rule):
    assert rule_of(text) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Exacerbation of MS within 30 days prior to screenin visit", days("<=", 30)),
        ("relapse during the last 30 days befor randomization", days("<=", 30)),
        ("MS relapse within the 30 days prior to enrollment.", days("<=", 30)),
        ("Relapse within 3 months of screening", days("<=", 84)),
        ("Relapse within 12 months of screening", count(12, ">=", 1)),
    ],
)
def test_reads_a_relapse_within_a_window_as_an_exclusion(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_reads_at_least_n_months_since_the_last_relapse():
    line = "Last relapse of the patient should be at least 2 months before study entry."
    proposal = propose(line, kind="inclusion")

    assert proposal.rule == days(">=", 56)  # 2 months read as 56 days: fails only < 56
    assert "56 days (about 2 months)" in proposal.patient_text


def test_a_relapse_and_or_not_stabilised_is_a_judgement():
    line = (
        "An MS relapse that has occurred within the 30 days prior to inclusion AND/OR the "
        "participant has not stabilized from a previous relapse prior to inclusion."
    )
    assert rule_of(line, kind="exclusion") is None


def test_in_an_intercurrent_relapse_is_not_a_day_count():
    assert rule_of("Not in an intercurrent relapse.") is None
