"""Wording the held-out batch ``held_out_3`` showed the reader missing, read generally.

Each shape has its real line (from ``tests/data/reader_vignettes/held_out_3.json``), a few
variants, and lines written to trip it (a negation, "or", an exception, a judgement word,
other units) that must give no proposal or the conservative rule.
"""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import ever, note_of, rule_of, took


def age(op, value):
    return {"fact": "age", "op": op, "value": value}


def study_drug(op, days):
    return {"fact": "days_since_investigational_drug", "op": op, "value": days}


def steroids(op, days):
    return {"fact": "days_since_systemic_steroids", "op": op, "value": days}


WILLING = {"fact": "contraception", "op": "!=", "value": "no"}
UNWILLING = {"fact": "contraception", "op": "==", "value": "no"}


# --- 1. an age range whose ends carry signs --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the real line (VIG-46): "< 18" leaves 18 out, so 17 and under
        ("Aged ≥ 10 to < 18 years at randomization.", age("between", [10, 17])),
        ("Age ≥ 18 and ≤ 55 years", age("between", [18, 55])),
        ("Aged >= 18 and <= 55 years of age at screening", age("between", [18, 55])),
        # "> 17" keeps 17 (a 17-year-old may be 17 and a half); "< 56" is 55 and under
        ("> 17 to < 56 years of age", age("between", [17, 55])),
        ("Aged at least 18 and under 65", age("between", [18, 64])),
        ("Aged 18 years or older and younger than 56", age("between", [18, 55])),
        ("Participants aged ≥ 18 years to ≤ 65 years, inclusive", age("between", [18, 65])),
        ("Aged >= 18 to 55 years", age("between", [18, 55])),
        ("Age at least 18 and no more than 55 years", age("between", [18, 55])),
    ],
)
def test_reads_an_age_range_with_signed_ends(text, rule):
    assert rule_of(text) == rule


def test_the_reason_says_how_an_open_end_was_read():
    proposal = propose("Aged ≥ 10 to < 18 years at randomization.", kind="inclusion")

    assert proposal.pattern == "age_range"
    assert proposal.patient_text == "People aged 10 to 17"
    assert '"< 18" read as 17 and under' in proposal.reason


@pytest.mark.parametrize(
    "text",
    [
        "Aged ≥ 10 or < 18 years",  # "or": not a range
        "Aged ≥ 10 to < 18 years, or 18 years if still at school",
        "Not aged ≥ 10 to < 18 years",
        "Aged ≥ 10 to < 18 years unless approved by the sponsor",
        "Aged ≥ 10 kg to < 18 kg",  # not years
        "Aged ≥ 18 to < 18 years",  # nobody
        "Aged ≥ 18 to < 180 years",  # off the scale
    ],
)
def test_does_not_read_what_is_not_one_age_range(text):
    assert rule_of(text) is None


def test_a_signed_range_in_an_exclusion_is_not_read():
    assert rule_of("Aged ≥ 10 to < 18 years at randomization.", kind="exclusion") is None


def test_a_judgement_beside_the_range_stops_it():
    assert "appropriate" in note_of("Aged ≥ 10 to < 18 years with appropriate maturity")


