#!/usr/bin/env python3
"""The patient pages at registry scale: the search page and the trial page, in process
and under gunicorn beside the sites API (issue 23, goal 3).

    nice -n 10 .venv/bin/python bench/bench_pages.py            # 300k sites, 3 rounds of 5 s
    nice -n 10 .venv/bin/python bench/bench_pages.py --rounds 5 --duration 6 --requests 200

What it does, on resources of its own:

1. builds the PostgreSQL database ``bench_pages`` (kept between runs, rebuilt only when
   its synthetic trial and site counts differ from ``--trials`` and ``--sites``): the
   demo catalog (CARE-MS II, 191 sites) and ``generate_registry`` (20,000 trials and
   300,000 sites, 70% of them for multiple sclerosis);
2. in a child process (Django's test ``Client``, the whole middleware stack, settings as
   in production with ``DEBUG`` off), times ``--requests`` requests of each page below,
   each from a new visitor (no cookies), and reports the median, the 95th percentile, the
   size of the page, its database queries and whether it left a session row; then the
   two trial pages cold, their cached fragments and per-process data dropped before
   each request (the first visitor after a change to the trial);
3. starts gunicorn as ``bench/bench_api.py`` does (2 workers, gthread, 4 threads each)
   and runs wrk at ``--clients`` connections against each page and the sites API
   (anonymous), taking turns round after round; each page's requests/s is given as a
   ratio to the sites API's in the same round (median of the per-round ratios).

The pages, the place taken in turn from 2,000 US ZIP codes of the offline gazetteer:

* ``search``: ``/trials/?condition=multiple+sclerosis`` (no place: about 14,000 trials,
  1,400 pages; the visitor gets no session);
* ``search-place``: the same with ``&location=<ZIP>`` (ranked by the nearest clinic; the
  place is kept in a new session, as for a patient typing it);
* ``trial``: ``/trials/NCT00548405/`` (191 sites, by country and city; no session);
* ``trial-place``: the same with ``?location=<ZIP>`` (nearest first; a new session);
* ``sites-api``: ``/api/v1/trials/NCT00548405/sites/?postal_code=<ZIP>&country=US&limit=10``.

Results print as Markdown and go to ``bench/results/pages-<timestamp>.json``.
"""

# ruff: noqa: S603, S607  (fixed command lines)

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_api  # noqa: E402

TRIAL = "NCT00548405"
PAGES = {
    "search": "/trials/?condition=multiple+sclerosis",
    "search-place": "/trials/?condition=multiple+sclerosis&location={zip}",
    "trial": f"/trials/{TRIAL}/",
    "trial-place": f"/trials/{TRIAL}/?location={{zip}}",
    "sites-api": f"/api/v1/trials/{TRIAL}/sites/?postal_code={{zip}}&country=US&limit=10",
}
ZIP_CODES = 2000


