"""Age ranges: every way registries write them, whole years, read so no one is left out."""

import pytest

from tests.reader.conftest import rule_of


def age(op, value):
    return {"fact": "age", "op": op, "value": value}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # real lines from tests/data/registry
        (
            "Age 18 to 55 years, inclusive, at the time of the screening Visit -2.",
            age("between", [18, 55]),
        ),
        ("Age ≥ 22", age(">=", 22)),
        ("Age 21 or older", age(">=", 21)),
        ("Men and women between 18 and 59 years old", age("between", [18, 59])),
        ("between he ages of 18-65, inclusive", age("between", [18, 65])),
        ("Ages 18−60.", age("between", [18, 60])),
        ("Male or female subjects aged 18 years or above.", age(">=", 18)),
        ("Men or women at least 18 years of age or older.", age(">=", 18)),
        ("Subjects must be between 18 and 55 years of age, inclusive.", age("between", [18, 55])),
        ("Patient is aged 18 years or above.", age(">=", 18)),
        ("18 to 55 years of age", age("between", [18, 55])),
        # written to trip it
        (
            "Age 18 - 55 years at the time of signing Informed Consent Form",
            age("between", [18, 55]),
        ),
        ("aged 12 to 17 years (inclusive) at screening", age("between", [12, 17])),
        ("Age under 65", age("<=", 64)),
        ("Age up to 65 years", age("<=", 65)),
    ],
)
def test_reads_an_age_range(text, rule):
    assert rule_of(text) == rule


def test_reads_greater_than_as_that_age_and_over_and_less_than_as_under_it():
    # An 18-year-old may be 18 and a half, "greater than 18"; a 70-year-old is not under 70.
    assert rule_of("Age greater than 18 and less than 70") == age("between", [18, 69])


def test_reads_over_as_that_age_and_over():
    assert rule_of("Patients older than 18 years") == age(">=", 18)


def test_says_what_it_matched_and_the_patient_text():
    from eligibility.reader import propose

    proposal = propose("Age 18 to 55 years, inclusive", kind="inclusion")

    assert proposal.pattern == "age_range"
    assert proposal.patient_text == "People aged 18 to 55"
    assert proposal.patient_text_es == "Personas de 18 a 55 años"
    assert '"inclusive"' not in proposal.reason and "closed" in proposal.reason


@pytest.mark.parametrize(
    "text",
    [
        "Age 55 to 18",  # reversed
        "Age 18 to 180 years",  # off the scale
        "Age 18 to 55 or older than 70",  # two ranges
        "Age appropriate for the cohort",
    ],
)
def test_reads_nothing_it_cannot_read_whole(text):
    assert rule_of(text) is None


def test_an_exclusion_range_without_inclusive_is_not_read():
    # "Patients aged 60 to 65" excluded: are 60 and 65 in or out? Nobody is ruled out on a guess.
    assert rule_of("Patients aged 60 to 65", kind="exclusion") is None


def test_an_open_lower_bound_is_not_read_as_an_exclusion():
    assert rule_of("Age 18 or older", kind="exclusion") is None


def test_both_sexes_cut_apart_never_take_nobody():
    # "Male" and "female" read as two sex restrictions would rule out everyone.
    assert rule_of("Male, and female, with a diagnosis of multiple sclerosis") is None


def test_men_restricts_an_inclusion_to_not_female():
    assert rule_of(
        "Men, age 18-65, with a diagnosis of clinically definite relapsing remitting multiple"
        " sclerosis."
    ) == {
        "all": [
            {"fact": "sex", "op": "!=", "value": "female"},
            age("between", [18, 65]),
            {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
            {"fact": "ms_course", "op": "==", "value": "relapsing_remitting"},
        ]
    }
