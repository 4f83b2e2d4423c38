"""Reader version 5: the shapes the fourth held-out batch's misses showed, read generally.

Each shape has its line from ``tests/data/reader_vignettes/held_out_4.json`` (VIG-50 to
VIG-55), variants, and lines written to trip it, which must give no proposal or the
conservative rule. The first block is a false exclusion found while reading those misses:
"any other disease-modifying therapy" was read as every approved DMT, which rules out the
patients on the treatment a trial allows or studies.
"""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of


def took(codes, days):
    return {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": codes, "days": days},
    }


def ever(*codes):
    return {"fact": "treatments_ever", "op": "contains_any", "value": list(codes)}


def partial(rule, unread):
    return {"partial": rule, "unread": unread}


def course(op, value):
    return {"fact": "ms_course", "op": op, "value": value}


DIAGNOSED = {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
RR, SP, PP = "relapsing_remitting", "secondary_progressive", "primary_progressive"


# --- 1. "other" before a class names something the line does not -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Use of any other disease-modifying therapy within the last 2 years",
        "Treatment with any other DMT within 6 months prior to screening",
        "Other immunosuppressants within 6 months",
        "Prior treatment with another S1P receptor modulator",
        "Any other monoclonal antibody within 6 months",
    ],
)
def test_a_class_after_other_with_nothing_named_is_not_read(text):
    assert rule_of(text, "exclusion") is None
    assert '"other"' in note_of(text, "exclusion")


def test_other_with_examples_reads_the_examples_as_a_partial_rule():
    # VIG-54 (a trial of stopping or continuing a DMT: "other" than the patient's own)
    text = (
        "Use of any other disease-modifying therapy within the last 2 years, including but not"
        " limited to ocrelizumab, rituximab, alemtuzumab, cladribine, mitoxantrone or siponimod"
    )
    codes = ["alemtuzumab", "ocrelizumab", "rituximab", "mitoxantrone", "cladribine", "siponimod"]
    proposal = propose(text, kind="exclusion")
    assert proposal.rule == partial(
        took(codes, 730), "other disease-modifying therapy than those named"
    )
    assert proposal.pattern == "dmt_washout+partial"
    assert rule_of(
        "Treatment with any other DMT (e.g. natalizumab) within 6 months", "exclusion"
    ) == (partial(took(["natalizumab"], 168), "other dmt than those named"))


def test_other_after_a_named_item_still_reads_the_class_whole():
    rule = rule_of("Natalizumab or any other monoclonal antibody within 6 months", "exclusion")
    assert rule["op"] == "taken_within"
    assert "ocrelizumab" in rule["value"]["codes"]
    assert rule_of("Fingolimod or another S1P receptor modulator within 8 weeks", "exclusion") == (
        took(["@s1p_modulator"], 56)
    )


# --- 2. examples after the time words, "at any time", an uncoded alternative -----------------


def test_examples_after_the_window_and_an_uncoded_alternative_read_in_part():
    # VIG-51: "total lymphoid irradiation" has no code; the immunosuppressants are read
    text = (
        "Prior immunosuppressive therapy at any time, including but not limited to mitoxantrone,"
        " cyclophosphamide, azathioprine, methotrexate or cyclosporine, or total lymphoid"
        " irradiation"
    )
    assert rule_of(text, "exclusion") == partial(
        ever("@immunosuppressant"), "total lymphoid irradiation"
    )
    # without the alternative, the line is read whole
    assert rule_of(text.removesuffix(", or total lymphoid irradiation"), "exclusion") == ever(
        "@immunosuppressant"
    )


def test_an_uncoded_alternative_before_a_read_one_stops_the_line():
    assert rule_of("Total lymphoid irradiation or cladribine at any time", "exclusion") is None
    assert "total lymphoid irradiation" in note_of("Total lymphoid irradiation", "exclusion")


def test_an_experimental_procedure_is_left_to_the_study_team():
    # VIG-51
    text = (
        "Receipt of any investigational drug or experimental procedure within 6 months prior"
        " to Day 1"
    )
    assert rule_of(text, "exclusion") == partial(
        {"fact": "days_since_investigational_drug", "op": "<=", "value": 168},
        "experimental procedure",
    )


def test_trailing_examples_must_all_be_treatments():
    # "such as lymphoma" is not a treatment: the examples are not read as a class's
    text = "Prior immunosuppressive therapy within 6 months, such as azathioprine or leukapheresis"
    assert rule_of(text, "exclusion") is None


