"""Benchmark: how many questions the adaptive questionnaire asks.

For seeded random patient profiles (complete, consistent answers, some ``unsure``), it
answers ``next_question`` from the profile until nothing is left to ask, and compares the
number of questions with two baselines:

- naive: every answer key in the registry's asking order (age asked once), as a form
  that shows every question would;
- referenced: every fact the trials' rules mention (a form built from the trials).

It also checks that the verdicts reached when the questionnaire stops equal the verdicts
given the complete profile. Scenarios: CARE-MS II alone, both CARE-MS trials, and both
plus generated trials (the shapes of ``bench_rules.py``).

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
    compile_trial,
    criteria_from_ruleset,
)
from eligibility.engine.facts import ASKING_ORDER, TREATMENT_CODES, prepare_facts  # noqa: E402
from eligibility.engine.questions import next_question  # noqa: E402

TODAY = date(2025, 6, 15)
RULESETS = ROOT / "eligibility" / "rulesets"


def load(nct_id: str) -> CompiledTrial:
    items = json.loads((RULESETS / f"{nct_id}.json").read_text(encoding="utf-8"))
    return compile_trial(criteria_from_ruleset(items), trial_id=nct_id)


def random_profile(rng: random.Random) -> dict[str, Any]:
    """A complete, internally consistent answer set; about 1 answer in 12 is ``unsure``."""
    r12 = rng.choice([0, 0, 1, 1, 1, 2, 3])
    ever = rng.sample(TREATMENT_CODES, rng.choice([0, 0, 1, 1, 2, 3]))
    recent = [code for code in ever if rng.random() < 0.4]
    profile: dict[str, Any] = {
        "birth_date": (TODAY - timedelta(days=rng.randint(16 * 365, 70 * 365))).isoformat(),
        "sex": rng.choice(["female", "female", "male", "other"]),
        "ms_diagnosis": rng.choice(["yes", "yes", "yes", "no"]),
        "ms_course": rng.choice(
            ["relapsing_remitting"] * 4
            + ["secondary_progressive", "primary_progressive", "clinically_isolated_syndrome"]
        ),
        "years_since_first_symptoms": rng.choice([0.5, 1, 2, 4, 5, 5.5, 8, 10, 12, 20]),
        "relapses_last_12_months": r12,
        "relapses_last_24_months": r12 + rng.choice([0, 1, 1, 2]),
        "relapse_on_interferon_or_glatiramer": rng.choice(["yes", "no"]),
        "edss": rng.randint(0, 14) / 2,
        "mri_lesions_confirmed": rng.choice(["yes", "yes", "no"]),
        "treatments_ever": ever,
        "treatments_last_6_months": recent,
        "investigational_drug_ever": rng.choice(["no", "no", "no", "yes"]),
    }
    for key in list(profile):
        if key not in ("birth_date", "sex") and rng.random() < 1 / 12:
            profile[key] = "unsure"
    return profile


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--generated", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    profiles = [random_profile(rng) for _ in range(args.profiles)]
    care_ms_2, care_ms_1 = load("NCT00548405"), load("NCT00530348")
    generated = [
        compile_trial(criteria, trial_id=f"generated-{i}")
        for i, criteria in enumerate(generate_catalog(args.generated, args.seed))
    ]
    scenarios = {
        "CARE-MS II alone": [care_ms_2],
        "CARE-MS II + CARE-MS I": [care_ms_2, care_ms_1],
        f"both + {args.generated} generated": [care_ms_2, care_ms_1, *generated],
    }
    # Naive form: every key once (age and birth_date are one question).
    naive = len([key for key in ASKING_ORDER if key != "age"])

    print(f"{args.profiles} seeded profiles (seed {args.seed}); naive form = {naive} questions\n")
    print(
        "| trials | adaptive mean | adaptive median | max | referenced-facts form | "
        "naive form | verdicts as with full answers | next_question median ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    all_agree = True
    for label, trials in scenarios.items():
        referenced = {key for trial in trials for key in trial.facts}
        referenced_count = len(referenced)  # `age` is asked as birth_date: still one question
        counts, agree, timings = [], 0, []
        for profile in profiles:
            asked, answers, call_ms = run_questionnaire(trials, profile)
            counts.append(asked)
            timings.extend(call_ms)
            partial = prepare_facts(answers, today=TODAY)
            full = prepare_facts(profile, today=TODAY)
            agree += all(trial.verdict(partial) == trial.verdict(full) for trial in trials)
        all_agree = all_agree and agree == len(profiles)
        print(
            f"| {label} | {statistics.mean(counts):.2f} | {statistics.median(counts):g} | "
            f"{max(counts)} | {referenced_count} | {naive} | {agree}/{len(profiles)} | "
            f"{statistics.median(timings):.2f} |"
        )
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
