"""No proposal rules out a patient whom the line would not rule out.

Probed over each fact's domain, the rules' constants and their neighbours, ``never``,
month dates straddling a bound, ``unsure`` and missing answers (``tests/reader/probes.py``):
for every registry line, against the reviewed rule (or no rule, which rules out no one);
and for lines written to trip the reader, against the widest reading a careful reader
gives them.
"""

import pytest

from eligibility.engine.rules import validate_rule
from eligibility.reader import read
from finder.criteria_lines import split_criteria
from tests.reader.conftest import registry_records, reviewed
from tests.reader.probes import probe_facts, wrong_exclusions

RECORDS = registry_records()
BY_LINE = {(e["nct_id"], e["kind"], e["order"]): e for e in reviewed()["lines"]}


def proposed_lines():
    for nct_id, record in sorted(RECORDS.items()):
        for line in split_criteria(record["text"]).lines:
            proposal = read(
                line.text,
                kind=line.kind,
                heading=line.heading,
                items=line.items,
                conditions=record["conditions"],
            ).proposal
            if proposal is not None:
                entry = BY_LINE[(nct_id, line.kind, line.order)]
                yield pytest.param(
                    line.kind,
                    proposal.rule,
                    entry["rule"],
                    id=f"{nct_id}-{line.kind[:3]}-{line.order}",
                )


@pytest.mark.parametrize(("kind", "proposed", "reviewed_rule"), list(proposed_lines()))
def test_no_proposal_rules_out_a_patient_the_reviewed_reading_takes(kind, proposed, reviewed_rule):
    validate_rule(proposed)
    assert wrong_exclusions(kind, proposed, reviewed_rule) == []