def test_cytokine_therapy_reads_through_interferon_beta():
    # VIG-51: interferons are cytokines; no code is certainly an anti-cytokine
    text = (
        "Use of cytokine or anti-cytokine therapy, or of any monoclonal antibody, within three"
        " months before Day 1"
    )
    rule = rule_of(text, "exclusion")
    assert rule["value"]["days"] == 84
    assert rule["value"]["codes"][:2] == ["interferon_beta", "natalizumab"]


# --- 3. a window for each list ---------------------------------------------------------------


def test_a_washout_for_each_list_read_with_a_day_fewer():
    # VIG-52: "at least 1 month" is not complete for a dose 27 days ago on any reading
    text = (
        "Patients who have not completed a washout of at least 1 month from interferon beta or"
        " glatiramer acetate, or of at least 3 months from dimethyl fumarate (Tecfidera) or"
        " teriflunomide (Aubagio), before randomization"
    )
    assert rule_of(text, "exclusion") == {
        "any": [
            took(["interferon_beta", "glatiramer_acetate"], 27),
            took(["dimethyl_fumarate", "teriflunomide"], 83),
        ]
    }


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Treatment with interferon beta or glatiramer acetate within 1 month, fingolimod"
            " within 2 months, or natalizumab within 6 months prior to randomization",
            {
                "any": [
                    took(["interferon_beta", "glatiramer_acetate"], 28),
                    took(["fingolimod"], 56),
                    took(["natalizumab"], 168),
                ]
            },
        ),
        (
            "Interferon beta or glatiramer acetate within 4 weeks prior to Day 1; fingolimod"
            " within 8 weeks prior to Day 1",
            {
                "any": [
                    took(["interferon_beta", "glatiramer_acetate"], 28),
                    took(["fingolimod"], 56),
                ]
            },
        ),
        (
            "Have received natalizumab (Tysabri) within 6 months, or an S1P receptor modulator"
            " (e.g. fingolimod, siponimod, ozanimod) within 4 wks, prior to randomization",
            {"any": [took(["natalizumab"], 168), took(["@s1p_modulator"], 28)]},
        ),
    ],
)
def test_a_window_for_each_list(text, rule):
    assert rule_of(text, "exclusion") == rule


def test_an_inclusion_washout_for_each_list():
    text = (
        "Must have completed a washout of at least 3 months from fingolimod and at least 6"
        " months from natalizumab before baseline"
    )
    assert rule_of(text) == {
        "all": [{"not": took(["fingolimod"], 83)}, {"not": took(["natalizumab"], 167)}]
    }


@pytest.mark.parametrize(
    "text",
    [
        # an exception may belong to any list
        "Teriflunomide within 3.5 months, or fingolimod within 2 months, unless an accelerated"
        " elimination procedure was done",
        "Concomitant interferon beta within 1 month or fingolimod within 2 months",
    ],
)
def test_washout_lists_that_are_not_read(text):
    assert rule_of(text, "exclusion") is None


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        (
            "Fingolimod within 2 months, or any other DMT within 6 months",
            "any other dmt within 6 months",
        ),
        (
            "Fingolimod within 2 months, or total lymphoid irradiation within 6 months",
            "total lymphoid irradiation within 6 months",
        ),
    ],
)
def test_a_list_the_washouts_cannot_read_is_left_to_the_study_team(text, unread):
    # not a washout list; as "A, or B" the first part still rules out alone
    assert rule_of(text, "exclusion") == partial(took(["fingolimod"], 56), unread)


# --- 4. a clinician's "stable" beside a relapse window --------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "unread"),
    [
        # VIG-51
        (
            "Clinically stable and free of relapse for at least 28 days prior to Day 1",
            {"fact": "days_since_last_relapse", "op": ">", "value": 28},
            "clinically stable",
        ),
        (
            "Neurologically stable, with no relapse in the 30 days before screening",
            {"fact": "days_since_last_relapse", "op": ">", "value": 30},
            "neurologically stable",
        ),
    ],
)
def test_stable_and_a_relapse_window_is_a_partial_inclusion(text, rule, unread):
    proposal = propose(text, kind="inclusion")
    assert proposal.rule == partial(rule, unread)
    assert proposal.pattern.endswith("+partial")


def test_stable_with_no_evidence_of_relapse():
    # a registry line (NCT03093324, reviewed); in an exclusion "stable" gets nothing
    text = "Neurologically stable with no evidence of relapse within 30 days prior to randomization"
    assert rule_of(text) == partial(
        {"fact": "days_since_last_relapse", "op": ">", "value": 30}, "neurologically stable"
    )
    assert rule_of(text, "exclusion") is None


@pytest.mark.parametrize(
    "text",
    [
        "Neurologically stable for at least 30 days prior to randomization",
        "Clinically stable in the opinion of the investigator, with no relapse in 30 days",
        "Clinically stable and no relapse within 30 days unless treated with steroids",
    ],
)
def test_stable_lines_with_nothing_else_read_give_nothing(text):
    assert rule_of(text) is None
    assert rule_of(text, "exclusion") is None


