"""Benchmark: one set of answers against 10,000 trials' compiled rules.

Generates a seeded catalog of realistic trials (8 to 12 criteria each, mixing the
CARE-MS shapes: age ranges, yes/no inclusions, EDSS and onset limits, relapse counts,
treatment exclusions, progressive course), then times, in the same run:

- compiled: ``prepare_facts`` once, then ``CompiledTrial.verdict`` for every trial;
- interpreter: the same verdict logic with ``interpret_rule`` walking the JSON.

Then every criterion's status (issue 23, goal 2), for 1k, 10k and 50k trials of that
catalog and of a "real-shaped" one (15 to 25 lines a trial, three in four with no rule,
as the registry's criteria are once split into lines), in the same process:

- current path: ``CompiledTrial.statuses`` for every trial (closures per criterion);
- catalog: ``Catalog.evaluate_facts`` (each distinct rule once, the rest in numpy).

The two give the same statuses and verdicts (checked on every trial where the current
path runs, on a sample against the interpreter elsewhere). The compiled catalog's memory
is measured with tracemalloc; the current path's from its first 1,000 trials. With
``--plot`` the cost curve is written as a PNG (matplotlib, a dev-only requirement).

Run from the project root (plain Python, no Django needed)::

    python bench/bench_rules.py [--trials 10000] [--repeats 21] [--seed 20250615]
        [--sizes 1000,10000,50000] [--baseline-sizes 1000,10000] [--plot docs/rules_cost.png]

Prints markdown tables of median and p95 per pass and the ratios.
The machine may be shared: quote medians and the ratio, not single runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eligibility.engine.catalog import Catalog  # noqa: E402
from eligibility.engine.evaluate import (  # noqa: E402
    INELIGIBLE,
    CompiledTrial,
    CriterionSpec,
    compile_trial,
    criterion_status,
    interpret_criterion,
    interpret_rule,
    interpret_verdict,
    verdict_of,
)
from eligibility.engine.facts import TREATMENT_CODES, prepare_facts  # noqa: E402

TODAY = date(2025, 6, 15)
TARGET_MS = 50.0
#: Issue 23, goal 2: every criterion's status, by trials in the catalog.
STATUS_TARGET_MS = {10_000: 10.0, 50_000: 50.0}
MEMORY_TARGET_MB = 300.0

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


def generate_real_catalog(count: int, seed: int) -> list[list[CriterionSpec]]:
    """``count`` trials shaped as the registry's are once split into lines: 15 to 25
    lines each, three in four with no rule (``not_checked``), the rest as above."""
    rng = random.Random(seed)
    catalog = []
    for _ in range(count):
        specs = []
        for index in range(rng.randint(15, 25)):
            kind, rule = random_criterion(rng)
            if rng.random() < 0.75:
                specs.append(CriterionSpec(index, kind, None, f"line {index}"))
            else:
                specs.append(CriterionSpec(index, kind, rule, f"line {index}"))
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


def verdict_section(args: argparse.Namespace) -> bool:
    """The verdict alone, generated function against the interpreter (issue 5)."""
    catalog = generate_catalog(args.trials, args.seed)
    start = time.perf_counter()
    compiled: list[CompiledTrial] = [compile_trial(c, trial_id=i) for i, c in enumerate(catalog)]
    for trial in compiled:
        trial.verdict({})  # generated on first use: counted in the compile time, as before
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
            raise SystemExit("compiled and interpreted verdicts differ")
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
    return ok


def traced(build: Callable[[], Any]) -> tuple[Any, float, float]:
    """``build()``'s result and the memory it keeps and peaks at, in MB (tracemalloc)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = build()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, (current - before) / 2**20, (peak - before) / 2**20


def compile_today(specs_of: list[list[CriterionSpec]]) -> list[CompiledTrial]:
    """Every trial compiled as before issue 23: closures and the generated verdict function
    (now made on first use), so the current path's compile time and memory are today's."""
    compiled = [compile_trial(specs, trial_id=i) for i, specs in enumerate(specs_of)]
    for trial in compiled:
        trial.verdict({})
    return compiled


