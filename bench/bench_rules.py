"""Benchmark: one set of answers against 10,000 trials' compiled rules.

Generates a seeded catalog of realistic trials (8 to 12 criteria each, mixing the
CARE-MS shapes: age ranges, yes/no inclusions, EDSS and onset limits, relapse counts,
treatment exclusions, progressive course), then times, in the same run:

- compiled: ``prepare_facts`` once, then ``CompiledTrial.verdict`` for every trial;
- interpreter: the same verdict logic with ``interpret_rule`` walking the JSON.

Run from the project root (plain Python, no Django needed)::

    python bench/bench_rules.py [--trials 10000] [--repeats 21] [--seed 20250615]

Prints a markdown table of median and p95 per pass and the interpreter/compiled ratio.
The machine may be shared: quote medians and the ratio, not single runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eligibility.engine.evaluate import (  # noqa: E402
    INELIGIBLE,
    CompiledTrial,
    CriterionSpec,
    compile_trial,
    criterion_status,
    interpret_rule,
    verdict_of,
)
from eligibility.engine.facts import TREATMENT_CODES, prepare_facts  # noqa: E402

TODAY = date(2025, 6, 15)
TARGET_MS = 50.0

# Answer sets: a complete CARE-MS II candidate, and the same patient early in the
# questionnaire (fewer answers means fewer trials ruled out early, so more work).
COMPLETE = {
    "birth_date": "1985-03-02",
    "sex": "female",
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": 6,
    "relapses_last_12_months": 1,
    "relapses_last_24_months": 2,
    "relapse_on_interferon_or_glatiramer": "yes",
    "edss": 3.5,
    "mri_lesions_confirmed": "yes",
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": "no",
}
PARTIAL = {
    "birth_date": "1985-03-02",
    "ms_diagnosis": "yes",
    "ms_course": "unsure",
    "edss": "unsure",
    "treatments_ever": ["interferon_beta"],
}


def random_criterion(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One (kind, rule) drawn from the shapes real MS trials use."""
    shape = rng.randrange(12)
    if shape == 0:
        low = rng.choice([18, 18, 18, 12, 21, 40])
        return "inclusion", {
            "fact": "age",
            "op": "between",
            "value": [low, rng.choice([50, 55, 60, 65, 70, 75])],
        }
    if shape == 1:
        return "inclusion", {"fact": "ms_diagnosis", "op": "==", "value": "yes"}
    if shape == 2:
        return "inclusion", {
            "fact": "years_since_first_symptoms",
            "op": "<=",
            "value": rng.choice([3, 5, 10, 15, 20]),
        }
    if shape == 3:
        return "inclusion", {
            "fact": "edss",
            "op": "between",
            "value": [0.0, rng.choice([3.0, 4.0, 5.0, 5.5, 6.5])],
        }
    if shape == 4:
        return "inclusion", {
            "all": [
                {"fact": "relapses_last_24_months", "op": ">=", "value": rng.choice([1, 2, 3])},
                {"fact": "relapses_last_12_months", "op": ">=", "value": rng.choice([0, 1])},
            ]
        }
    if shape == 5:
        key = rng.choice(["relapse_on_interferon_or_glatiramer", "mri_lesions_confirmed"])
        return "inclusion", {"fact": key, "op": "==", "value": "yes"}
    if shape == 6:
        return "exclusion", {
            "fact": "treatments_ever",
            "op": "contains_any",
            "value": rng.sample(TREATMENT_CODES, rng.randint(1, 4)),
        }
    if shape == 7:
        return "exclusion", {
            "fact": "treatments_last_6_months",
            "op": "contains_any",
            "value": rng.sample(TREATMENT_CODES, rng.randint(1, 4)),
        }
    if shape == 8:
        return "exclusion", {"fact": "investigational_drug_ever", "op": "==", "value": "yes"}
    if shape == 9:
        progressive = ["secondary_progressive", "primary_progressive"]
        return "exclusion", {"fact": "ms_course", "op": "in", "value": progressive}
    if shape == 10:
        # Treatment-naive trials (CARE-MS I): anything but corticosteroids excludes.
        others = [code for code in TREATMENT_CODES if code != "corticosteroids"]
        return "exclusion", {"fact": "treatments_ever", "op": "contains_any", "value": others}
    return "inclusion", {
        "any": [
            {"fact": "ms_course", "op": "==", "value": "relapsing_remitting"},
            {
                "all": [
                    {"fact": "ms_course", "op": "==", "value": "secondary_progressive"},
                    {"not": {"fact": "treatments_ever", "op": "is_empty"}},
                ]
            },
        ]
    }


