"""Benchmark: importing ClinicalTrials.gov studies, with and without the criteria reader.

    .venv/bin/python bench/bench_import.py [--studies 1000] [--rounds 3] [--backend sqlite]

The four real MS records of ``tests/data/registry/ms-recruiting-portland-page.json`` are
replicated to ``--studies`` studies (each copy its own NCT id, its sites their own
registry keys); every round imports them into an empty database three ways, in the same
process, in turn:

- ``reader``: the import as it runs (``finder.importing.studies_import``): every registered
  line split, read by the criteria reader, stored with its proposal;
- ``no reader``: the same, with the reader replaced by one that proposes nothing (what the
  import cost before the reader);
- ``unchanged``: the same studies imported again (the record hash: nothing written).

Geocoding is not queued (every real site has its coordinates). The report prints the
median studies/s of each over the rounds and the ratio of ``reader`` to ``no reader``
(CPU time of this process and wall time). Run on PostgreSQL with ``--backend postgres``
(database ``bench_import`` on 127.0.0.1, created if needed).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
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


def studies(count: int) -> list[dict]:
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
        out.append(study)
    return out


def raw(records):
    from finder.ctgov import RawStudy

    return [RawStudy(data=r, source="bench", position=i) for i, r in enumerate(records)]


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    from finder.models import Trial

    call_command("migrate", verbosity=0)
    with connection.cursor():
        pass
    from eligibility.models import CriterionReview

    if CriterionReview.objects.exists():
        raise SystemExit("the bench database holds reviews; use a database of its own")
    Trial.objects.all().delete()


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.backend == "postgres":
        import subprocess

        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE bench_import"],
            capture_output=True,
            check=False,
        )
    setup(args.backend)

    import finder.registry_criteria as registry_criteria
    from eligibility.reader import Reading
    from finder.importing import studies_import
    from sites import tasks

    tasks.geocode_sites.delay = lambda *a, **k: None  # every real site has coordinates
    real_read = registry_criteria.read

    def no_reader(text, **kwargs):
        return Reading(None, "")

    records = studies(args.studies)
    results: dict[str, list[tuple[float, float]]] = {"reader": [], "no reader": [], "unchanged": []}
    for _ in range(args.rounds):
        for variant in ("reader", "no reader"):
            fresh_database()
            registry_criteria.read = real_read if variant == "reader" else no_reader
            results[variant].append(timed(lambda: studies_import(raw_studies=raw(records))))
        registry_criteria.read = real_read
        results["unchanged"].append(timed(lambda: studies_import(raw_studies=raw(records))))

    print(f"{args.studies} studies, {args.rounds} rounds, {args.backend}")
    print("| import | studies/s (wall, median) | studies/s (CPU, median) |")
    print("|---|---:|---:|")
    rates = {}
    for variant, runs in results.items():
        wall = statistics.median(args.studies / w for w, _ in runs)
        cpu = statistics.median(args.studies / c for _, c in runs)
        rates[variant] = (wall, cpu)
        print(f"| {variant} | {wall:,.0f} | {cpu:,.0f} |")
    ratio_wall = rates["reader"][0] / rates["no reader"][0]
    ratio_cpu = rates["reader"][1] / rates["no reader"][1]
    print(f"reader / no reader: {ratio_wall:.2f} (wall), {ratio_cpu:.2f} (CPU)")


if __name__ == "__main__":
    main()