def check_statuses(result: Any, specs_of: list[list[CriterionSpec]], facts: Any, step: int) -> None:
    """The catalog's statuses and verdicts equal the interpreter's, on every ``step``-th trial."""
    for index in range(0, len(specs_of), step):
        specs = specs_of[index]
        if result.trial_statuses(index) != [interpret_criterion(s, facts) for s in specs]:
            raise SystemExit(f"catalog statuses differ from the interpreter's on trial {index}")
        if result.verdict(index) != interpret_verdict(specs, facts):
            raise SystemExit(f"catalog verdict differs from the interpreter's on trial {index}")


def statuses_section(args: argparse.Namespace) -> tuple[bool, list[dict[str, Any]]]:
    """Every criterion's status: the current path against the catalog, by catalog size."""
    sizes = [int(n) for n in args.sizes.split(",")]
    baseline_sizes = {int(n) for n in args.baseline_sizes.split(",") if n}
    rows: list[dict[str, Any]] = []
    ok = True
    print("\n## Every criterion's status (issue 23, goal 2)\n")
    print(
        "| catalog | trials | criteria | answers | path | median ms | p95 ms | "
        "current / catalog |\n|---|---:|---:|---|---|---:|---:|---:|"
    )
    notes = []
    for shape, generate in (("bench", generate_catalog), ("real-shaped", generate_real_catalog)):
        per_trial_mb = None
        for size in sizes:
            specs_of = generate(size, args.seed)
            criteria = sum(len(specs) for specs in specs_of)
            start = time.perf_counter()
            catalog = Catalog(specs_of)
            build_ms = (time.perf_counter() - start) * 1000
            _, catalog_mb, catalog_peak = traced(lambda specs_of=specs_of: Catalog(specs_of))
            compiled = None
            compile_ms = None
            if size in baseline_sizes:
                if per_trial_mb is None:
                    sample = specs_of[:1000]
                    _, sample_mb, _ = traced(lambda sample=sample: compile_today(sample))
                    per_trial_mb = sample_mb / len(sample)
                start = time.perf_counter()
                compiled = compile_today(specs_of)
                compile_ms = (time.perf_counter() - start) * 1000
            row = {
                "catalog": shape,
                "trials": size,
                "criteria": criteria,
                "nodes": catalog.node_count,
                "leaves": catalog.leaf_count,
                "build_ms": build_ms,
                "catalog_mb": catalog_mb,
                "catalog_peak_mb": catalog_peak,
                "compile_ms": compile_ms,
                "current_mb": per_trial_mb * size if per_trial_mb is not None else None,
            }
            for label, answers in (("complete", COMPLETE), ("partial", PARTIAL)):

                def run_catalog(answers: dict[str, Any] = answers, catalog: Any = catalog) -> Any:
                    return catalog.evaluate_facts(prepare_facts(answers, today=TODAY))

                fast, result = time_passes(run_catalog, args.repeats)
                facts = prepare_facts(answers, today=TODAY)
                line = (
                    f"| {shape} | {size} | {criteria} | {label} | catalog | "
                    f"{statistics.median(fast):.2f} | {percentile(fast, 0.95):.2f} |"
                )
                row[f"catalog_{label}"] = statistics.median(fast)
                if compiled is not None:

                    def run_current(
                        answers: dict[str, Any] = answers, compiled: Any = compiled
                    ) -> list[list[str]]:
                        facts = prepare_facts(answers, today=TODAY)
                        return [trial.statuses(facts) for trial in compiled]

                    slow, statuses = time_passes(run_current, args.baseline_repeats)
                    for index, trial in enumerate(compiled):
                        if result.trial_statuses(index) != statuses[index] or result.verdict(
                            index
                        ) != trial.verdict(facts):
                            raise SystemExit(f"catalog and current path differ on trial {index}")
                    row[f"current_{label}"] = statistics.median(slow)
                    ratio = statistics.median(slow) / statistics.median(fast)
                    print(
                        f"| {shape} | {size} | {criteria} | {label} | current | "
                        f"{statistics.median(slow):.1f} | {percentile(slow, 0.95):.1f} | |"
                    )
                    print(f"{line} {ratio:.0f}x |")
                else:
                    check_statuses(result, specs_of, facts, 97)
                    print(f"{line} |")
                target = STATUS_TARGET_MS.get(size)
                if target is not None and shape == "bench":
                    ok = ok and statistics.median(fast) < target
            ok = ok and not (size == 50_000 and catalog_mb >= MEMORY_TARGET_MB)
            start = time.perf_counter()
            facts = prepare_facts(PARTIAL, today=TODAY)
            for index in range(20):
                catalog.explain(index, facts)
            explain_ms = (time.perf_counter() - start) * 1000
            notes.append(
                f"| {shape} | {size} | {criteria} | {catalog.node_count} ({catalog.leaf_count}) "
                f"| {build_ms / size * 1000:.0f} | "
                + (f"{compile_ms / size * 1000:.0f}" if compile_ms is not None else "not run")
                + f" | {catalog_mb:.1f} (peak {catalog_peak:.1f}) | "
                + (f"{row['current_mb']:.0f}" if row["current_mb"] is not None else "")
                + f" | {explain_ms:.1f} |"
            )
            rows.append(row)
            del compiled, catalog
    print(
        "\n| catalog | trials | criteria | distinct nodes (leaves) | catalog build us/trial "
        "| current compile us/trial | catalog MB | current MB (1k measured, scaled) "
        "| 20 trials explained ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    print("\n".join(notes))
    targets = ", ".join(f"{n} trials < {ms:.0f} ms" for n, ms in STATUS_TARGET_MS.items())
    print(
        f"\ncatalog targets ({targets}, < {MEMORY_TARGET_MB:.0f} MB at 50k): "
        f"{'met' if ok else 'NOT met'}"
    )
    return ok, rows


def plot(rows: list[dict[str, Any]], path: str) -> None:
    """The cost curve: median ms and compiled MB against trials, both paths, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (times, memory) = plt.subplots(1, 2, figsize=(11, 4.5))
    styles = {"bench": "o", "real-shaped": "s"}
    for shape, marker in styles.items():
        mine = [row for row in rows if row["catalog"] == shape]
        for path_name, colour in (("current", "tab:red"), ("catalog", "tab:blue")):
            for answers, line in (("complete", "-"), ("partial", ":")):
                points = [
                    (row["trials"], row[f"{path_name}_{answers}"])
                    for row in mine
                    if row.get(f"{path_name}_{answers}") is not None
                ]
                if points:
                    times.plot(
                        *zip(*points, strict=True),
                        marker=marker,
                        linestyle=line,
                        color=colour,
                        label=f"{path_name}, {shape}, {answers} answers",
                    )
            key = "current_mb" if path_name == "current" else "catalog_mb"
            points = [(row["trials"], row[key]) for row in mine if row.get(key) is not None]
            if points:
                memory.plot(
                    *zip(*points, strict=True),
                    marker=marker,
                    color=colour,
                    label=f"{path_name}, {shape}",
                )
    times.scatter(
        list(STATUS_TARGET_MS),
        list(STATUS_TARGET_MS.values()),
        marker="_",
        s=400,
        color="k",
        label="targets: " + ", ".join(f"{ms:g} ms at {n:,}" for n, ms in STATUS_TARGET_MS.items()),
    )
    times.set_title("Every criterion's status, one answer set (median ms)")
    memory.axhline(
        MEMORY_TARGET_MB, color="k", linewidth=0.8, label=f"target: {MEMORY_TARGET_MB:g} MB"
    )
    memory.set_title("Compiled form in memory (MB; current path from its first 1k)")
    for axes in (times, memory):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("trials")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7, loc="lower right")
    figure.suptitle("bench/bench_rules.py: current path (closures per criterion) vs Catalog")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"\ncost curve written to {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--seed", type=int, default=20250615)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--baseline-sizes", default="1000,10000")
    parser.add_argument("--baseline-repeats", type=int, default=7)
    parser.add_argument("--plot", default="", help="write the cost curve PNG here")
    parser.add_argument("--skip-verdicts", action="store_true")
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    ok = True
    if not args.skip_verdicts:
        ok = verdict_section(args)
    statuses_ok, rows = statuses_section(args)
    if args.plot:
        plot(rows, args.plot)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok and statuses_ok else 2


if __name__ == "__main__":
    sys.exit(main())