def generate_catalog(count: int, seed: int) -> list[list[CriterionSpec]]:
    """``count`` trials of 8 to 12 criteria each, reproducible from ``seed``."""
    rng = random.Random(seed)
    catalog = []
    for _ in range(count):
        specs = []
        for index in range(rng.randint(8, 12)):
            kind, rule = random_criterion(rng)
            specs.append(CriterionSpec(index, kind, rule, f"criterion {index}"))
        catalog.append(specs)
    return catalog


def interpreted_verdict(criteria: list[CriterionSpec], facts: dict[str, Any]) -> str:
    """The baseline: the same verdict logic, walking each rule's JSON every time."""
    statuses = []
    for spec in criteria:
        status = criterion_status(spec.kind, interpret_rule(spec.rule, facts))
        if status == "fail":
            return INELIGIBLE
        statuses.append(status)
    return verdict_of(statuses)


def time_passes(run: Callable[[], list[str]], repeats: int) -> tuple[list[float], list[str]]:
    """Milliseconds per pass (after one warm-up pass) and the last pass's verdicts."""
    verdicts = run()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        verdicts = run()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, verdicts


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--seed", type=int, default=20250615)
    args = parser.parse_args()

    catalog = generate_catalog(args.trials, args.seed)
    start = time.perf_counter()
    compiled: list[CompiledTrial] = [compile_trial(c, trial_id=i) for i, c in enumerate(catalog)]
    compile_ms = (time.perf_counter() - start) * 1000
    criteria_count = sum(len(c) for c in catalog)

    print(
        f"{args.trials} trials, {criteria_count} criteria, seed {args.seed}, "
        f"{args.repeats} timed passes each; compiling all took {compile_ms:.0f} ms\n"
    )
    print("| answers | path | median ms | p95 ms | verdicts (eligible/possibly/ineligible) |")
    print("|---|---|---:|---:|---|")
    ok = True
    for label, answers in (("complete", COMPLETE), ("partial", PARTIAL)):

        def run_compiled(answers: dict[str, Any] = answers) -> list[str]:
            facts = prepare_facts(answers, today=TODAY)
            return [trial.verdict(facts) for trial in compiled]

        def run_interpreted(answers: dict[str, Any] = answers) -> list[str]:
            facts = prepare_facts(answers, today=TODAY)
            return [interpreted_verdict(criteria, facts) for criteria in catalog]

        fast, fast_verdicts = time_passes(run_compiled, args.repeats)
        slow, slow_verdicts = time_passes(run_interpreted, args.repeats)
        if fast_verdicts != slow_verdicts:
            print("compiled and interpreted verdicts differ", file=sys.stderr)
            return 1
        counts = "/".join(
            str(fast_verdicts.count(v)) for v in ("eligible", "possibly_eligible", INELIGIBLE)
        )
        for path, timings in (("compiled", fast), ("interpreter", slow)):
            print(
                f"| {label} | {path} | {statistics.median(timings):.1f} | "
                f"{percentile(timings, 0.95):.1f} | {counts} |"
            )
        ratio = statistics.median(slow) / statistics.median(fast)
        print(f"| {label} | interpreter / compiled (medians) | {ratio:.2f}x | | |")
        ok = ok and statistics.median(fast) < TARGET_MS
    print(f"\ncompiled median target < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
