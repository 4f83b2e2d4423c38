"""MS courses named or excluded, relapsing forms (spec 6.4), the McDonald diagnosis."""

import pytest

from eligibility.engine.evaluate import FAIL, criterion_status, interpret_rule
from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of

RR, SP, PP, CIS = (
    "relapsing_remitting",
    "secondary_progressive",
    "primary_progressive",
    "clinically_isolated_syndrome",
)
DX = {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
NOT_PP = {"fact": "ms_course", "op": "!=", "value": PP}


def course(*codes):
    if len(codes) == 1:
        return {"fact": "ms_course", "op": "==", "value": codes[0]}
    return {"fact": "ms_course", "op": "in", "value": list(codes)}


@pytest.mark.parametrize(
    "text",
    [
        "Diagnosis of MS according to the 2017 McDonald Criteria139.",
        "Confirmed Multiple Sclerosis (MS) diagnosis.",
        "Meeting McDonald's criteria for MS diagnosis;",
        "Multiple sclerosis as diagnosed by the revised 2010 McDonald criteria",
        (
            "Patients carry a diagnosis of multiple sclerosis, according to the McDonald's"
            " criteria for diagnosis (Polman et al, 2011)."
        ),
        "Clinically definite multiple sclerosis defined by McDonald Criteria.",
        (
            "Confirmed diagnosis of MS by a physician, who is a neurologist or has access to a"
            " neurologist's statement of diagnosis"
        ),
        "Diagnosed with any disease sub-type of multiple sclerosis.",
    ],
)
def test_reads_a_mcdonald_diagnosis_of_any_revision(text):
    assert rule_of(text) == DX


def test_a_poser_diagnosis_is_stricter_than_the_answer():
    line = "Diagnosis of clinically definite multiple sclerosis as defined by Poser criteria"
    assert rule_of(line) is None
    assert "Poser" in note_of(line)


def test_a_diagnosis_restricted_to_a_course_requires_both():
    line = (
        "Has a diagnosis of multiple sclerosis (MS) as defined by the 2017 revision of the "
        "McDonald Criteria with a relapsing remitting course of disease."
    )
    proposal = propose(line, kind="inclusion")

    assert proposal.rule == {"all": [DX, course(RR)]}
    assert proposal.patient_text == "People whose neurologist has diagnosed relapsing-remitting MS"


def test_a_relapsing_ms_inclusion_rules_out_primary_progressive_only():
    # Relapsing MS includes CIS and active SPMS (spec 6.4); no answer says SPMS is active.
    assert rule_of("A diagnosis of a relapsing form of MS") == NOT_PP
    assert (
        rule_of(
            "Diagnosis of relapsing multiple sclerosis (RMS) according to the 2017 revised"
            " McDonald criteria"
        )
        == NOT_PP
    )


def test_an_explicit_list_wins_over_the_word_relapsing():
    line = "Relapsing MS: relapsing-remitting MS (RRMS) or secondary progressive MS (SPMS)"
    assert rule_of(line) == course(RR, SP)


def test_a_definition_after_a_colon_or_in_brackets_also_wins():
    assert rule_of("relapsing MS (RRMS, SPMS)") == course(RR, SP)
    assert rule_of("Relapsing MS, i.e. RRMS or SPMS") == course(RR, SP)
    assert rule_of("Diagnosis of MS (RRMS or SPMS)") == {"all": [DX, course(RR, SP)]}


# Lines giving "relapsing" or "MS" beside a named course, and every course each one takes
# (its widest reading). Each may get a rule that takes all of them, or no rule; never
# "explicit wins" (which read "Relapsing MS or SPMS" as SPMS only) and never a cut at "and".
ALTERNATIVES = [
    ("Diagnosis of MS or CIS", (RR, SP, PP, CIS)),
    ("Diagnosis of multiple sclerosis or a clinically isolated syndrome", (RR, SP, PP, CIS)),
    ("Patients with MS or CIS", (RR, SP, PP, CIS)),
    ("Patients with MS and CIS", (RR, SP, PP, CIS)),
    ("Diagnosis of CIS or MS", (RR, SP, PP, CIS)),
    ("Diagnosis of MS, including CIS", (RR, SP, PP, CIS)),
    ("Diagnosis of relapsing MS or CIS", (RR, SP, CIS)),
    ("Relapsing forms of MS, including CIS", (RR, SP, CIS)),
    ("Relapsing or progressive MS", (RR, SP, PP, CIS)),
    ("Any relapsing or progressive form of MS", (RR, SP, PP, CIS)),
    ("Relapsing or progressive forms of MS", (RR, SP, PP, CIS)),
    ("Diagnosis of MS, relapsing or progressive", (RR, SP, PP, CIS)),
    ("Relapsing MS or SPMS", (RR, SP, CIS)),
    ("Relapsing MS or secondary progressive MS", (RR, SP, CIS)),
    ("Relapsing or primary progressive MS", (RR, SP, PP, CIS)),
    ("Relapsing MS or primary progressive MS", (RR, SP, PP, CIS)),
    ("Relapsing and progressive forms of MS", (RR, SP, PP, CIS)),
    ("Relapsing and primary progressive MS", (RR, SP, PP, CIS)),
    ("Diagnosis of MS or RRMS", (RR, SP, PP)),
    ("Diagnosis of MS, RRMS or SPMS", (RR, SP, PP)),
    ("Diagnosis of CIS", (CIS,)),
    ("Diagnosis of RRMS or CIS", (RR, CIS)),
    ("Diagnosis of RRMS, SPMS, or CIS", (RR, SP, CIS)),
    ("RRMS and SPMS", (RR, SP)),
    ("RRMS or relapsing SPMS", (RR, SP)),
    ("Relapsing MS: RRMS or SPMS", (RR, SP)),
]


@pytest.mark.parametrize(("text", "courses"), ALTERNATIVES, ids=[t for t, _ in ALTERNATIVES])
def test_course_alternatives_rule_out_no_course_the_line_takes(text, courses):
    rule = rule_of(text)
    if rule is None:
        return
    for code in courses:
        # A patient with CIS may truthfully answer that no MS has been diagnosed.
        for diagnosis in ("yes", "no") if code == CIS else ("yes",):
            facts = {"ms_course": code, "ms_diagnosis": diagnosis}
            assert criterion_status("inclusion", interpret_rule(rule, facts)) != FAIL, facts


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Diagnosis of relapsing MS or CIS", NOT_PP),
        ("Relapsing forms of MS, including CIS", NOT_PP),
        ("Relapsing MS or SPMS", NOT_PP),
        ("Diagnosis of MS or RRMS", DX),
        ("Diagnosis of CIS", course(CIS)),
        ("Diagnosis of RRMS or CIS", course(RR, CIS)),
        ("RRMS or relapsing SPMS", course(RR, SP)),
        ("Diagnosis of MS or CIS", None),
        ("Relapsing or progressive MS", None),
        ("Relapsing or primary progressive MS", None),
        ("Relapsing and progressive forms of MS", None),
        ("Patients with MS and CIS", None),
        ("Diagnosis of MS, relapsing or progressive", None),
    ],
)
def test_reads_course_alternatives_as_their_union(text, rule):
    assert rule_of(text) == rule