# --- 2. "another" / "any other" and a class ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the real line (VIG-46)
        (
            "Any previous treatment with fingolimod (Gilenya) or another"
            " sphingosine-1-phosphate receptor modulator.",
            ever("@s1p_modulator"),
        ),
        (
            "Prior treatment with fingolimod or another S1P receptor modulator",
            ever("@s1p_modulator"),
        ),
        ("Previous treatment with rituximab or another anti-CD20 antibody", ever("@anti_cd20")),
        (
            "Fingolimod or any other S1P receptor modulator within 6 weeks",
            took(["@s1p_modulator"], 42),
        ),
        (
            "Natalizumab or another monoclonal antibody within 6 months",
            took(
                [
                    "natalizumab",
                    "alemtuzumab",
                    "ocrelizumab",
                    "rituximab",
                    "ofatumumab",
                    "ublituximab",
                    "daclizumab",
                ],
                168,
            ),
        ),
        # the first part of VIG-41's line, read alone
        (
            "Treatment with ocrelizumab (Ocrevus), rituximab or any other anti-CD20 antibody in the"
            " last 12 months",
            took(["@anti_cd20"], 336),
        ),
        (
            "Treatment with ocrelizumab (Ocrevus), rituximab or another anti-CD20 antibody in the"
            " last 12 months",
            took(["@anti_cd20"], 336),
        ),
    ],
)
def test_reads_another_member_of_a_class_as_the_class(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_an_inclusion_never_treated_with_the_class():
    assert rule_of("No previous treatment with fingolimod or another S1P modulator") == {
        "not": ever("@s1p_modulator")
    }


def test_the_patient_text_names_the_class_members():
    proposal = propose(
        "Any previous treatment with fingolimod (Gilenya) or another"
        " sphingosine-1-phosphate receptor modulator.",
        kind="exclusion",
    )

    assert proposal.pattern == "dmt_ever"
    assert proposal.patient_text == (
        "People who have ever taken an S1P receptor modulator (fingolimod, siponimod, ozanimod"
        " or ponesimod)"
    )


@pytest.mark.parametrize(
    "text",
    [
        # "another" alone may mean another than the study's own drug: not read
        "Previous treatment with another S1P receptor modulator",
        # an exception, a judgement, a thing with no code
        (
            "Any previous treatment with fingolimod or another sphingosine-1-phosphate receptor"
            " modulator, unless stopped more than 5 years ago"
        ),
        "Any previous treatment with fingolimod or another drug",
        "Any previous treatment with fingolimod or another S1P modulator that was not tolerated",
        "Treatment with fingolimod or another S1P modulator deemed ineffective",
        # "for at least 6 months" is how long it was taken, not how long ago
        "Any previous treatment with fingolimod or another S1P receptor modulator for at least"
        " 6 months",
        "Any previous treatment with fingolimod for at least 6 months",
    ],
)
def test_does_not_read_another_where_the_line_says_more(text):
    assert rule_of(text, kind="exclusion") is None


def test_a_treatment_duration_is_not_a_window():
    note = note_of("Treatment with natalizumab for 12 months", kind="exclusion")

    assert "how long something was taken" in note


def test_a_no_window_written_with_for_is_still_a_window():
    assert rule_of("No steroids for at least 30 days before screening") == steroids(">", 30)


# --- 3. an interventional study of an investigational drug ----------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the real line (VIG-43)
        (
            "Participation in an interventional study of an investigational drug within the"
            " previous 6 months.",
            study_drug("<=", 168),
        ),
        (
            "Participation in a clinical trial of any investigational medicinal product within 3"
            " months prior to screening",
            study_drug("<=", 84),
        ),
        (
            "Participation in an interventional study of an investigational drug within 12 weeks",
            study_drug("<=", 84),
        ),
        (
            "Participation in an interventional study of an investigational drug within the"
            " previous 6 months or 5 half-lives, whichever is longer",
            study_drug("<=", 168),
        ),
        ("Treatment with another investigational drug within 30 days", study_drug("<=", 30)),
    ],
)
def test_reads_a_study_of_an_investigational_drug_in_a_window(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_reads_the_same_study_at_any_time():
    line = "Participation in an interventional study of an investigational drug at any time"

    assert rule_of(line, kind="exclusion") == {
        "fact": "investigational_drug_ever",
        "op": "==",
        "value": "yes",
    }


def test_an_inclusion_no_such_study_in_the_window():
    line = "No participation in an interventional study of an investigational drug within 6 months"

    assert rule_of(line) == study_drug(">", 168)


def test_the_reason_says_how_the_months_were_counted():
    proposal = propose(
        "Participation in an interventional study of an investigational drug within the previous"
        " 6 months.",
        kind="exclusion",
    )

    assert proposal.pattern == "investigational_within"
    assert "168 days (its shortest reading" in proposal.reason


@pytest.mark.parametrize(
    "text",
    [
        "Participation in an interventional study of an investigational device within 6 months",
        "Participation in an observational study within 6 months",
        "Participation in an interventional study of an investigational drug within 5 half-lives",
        (
            "Participation in an interventional study of an investigational drug within the"
            " previous 6 months, unless on placebo"
        ),
        (
            "Participation in an interventional study of an investigational drug within the"
            " previous 6 months, if judged relevant"
        ),
    ],
)
def test_does_not_read_another_kind_of_study_or_an_exception(text):
    assert rule_of(text, kind="exclusion") is None


# --- 4. IV immunoglobulin and plasma exchange -----------------------------------------------

IVIG_OR_PLEX = ["ivig", "plasma_exchange"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the real line (VIG-46); both have treatment codes
        ("IV immunoglobulin or plasmapheresis within 12 weeks prior to randomisation.", 84),
        (
            "Intravenous immunoglobulin (IVIG) or plasma exchange within 3 months before screening",
            84,
        ),
        ("i.v. immunoglobulins or plasmapheresis in the past 12 weeks", 84),
        ("IV immune globulin or plasma exchange within 90 days", 90),
    ],
)
def test_reads_ivig_or_plasma_exchange_in_a_window(text, rule):
    assert rule_of(text, kind="exclusion") == took(IVIG_OR_PLEX, rule)


def test_reads_iv_immunoglobulin_alone():
    assert rule_of("IV immunoglobulin within 6 weeks", kind="exclusion") == took(["ivig"], 42)


