"""The reader's conservative rules: judgement lines, broader facts and other arms never exclude."""

import pytest

from eligibility.engine.evaluate import FAIL
from eligibility.reader import propose, read
from tests.reader.conftest import note_of, rule_of
from tests.reader.probes import probe_facts, status


@pytest.mark.parametrize(
    "text",
    [
        (
            "Clinically relevant cardiovascular, hepatic, neurological, endocrine or other major"
            " systemic disease;"
        ),
        "Any condition which the investigator feels may interfere with participation in the study.",
        "Severe depression, suicide ideas and/or attempts",
        "Uncontrolled hypertension",
        "Poorly controlled diabetes mellitus, defined as HbA1c > 8%.",
        "Significant renal or hepatic impairment",
        (
            "History of clinically significant drug or alcohol abuse within the past year prior"
            " to screening"
        ),
        "Patients with a history of unstable psychiatric illness or active severe depression.",
        (
            "Any other significant disease or disorder which, in the opinion of the"
            " Investigator, could put the subject at risk"
        ),
        "Adequate liver function",
        (
            "Any metallic material or electronic device in the body, or other condition that"
            " precludes the participant from undergoing MRI with gadolinium administration, as"
            " determined by the site radiologist."
        ),
        "Patients with known contraindications for fingolimod treatment.",
        (
            "An MS relapse that has occurred within the 30 days prior to inclusion AND/OR the"
            " participant has not stabilized from a previous relapse"
        ),
        "Nonresponder RRMS patients",
    ],
)
@pytest.mark.parametrize("kind", ["inclusion", "exclusion"])
def test_a_line_that_leaves_the_call_to_a_clinician_gets_nothing(text, kind):
    reading = read(text, kind=kind)

    assert reading.proposal is None
    assert reading.note.startswith("Not read")


def test_the_note_names_the_judgement_words():
    assert '"severe"' in note_of("Severe depression", kind="exclusion")
    # The words of the line, not a canonical phrase for them.
    note = note_of("Clinically relevant cardiovascular disease", kind="exclusion")
    assert '"clinically relevant"' in note
    assert "significant" not in note


@pytest.mark.parametrize(
    "text",
    [
        "History of a myocardial infarction in the past 6 months",  # heart_disease
        "Allergy to gadolinium",  # can_have_mri
        "History of a solid tumour in the past 5 years",  # years_since_cancer
        "Pregnancy",  # pregnancy_or_breastfeeding
        "Patients with neuromyelitis optica",  # nmosd includes MOGAD
        "Diabetes mellitus",  # diabetes "now or in the past"
        "Drug abuse within the past 2 years",  # substance_use includes alcohol
        "Unable to undergo MRI",  # can_have_mri includes a contrast allergy
        "Positive hepatitis B surface antigen",  # hepatitis_b includes resolved infection
    ],
)
def test_a_broader_fact_never_decides_a_line(text):
    assert rule_of(text, kind="exclusion") is None


@pytest.mark.parametrize(
    ("heading", "text", "kind"),
    [
        ("Exclusion Criteria for Healthy Controls", "Age over 60", "exclusion"),
        ("Inclusion criteria (healthy volunteers)", "Age 18 to 55 years", "inclusion"),
        ("Exclusion Criteria (control group)", "Pregnancy or breastfeeding", "exclusion"),
        ("Part B (PPMS cohort) exclusion criteria", "EDSS > 6.5", "exclusion"),
        ("Inclusion Criteria - Part A", "EDSS 0-5.5", "inclusion"),
        ("Exclusion Criteria for non-MS participants", "History of HIV", "exclusion"),
    ],
)
def test_a_line_under_another_arm_heading_gets_nothing(heading, text, kind):
    reading = read(text, kind=kind, heading=heading)

    assert reading.proposal is None
    assert "heading" in reading.note


@pytest.mark.parametrize(
    "text",
    [
        "Healthy controls: age 18 to 65 years",
        "Patients and healthy volunteers must not be pregnant or breastfeeding",
        "For the control group: EDSS of 0",
    ],
)
def test_a_line_that_mixes_another_arm_gets_nothing(text):
    for kind in ("inclusion", "exclusion"):
        assert propose(text, kind=kind) is None


@pytest.mark.parametrize(
    "heading",
    [
        "Inclusion Criteria",
        "Key Exclusion Criteria",
        "Exclusion criteria (MS patients)",
        "Inclusion Criteria (ALL to be fulfilled)",
        "Exclusion Criteria (if ANY apply)",
        "Prior/Concomitant Therapy",
    ],
)
def test_an_ms_heading_or_a_topic_label_does_not_stop_a_line(heading):
    assert propose("Pregnancy or breastfeeding", kind="exclusion", heading=heading) is not None


def test_a_trial_whose_conditions_name_no_ms_gets_nothing():
    reading = read(
        "Vaccination with live attenuated vaccines within 6 weeks prior to randomization.",
        kind="exclusion",
        conditions=["Scleroderma, Diffuse"],
    )
    assert reading.proposal is None
    assert "not an MS trial" in reading.note


def test_a_trial_listing_ms_among_its_conditions_is_read():
    assert propose(
        "Pregnancy or breastfeeding",
        kind="exclusion",
        conditions=["Neuropathic Pain", "Multiple Sclerosis"],
    )


@pytest.mark.parametrize(
    "text",
    [
        "Age 18-55 and willing to comply with study visits",  # B has no fact
        "Diagnosis of RRMS and a stable dose of interferon for 6 months",
        "EDSS 0-5.5 or a timed 25-foot walk under 8 seconds",  # "A or B": A alone is narrower
        "RRMS with at least one gadolinium-enhancing lesion on the screening MRI",
    ],
)
def test_an_inclusion_read_only_in_part_gets_nothing(text):
    assert propose(text, kind="inclusion") is None


@pytest.mark.parametrize(
    "text",
    [
        "Pregnancy, breastfeeding or a positive urine drug screen",
        "HIV, hepatitis B or C, or HTLV-1 infection history",
        "Prior treatment with natalizumab or total lymphoid irradiation",
    ],
)
def test_an_exclusion_read_only_in_part_gets_nothing(text):
    assert propose(text, kind="exclusion") is None


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        # A relapsing-MS inclusion takes RRMS, CIS and (possibly active) SPMS.
        (
            "A diagnosis of a relapsing form of MS",
            {
                "fact": "ms_course",
                "op": "in",
                "value": [
                    "relapsing_remitting",
                    "secondary_progressive",
                    "clinically_isolated_syndrome",
                ],
            },
        ),
        # "Greater than 18 and less than 70": exact ages, so an 18-year-old may be taken.
        (
            "Age greater than 18 and less than 70",
            {"fact": "age", "op": "between", "value": [18, 69]},
        ),
        # "At least 2 months since the last relapse": a month may be 28 days.
        (
            "Last relapse of the patient should be at least 2 months before study entry.",
            {"fact": "days_since_last_relapse", "op": ">=", "value": 56},
        ),
    ],
)
def test_an_inclusion_rules_out_no_one_its_widest_reading_takes(text, reference):
    proposal = propose(text, kind="inclusion")
    for facts in probe_facts(proposal.rule, reference):
        if status("inclusion", proposal.rule, facts) == FAIL:
            assert status("inclusion", reference, facts) == FAIL, facts
