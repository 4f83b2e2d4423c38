"""Pregnancy and breastfeeding, planning a pregnancy, contraception."""

import pytest

from eligibility.reader import propose
from tests.reader.conftest import note_of, rule_of

PREGNANT = {
    "all": [
        {"fact": "sex", "op": "!=", "value": "male"},
        {"fact": "pregnancy_or_breastfeeding", "op": "==", "value": "yes"},
    ]
}
FEMALE = {"fact": "sex", "op": "==", "value": "female"}
PLANNING = {"fact": "planning_pregnancy", "op": "==", "value": "yes"}
UNWILLING = {"fact": "contraception", "op": "==", "value": "no"}
WILLING = {"fact": "contraception", "op": "!=", "value": "no"}


@pytest.mark.parametrize(
    "text",
    [
        "Pregnant or nursing woman;",
        "Pregnancy or breastfeeding.",
        "females that are pregnant or breastfeeding are excluded",
        "Positive pregnancy test or breastfeeding.",
        (
            "Pregnant or nursing (lactating) women, where pregnancy is defined as the state of a"
            " female after conception and until the termination of gestation, confirmed by a"
            " positive human Chorionic Gonadotropin (hCG) laboratory test."
        ),
        "The participant is pregnant or breastfeeding.",
        "Lactating or pregnant women",
    ],
)
def test_reads_pregnant_or_breastfeeding(text):
    assert rule_of(text, kind="exclusion") == PREGNANT


@pytest.mark.parametrize(
    "text",
    [
        "Pregnancy",
        "Nursing",
        "lactation period",
        "Female subjects who are currently breastfeeding.",
    ],
)
def test_one_of_the_two_alone_is_narrower_than_the_answer(text):
    assert rule_of(text, kind="exclusion") is None


def test_an_inclusion_not_pregnant_is_not_read():
    # Failing "pregnant or breastfeeding" would fail a breastfeeding woman the line takes.
    assert rule_of("Patients must not be pregnant") is None


def test_reads_planning_in_a_window_of_at_least_two_years():
    line = (
        "Women who are pregnant, wishing to become pregnant in the coming 30 months, or are"
        " breastfeeding."
    )
    assert rule_of(line, kind="exclusion") == {"any": [PREGNANT, {"all": [FEMALE, PLANNING]}]}


def test_reads_parenting_children_as_both_sexes():
    line = (
        "Wish to parent children during the trial or following the trial (men and women were "
        "required to practice effective contraception during the trial and for 24 months after "
        "drug discontinuation);"
    )
    assert rule_of(line, kind="exclusion") == PLANNING


def test_becoming_pregnant_is_about_women_only():
    # planning_pregnancy also counts a man planning to father a child.
    line = (
        "Pregnancy or breastfeeding, or intention to become pregnant during the study and within "
        "2 years after the final dose of study drug"
    )
    assert rule_of(line, kind="exclusion") == {"any": [PREGNANT, {"all": [FEMALE, PLANNING]}]}


@pytest.mark.parametrize(
    "text",
    [
        "Women who contemplate pregnancy in the duration of the study",
        (
            "Female subjects who were pregnant, lactating or planning pregnancy during the"
            " course of the study."
        ),
    ],
)
def test_planning_in_a_window_that_may_be_shorter_than_two_years_is_not_read(text):
    assert rule_of(text, kind="exclusion") is None
    assert "two years" in note_of(text, kind="exclusion")


