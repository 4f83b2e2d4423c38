"""Benchmark: importing ClinicalTrials.gov studies, in batches and study by study.

    nice -n 10 .venv/bin/python bench/bench_import.py [--studies 2000] [--backend sqlite]

The four real MS records of ``tests/data/registry/ms-recruiting-portland-page.json`` are
replicated to ``--studies`` studies (each copy its own NCT id, its sites their own
registry keys). In one process, in turn, into an empty database each time:

- ``per study``: the import as it ran before issue 23, study by study, a transaction
  each (``trial_upsert_from_study`` on every parsed record, what ``studies_import`` did),
  then ``per study, unchanged``: the same studies again (parsed, hashed, compared);
- ``batch``: ``finder.importing.studies_import`` as it runs now (raw hash compared per
  batch before parsing; new trials in bulk, a transaction per batch), then
  ``batch, unchanged``;
- ``batch, no sites``: the same records without their locations, so that the cost of a
  location and the cost of a study can be told apart for the extrapolation;
- ``batch, cold reader``: the criteria reader's cache of lines read cleared before every
  line, as if no two studies shared a line (the replicated records otherwise share all
  of theirs; the registry's share some). The batch path reads a batch's lines in worker
  processes on every core (``eligibility.reader.parallel``; ``READER_PROCESSES=1`` reads
  them here): their CPU is not in this process's CPU column, so quote the wall figures;
- ``batch, no reader``: the reader replaced by one that proposes nothing (every line
  still stored, ``not_checked``), so that the reader's own cost shows beside the warm
  and the cold runs (issue 18).

The copies' eligibility texts differ by trailing whitespace (split into lines study by study,
as distinct registry texts are), their lines are the same.

Geocoding is not queued (every real site has its coordinates). Prints studies/s (wall
and CPU of this process), the batch path's ratio to the per-study path, and the
extrapolation to the whole registry (``--registry-studies`` 550,000 studies,
``--registry-locations`` 5,000,000 locations) from a per-study and a per-location cost.
``--backend postgres`` uses the database ``bench_import`` on 127.0.0.1 (created if
needed; never another).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "tests" / "data" / "registry" / "ms-recruiting-portland-page.json"
MS_TRIALS = ("NCT06441617", "NCT06408259", "NCT06433752", "NCT04047628")


def setup(backend: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "iSwZAOUP7dx7Ol4_Ve1HppNA5trZ7Ee1Mr3WX_FNC30=")
    os.environ["DEBUG"] = "0"
    if backend == "postgres":
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/bench_import"
    else:
        os.environ["DATABASE_URL"] = "sqlite:////tmp/bench_import.sqlite3"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def studies(count: int, *, locations: bool = True) -> list[dict]:
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    originals = [
        s
        for s in page["studies"]
        if s["protocolSection"]["identificationModule"]["nctId"] in MS_TRIALS
    ]
    out = []
    for n in range(count):
        study = copy.deepcopy(originals[n % len(originals)])
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{n:07d}"
        # Each copy's eligibility text its own (trailing whitespace the splitter drops):
        # registry texts are all different, so none is split once for many studies; the
        # lines in them stay shared, as the registry's partly are.
        eligibility = study["protocolSection"]["eligibilityModule"]
        eligibility["eligibilityCriteria"] += "\n" * (n % 50) + " " * (n // 50)
        if not locations:
            study["protocolSection"].get("contactsLocationsModule", {}).pop("locations", None)
        out.append(study)
    return out


def location_count(records: list[dict]) -> int:
    return sum(
        len(r["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))
        for r in records
    )


def raw(records):
    from finder.ctgov import RawStudy

    return [RawStudy(data=r, source="bench", position=i) for i, r in enumerate(records)]


def fresh_database() -> None:
    from django.core.management import call_command

    from eligibility.models import CriterionReview
    from finder.models import Trial

    call_command("migrate", verbosity=0)
    if CriterionReview.objects.exists():
        raise SystemExit("the bench database holds reviews; use a database of its own")
    Trial.objects.all().delete()


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def per_study_import(records) -> None:
    """The import before issue 23: a transaction per study, the study's hash after parsing."""
    from finder.ctgov import parse_raw_study
    from finder.importing import trial_upsert_from_study

    for item in raw(records):
        trial_upsert_from_study(study=parse_raw_study(item))