def test_the_patient_text_names_both():
    proposal = propose(
        "IV immunoglobulin or plasmapheresis within 12 weeks prior to randomisation.",
        kind="exclusion",
    )

    assert proposal.patient_text == (
        "People who have taken intravenous immunoglobulin (IVIG) or had plasma exchange"
        " (plasmapheresis) in the past 12 weeks"
    )


def test_an_inclusion_none_in_the_window():
    line = "No IV immunoglobulin or plasmapheresis within 12 weeks prior to randomization"

    assert rule_of(line) == {"not": took(IVIG_OR_PLEX, 84)}


@pytest.mark.parametrize(
    "text",
    [
        "IV immunoglobulin, plasmapheresis or cytapheresis within 12 weeks",  # no code
        "Subcutaneous immunoglobulin or plasmapheresis within 12 weeks",  # not intravenous
        "IV immunoglobulin or plasmapheresis within 12 weeks, except to treat a relapse",
        "IV immunoglobulin or plasmapheresis within 12 weeks unless given for a relapse",
        "IV immunoglobulin or plasmapheresis for 12 weeks",  # a duration
        "Concomitant IV immunoglobulin or plasmapheresis within 12 weeks",
    ],
)
def test_does_not_read_ivig_lines_that_say_more(text):
    assert rule_of(text, kind="exclusion") is None


# --- 5. contraception for both sexes ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the real line (VIG-42): both sexes named, so no sex is ruled out
        (
            "Subjects of reproductive potential, both women and men, must be willing to use an"
            " effective method of contraception during the study and for 6 months after the last"
            " dose."
        ),
        (
            "Participants of reproductive potential (men and women) must agree to use effective"
            " contraception during the study"
        ),
        "Patients, both men and women, must use effective contraception during the study",
        (
            "Subjects of reproductive potential, men and women alike, must be willing to use"
            " effective birth control during the study"
        ),
    ],
)
def test_reads_contraception_for_both_sexes_without_a_sex(text):
    assert rule_of(text) == WILLING


def test_the_reason_says_not_needed_passes():
    proposal = propose(
        "Subjects of reproductive potential, both women and men, must be willing to use an"
        " effective method of contraception during the study and for 6 months after the last"
        " dose.",
        kind="inclusion",
    )

    assert proposal.pattern == "contraception"
    assert "not_needed passes" in proposal.reason


def test_the_refusal_for_both_sexes_as_an_exclusion():
    line = (
        "Subjects of reproductive potential, both women and men, who are not willing to use"
        " effective contraception during the study"
    )

    assert rule_of(line, kind="exclusion") == UNWILLING


def test_women_alone_still_read_for_women_only():
    line = (
        "Women of childbearing potential must be willing to use an effective method of"
        " contraception during the study and for 6 months after the last dose."
    )

    assert rule_of(line) == {
        "any": [{"fact": "sex", "op": "!=", "value": "female"}, WILLING],
    }


@pytest.mark.parametrize(
    "text",
    [
        # women said to be both sexes: the line contradicts itself
        "Women of childbearing potential, both women and men, must use contraception",
        # an exception, a judgement, a second requirement
        (
            "Subjects of reproductive potential, both women and men, must be willing to use an"
            " effective method of contraception during the study, unless surgically sterile"
        ),
        (
            "Subjects of reproductive potential, both women and men, must be willing to use an"
            " appropriate method of contraception"
        ),
        (
            "Subjects of reproductive potential, both women and men, must be willing to use an"
            " effective method of contraception and have a negative pregnancy test"
        ),
        # not a requirement
        (
            "Subjects of reproductive potential, both women and men, may use an effective method"
            " of contraception"
        ),
    ],
)
def test_does_not_read_a_both_sexes_line_that_says_more(text):
    assert rule_of(text) is None


def test_a_both_sexes_line_never_restricts_sex():
    # Cut at "and", "men" would be a sex restriction that rules out every woman.
    rule = rule_of(
        "Subjects of reproductive potential, both women and men, must be willing to use an"
        " effective method of contraception during the study and for 6 months after the last dose."
    )

    assert "sex" not in str(rule)


# --- 6. a second sentence allowing steroids that are not systemic -----------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # the real line (VIG-41)
        (
            "Systemic corticosteroids in the 4 weeks before the screening visit; inhaled and"
            " topical steroids are allowed.",
            28,
        ),
        (
            "Systemic corticosteroids in the 4 weeks before the screening visit. Inhaled, topical"
            " or intranasal corticosteroids are permitted.",
            28,
        ),
        (
            "Corticosteroid treatment within 30 days prior to screening (topical and inhaled"
            " steroids are allowed)",
            30,
        ),
        (
            "Steroids within 1 month before screening; steroid eye drops and creams are allowed",
            28,
        ),
    ],
)
def test_sets_aside_a_sentence_allowing_non_systemic_steroids(text, days):
    assert rule_of(text, kind="exclusion") == steroids("<=", days)


