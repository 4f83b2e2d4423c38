"""Benchmark: how many questions the adaptive questionnaire asks.

For seeded random patient profiles (complete, consistent answers to every contract v2
question, some ``unsure``, dates given to the day or only to the month), it answers
``next_question`` from the profile until nothing is left to ask, and compares the
number of questions with three baselines:

- v1 form: every section 1 answer key in the registry's asking order (age asked once),
  as a form that shows every question would (13);
- v2 form: every question of contract v2 (age, each date and its day count, and the
  treatment history with its two lists each asked once);
- referenced: every question the trials' rules mention (a form built from the trials).

It also checks that the verdicts reached when the questionnaire stops equal the verdicts
given the complete profile. Scenarios: CARE-MS II alone, both CARE-MS trials, both plus
generated trials (the shapes of ``bench_rules.py``), and ``V2_TRIAL`` below (alone and
with both CARE-MS trials): a relapsing-MS trial written in the contract v2 vocabulary.

Run from the project root (plain Python, no Django needed)::

    python bench/bench_questions.py [--profiles 300] [--generated 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_rules import generate_catalog  # noqa: E402

from eligibility.engine.evaluate import (  # noqa: E402
    CompiledTrial,
    CriterionSpec,
    compile_trial,
    criteria_from_ruleset,
)
from eligibility.engine.facts import (  # noqa: E402
    ASKING_ORDER,
    CONDITION_CODES,
    HISTORY_LISTS,
    TREATMENT_CODES,
    prepare_facts,
    question_key,
)
from eligibility.engine.questions import next_question  # noqa: E402

TODAY = date(2025, 6, 15)
RULESETS = ROOT / "eligibility" / "rulesets"


def _inclusion(order: int, text: str, rule: dict[str, Any] | None) -> dict[str, Any]:
    return {"kind": "inclusion", "order": order, "patient_text": text, "rule": rule}


def _exclusion(order: int, text: str, rule: dict[str, Any] | None) -> dict[str, Any]:
    return {"kind": "exclusion", "order": order, "patient_text": text, "rule": rule}


def _fact(key: str, op: str, value: Any = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"fact": key, "op": op}
    if value is not None:
        rule["value"] = value
    return rule


def _taken_within(codes: list[str], days: int) -> dict[str, Any]:
    return _fact("treatment_history", "taken_within", {"codes": codes, "days": days})


_WOMAN = _fact("sex", "==", "female")

#: A phase 3 relapsing-MS trial of an anti-CD20 antibody against teriflunomide, modelled
#: on the registered criteria of ASCLEPIOS I (NCT02792218), in the contract v2
#: vocabulary. Lines that need a lab value or the investigator's judgement have no rule
#: (``not_checked``), so the trial is at best "possibly eligible".
V2_TRIAL: list[dict[str, Any]] = [
    _inclusion(1, "People aged 18 to 55", _fact("age", "between", [18, 55])),
    _inclusion(
        2,
        "People diagnosed with relapsing-remitting or secondary progressive MS",
        {
            "all": [
                _fact("ms_diagnosis", "==", "yes"),
                _fact("ms_course", "in", ["relapsing_remitting", "secondary_progressive"]),
            ]
        },
    ),
    _inclusion(
        3,
        "People with MS activity: a relapse in the past year, two in the past two years, "
        "or an MRI with active lesions in the past year",
        {
            "any": [
                _fact("relapses_last_12_months", ">=", 1),
                _fact("relapses_last_24_months", ">=", 2),
                _fact("days_since_new_mri_activity", "<=", 365),
            ]
        },
    ),
    _inclusion(4, "People with an EDSS score from 0 to 5.5", _fact("edss", "between", [0, 5.5])),
    _inclusion(
        5,
        "People with no relapse and no steroid treatment in the month before joining",
        {
            "all": [
                _fact("days_since_last_relapse", ">", 30),
                _fact("days_since_systemic_steroids", ">", 30),
            ]
        },
    ),
    _inclusion(6, "People with a normal blood count and liver tests (blood test)", None),
    _exclusion(
        1, "People with primary progressive MS", _fact("ms_course", "==", "primary_progressive")
    ),
    _exclusion(
        2,
        "People who have had MS for more than 10 years with an EDSS of 2 or less",
        {
            "all": [
                _fact("years_since_first_symptoms", ">", 10),
                _fact("edss", "<=", 2),
            ]
        },
    ),
    _exclusion(
        3,
        "Women who are pregnant or breastfeeding",
        _fact("pregnancy_or_breastfeeding", "==", "yes"),
    ),
    _exclusion(
        4,
        "Women who could become pregnant and will not use effective contraception",
        {"all": [_WOMAN, _fact("contraception", "==", "no")]},
    ),
    _exclusion(
        5,
        "Women planning a pregnancy during the study",
        {"all": [_WOMAN, _fact("planning_pregnancy", "==", "yes")]},
    ),
    _exclusion(
        6,
        "People who have had PML",
        _fact("other_conditions", "contains_any", ["pml"]),
    ),
    _exclusion(
        7,
        "People with HIV, hepatitis B or C, tuberculosis or a weakened immune system",
        _fact(
            "other_conditions",
            "contains_any",
            ["hiv", "hepatitis_b", "hepatitis_c", "tuberculosis", "immunodeficiency"],
        ),
    ),
    _exclusion(
        8,
        "People with another active chronic disease of the immune system",
        None,  # other_autoimmune is broader than "active": it cannot decide this line
    ),
    _exclusion(
        9,
        "People who had cancer in the past 5 years",
        _fact("years_since_cancer", "<", 5),
    ),
    _exclusion(
        10,
        "People ever treated with a B-cell therapy, alemtuzumab, mitoxantrone, cladribine, "
        "daclizumab or cyclophosphamide",
        _fact(
            "treatments_ever",
            "contains_any",
            [
                "@anti_cd20",
                "alemtuzumab",
                "mitoxantrone",
                "cladribine",
                "daclizumab",
                "cyclophosphamide",
            ],
        ),
    ),
    _exclusion(
        11,
        "People who took natalizumab in the past 6 months",
        _taken_within(["natalizumab"], 183),
    ),
    _exclusion(
        12,
        "People who took an S1P modulator or a fumarate in the past month",
        _taken_within(
            ["@s1p_modulator", "dimethyl_fumarate", "diroximel_fumarate", "monomethyl_fumarate"],
            30,
        ),
    ),
    _exclusion(
        13,
        "People who had immunoglobulin (IVIG) or plasma exchange in the past month",
        _taken_within(["ivig", "plasma_exchange"], 30),
    ),
    _exclusion(
        14,
        "People who had a live vaccine in the past 4 weeks",
        _fact("days_since_live_vaccine", "<=", 28),
    ),
    _exclusion(
        15,
        "People who received a drug in another clinical study in the past 30 days",
        _fact("days_since_investigational_drug", "<=", 30),
    ),
    _exclusion(16, "People who cannot have an MRI scan", _fact("can_have_mri", "==", "no")),
    _exclusion(17, "People with a medical condition the study doctor thinks makes it unsafe", None),
]


def load(nct_id: str) -> CompiledTrial:
    items = json.loads((RULESETS / f"{nct_id}.json").read_text(encoding="utf-8"))
    return compile_trial(criteria_from_ruleset(items), trial_id=nct_id)


def load_v2_trial() -> CompiledTrial:
    specs = [
        CriterionSpec(
            f"{item['kind']}-{item['order']}", item["kind"], item["rule"], item["patient_text"]
        )
        for item in V2_TRIAL
    ]
    return compile_trial(specs, trial_id="v2-relapsing")


# --- profiles -------------------------------------------------------------------------------


def _date(rng: random.Random, days_ago: int) -> str:
    """A past date as a patient gives it: the day, or (half the time) only the month."""
    day = TODAY - timedelta(days=days_ago)
    return day.isoformat() if rng.random() < 0.5 else day.isoformat()[:7]


def _last_relapse(rng: random.Random, r12: int, r24: int) -> str:
    if r12 >= 1:
        return _date(rng, rng.randint(0, 364))
    if r24 >= 1:
        return _date(rng, rng.randint(365, 729))
    return "never" if rng.random() < 0.3 else _date(rng, rng.randint(730, 4000))


def _treatment_history(rng: random.Random, ever: list[str], recent: list[str]) -> dict[str, str]:
    history = {}
    for code in ever:
        if code in recent:
            history[code] = "current" if rng.random() < 0.6 else _date(rng, rng.randint(0, 183))
        else:
            history[code] = _date(rng, rng.randint(184, 3000))
        if rng.random() < 1 / 12:
            history[code] = "unsure"
    return history


def random_profile(rng: random.Random) -> dict[str, Any]:
    """A complete, internally consistent answer set; about 1 answer in 12 is ``unsure``."""
    r12 = rng.choice([0, 0, 1, 1, 1, 2, 3])
    r24 = r12 + rng.choice([0, 1, 1, 2])
    ever = rng.sample(TREATMENT_CODES, rng.choice([0, 0, 1, 1, 2, 3]))
    recent = [code for code in ever if rng.random() < 0.4]
    sex = rng.choice(["female", "female", "male", "other"])
    investigational = rng.choice(["no", "no", "no", "yes"])
    relapse = _last_relapse(rng, r12, r24)
    profile: dict[str, Any] = {
        "birth_date": (TODAY - timedelta(days=rng.randint(16 * 365, 70 * 365))).isoformat(),
        "sex": sex,
        "ms_diagnosis": rng.choice(["yes", "yes", "yes", "no"]),
        "ms_course": rng.choice(
            ["relapsing_remitting"] * 4
            + ["secondary_progressive", "primary_progressive", "clinically_isolated_syndrome"]
        ),
        "years_since_first_symptoms": rng.choice([0.5, 1, 2, 4, 5, 5.5, 8, 10, 12, 20]),
        "relapses_last_12_months": r12,
        "relapses_last_24_months": r24,
        "relapse_on_interferon_or_glatiramer": rng.choice(["yes", "no"]),
        "edss": rng.randint(0, 14) / 2,
        "mri_lesions_confirmed": rng.choice(["yes", "yes", "no"]),
        "treatments_ever": ever,
        "treatments_last_6_months": recent,
        "treatment_history": _treatment_history(rng, ever, recent),
        "investigational_drug_ever": investigational,
        # contract v2
        "last_relapse": relapse,
        "last_systemic_steroids": rng.choice(
            ["never", _date(rng, rng.randint(0, 60)), _date(rng, rng.randint(0, 2000))]
        ),
        "last_new_mri_activity": rng.choice(
            ["never", _date(rng, rng.randint(0, 400)), _date(rng, rng.randint(0, 3000))]
        ),
        "last_investigational_drug": (
            _date(rng, rng.randint(0, 1500)) if investigational == "yes" else "never"
        ),
        "last_live_vaccine": rng.choice(
            ["never", _date(rng, rng.randint(0, 60)), _date(rng, rng.randint(365, 15000))]
        ),
        "pregnancy_or_breastfeeding": "yes" if sex == "female" and rng.random() < 0.05 else "no",
        "planning_pregnancy": "yes" if rng.random() < 0.1 else "no",
        "contraception": rng.choice(["yes", "yes", "yes", "no", "not_needed"]),
        "other_conditions": rng.sample(CONDITION_CODES, rng.choice([0, 0, 0, 0, 1, 2])),
        "years_since_cancer": "never" if rng.random() < 0.9 else float(rng.randint(0, 20)),
        "implanted_device": rng.choice(["no"] * 9 + ["yes"]),
        "can_have_mri": rng.choice(["yes"] * 9 + ["no"]),
        "has_internet_device": rng.choice(["yes"] * 9 + ["no"]),
    }
    for key in list(profile):
        if key not in ("birth_date", "sex") and rng.random() < 1 / 12:
            profile[key] = "unsure"
    if "unsure" in (profile["treatments_ever"], profile["treatments_last_6_months"]):
        # Not sure what (or what lately) means not sure of the history either.
        profile["treatment_history"] = "unsure"
    prepare_facts(profile, today=TODAY)  # consistent, or this raises
    return profile


# --- the walk -----------------------------------------------------------------------------------


def run_questionnaire(
    trials: list[CompiledTrial], profile: dict[str, Any]
) -> tuple[int, dict[str, Any], list[float]]:
    """Questions asked, the answers given, and the time of each ``next_question`` call."""
    answers: dict[str, Any] = {}
    timings = []
    while True:
        start = time.perf_counter()
        key = next_question(trials, answers, today=TODAY)
        timings.append((time.perf_counter() - start) * 1000)
        if key is None:
            return len(answers), answers, timings
        answers[key] = profile[key]


def question_keys(keys) -> set[str]:
    """The questions a patient is asked for rule facts or answer keys: age once, each
    date with its day count once, and a treatment history, when asked, standing for the
    two lists it derives."""
    asked = {question_key(key) for key in keys}
    if "treatment_history" in asked:
        asked -= set(HISTORY_LISTS)
    return asked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--generated", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    profiles = [random_profile(rng) for _ in range(args.profiles)]
    care_ms_2, care_ms_1 = load("NCT00548405"), load("NCT00530348")
    v2_trial = load_v2_trial()
    generated = [
        compile_trial(criteria, trial_id=f"generated-{i}")
        for i, criteria in enumerate(generate_catalog(args.generated, args.seed))
    ]
    scenarios = {
        "CARE-MS II alone": [care_ms_2],
        "CARE-MS II + CARE-MS I": [care_ms_2, care_ms_1],
        f"both + {args.generated} generated": [care_ms_2, care_ms_1, *generated],
        "v2 relapsing-MS trial alone": [v2_trial],
        "v2 trial + both CARE-MS": [v2_trial, care_ms_2, care_ms_1],
    }
    v1_form = len(question_keys(_SECTION_1))
    v2_form = len(question_keys(ASKING_ORDER))
    checked = sum(c.checked for c in v2_trial.criteria)

    print(
        f"{args.profiles} seeded profiles (seed {args.seed}); v1 form = {v1_form} questions, "
        f"v2 form = {v2_form}; the v2 trial checks {checked} of {len(v2_trial.criteria)} "
        "criteria\n"
    )
    print(
        "| trials | adaptive mean | adaptive median | max | median, not ruled out (n) | "
        "referenced-facts form | v1 form | v2 form | verdicts as with full answers | "
        "next_question median ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    all_agree = True
    for label, trials in scenarios.items():
        referenced = len(question_keys(key for trial in trials for key in trial.facts))
        counts, open_counts, agree, timings = [], [], 0, []
        for profile in profiles:
            asked, answers, call_ms = run_questionnaire(trials, profile)
            counts.append(asked)
            timings.extend(call_ms)
            partial = prepare_facts(answers, today=TODAY)
            full = prepare_facts(profile, today=TODAY)
            agree += all(trial.verdict(partial) == trial.verdict(full) for trial in trials)
            if any(trial.verdict(full) != "ineligible" for trial in trials):
                open_counts.append(asked)
        all_agree = all_agree and agree == len(profiles)
        still_open = (
            f"{statistics.median(open_counts):g} ({len(open_counts)})" if open_counts else "- (0)"
        )
        print(
            f"| {label} | {statistics.mean(counts):.2f} | {statistics.median(counts):g} | "
            f"{max(counts)} | {still_open} | {referenced} | {v1_form} | {v2_form} | "
            f"{agree}/{len(profiles)} | {statistics.median(timings):.2f} |"
        )
    return 0 if all_agree else 1


#: The answer keys of spec section 1 (the v1 form).
_SECTION_1 = frozenset(
    {
        "age",
        "birth_date",
        "sex",
        "ms_diagnosis",
        "ms_course",
        "years_since_first_symptoms",
        "relapses_last_12_months",
        "relapses_last_24_months",
        "relapse_on_interferon_or_glatiramer",
        "edss",
        "mri_lesions_confirmed",
        "treatments_ever",
        "treatments_last_6_months",
        "investigational_drug_ever",
    }
)


if __name__ == "__main__":
    sys.exit(main())