def environment(args) -> dict[str, str]:
    return {
        **bench_api.environment(args),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def database_ready(env: dict[str, str], args) -> bool:
    code = (
        "from finder.models import Trial; from sites.models import Site; "
        "print(Trial.objects.filter(nct_id__startswith='NCT8').count(), "
        "Site.objects.filter(trial__nct_id__startswith='NCT8').count(), "
        f"Trial.objects.filter(nct_id='{TRIAL}').count())"
    )
    counts = bench_api.manage(env, "shell", "--verbosity", "0", "-c", code).split()
    return counts == [str(args.trials), str(args.sites), "1"]


def build_database(env: dict[str, str], args) -> float:
    """Create, migrate and fill ``bench_pages`` unless it already holds the registry."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        exists = db.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)
        ).fetchone()
        if not exists:
            db.execute(f'CREATE DATABASE "{args.database}"')
    bench_api.manage(env, "migrate", "--noinput")
    if not database_ready(env, args):
        print(f"building {args.trials} trials and {args.sites} sites…", flush=True)
        bench_api.manage(env, "load_demo_catalog")
        bench_api.manage(
            env, "generate_registry", "--clear", f"--trials={args.trials}", f"--sites={args.sites}"
        )
    return time.perf_counter() - started


# --- in process ----------------------------------------------------------------------


class QueryCount:
    """A database execute wrapper counting the queries it lets through."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def in_process(args) -> dict:
    """Each page timed through Django's test client; one JSON line on stdout."""
    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test import Client

    from sites.index import site_index

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Session.objects.all().delete()
    t0 = time.perf_counter()
    site_index()
    index_s = time.perf_counter() - t0
    zips = json.loads(os.environ["BENCH_ZIPS"])
    results = {"index_build_s": round(index_s, 2)}
    for name, template in PAGES.items():
        urls = [template.format(zip=z) for z in zips[: args.requests]]
        # One client (it loads the middleware once), its cookies cleared before each request.
        client = Client()
        for url in urls[:5]:  # warm-up: templates, the condition's selection
            client.get(url)
            client.cookies.clear()
        queries = QueryCount()
        with connection.execute_wrapper(queries):
            response = client.get(urls[0])
        assert response.status_code == 200, (url, response.status_code)
        sessions_before = Session.objects.count()
        times = []
        for url in urls:
            client.cookies.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        results[name] = {
            "requests": len(times),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            "bytes": len(response.content),
            "queries": queries.count,
            "sessions_per_request": round(
                (Session.objects.count() - sessions_before) / len(times), 2
            ),
        }
    results["cold"] = cold_trial_pages(args, zips)
    return results


def cold_trial_pages(args, zips: list[str]) -> dict:
    """The trial pages as the first visitor after a change sees them: before each request
    the page's cached fragments (``template.cache.trial_page*`` in the bench's own Redis
    database) and its per-process data (``finder.selectors``) are dropped."""
    from django.core.cache import cache
    from django.test import Client

    from finder import selectors

    redis = cache._cache.get_client()  # the bench's database, nothing else uses it
    client = Client()
    out = {}
    for name in ("trial", "trial-place"):
        times = []
        for z in zips[: min(args.requests, 50)]:
            for key in redis.scan_iter("*template.cache.trial_page*"):
                redis.delete(key)
            with selectors._page_data_lock:
                selectors._page_data.clear()
                selectors._page_data_weight = 0
            client.cookies.clear()
            started = time.perf_counter()
            response = client.get(PAGES[name].format(zip=z))
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        out[name] = round(statistics.median(times), 2)
    return out


# --- under gunicorn ------------------------------------------------------------------


def under_load(args, env: dict[str, str], zips: list[str]) -> list[dict]:
    server = bench_api.start_gunicorn(args, env)
    base = f"http://127.0.0.1:{args.port}"
    runs = []
    try:
        for template in PAGES.values():  # every worker builds its site index first
            for z in zips[:20]:
                urllib.request.urlopen(base + template.format(zip=z), timeout=120).read()
        with tempfile.TemporaryDirectory() as directory:
            scripts = {
                # bench_api's scripts name the template by the variant's first word.
                name: bench_api.wrk_script(
                    {name.split("-")[0]: template, "body": None},
                    name,
                    zips,
                    Path(directory) / f"{name}.lua",
                )
                for name, template in PAGES.items()
            }
            for round_ in range(args.rounds):
                speed = bench_api.machine_speed_ms()
                for name in PAGES:
                    figures = bench_api.measure(
                        server,
                        base,
                        clients=args.clients,
                        duration=args.duration,
                        threads=args.wrk_threads,
                        script=scripts[name],
                        key=None,
                    )
                    figures.update(page=name, round=round_, machine_speed_ms=speed)
                    runs.append(figures)
                    print(
                        f"{name:12} round {round_}: {figures['requests_per_s']:7.1f} req/s  "
                        f"p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms",
                        flush=True,
                    )
    finally:
        bench_api.stop(server)
    return runs


def summarise(runs: list[dict]) -> list[dict]:
    api = [r for r in runs if r["page"] == "sites-api"]
    summary = []
    for name in PAGES:
        mine = [r for r in runs if r["page"] == name]
        ratios = [r["requests_per_s"] / a["requests_per_s"] for r, a in zip(mine, api, strict=True)]
        summary.append(
            {
                "page": name,
                "requests_per_s": statistics.median(r["requests_per_s"] for r in mine),
                "requests_per_s_min": min(r["requests_per_s"] for r in mine),
                "requests_per_s_max": max(r["requests_per_s"] for r in mine),
                "ratio_to_sites_api": statistics.median(ratios),
                "p50_ms": statistics.median(r["p50_ms"] for r in mine),
                "p99_ms": statistics.median(r["p99_ms"] for r in mine),
                "cpu_web_ms": statistics.median(r["cpu_ms_per_request"]["web"] for r in mine),
                "cpu_postgres_ms": statistics.median(
                    r["cpu_ms_per_request"]["postgres"] for r in mine
                ),
                "non_2xx": sum(r["non_2xx"] for r in mine),
            }
        )
    return summary


def report(in_proc: dict, summary: list[dict], args, machine: dict) -> str:
    lines = [
        f"{args.trials:,} trials, {args.sites:,} synthetic sites (+ the demo catalog); "
        f"{machine['cpus']} CPUs; load average at the start "
        f"{' / '.join(f'{x:.1f}' for x in machine['load_average_start'])}, at the end "
        f"{' / '.join(f'{x:.1f}' for x in machine['load_average_end'])}; speed probe median "
        f"{machine['speed_probe_median_ms']:.0f} ms.",
        "",
        f"In process (test Client, a new visitor each request, {args.requests} requests; "
        f"site index built in {in_proc['index_build_s']} s):",
        "",
        "| page | median (ms) | p95 (ms) | size (KB) | queries | sessions per request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in PAGES:
        r = in_proc[name]
        lines.append(
            f"| {name} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['bytes'] / 1024:.0f} "
            f"| {r['queries']} | {r['sessions_per_request']} |"
        )
    if "cold" in in_proc:
        lines += [
            "",
            "Trial pages cold (their cached fragments and data dropped before each request), "
            f"median: trial {in_proc['cold']['trial']:.1f} ms, trial-place "
            f"{in_proc['cold']['trial-place']:.1f} ms.",
        ]
    lines += [
        "",
        f"gunicorn (2 workers × 4 threads), wrk {args.clients} connections, {args.rounds} rounds "
        f"of {args.duration} s; medians over the rounds; ratio: req/s over the sites API's in "
        "the same round:",
        "",
        "| page | req/s (min-max) | ratio to sites API | p50 (ms) | p99 (ms) "
        "| CPU web / pg (ms/request) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in summary:
        lines.append(
            f"| {r['page']} | {r['requests_per_s']:.0f} ({r['requests_per_s_min']:.0f}-"
            f"{r['requests_per_s_max']:.0f}) | {r['ratio_to_sites_api']:.2f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['cpu_web_ms']:.2f} / {r['cpu_postgres_ms']:.2f} |"
        )
    pages = [name for name in PAGES if name != "sites-api"]
    fast = all(in_proc[name]["median_ms"] < 25 for name in pages)
    ratios = [r["ratio_to_sites_api"] for r in summary if r["page"] in pages]
    half = bool(ratios) and min(ratios) >= 0.5
    lines += [
        "",
        f"goal 3: in-process median under 25 ms: {'met' if fast else 'NOT met'}; "
        f"req/s at least half the sites API's: {'met' if half else 'NOT met'}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=100, help="in process, per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--database", default="bench_pages")
    parser.add_argument("--redis-db", type=int, default=8)
    parser.add_argument("--skip-load", action="store_true", help="in process only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(in_process(args)))
        return

    env = environment(args)
    load_start = os.getloadavg()
    build_s = build_database(env, args)
    zips = bench_api.zip_codes(env, ZIP_CODES)
    child = subprocess.run(
        [sys.executable, __file__, *sys.argv[1:], "--child"],
        cwd=ROOT,
        env={**env, "BENCH_ZIPS": json.dumps(zips)},
        capture_output=True,
        text=True,
    )
    if child.returncode:
        sys.exit(f"in-process run failed:\n{child.stderr}")
    in_proc = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps({"in_process": in_proc}), flush=True)  # kept if the load part fails
    runs = [] if args.skip_load else under_load(args, env, zips)
    summary = summarise(runs) if runs else []
    speeds = [r["machine_speed_ms"] for r in runs] or [bench_api.machine_speed_ms()]
    machine = {
        "cpus": os.cpu_count(),
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
        "speed_probe_median_ms": statistics.median(speeds),
        "database_ready_s": round(build_s, 1),
    }
    out = ROOT / "bench" / "results" / f"pages-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"args": vars(args), "machine": machine, "in_process": in_proc, "summary": summary}
    out.write_text(json.dumps(record | {"runs": runs}, indent=2))
    print(f"\nWritten to {out.relative_to(ROOT)}\n")
    print(report(in_proc, summary, args, machine))
    if any(r["non_2xx"] or r["socket_errors"] for r in runs):
        sys.exit("some requests failed (see non_2xx / socket_errors)")


if __name__ == "__main__":
    main()