def batch_import(records) -> None:
    from finder.importing import studies_import

    report = studies_import(raw_studies=raw(records))
    if report.skipped:
        raise SystemExit(f"skipped: {report.skipped[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--studies", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--registry-studies", type=int, default=550_000)
    parser.add_argument("--registry-locations", type=int, default=5_000_000)
    parser.add_argument(
        "--skip-per-study", action="store_true", help="Only the batch path (no baseline)."
    )
    args = parser.parse_args()
    if args.backend == "postgres":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE bench_import"],
            capture_output=True,
            check=False,
        )
    setup(args.backend)

    import finder.importing as importing
    import finder.registry_criteria as registry_criteria
    from eligibility.reader.reader import Reading, clear_cache
    from sites import tasks

    tasks.geocode_sites.delay = lambda *a, **k: None  # every real site has coordinates
    real_read = registry_criteria.read
    real_read_many = importing.read_many

    def cold_read(text, **kwargs):
        clear_cache()
        return real_read(text, **kwargs)

    records = studies(args.studies)
    bare = studies(args.studies, locations=False)
    locations = location_count(records)
    runs: dict[str, tuple[float, float]] = {}
    if not args.skip_per_study:
        fresh_database()
        runs["per study"] = timed(lambda: per_study_import(records))
        runs["per study, unchanged"] = timed(lambda: per_study_import(records))
    fresh_database()
    runs["batch"] = timed(lambda: batch_import(records))
    runs["batch, unchanged"] = timed(lambda: batch_import(records))
    fresh_database()
    runs["batch, no sites"] = timed(lambda: batch_import(bare))
    fresh_database()
    registry_criteria.read = cold_read
    # The batch path reads a batch's lines at once (on every core): every line, each cold.
    importing.read_many = lambda requests: real_read_many(requests, distinct=False)
    try:
        runs["batch, cold reader"] = timed(lambda: batch_import(records))
    finally:
        registry_criteria.read = real_read
        importing.read_many = real_read_many
    fresh_database()
    registry_criteria.read = lambda text, **kwargs: Reading(None, "bench: no reader")
    importing.read_many = lambda requests: [Reading(None, "bench: no reader")] * len(requests)
    try:
        runs["batch, no reader"] = timed(lambda: batch_import(records))
    finally:
        registry_criteria.read = real_read
        importing.read_many = real_read_many
    fresh_database()

    n = args.studies
    load = os.getloadavg()
    print(
        f"{n:,} studies ({locations:,} locations, {locations / n:.1f} a study), "
        f"{args.backend}, {date.today().isoformat()}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print()
    print("| import | studies/s (wall) | studies/s (CPU) | wall s |")
    print("|---|---:|---:|---:|")
    for name, (wall, cpu) in runs.items():
        print(f"| {name} | {n / wall:,.0f} | {n / cpu:,.0f} | {wall:.1f} |")
    print()
    if "per study" in runs:
        for batch, baseline in (
            ("batch", "per study"),
            ("batch, unchanged", "per study, unchanged"),
        ):
            ratio = runs[baseline][0] / runs[batch][0]
            print(f"{batch} / {baseline}: {ratio:.1f}x (wall)")
        print()
    for reader in ("batch", "batch, cold reader"):
        wall = runs["batch, no reader"][0] / runs[reader][0]
        cpu = runs["batch, no reader"][1] / runs[reader][1]
        print(f"{reader} / batch, no reader: {wall:.2f} (wall), {cpu:.2f} (CPU) of the rate")
    print()

    # Time = studies x a study's cost + locations x a location's cost, both from the runs
    # with and without sites (the same studies otherwise); in wall time (what an operator
    # waits, on this machine at this load) and in this process's CPU time (without the
    # database server's, and without the other processes' load).
    regs, regl = args.registry_studies, args.registry_locations
    print(f"| the whole registry ({regs:,} studies, {regl:,} locations), hours | wall | CPU |")
    print("|---|---:|---:|")
    estimates = {
        "first import, lines shared as in the replicated records": [],
        "first import, every line read cold": [],
        "re-import, nothing changed": [],
        "(a study, ms)": [],
        "(a location, ms)": [],
        "(every line read cold, ms a study more)": [],
    }
    for clock in (0, 1):
        study_cost = runs["batch, no sites"][clock] / n
        location_cost = max(runs["batch"][clock] - runs["batch, no sites"][clock], 0.0) / locations
        cold_extra = max(runs["batch, cold reader"][clock] - runs["batch"][clock], 0.0) / n
        first = regs * study_cost + regl * location_cost
        values = (
            first / 3600,
            (first + regs * cold_extra) / 3600,
            regs * runs["batch, unchanged"][clock] / n / 3600,
            study_cost * 1e3,
            location_cost * 1e3,
            cold_extra * 1e3,
        )
        for row, value in zip(estimates.values(), values, strict=True):
            row.append(value)
    for name, (wall, cpu) in estimates.items():
        print(f"| {name} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
