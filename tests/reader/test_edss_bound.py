"""EDSS bounds written every way: ranges, signs, words, decimal commas, typos."""

import pytest

from tests.reader.conftest import note_of, rule_of


def edss(op, value):
    return {"fact": "edss", "op": op, "value": value}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Has an Expanded Disability Status Scale (EDSS) score of 0 to 5.5, both inclusive.",
            edss("between", [0, 5.5]),
        ),
        ("EDSS ≤ 6.0 at the time of randomization (Day 0).", edss("<=", 6.0)),
        ("Patients with EDSS score of 0-5.5", edss("between", [0, 5.5])),
        ("Expanded Disability Status Score (EDSS) = 0.0 to 5.0.", edss("between", [0, 5.0])),
        (
            "Subjects must be ambulatory with converted Kurtzke EDSS score of 0-5.5.",
            edss("between", [0, 5.5]),
        ),
        (
            "EDSS Score less than or equal to 6.5 (able to walk about 20 meters without resting)",
            edss("<=", 6.5),
        ),
        ("EDSS (Expanded Disability Status Scale) score of 3.0 - 6.5", edss("between", [3.0, 6.5])),
        (
            "Must have an Expanded Disability Status Scale (EDSS) between 0.0 and 5.0, inclusive.",
            edss("between", [0, 5.0]),
        ),
        ("Expanded Disability Status Scale [EDSS] score less or equal to 6;", edss("<=", 6)),
        ("An EDSS of 3.5 - 5.5", edss("between", [3.5, 5.5])),
        ("Expanded Disability Status Scale score 0-5,5", edss("between", [0, 5.5])),
        (
            (
                "Enrolled subjects must be ambulatory (EDSS score of up to 5.5 inclusive) and"
                " may be treatment-naïve or previously treated with MS disease modifying therapy."
            ),
            edss("<=", 5.5),
        ),
        # written to trip it
        ("EDSS < 7", edss("<", 7)),
        ("EDSS score of 2.0 or more", edss(">=", 2.0)),
        ("EDSS at screening from 3.0 to 6.5 points, inclusive", edss("between", [3.0, 6.5])),
        ("EDSS score between 2.0 and 6.5", edss("between", [2.0, 6.5])),
        ("EDSS no greater than 4.5", edss("<=", 4.5)),
    ],
)
def test_reads_an_inclusion_bound(text, rule):
    assert rule_of(text) == rule


def test_reads_more_then_with_a_decimal_comma_as_an_exclusion():
    assert rule_of(
        "Expanded Disability Status Scale score more then 5,5", kind="exclusion"
    ) == edss(">", 5.5)


def test_reads_an_exclusion_range_without_inclusive_with_open_ends():
    # Excluding "EDSS between 2 and 6" may or may not exclude 2 and 6: only 2.5-5.5 for sure.
    assert rule_of("EDSS between 2 and 6", kind="exclusion") == edss("between", [2.5, 5.5])


def test_an_inclusion_range_without_inclusive_includes_its_ends():
    assert "closed ends" in note_of("EDSS score between 0 and 5.0 at baseline")


@pytest.mark.parametrize("text", ["EDSS 5.75 or less", "EDSS 0 to 12", "EDSS score of 0 to 10"])
def test_reads_nothing_off_the_scale_or_always_true(text):
    assert rule_of(text) is None


def test_ambulatory_with_a_high_bound_is_a_judgement():
    assert rule_of("Must be ambulatory with an EDSS of 0 to 7.0") is None


def test_an_ms_subject_line_also_requires_the_diagnosis():
    assert rule_of("Multiple sclerosis [MS] subject who was ambulatory (EDSS of ≤ 5.5)") == {
        "all": [{"fact": "ms_diagnosis", "op": "==", "value": "yes"}, edss("<=", 5.5)]
    }


def test_a_conditional_edss_line_is_not_read():
    line = "Disease duration of more than 10 years in patients with an EDSS score of 2 or less"
    assert rule_of(line, kind="exclusion") is None
