"""Benchmark: the criteria reader over 1,000 trials' eligibility texts.

The 41 registry texts of ``tests/data/registry`` are split once into criterion lines
(``finder.criteria_lines``, not timed) and replicated to the number of trials asked for;
every line is then read with :func:`eligibility.reader.read`, in the same run:

- cold: the reader's cache of lines already read is cleared before every trial, so each
  line is read from scratch (what importing new studies costs);
- warm: the cache kept across trials (what re-syncing unchanged studies costs: the same
  text is read once).

Each pass is repeated; the report gives the median and the fastest and slowest runs, in
lines per second and in milliseconds per trial, of CPU time (``time.process_time``: the
reader is single-threaded, and CPU time is what a shared machine does not inflate) and,
for reference, of wall-clock time. Quote the CPU medians.

Run from the project root (plain Python, no Django needed)::

    python bench/bench_reader.py [--trials 1000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eligibility.reader import read  # noqa: E402
from eligibility.reader.reader import clear_cache  # noqa: E402
from finder.criteria_lines import split_criteria  # noqa: E402

REGISTRY = ROOT / "tests" / "data" / "registry"


def registry_trials() -> list[tuple[list, list[str]]]:
    """Each registry text as (its criterion lines, its registered conditions)."""
    trials = []
    page = json.loads((REGISTRY / "ms-recruiting-portland-page.json").read_text(encoding="utf-8"))
    for study in page["studies"]:
        protocol = study["protocolSection"]
        text = protocol["eligibilityModule"]["eligibilityCriteria"]
        trials.append((split_criteria(text).lines, protocol["conditionsModule"]["conditions"]))
    with (REGISTRY / "ms-criteria-older-trials.csv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            lines = split_criteria(row["criteria"]).lines
            trials.append((lines, ast.literal_eval(row["diseases"])))
    return trials


def read_all(trials, *, cold: bool) -> tuple[float, float, int, int]:
    """CPU and wall-clock seconds to read every line of every trial, lines, proposals."""
    clear_cache()
    lines = proposals = 0
    started, wall = time.process_time(), time.perf_counter()
    for trial_lines, conditions in trials:
        if cold:
            clear_cache()
        for line in trial_lines:
            reading = read(
                line.text,
                kind=line.kind,
                heading=line.heading,
                items=line.items,
                conditions=conditions,
            )
            lines += 1
            proposals += reading.proposal is not None
    return time.process_time() - started, time.perf_counter() - wall, lines, proposals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    base = registry_trials()
    trials = [base[i % len(base)] for i in range(args.trials)]
    print(
        f"Criteria reader: {args.trials} trials (the {len(base)} registry texts replicated), "
        f"{args.repeats} runs per pass\n"
    )
    print(
        "| pass | lines | proposals | CPU s (median) | lines/CPU s | CPU ms/trial "
        "| CPU s fastest-slowest | wall s (median) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, cold in (("cold (cache cleared per trial)", True), ("warm (cache kept)", False)):
        cpu, wall = [], []
        for _ in range(args.repeats):
            seconds, elapsed, lines, proposals = read_all(trials, cold=cold)
            cpu.append(seconds)
            wall.append(elapsed)
        median = statistics.median(cpu)
        print(
            f"| {name} | {lines} | {proposals} | {median:.3f} | {lines / median:,.0f} | "
            f"{1000 * median / len(trials):.2f} | {min(cpu):.3f}-{max(cpu):.3f} | "
            f"{statistics.median(wall):.3f} |"
        )


if __name__ == "__main__":
    main()