@pytest.mark.parametrize(
    "text",
    [
        (
            "Pregnancy or lactation, or intention to become pregnant during the study and within"
            " 6 months after the final dose of study drug"
        ),
        "Pregnant or breast-feeding women, or women planning to become pregnant during the study.",
    ],
)
def test_a_pregnancy_part_beside_a_planning_part_is_read_as_a_partial_rule(text):
    # Reader version 4: "A, or B" with B a planning window shorter than two years: the
    # pregnancy part is read, the planning part is left to the study team.
    rule = rule_of(text, kind="exclusion")
    assert rule["partial"] == {
        "all": [
            {"fact": "sex", "op": "!=", "value": "male"},
            {"fact": "pregnancy_or_breastfeeding", "op": "==", "value": "yes"},
        ]
    }
    assert "pregnant" in rule["unread"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Fertile women who do not use contraception", {"all": [FEMALE, UNWILLING]}),
        (
            (
                "For females of child bearing potential, inability to comply with adequate"
                " contraception"
            ),
            {"all": [FEMALE, UNWILLING]},
        ),
        (
            (
                "Female patients of child bearing potential and male subjects whose partner is"
                " of child bearing potential, unless willing to ensure that they or their"
                " partner use effective contraception during the study and for three months"
                " thereafter."
            ),
            UNWILLING,
        ),
        (
            (
                "Women who are either pregnant or breastfeeding, and women of child-bearing"
                " potential (defined as not surgically sterile or at least two years post"
                " menopausal) who are not using one of the following birth control methods:"
                " tubal ligation, implantable contraception device, oral, patch, injectable or"
                " transdermal contraceptive, barrier method or sexual activity restricted to"
                " vasectomized partner."
            ),
            {"any": [PREGNANT, {"all": [FEMALE, UNWILLING]}]},
        ),
    ],
)
def test_reads_a_contraception_exclusion(text, rule):
    assert rule_of(text, kind="exclusion") == rule


def test_only_sexually_active_women_cannot_be_told_apart():
    line = (
        "Sexually active women unwilling to use reliable contraception (oral contraceptives,"
        " condom, IUD)."
    )
    assert rule_of(line, kind="exclusion") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Women of child-bearing potential must practice a reliable method of birth control.",
            {"any": [{"fact": "sex", "op": "!=", "value": "female"}, WILLING]},
        ),
        (
            (
                "Female subjects of childbearing potential must agree to practice contraception"
                " methods"
            ),
            {"any": [{"fact": "sex", "op": "!=", "value": "female"}, WILLING]},
        ),
        (
            (
                "women of child-bearing potential and men must agree to use adequate"
                " contraception (hormonal or barrier method of birth control; abstinence) prior"
                " to study entry and for the duration of study participation."
            ),
            WILLING,
        ),
        (
            (
                "Agrees to use an acceptable method of contraception for the duration of the"
                " study and for 30 days after any study drug administration, or is surgically"
                " sterile or post-menopausal"
            ),
            WILLING,
        ),
        (
            (
                "Females of childbearing potential (defined in Section 5.4.3.1) and males with"
                " female partners of childbearing potential are required to adhere to the"
                " contraception provisions of Section 5.4.3.1."
            ),
            WILLING,
        ),
    ],
)
def test_reads_a_contraception_inclusion(text, rule):
    assert rule_of(text) == rule


def test_a_woman_who_cannot_become_pregnant_passes_and_a_man_passes_a_women_line():
    from eligibility.engine.evaluate import PASS, criterion_status, interpret_rule

    rule = rule_of(
        "Women of child-bearing potential must practice a reliable method of birth control."
    )
    for facts in (
        {"sex": "female", "contraception": "not_needed"},
        {"sex": "male", "contraception": "no"},
    ):
        assert criterion_status("inclusion", interpret_rule(rule, facts)) == PASS


def test_a_negative_pregnancy_test_stops_a_contraception_inclusion():
    line = (
        "Women of child-bearing potential must have a negative urine pregnancy test at screening "
        "visit and must practice an acceptable method of birth"
    )
    assert rule_of(line) is None


def test_abstinence_instead_of_contraception_is_not_read():
    # A woman answering "no" to contraception may still agree to abstinence.
    line = (
        "For women of childbearing potential: agreement to remain abstinent or use contraception"
        " during the treatment period"
    )
    assert rule_of(line) is None


def test_patient_text_is_about_the_people_the_study_takes():
    proposal = propose("Pregnant or breastfeeding women.", kind="exclusion")

    assert proposal.patient_text == "People who are pregnant or breastfeeding"
    assert proposal.patient_text_es == "Personas que están embarazadas o dando el pecho"
    assert proposal.pattern == "pregnancy"
