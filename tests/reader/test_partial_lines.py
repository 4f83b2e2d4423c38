"""Lines read in part (reader version 4): a partial rule rules out only people the line
rules out and never passes the line; the words it does not read are named in ``unread``.

Only two shapes are read so: a list of alternatives in one window where an alternative is
a steroid course narrowed by route, dose or length (left to the study team), and relapse
counts with no fact, read no narrower than "a relapse within the window" in an inclusion.
A line with a clinician's judgement gets nothing, partial or not.
"""

import pytest

from eligibility.engine.rules import validate_rule
from eligibility.reader import read
from tests.reader.conftest import note_of, rule_of

RELAPSE_28 = {"fact": "days_since_last_relapse", "op": "<=", "value": 28}
RELAPSE_30 = {"fact": "days_since_last_relapse", "op": "<=", "value": 30}
STEROIDS_28 = {"fact": "days_since_systemic_steroids", "op": "<=", "value": 28}


def test_a_registered_line_with_a_narrow_steroid_alternative_reads_its_relapse_part():
    # NCT04047628 exclusion 4, as registered (the window before its items).
    reading = read(
        "Either of the following within one month prior to randomization (Day 0):",
        kind="exclusion",
        items=(
            "Onset of acute MS relapse, or",
            "Treatment with intravenous methylprednisolone 1000 mg/day for 3 days or equivalent.",
        ),
        conditions=["Relapsing Multiple Sclerosis"],
    )
    proposal = reading.proposal
    assert proposal.rule == {
        "partial": RELAPSE_28,
        "unread": (
            "treatment with intravenous methylprednisolone 1000 mg/day for 3 days or equivalent"
        ),
    }
    validate_rule(proposal.rule)
    assert proposal.pattern == "relapse_within+partial"
    assert "Left to the study team" in proposal.reason
    assert proposal.patient_text == (
        "People who have had an MS attack (relapse) in the past 28 days (about 1 month)"
    )


@pytest.mark.parametrize(
    ("text", "kind", "rule", "unread"),
    [
        (
            "Relapse or treatment with intravenous methylprednisolone 1000 mg/day within one"
            " month prior to randomization",
            "exclusion",
            RELAPSE_28,
            "treatment with intravenous methylprednisolone 1000 mg/day",
        ),
        (
            "MS relapse or treatment with IV corticosteroids within 30 days before screening",
            "exclusion",
            RELAPSE_30,
            "treatment with iv corticosteroids",
        ),
        (
            "Relapse, or high-dose steroids within 30 days before screening",
            "exclusion",
            RELAPSE_30,
            "high-dose steroids",
        ),
        (
            "No relapse and no IV methylprednisolone within 30 days before baseline",
            "inclusion",
            {"fact": "days_since_last_relapse", "op": ">", "value": 30},
            "no iv methylprednisolone",
        ),
    ],
)
def test_a_narrow_steroid_course_beside_other_alternatives_is_left_to_the_study_team(
    text, kind, rule, unread
):
    assert rule_of(text, kind=kind) == {"partial": rule, "unread": unread}


def test_steroids_in_general_are_still_read_whole():
    assert rule_of(
        "Either of the following within one month prior to randomization:",
        kind="exclusion",
        items=("Onset of acute MS relapse, or", "Treatment with corticosteroids."),
    ) == {"any": [RELAPSE_28, STEROIDS_28]}


@pytest.mark.parametrize(
    "text",
    [
        # The qualifier may bind both alternatives: reading "relapse" alone is broader.
        "Relapse or steroid treatment requiring hospitalization within 30 days",
        # An exception may belong to any alternative.
        "Relapse or IV methylprednisolone, other than for optic neuritis, within 30 days",
        # A narrow steroid course alone leaves nothing to read.
        "Treatment with intravenous methylprednisolone 1000 mg/day within one month",
    ],
)
def test_a_line_whose_read_part_could_be_broader_than_the_line_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None


