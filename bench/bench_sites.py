"""Benchmark of the distance queries at registry scale, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_sites.py                # both backends, 300k sites
    .venv/bin/python bench/bench_sites.py --backends sqlite --queries 100

For each backend it builds (or reuses, when the counts match) a database of ``--trials``
recruiting trials and ``--sites`` recruiting sites with ``generate_registry``, then
measures, from random origins (half near population-weighted cities, half uniform on
the globe, poles and oceans included):

* ``sites_nearest_for_condition`` (top 10 sites for "multiple sclerosis");
* ``trials_nearest_for_condition`` (first page of 20 trials, with total);
* ``trial_sites_ranked`` (one trial's full site ranking, the largest trial included);

each against brute force in the same run (every qualifying site read from the
database, ``geodesic`` to each, sorted by (distance, id)), and checks that the
results are identical. Each backend runs in its own process (Django settings are
per process); results print as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDITION = "multiple sclerosis"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_sites"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=200, help="timed origins per query")
    parser.add_argument("--brute", type=int, default=5, help="origins checked by brute force")
    parser.add_argument("--trial-samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sqlite-path", default="/tmp/bench_sites.sqlite3")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.brute = max(1, args.brute)
    if args.child:
        print(json.dumps(run_backend(args)))
        return

    results = {}
    for backend in args.backends.split(","):
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "localhost",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": (
                f"sqlite:///{args.sqlite_path}" if backend == "sqlite" else POSTGRES_URL
            ),
        }
        if backend == "postgres":
            create_postgres_database()
        command = [sys.executable, __file__, *sys.argv[1:], "--child", backend]
        started = time.perf_counter()
        out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"{backend} run failed")
        results[backend] = json.loads(out.stdout.strip().splitlines()[-1])
        results[backend]["wall_s"] = round(time.perf_counter() - started, 1)
    print(report(results, args))


def create_postgres_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_sites'").fetchone():
            c.execute("CREATE DATABASE bench_sites")


# --- inside one backend's process ------------------------------------------------------


def run_backend(args) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from finder.models import Trial
    from sites import index as site_index_module
    from sites import ranking, selectors
    from sites.geocoding import coordinates_place, gazetteer
    from sites.models import Site

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    trials = Trial.objects.filter(overall_status="RECRUITING").count()
    sites = Site.objects.filter(status="RECRUITING").count()
    generated = False
    if (trials, sites) != (args.trials, args.sites) or Trial.objects.count() != args.trials:
        call_command(
            "generate_registry",
            clear=True,
            trials=args.trials,
            sites=args.sites,
            seed=args.seed,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        generated = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after the bulk load
    generate_s = time.perf_counter() - started

    rng = np.random.default_rng(args.seed + 100)
    cities = gazetteer().cities
    weights = np.array([c.population for c in cities], dtype=np.float64)
    origins = []
    for n in range(args.queries):
        if n % 2:
            lat = float(np.degrees(np.arcsin(rng.uniform(-1, 1))))
            lon = float(rng.uniform(-180, 180))
        else:
            city = cities[int(rng.choice(len(cities), p=weights / weights.sum()))]
            lat = float(np.clip(city.latitude + rng.normal(0, 0.2), -90, 90))
            lon = float((city.longitude + rng.normal(0, 0.2) + 180) % 360 - 180)
        origins.append(coordinates_place(lat, lon))

    site_index_module.site_index_invalidate()
    t0 = time.perf_counter()
    index = site_index_module.site_index()
    index_build_s = time.perf_counter() - t0

    def timed(fn, **kwargs):
        t = time.perf_counter()
        result = fn(**kwargs)
        return result, (time.perf_counter() - t) * 1000

    # Warm-up (condition mask, connections), not timed.
    selectors.sites_nearest_for_condition(condition=CONDITION, origin=origins[0])
    selectors.trials_nearest_for_condition(condition=CONDITION, origin=origins[0])

    sites_ms, trials_ms, sites_out, trials_out = [], [], [], []
    for origin in origins:
        found, ms = timed(
            selectors.sites_nearest_for_condition, condition=CONDITION, origin=origin, limit=10
        )
        sites_ms.append(ms)
        sites_out.append([(s.id, s.distance_km) for s in found])
        (rows, total), ms = timed(
            selectors.trials_nearest_for_condition, condition=CONDITION, origin=origin, limit=20
        )
        trials_ms.append(ms)
        trials_out.append(
            ([(r.trial.nct_id, r.nearest_site.id, r.nearest_site.distance_km) for r in rows], total)
        )

    # Brute force: every qualifying site from the database, the exact geodesic to each.
    brute_ms, mismatches = [], 0
    for n in range(min(args.brute, len(origins))):
        origin = origins[n]
        t = time.perf_counter()
        rows = (
            Site.objects.filter(
                trial__condition_search__contains=CONDITION,
                trial__overall_status="RECRUITING",
                status="RECRUITING",
                latitude__isnull=False,
                longitude__isnull=False,
            )
            .order_by()
            .values_list("id", "latitude", "longitude", "trial__nct_id")
        )
        exact = sorted(
            (ranking.geodesic_km(origin.latitude, origin.longitude, lat, lon), pk, nct)
            for pk, lat, lon, nct in rows
        )
        brute_ms.append((time.perf_counter() - t) * 1000)
        nearest: dict[str, tuple[float, int]] = {}
        for km, pk, nct in exact:
            nearest.setdefault(nct, (km, pk))
        expected_trials = sorted((km, nct, pk) for nct, (km, pk) in nearest.items())
        expected_trials_page = [(nct, pk, km) for km, nct, pk in expected_trials[:20]]
        if sites_out[n] != [(pk, km) for km, pk, _ in exact[:10]]:
            mismatches += 1
        if trials_out[n] != (expected_trials_page, len(expected_trials)):
            mismatches += 1

    # One trial's full site ranking, against brute force over that trial's sites.
    sizes = dict(
        Site.objects.values("trial_id").annotate(n=Count("id")).values_list("trial_id", "n")
    )
    largest = max(sizes, key=sizes.get)
    sample = [largest, *rng.choice(list(sizes), size=args.trial_samples - 1, replace=False)]
    trial_ms, trial_brute_ms, trial_sizes = [], [], []
    for k, trial_id in enumerate(sample):
        trial = Trial.objects.get(pk=int(trial_id))
        origin = origins[k % len(origins)]
        ranked, ms = timed(selectors.trial_sites_ranked, trial=trial, origin=origin)
        trial_ms.append(ms)
        t = time.perf_counter()
        expected = sorted(
            (ranking.geodesic_km(origin.latitude, origin.longitude, lat, lon), pk)
            for pk, lat, lon in Site.objects.filter(trial_id=trial.pk)
            .order_by()
            .values_list("id", "latitude", "longitude")
        )
        trial_brute_ms.append((time.perf_counter() - t) * 1000)
        trial_sizes.append(len(expected))
        if [(s.distance_km, s.id) for s in ranked] != expected:
            mismatches += 1

    return {
        "vendor": connection.vendor,
        "generated": generated,
        "generate_s": round(generate_s, 1),
        "index_build_s": round(index_build_s, 2),
        "index_sites": int(len(index.site_ids)),
        "matching_sites": len(rows),
        "trials": Trial.objects.count(),
        "sites": Site.objects.count(),
        "sites_top10_ms": summary(sites_ms),
        "trials_page_ms": summary(trials_ms),
        "brute_ms": summary(brute_ms),
        "brute_origins": len(brute_ms),
        "trial_full_ms": summary(trial_ms),
        "trial_brute_ms": summary(trial_brute_ms),
        "trial_sites_median": statistics.median(trial_sizes),
        "trial_sites_max": max(trial_sizes),
        "checked": len(brute_ms) * 2 + len(sample),
        "mismatches": mismatches,
    }


def summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ms), "median": round(statistics.median(ms), 2), "p95": round(p95, 2)}


QUERIES = (("top-10 sites", "sites_top10_ms"), ("trials page (20)", "trials_page_ms"))


def report(results: dict, args) -> str:
    lines = [
        f"Registry: {args.trials} recruiting trials, {args.sites} recruiting sites; "
        f"{args.queries} random origins; brute force on {args.brute} of them.",
        "",
        "| backend | query | median ms | p95 ms | brute force median ms | speed-up (median) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        brute = r["brute_ms"]["median"]
        for label, key in (
            ("top-10 sites", "sites_top10_ms"),
            ("trials page (20)", "trials_page_ms"),
        ):
            m = r[key]
            lines.append(
                f"| {name} | {label} for '{CONDITION}' | {m['median']} | {m['p95']} | {brute} | "
                f"{brute / m['median']:.0f}x |"
            )
        m, b = r["trial_full_ms"], r["trial_brute_ms"]
        lines.append(
            f"| {name} | one trial's full ranking (median {r['trial_sites_median']} sites, "
            f"max {r['trial_sites_max']}) | {m['median']} | {m['p95']} | {b['median']} | "
            f"{b['median'] / m['median']:.1f}x |"
        )
    lines.append("")
    for name, r in results.items():
        lines.append(
            f"- {name}: {r['sites']} sites / {r['trials']} trials in the database, "
            f"{r['matching_sites']} match the condition; index build {r['index_build_s']} s "
            f"({r['index_sites']} sites); data {'generated' if r['generated'] else 'reused'} "
            f"in {r['generate_s']} s; {r['checked']} results compared with brute force, "
            f"{r['mismatches']} mismatches; run {r['wall_s']} s."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