# Lines written to trip the reader, each with the widest reading a careful reader gives it:
# for an exclusion, the people every reading rules out; for an inclusion, the people some
# reading takes (as a rule that rules out the rest). None: the line rules out no one for sure.
NOT_PP = {"fact": "ms_course", "op": "!=", "value": "primary_progressive"}
DX = {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
COURSE_CIS = {"fact": "ms_course", "op": "==", "value": "clinically_isolated_syndrome"}
EDSS_65 = {"fact": "edss", "op": "<=", "value": 6.5}

TRIP_LINES = [
    (
        "exclusion",
        "Steroids within 3 months of screening",
        {"fact": "days_since_systemic_steroids", "op": "<=", "value": 84},
    ),
    (
        "exclusion",
        "Relapse within 1 month prior to randomization",
        {"fact": "days_since_last_relapse", "op": "<=", "value": 28},
    ),
    (
        "exclusion",
        "Natalizumab within 6 months",
        {
            "fact": "treatment_history",
            "op": "taken_within",
            "value": {"codes": ["natalizumab"], "days": 168},
        },
    ),
    (
        "exclusion",
        "Treatment with ocrelizumab within 12 months",
        {
            "fact": "treatment_history",
            "op": "taken_within",
            "value": {"codes": ["ocrelizumab"], "days": 336},
        },
    ),
    (
        "exclusion",
        "Any previous treatment with an anti-CD20 antibody",
        {
            "fact": "treatments_ever",
            "op": "contains_any",
            "value": ["ocrelizumab", "ofatumumab", "ublituximab", "rituximab"],
        },
    ),
    ("exclusion", "EDSS between 2 and 6", {"fact": "edss", "op": "between", "value": [2.5, 5.5]}),
    ("exclusion", "EDSS more than 6.5", {"fact": "edss", "op": ">", "value": 6.5}),
    (
        "exclusion",
        "History of malignancy within the past 5 years",
        {"fact": "years_since_cancer", "op": "<", "value": 5},
    ),
    (
        "exclusion",
        "History of seizures",
        {"fact": "other_conditions", "op": "contains_any", "value": ["epilepsy"]},
    ),
    (
        "exclusion",
        "Women planning a pregnancy in the next 3 years",
        {
            "all": [
                {"fact": "sex", "op": "==", "value": "female"},
                {"fact": "planning_pregnancy", "op": "==", "value": "yes"},
            ]
        },
    ),
    ("exclusion", "Myocardial infarction in the past 6 months", None),
    ("exclusion", "Allergy to gadolinium", None),
    ("exclusion", "Solid tumour within 5 years", None),
    ("exclusion", "Pregnancy", None),
    ("exclusion", "Progressive relapsing MS", None),
    ("exclusion", "Drug abuse within 5 years", None),
    ("inclusion", "Age 18 to 55", {"fact": "age", "op": "between", "value": [18, 55]}),
    (
        "inclusion",
        "Age greater than 18 and less than 70",
        {"fact": "age", "op": "between", "value": [18, 69]},
    ),
    (
        "inclusion",
        "Relapsing MS",
        {"fact": "ms_course", "op": "!=", "value": "primary_progressive"},
    ),
    (
        "inclusion",
        "EDSS between 2.0 and 6.5",
        {"fact": "edss", "op": "between", "value": [2.0, 6.5]},
    ),
    (
        "inclusion",
        "At least one relapse within the last 18 months",
        {"fact": "days_since_last_relapse", "op": "<=", "value": 558},
    ),
    (
        "inclusion",
        "No relapse within 3 months before screening",
        {"fact": "days_since_last_relapse", "op": ">", "value": 84},
    ),
    (
        "inclusion",
        "Disease duration of more than six months",
        {"fact": "years_since_first_symptoms", "op": ">=", "value": 0.5},
    ),
    (
        "inclusion",
        "Women of childbearing potential must use effective contraception",
        {
            "any": [
                {"fact": "sex", "op": "!=", "value": "female"},
                {"fact": "contraception", "op": "!=", "value": "no"},
            ]
        },
    ),
    ("inclusion", "Patients must not be pregnant", None),
    # "Relapsing" or "MS" beside a named course: the line takes every course it names.
    ("inclusion", "Diagnosis of MS or CIS", None),
    ("inclusion", "Patients with MS or CIS", None),
    ("inclusion", "Patients with MS and CIS", None),
    ("inclusion", "Diagnosis of relapsing MS or CIS", NOT_PP),
    ("inclusion", "Relapsing forms of MS, including CIS", NOT_PP),
    ("inclusion", "Relapsing or progressive MS", None),
    ("inclusion", "Any relapsing or progressive form of MS", None),
    ("inclusion", "Diagnosis of MS, relapsing or progressive", None),
    ("inclusion", "Relapsing MS or SPMS", NOT_PP),
    ("inclusion", "Relapsing or primary progressive MS", None),
    ("inclusion", "Relapsing and progressive forms of MS", None),
    ("inclusion", "Relapsing and progressive forms of MS, with an EDSS of 6.5 or less", EDSS_65),
    ("inclusion", "Diagnosis of MS or RRMS", DX),
    ("inclusion", "Diagnosis of MS, RRMS or SPMS", DX),
    ("inclusion", "Diagnosis of CIS", COURSE_CIS),
    (
        "inclusion",
        "Diagnosis of RRMS or CIS",
        {
            "fact": "ms_course",
            "op": "in",
            "value": ["relapsing_remitting", "clinically_isolated_syndrome"],
        },
    ),
    (
        "inclusion",
        "RRMS or relapsing SPMS",
        {
            "fact": "ms_course",
            "op": "in",
            "value": ["relapsing_remitting", "secondary_progressive"],
        },
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "reference"), TRIP_LINES, ids=[t for _, t, _ in TRIP_LINES]
)
def test_a_line_written_to_trip_it_rules_out_no_one_its_widest_reading_takes(kind, text, reference):
    proposal = read(text, kind=kind).proposal
    proposed = proposal.rule if proposal else None
    if proposed is not None:
        validate_rule(proposed)
    assert wrong_exclusions(kind, proposed, reference) == []


def test_the_probes_catch_a_rule_broader_than_its_line():
    """The check itself can fail: anti-CD20 for a line about ocrelizumab alone."""
    broader = {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": ["@anti_cd20"], "days": 168},
    }
    line = {
        "fact": "treatment_history",
        "op": "taken_within",
        "value": {"codes": ["ocrelizumab"], "days": 168},
    }
    assert wrong_exclusions("exclusion", broader, line)


def test_the_probes_catch_a_month_read_too_long():
    too_long = {"fact": "days_since_systemic_steroids", "op": "<=", "value": 92}
    line = {"fact": "days_since_systemic_steroids", "op": "<=", "value": 84}
    assert wrong_exclusions("exclusion", too_long, line)


def test_the_probes_try_never_unsure_missing_and_months():
    rule = {"fact": "days_since_last_relapse", "op": "<=", "value": 30}
    values = {repr(facts.get("days_since_last_relapse")) for facts in probe_facts(rule)}
    assert {"'never'", "'unsure'", "None", "DayRange(low=15, high=45)", "30", "31"} <= values
