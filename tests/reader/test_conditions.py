"""Plain diagnoses (other_conditions), cancer (years_since_cancer), substance use."""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of


def conditions(*codes):
    return {"fact": "other_conditions", "op": "contains_any", "value": list(codes)}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "History of neuromyelitis optica spectrum disorder or MOG antibody disease.",
            conditions("nmosd"),
        ),
        (
            (
                "Patients meeting criteria for neuromyelitis optica spectrum disorder or with"
                " MOG antibody associated disease."
            ),
            conditions("nmosd"),
        ),
        (
            (
                "Evidence of past or current hepatitis B or hepatitis C infection, including"
                " treated hepatitis B or hepatitis C. Hepatitis B surface antibody following"
                " hepatitis B immunization is not considered to be evidence of past infection."
            ),
            conditions("hepatitis_b", "hepatitis_c"),
        ),
        ("Evidence of HIV infection.", conditions("hiv")),
        ("History of human immunodeficiency virus (HIV)", conditions("hiv")),
        ("A known history of tuberculosis.", conditions("tuberculosis")),
        (
            "The participant has a history of active or latent tuberculosis.",
            conditions("tuberculosis"),
        ),
        ("History of renal or liver disease.", conditions("kidney_disease", "liver_disease")),
        ("Patients with a history of seizure.", conditions("epilepsy")),
        (
            (
                "Any history of seizure, epilepsy, or other convulsive disorder, with the"
                " exception of febrile seizures in childhood."
            ),
            conditions("epilepsy"),
        ),
        (
            (
                "Presence or history of ischemic cerebrovascular disorders, including but not"
                " limited to transient ischemic attack, subarachnoid hemorrhage, cerebral"
                " thrombosis, cerebral embolism, or cerebral hemorrhage."
            ),
            conditions("stroke"),
        ),
        ("History of progressive multifocal leukoencephalopathy (PML)", conditions("pml")),
        (
            "A history of or current hepatitis B or hepatitis C infection, or HIV infection.",
            conditions("hepatitis_b", "hepatitis_c", "hiv"),
        ),
        (
            "Any active infection (e.g., active Hepatitis B virus [HBV])",
            conditions("active_infection"),
        ),
    ],
)
def test_reads_a_plain_diagnosis(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_reads_a_line_with_its_sub_items():
    rule = rule_of(
        "History of or positive test result at Screening for:",
        kind="exclusion",
        items=(
            "human immunodeficiency virus",
            "hepatitis C virus antibody",
            "hepatitis B infection",
        ),
    )
    assert rule == conditions("hiv", "hepatitis_c", "hepatitis_b")


def test_reads_hiv_negative_as_an_inclusion():
    proposal = propose("Must be documented to be HIV negative.", kind="inclusion")
    assert proposal.rule == {"not": conditions("hiv")}
    assert proposal.patient_text == "People who have never had HIV"


@pytest.mark.parametrize(
    "text",
    [
        "Diabetes mellitus",  # the code also counts a diabetes that has resolved
        "Kidney failure",  # kidney_disease is broader
        "Other coexistent autoimmune diseases",
        "Patients with neuromyelitis optica.",  # the nmosd code also counts MOG antibody disease
        (
            "History of a myocardial infarction, including a silent myocardial infarction"
        ),  # heart_disease is broader
        "Heart rhythm disturbance",
        (
            "Positive screening test for Hepatitis B surface antigen, Hepatitis C antibody, or"
            " HIV antibody"
        ),
        "HIV, hepatitis B or hepatitis C infection.",  # hepatitis now: the codes count the past
        "Active viral, bacterial, endoparasitic, or opportunistic infections.",
    ],
)
def test_a_broader_code_never_reads_a_line(text):
    assert rule_of(text, kind="exclusion") is None


# --- cancer ------------------------------------------------------------------------------------

EVER = {"fact": "years_since_cancer", "op": "ever", "value": True}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("History of malignant disease", EVER),
        (
            (
                "History of malignancy (except basal cell carcinoma that has been completely"
                " excised prior to study enrollment)"
            ),
            EVER,
        ),
        (
            (
                "History of cancer, including solid tumors and hematological malignancies"
                " (except basal cell and squamous cell carcinomas of the skin that have been"
                " excised and resolved)"
            ),
            EVER,
        ),
        ("Current or previous malignancy, except basal cell carcinoma of the skin.", EVER),
        (
            (
                "History of malignancy within the past 5 years, except adequately treated basal"
                " cell or squamous cell carcinoma of the skin or carcinoma in situ of the cervix."
            ),
            {"fact": "years_since_cancer", "op": "<", "value": 5},
        ),
        (
            (
                "Any malignancy within 5 years prior to screening, except for effectively"
                " treated carcinoma in situ of the cervix or adequately treated non-metastatic"
                " squamous or basal cell carcinoma of the skin."
            ),
            {"fact": "years_since_cancer", "op": "<", "value": 5},
        ),
    ],
)
def test_reads_cancer(text, rule):
    assert rule_of(text, kind="exclusion") == rule


@pytest.mark.parametrize(
    "text",
    [
        "History of solid tumour",  # years_since_cancer counts every cancer
        "Active malignancy",
        "Malignancy requiring treatment",
        "History of malignancy except squamous cell carcinoma",  # a lung SCC counts
        "History of malignancy, except carcinoma of the cervix",  # an invasive one counts
        "History of malignancy, except prostate cancer",
        (
            "History of malignancy, except adequately treated localized basal cell or squamous"
            " skin cancer, or carcinoma in situ of the cervix. Malignancies for which the"
            " participant is judged to be cured will be considered on an individual basis."
        ),
    ],
)
def test_a_cancer_line_the_answer_cannot_say_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None


def test_reads_no_history_of_cancer_as_an_inclusion():
    assert rule_of("No history of malignancy") == {"not": EVER}


# --- substance use -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Drug or alcohol abuse within 1 year prior to Screening.",
        "Subject has a history of drug or alcohol abuse within the past year.",
        "Patients with a history of substance abuse in the past year.",
        (
            "Past history of abuse of recreational drugs, including marijuana and alcohol in the"
            " last 12 months"
        ),
        "Current alcohol or drug abuse, or within the past year.",
    ],
)
def test_reads_substance_use_within_at_least_a_year(text):
    assert rule_of(text, kind="exclusion") == conditions("substance_use")


@pytest.mark.parametrize(
    "text",
    [
        "Alcohol or drug abuse;",  # no time: the code is the past year
        (
            "Patients with a history of drug abuse within the past five years."
        ),  # the code counts alcohol too
        "Patients with active alcoholism.",
        "Drug or alcohol abuse within 6 months",
    ],
)
def test_substance_use_the_code_does_not_say_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None
    assert "substance_use" in note_of(text, kind="exclusion") or "Not read" in note_of(
        text, kind="exclusion"
    )