def test_a_line_taking_every_course_says_why_it_has_no_rule():
    assert "no course is ruled out" in note_of("Relapsing or progressive MS")
    assert "CIS" in note_of("Diagnosis of MS or CIS")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Patients with a relapsing-remitting disease course", course(RR)),
        ("R-R MS disease course.", course(RR)),
        ("Relapsing-remitting MS or secondary progressive MS", course(RR, SP)),
        ("Primary or secondary disease course", course(SP, PP)),
    ],
)
def test_reads_the_courses_an_inclusion_names(text, rule):
    assert rule_of(text) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Diagnosis of progressive forms of MS.", course(SP, PP)),
        ("Subjects who suffer from any form of progressive MS.", course(SP, PP)),
        ("A primary progressive form of MS.", course(PP)),
        ("Patients with secondary progressive MS.", course(SP)),
        ("Primary or secondary progression of Multiple Sclerosis", course(SP, PP)),
        (
            (
                "Primary progressive, secondary progressive, or progressive relapsing MS (as"
                " defined by Polman et al. 2005)."
            ),
            course(SP, PP),
        ),
        (
            "Diagnosis of primary progressive MS according to the 2017 McDonald criteria.",
            course(PP),
        ),
    ],
)
def test_reads_the_courses_an_exclusion_names(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_an_inclusion_naming_progressive_relapsing_but_not_ppms_is_not_read():
    # PRMS patients are now told PPMS: ruling out PPMS would rule some of them out wrongly.
    line = (
        "Exhibiting a relapsing course (relapsing remitting, secondary progressive or "
        "progressive relapsing)"
    )
    assert rule_of("Relapsing remitting, secondary progressive or progressive relapsing MS") is None
    assert rule_of(line) is None


def test_an_exclusion_naming_progressive_relapsing_but_not_ppms_never_rules_out_ppms():
    # A PPMS trial excluding "RRMS, SPMS or PRMS" must not exclude its own patients: since
    # reader version 5 the PRMS part is left to the study team and RRMS and SPMS are read as
    # a partial rule (before it the line got nothing).
    line = (
        "History of relapsing remitting multiple sclerosis (RRMS), secondary progressive "
        "multiple sclerosis (SPMS), or progressive relapsing multiple sclerosis (PRMS) at screening"
    )
    assert rule_of(line, kind="exclusion") == {
        "partial": {"fact": "ms_course", "op": "in", "value": [RR, SP]},
        "unread": "progressive relapsing",
    }
    assert rule_of("Progressive relapsing MS", kind="exclusion") is None


def test_an_inclusion_naming_every_course_but_cis_rules_out_cis():
    line = (
        "Must have a diagnosis of primary-progressive, secondary-progressive,"
        " progressive-remitting, "
        "or relapsing-remitting multiple sclerosis (MS) per revised McDonald Committee criteria "
        "of at least 3 months duration."
    )
    assert rule_of(line) == {
        "all": [
            DX,
            course(RR, SP, PP),
            {"fact": "years_since_first_symptoms", "op": ">=", "value": 0.25},
        ]
    }


def test_an_exclusion_of_non_active_spms_is_read_in_part():
    # Nobody can answer whether their SPMS is active: that part is left to the study team,
    # and PPMS alone, read as a partial rule, rules out only people the line rules out
    # (reader version 5; before it the line got nothing).
    line = (
        "Primary progressive multiple sclerosis or non-active secondary progressive multiple"
        " sclerosis"
    )
    assert rule_of(line, kind="exclusion") == {
        "partial": {"fact": "ms_course", "op": "==", "value": PP},
        "unread": "non-active secondary progressive multiple sclerosis",
    }


def test_reads_spms_without_relapses_in_two_years_with_the_count():
    line = (
        "Secondary progressive multiple sclerosis without evidence of relapse in the 2 years "
        "before screening, or primary progressive multiple sclerosis"
    )
    assert rule_of(line, kind="exclusion") == {
        "any": [
            {"all": [course(SP), {"fact": "relapses_last_24_months", "op": "==", "value": 0}]},
            course(PP),
        ]
    }