def test_all_of_the_following_is_not_read_as_alternatives():
    assert (
        rule_of(
            "All of the following within 30 days:",
            kind="exclusion",
            items=("Relapse", "Treatment with IV methylprednisolone 1 g"),
        )
        is None
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "Subjects must be in a stable neurological condition and free of corticosteroid"
            " treatment 30 days prior to screening",
            "inclusion",
        ),
        ("Clinically stable, relapse-free and no IV steroids within 30 days", "inclusion"),
        (
            "Relapse, or IV methylprednisolone within 30 days, in the opinion of the investigator",
            "exclusion",
        ),
    ],
)
def test_a_judgement_line_gets_no_partial_rule_either(text, kind):
    assert rule_of(text, kind=kind) is None
    assert "leaves the decision to a clinician" in note_of(text, kind=kind)


def test_a_control_arm_line_gets_no_partial_rule():
    assert (
        read(
            "Relapse or IV methylprednisolone 1000 mg/day within 30 days",
            kind="exclusion",
            heading="Exclusion Criteria for healthy controls",
        ).proposal
        is None
    )


MRI_12 = {"fact": "days_since_new_mri_activity", "op": "<=", "value": 372}


def test_a_gd_lesion_alternative_in_a_past_window_is_read_no_narrower_than_mri_activity():
    # Whoever had no relapse and no scan with new or active lesions in the year fails.
    assert rule_of(
        "At least one documented relapse within the previous year, or at least two documented"
        " relapses within the previous 2 years, or at least one gadolinium-enhancing brain"
        " lesion on an MRI scan in the 12 months before screening."
    ) == {
        "partial": {
            "any": [
                {"fact": "relapses_last_12_months", "op": ">=", "value": 1},
                {"fact": "relapses_last_24_months", "op": ">=", "value": 2},
                MRI_12,
            ]
        },
        "unread": (
            "at least one gadolinium-enhancing brain lesion on an mri scan in the 12 months"
            " before screening"
        ),
    }


@pytest.mark.parametrize(
    "alternative",
    [
        "at least one Gd-enhancing lesion on the screening MRI",  # a scan still to come
        "at least one Gd-enhancing lesion at screening or in the 6 months before screening",
        "no new T2 lesions in the past 12 months",  # a negation
        "at least one Gd-enhancing lesion",  # no window
        "T2 lesions consistent with MS in the past 12 months",  # lesions, not activity
    ],
)
def test_an_mri_alternative_that_is_not_past_activity_in_a_window_stops_the_line(alternative):
    assert rule_of(f"At least one relapse in the previous year or {alternative}") is None


def test_an_mri_alternative_is_never_read_in_an_exclusion():
    assert (
        rule_of(
            "At least one relapse or a Gd-enhancing lesion in the 12 months before screening",
            kind="exclusion",
        )
        is None
    )


@pytest.mark.parametrize(
    ("text", "rule", "unread"),
    [
        (
            "A relapse within 60 days before screening, or systemic corticosteroids for any"
            " reason within the last 30 days.",
            {"fact": "days_since_last_relapse", "op": "<=", "value": 60},
            "systemic corticosteroids for any reason within the last 30 days",
        ),
    ],
)
def test_an_exclusion_a_or_b_with_b_unreadable_reads_a_as_a_partial_rule(text, rule, unread):
    assert rule_of(text, kind="exclusion") == {"partial": rule, "unread": unread}


@pytest.mark.parametrize(
    "text",
    [
        # The head "positive screening test for" belongs to every part.
        "Positive screening test for Hepatitis B surface antigen, Hepatitis C antibody, or HIV",
        # An exception may belong to any part.
        "A relapse within 60 days, or steroids for any reason within 30 days, except for a"
        " relapse of optic neuritis",
    ],
)
def test_an_exclusion_union_with_shared_words_or_an_exception_is_not_read_in_part(text):
    rule = rule_of(text, kind="exclusion")
    assert rule is None or "partial" not in rule


def test_men_and_women_in_one_contraception_line_never_restricts_sex():
    # Held-out batch 3, first run: "men" was cut off as a sex restriction, ruling out
    # every woman of the trial.
    rule = rule_of(
        "Men and women of reproductive potential must agree to practise effective"
        " contraception during the study and for 5 months after the last dose."
    )
    assert rule is None or {"fact": "sex", "op": "!=", "value": "female"} not in rule.get(
        "all", [rule]
    )