def test_stable_in_an_exclusion_gives_nothing():
    assert rule_of("Not clinically stable, or a relapse within 30 days", "exclusion") is None


# --- 5. examples that hold a clinician's word -----------------------------------------------


def test_a_judgement_word_inside_examples_is_the_examples_own():
    # VIG-53
    text = (
        "Contraindication to MRI or to gadolinium-based contrast agents (e.g. pacemaker, severe"
        " claustrophobia, prior reaction to gadolinium)"
    )
    proposal = propose(text, kind="exclusion")
    assert proposal.rule == {"fact": "can_have_mri", "op": "==", "value": "no"}
    assert "only illustrate" in proposal.reason
    # outside the brackets it still stops the line
    assert rule_of("Severe contraindication to MRI or to gadolinium", "exclusion") is None
    # "i.e." defines, it does not illustrate
    assert (
        rule_of("Contraindication to MRI or gadolinium (i.e. severe claustrophobia)", "exclusion")
        is None
    )


# --- 6. activity of secondary progressive MS -------------------------------------------------


def test_spms_with_disease_activity_in_an_inclusion_is_partial():
    # VIG-50
    text = (
        "Diagnosis of multiple sclerosis according to the 2010 Revised McDonald criteria, with a"
        " relapsing MS course: relapsing-remitting MS (RRMS) or secondary progressive MS (SPMS)"
        " with disease activity, as defined by Lublin et al. 2014"
    )
    rule = rule_of(text)
    assert rule == partial(
        {"all": [DIAGNOSED, course("in", [RR, SP])]},
        "secondary progressive ms with disease activity",
    )
    assert rule_of("Relapsing MS: RRMS or active SPMS") == partial(
        course("in", [RR, SP]), "active spms"
    )


def test_spms_without_disease_activity_in_an_exclusion_leaves_that_part():
    # VIG-50
    assert rule_of(
        "Patients with primary progressive MS or SPMS without disease activity", "exclusion"
    ) == (partial(course("==", PP), "spms without disease activity"))
    assert rule_of(
        "Primary progressive MS or non-active secondary progressive MS", "exclusion"
    ) == (partial(course("==", PP), "non-active secondary progressive ms"))
    # nothing read: nothing proposed; an "active SPMS" exclusion is not "SPMS"
    assert rule_of("Non-active SPMS", "exclusion") is None
    assert rule_of("Active SPMS", "exclusion") is None


def test_a_course_with_its_definition_is_partial():
    # VIG-52
    text = (
        "Diagnosis of secondary progressive multiple sclerosis (SPMS), defined as a progressive"
        " increase in disability for at least 6 months following an initial relapsing-remitting"
        " course"
    )
    rule = rule_of(text)
    assert rule["partial"] == {"all": [DIAGNOSED, course("==", SP)]}
    assert rule["unread"].startswith("defined as a progressive increase")
    # a definition the course words read is still read whole
    assert rule_of("Relapsing MS, defined as RRMS or SPMS") == course("in", [RR, SP])


def test_ms_then_a_relapsing_course_defined():
    assert rule_of("Diagnosis of multiple sclerosis, with a relapsing MS course: RRMS or SPMS") == {
        "all": [DIAGNOSED, course("in", [RR, SP])]
    }


# --- 7. pregnancy first, planning second; AIDS or HIV ---------------------------------------


def test_pregnant_women_or_planning_within_two_years():
    # VIG-55: "pregnant" alone is narrower than pregnancy_or_breastfeeding; planning is read
    rule = rule_of(
        "Pregnant women, or women who plan to become pregnant within the next 2 years", "exclusion"
    )
    assert rule == partial(
        {
            "all": [
                {"fact": "sex", "op": "==", "value": "female"},
                {"fact": "planning_pregnancy", "op": "==", "value": "yes"},
            ]
        },
        "pregnant women",
    )


def test_aids_or_hiv_is_the_hiv_code():
    # VIG-50
    text = (
        "Known to have AIDS or to test positive for HIV antibody, or with a history of or current"
        " hepatitis B or hepatitis C infection"
    )
    hiv = {"fact": "other_conditions", "op": "contains_any", "value": ["hiv"]}
    hep = {
        "fact": "other_conditions",
        "op": "contains_any",
        "value": ["hepatitis_b", "hepatitis_c"],
    }
    assert rule_of(text, "exclusion") == {"any": [hiv, hep]}
    # AIDS alone is narrower than the code
    assert rule_of("Known to have AIDS", "exclusion") is None