def test_the_reason_says_the_sentence_was_set_aside():
    proposal = propose(
        "Systemic corticosteroids in the 4 weeks before the screening visit; inhaled and topical"
        " steroids are allowed.",
        kind="exclusion",
    )

    assert proposal.pattern == "steroids_within"
    assert proposal.reason.endswith(
        'The sentence "inhaled and topical steroids are allowed" only clarifies.'
    )


def test_an_inclusion_with_the_same_sentence():
    line = (
        "No systemic corticosteroids in the 4 weeks before the screening visit; inhaled and"
        " topical steroids are allowed."
    )

    assert rule_of(line) == steroids(">", 28)


@pytest.mark.parametrize(
    "allowed",
    [
        # what days_since_systemic_steroids counts (by mouth, drip or injection)
        "intra-articular injections are allowed",
        "oral steroids are allowed",
        "inhaled and intra-articular steroids are allowed",
        "low-dose steroids are allowed",
        "steroids are allowed for relapses",
        "local steroid injections are allowed",
        # not a permission, or one with a condition
        "inhaled and topical steroids are not allowed",
        "inhaled steroids are allowed if the dose is low",
        "inhaled steroids are allowed if stable",
    ],
)
def test_a_sentence_allowing_anything_else_stops_the_line(allowed):
    line = f"Systemic corticosteroids in the 4 weeks before the screening visit; {allowed}."

    assert rule_of(line, kind="exclusion") is None


# --- 7 and 8. course and duration lines: they need disease.py ---------------------------------
# The wanted readings need changes in eligibility/reader/disease.py (the Lublin citation and
# an upper bound on disease duration), which this change does not make; until it is made these
# stay expected failures (strict, so they fail once it lands: remove the marks then).

NEEDS_DISEASE = pytest.mark.xfail(
    strict=True, reason="needs a change in eligibility/reader/disease.py (see the report)"
)
PROGRESSIVE_LINE = (
    "Progressive MS, either primary progressive or secondary progressive, according to the 2017"
    " McDonald criteria and the 2013 Lublin course definitions."
)
DURATION_LINE = (
    "Disease duration of no more than 180 months from the onset of neurological symptoms."
)


def years_since_onset(op, value):
    return {"fact": "years_since_first_symptoms", "op": op, "value": value}


def test_reads_progressive_ms_by_mcdonald_and_lublin():
    assert rule_of(PROGRESSIVE_LINE) == {
        "all": [
            {"fact": "ms_diagnosis", "op": "==", "value": "yes"},
            {
                "fact": "ms_course",
                "op": "in",
                "value": ["secondary_progressive", "primary_progressive"],
            },
        ]
    }


def test_the_same_courses_read_without_the_lublin_citation():
    line = (
        "Progressive MS, either primary progressive or secondary progressive, according to the"
        " 2017 McDonald criteria"
    )

    assert rule_of(line)["all"][1] == {
        "fact": "ms_course",
        "op": "in",
        "value": ["secondary_progressive", "primary_progressive"],
    }


@pytest.mark.parametrize(
    "text",
    [
        (
            "Progressive MS, either primary progressive or secondary progressive, according to the"
            " 2017 McDonald criteria and the 2013 Lublin course definitions, as judged by the site"
        ),
        "Progressive MS, not according to the Lublin definitions",
    ],
)
def test_a_course_line_that_says_more_is_not_read(text):
    assert rule_of(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (DURATION_LINE, 15),
        ("Disease duration of no more than 15 years from the onset of neurological symptoms", 15),
        ("Disease duration of no more than 100 months from onset of symptoms", 8.34),
    ],
)
def test_reads_an_upper_bound_on_disease_duration_from_onset(text, value):
    assert rule_of(text) == years_since_onset("<=", value)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # no onset: it may be counted from the diagnosis, which can be later
        ("Disease duration of no more than 180 months", "inclusion"),
        ("Disease duration of no more than 180 months from diagnosis", "inclusion"),
        (DURATION_LINE, "exclusion"),
        (
            "Disease duration of no more than 180 months from the onset of neurological symptoms,"
            " unless the sponsor agrees",
            "inclusion",
        ),
    ],
)
def test_an_upper_duration_bound_is_never_read_from_the_diagnosis(text, kind):
    assert rule_of(text, kind=kind) is None


def test_the_onset_within_shape_still_reads():
    line = "Onset of MS symptoms no more than 20 years before screening."

    assert rule_of(line) == years_since_onset("<=", 20)
