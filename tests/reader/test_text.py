"""Registry wording made uniform before reading; the words that stop a line."""

import pytest

from eligibility.reader.text import judgement, names_other_arm, normalize


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        (
            ("Expanded Disability Status Scale score 0-5,5"),
            "expanded disability status scale score 0-5.5",
        ),
        (
            ("EDSS ≤ 6.0 at the time of randomization (Day 0)."),
            "edss <= 6.0 at the time of randomization",
        ),
        (
            ("Diagnosis of MS according to the 2017 McDonald Criteria139."),
            "diagnosis of ms according to the 2017 mcdonald criteria",
        ),
        (
            ("RRMS according to McDonald criteria (Polman et al, 2005 [Appendix I])"),
            "rrms according to mcdonald criteria",
        ),
        ("natalizumab (Tysabri®), cladribine", "natalizumab, cladribine"),
        ("Interferon-β (either 1a or 1b)", "interferon-beta (either 1a or 1b)"),
        ("EDSS score more then 5,5", "edss score more than 5.5"),
        ("EDSS less then 6", "edss less than 6"),
        (
            "Exacerbation of MS within 30 days prior to screenin visit",
            ("exacerbation of ms within 30 days prior to screening visit"),
        ),
        (
            "relapse during the last 30 days befor randomization",
            ("relapse during the last 30 days before randomization"),
        ),
        (
            ("Current use of cyclophosphamide, mitoxanthrone"),
            "current use of cyclophosphamide, mitoxantrone",
        ),
        ("Immune-supressor treatment", "immunosuppressant treatment"),
        ("between he ages of 18-65", "between the ages of 18-65"),
        (
            ("Breast-feeding, birth-control, child-bearing"),
            "breastfeeding, birth control, childbearing",
        ),
        (
            "inability to comply with adequate contraception",
            ("inability to comply with effective contraception"),
        ),
        ("except adequately treated basal cell carcinoma", "except treated basal cell carcinoma"),
    ],
)
def test_normalizes_registry_wording(text, normal):
    assert normalize(text) == normal


def test_keeps_a_decimal_comma_that_is_not_one():
    assert normalize("positive titers to HIV1,2") == "positive titers to hiv1,2"


@pytest.mark.parametrize(
    ("text", "call"),
    [
        ("clinically significant cardiac disease", "clinically significant"),
        ("clinically relevant cardiovascular disease", "clinically relevant"),
        ("significant renal impairment", "significant"),
        ("in the opinion of the investigator", "opinion"),
        ("any condition that may interfere with the study", "interfere"),
        ("any condition that could affect the results", "could affect"),
        ("poorly controlled diabetes", "poorly controlled"),
        ("adequate renal function", "adequate"),
    ],
)
def test_names_the_words_that_leave_the_call_to_a_clinician(text, call):
    assert judgement(normalize(text)) == call


@pytest.mark.parametrize(
    "text",
    [
        "prior treatment with interferon beta",  # not "interfere"
        "any other condition contraindicated for mri",  # the MRI contraindication is the answer
        "contraindications to gadolinium administration",
        "serious infection within 30 days",
        "women of childbearing potential must use adequate contraception",
    ],
)
def test_does_not_take_fact_words_for_judgement(text):
    assert judgement(normalize(text)) is None


def test_names_another_arm_from_its_heading_or_its_words():
    assert names_other_arm("Exclusion Criteria for Healthy Volunteers", "age over 60")
    assert names_other_arm("", "healthy controls must be aged 18 to 65")
    assert names_other_arm("Exclusion criteria (MS patients)", "age over 60") is None
    assert names_other_arm("Prior/Concomitant Therapy", "natalizumab within 6 months") is None


def test_the_judgement_triggers_never_hide_a_judgement():
    # judgement() searches only lines holding a trigger word: on every registry line and
    # every line of the written batches, and on each pattern's own words, it must answer
    # what the one pattern answers alone.
    import json
    from pathlib import Path

    from eligibility.reader.text import _ANY_JUDGEMENT, _JUDGEMENT, judgement, normalize
    from finder.criteria_lines import split_criteria
    from tests.reader.conftest import registry_records

    lines = [
        line.text
        for record in registry_records().values()
        for line in split_criteria(record["text"]).lines
    ]
    folder = Path(__file__).resolve().parents[1] / "data" / "reader_vignettes"
    for path in sorted(folder.glob("*.json")):
        for trial in json.loads(path.read_text(encoding="utf-8"))["trials"]:
            lines += trial["text"].splitlines()
    samples = [
        "clinically relevant", "insignificantly", "severely", "poorly controlled",
        "not be well-controlled", "unstable", "stabilized", "judgment", "at the discretion",
        "judged to", "felt by", "the radiologist", "treating physician", "interference",
        "unsuitable", "inappropriate", "jeopardize", "likely to limit", "precludes",
        "major", "serious", "moderate", "case-by-case", "contraindicated", "non-responders",
        "treatment failure", "inadequate response", "individual basis", "at risk",
    ]  # fmt: skip
    for text in [*map(normalize, lines), *samples]:
        found = _ANY_JUDGEMENT.search(text)
        assert judgement(text) == (found.group(0) if found else None), text
    assert len(samples) >= len(_JUDGEMENT)
