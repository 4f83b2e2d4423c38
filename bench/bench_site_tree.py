"""Nearest recruiting sites at registry scale: the service's KD-tree search against a bare
KD-tree reference, the linear pass it replaced and brute force (issue 23, goal 1).

    nice -n 10 .venv/bin/python bench/bench_site_tree.py
    nice -n 10 .venv/bin/python bench/bench_site_tree.py --sizes 30000,100000 --queries 50
    .venv/bin/python bench/bench_site_tree.py --db-sites 1000000 \
        --db-url postgres://postgres@127.0.0.1:5432/bench_site_tree

For each size (default 30k, 100k, 300k and 1M located sites, 70 % of trials for
"Multiple Sclerosis", about 15 sites a trial) it builds a ``SiteIndex`` **in memory**
from synthetic sites placed the way ``generate_registry`` places them (real cities by
population, a third on the city's centroid exactly, as gazetteer-geocoded sites are, so
there are stacks of identical coordinates and ties by id), without a database: a
million-site SQLite database takes longer to generate than the whole run should. Then,
in one process, from the same random origins (half near population-weighted cities,
half uniform on the globe, poles and oceans included), it times:

* **service**: ``SiteIndex.nearest_sites`` for the top 10 (what
  ``sites_nearest_for_condition`` runs before it reads the 10 rows), selection lookup
  included;
* **reference**: a bare ``scipy.spatial.cKDTree`` over the same sites with the same exact
  refinement (the 18 nearest by chord; unless the lower bound of the last one's chord
  exceeds the 10th exact distance, a ball query for every site within reach of it),
  written here again, apart from the service's code;
* **scan (before)**: the linear chord pass over every site the service used before;
* **brute force**: the geodesic to every site of the condition, sorted by (distance, id);
* the **trials page** (20 trials by nearest site, ``SiteIndex.nearest_trials``) with the
  tree and with the full pass, and the trials within 50 km (ball query vs full pass).

Every origin's answers are compared: service, reference and scan for all of them, brute
force for ``--brute`` of them; any difference is a mismatch and the run says so.

Then the whole service: a child process generates a registry of ``--db-sites`` sites
with ``generate_registry`` in SQLite, or in the PostgreSQL database ``--db-url`` names
(reused when it matches), and times
``sites_nearest_for_condition`` itself (index version check and the rows read from the
database included) against the in-memory search on the same origins.

Memory per worker: with the largest index built and its tree warmed, the process forks
``--workers`` workers (as gunicorn does after ``preload_app``); each answers queries and
reports its RSS and PSS from ``/proc/self/smaps_rollup``. For comparison, as many
workers that each build their own index (gunicorn without preload) report theirs.

It prints Markdown (and writes it to ``--out``) and draws ``--plot``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONDITION = "multiple sclerosis"
LIMIT = 10
PAGE = 20
RADIUS_KM = 50.0
ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "localhost",
    "LOG_LEVEL": "WARNING",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="30000,100000,300000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="timed origins per size")
    parser.add_argument("--brute", type=int, default=10, help="origins checked by brute force")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db-sites", type=int, default=30_000, help="0: skip the DB run")
    parser.add_argument("--sqlite-path", default="/tmp/bench_site_tree.sqlite3")
    parser.add_argument(
        "--db-url",
        default="",
        help="the service run's database instead of --sqlite-path, e.g. "
        "postgres://postgres@127.0.0.1:5432/bench_site_tree (created if needed; never another)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", default=str(ROOT / "docs" / "site_search_cost.png"))
    parser.add_argument("--out", default="", help="also write the Markdown here")
    parser.add_argument("--db-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    if args.db_child:
        print(json.dumps(run_database(args)))
        return

    load_start = os.getloadavg()
    started = time.perf_counter()
    setup_django(database=f"sqlite:///{args.sqlite_path}")
    sizes = [int(s) for s in args.sizes.split(",")]
    results, largest = [], {}
    for n in sizes:
        result, index = run_size(n, args)
        results.append(result)
        print(f"{n} sites: done", file=sys.stderr)
        if n == max(sizes):
            largest["index"] = index
        del index
        gc.collect()
    memory = measure_workers(largest, args)
    database = run_database_child(args) if args.db_sites else None
    load_end = os.getloadavg()
    text = report(
        results, memory, database, args, load_start, load_end, time.perf_counter() - started
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if args.plot:
        plot(results, args.plot)


def setup_django(*, database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- synthetic registry, in memory -------------------------------------------------------


def synthetic_index(n_sites: int, seed: int):
    """A SiteIndex of ``n_sites`` located sites, placed as ``generate_registry`` does."""
    import numpy as np

    from finder.models import OverallStatus, build_condition_search
    from sites.geocoding import gazetteer
    from sites.index import site_index_from_arrays
    from sites.management.commands.generate_registry import (
        CITY_SIZE_EXPONENT,
        JITTER_KM,
        KM_PER_DEGREE,
        OTHER_CONDITIONS,
        TRIAL_HEAVY_COUNTRIES,
    )
    from sites.models import SiteStatus

    rng = np.random.default_rng(seed)
    cities = gazetteer().cities
    weights = np.array(
        [
            c.population**CITY_SIZE_EXPONENT * TRIAL_HEAVY_COUNTRIES.get(c.country_code, 1.0)
            for c in cities
        ]
    )
    city_lat = np.array([c.latitude for c in cities])
    city_lon = np.array([c.longitude for c in cities])
    n_trials = max(20, n_sites // 15)
    conditions = [
        ["Multiple Sclerosis"]
        if rng.random() < 0.7
        else OTHER_CONDITIONS[int(rng.integers(len(OTHER_CONDITIONS)))]
        for _ in range(n_trials)
    ]
    per_trial = rng.lognormal(0.0, 1.2, size=n_trials)
    site_trial = rng.choice(n_trials, size=n_sites, p=per_trial / per_trial.sum())
    site_trial[:n_trials] = np.arange(n_trials)
    city = rng.choice(len(cities), size=n_sites, p=weights / weights.sum())
    jitter = rng.normal(0.0, JITTER_KM / KM_PER_DEGREE, size=(n_sites, 2))
    jitter[rng.random(n_sites) < 1 / 3] = 0.0  # on the centroid: stacks, ties by id
    lat = np.clip(city_lat[city] + jitter[:, 0], -90.0, 90.0)
    stretch = 1.0 / np.maximum(np.cos(np.radians(lat)), 0.01)
    lon = (city_lon[city] + jitter[:, 1] * stretch + 180.0) % 360.0 - 180.0
    status_codes = {
        value: code
        for code, value in enumerate(sorted({*SiteStatus.values, *OverallStatus.values}))
    }
    recruiting = status_codes[SiteStatus.RECRUITING]
    site_status = np.where(
        rng.random(n_sites) < 0.95, recruiting, status_codes[SiteStatus.COMPLETED]
    )
    return site_index_from_arrays(
        version="bench",
        fingerprint=(),
        trial_ids=np.arange(1, n_trials + 1, dtype=np.int64),
        trial_status=np.full(n_trials, recruiting, dtype=np.int16),
        trial_conditions=[build_condition_search(c, []) for c in conditions],
        site_ids=rng.permutation(n_sites).astype(np.int64) + 1,
        site_trial=site_trial.astype(np.int32),
        site_status=site_status.astype(np.int16),
        latitudes=np.round(lat, 6),
        longitudes=np.round(lon, 6),
        status_codes=status_codes,
    )


def random_origins(count: int, seed: int) -> list[tuple[float, float]]:
    import numpy as np

    from sites.geocoding import gazetteer

    rng = np.random.default_rng(seed + 100)
    cities = gazetteer().cities
    weights = np.array([c.population for c in cities], dtype=np.float64)
    origins = []
    for n in range(count):
        if n % 2:
            origins.append(
                (float(np.degrees(np.arcsin(rng.uniform(-1, 1)))), float(rng.uniform(-180, 180)))
            )
        else:
            c = cities[int(rng.choice(len(cities), p=weights / weights.sum()))]
            lat = float(np.clip(c.latitude + rng.normal(0, 0.2), -90, 90))
            lon = float((c.longitude + rng.normal(0, 0.2) + 180) % 360 - 180)
            origins.append((lat, lon))
    return origins


# --- one size ----------------------------------------------------------------------------


def reference_top_k(tree, positions, index, origin, limit):
    """A bare cKDTree with the service's exact refinement, written out again: the k
    nearest by chord, then, unless the last chord read is provably farther than the
    limit-th exact distance, every point within reach of that distance (a ball)."""
    import math

    import numpy as np

    from sites import ranking

    q = ranking.origin_vector(origin)
    dist, found = tree.query(q, k=limit + 8)
    points = positions[found]
    km = ranking.geodesic_km_from(origin, index.latitudes[points], index.longitudes[points])
    kth = float(np.partition(km, limit - 1)[limit - 1])
    if not ranking.distance_bounds_km(dist[-1] ** 2)[0] > kth:
        radius = math.sqrt(ranking.chord2_reaching(kth)) * (1 + 1e-6) + 1e-12
        points = positions[np.asarray(tree.query_ball_point(q, radius), dtype=np.int64)]
        km = ranking.geodesic_km_from(origin, index.latitudes[points], index.longitudes[points])
    order = np.lexsort((index.site_ids[points], km))[:limit]
    return [(int(points[j]), float(km[j])) for j in order]


def scan_top_k(index, positions, origin, limit):
    """The linear pass the service ran before (one chord over every site)."""
    from sites import ranking

    c2 = ranking.chord2(ranking.origin_vector(origin), index.xyz)[positions]
    ranked = ranking.rank_points(
        origin=origin,
        ids=index.site_ids[positions],
        latitudes=index.latitudes[positions],
        longitudes=index.longitudes[positions],
        c2=c2,
        limit=limit,
    )
    return [(int(positions[r.position]), r.distance_km) for r in ranked]


def brute_top_k(index, positions, origin, limit):
    import numpy as np

    from sites import ranking

    km = ranking.geodesic_km_from(origin, index.latitudes[positions], index.longitudes[positions])
    order = np.lexsort((index.site_ids[positions], km))
    top = [(int(positions[j]), float(km[j])) for j in order[:limit]]
    nearest: dict[int, tuple[float, int]] = {}
    for j in order:
        nearest.setdefault(int(index.site_trial[positions[j]]), (float(km[j]), int(positions[j])))
    trials = sorted((d, int(index.trial_nct_rank[g]), g, p) for g, (d, p) in nearest.items())
    return top, [(g, p, d) for d, _, g, p in trials[:PAGE]], len(trials)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1000


def run_size(n_sites: int, args):
    import numpy as np
    from scipy.spatial import cKDTree

    from sites.selectors import RECRUITING_SITE_STATUSES

    t0 = time.perf_counter()
    index = synthetic_index(n_sites, args.seed)
    build_s = time.perf_counter() - t0
    selection, select_ms = timed(
        index.select, condition=CONDITION, statuses=RECRUITING_SITE_STATUSES
    )
    _, tree_ms = timed(index.tree, selection)
    positions = selection.positions
    reference_tree, reference_build_ms = timed(
        cKDTree, np.ascontiguousarray(index.xyz[:, positions].T)
    )
    origins = random_origins(args.queries, args.seed)

    def service(origin):
        chosen = index.select(condition=CONDITION, statuses=RECRUITING_SITE_STATUSES)
        ranked = index.nearest_sites(chosen, origin=origin, limit=LIMIT)
        return [(r.position, r.distance_km) for r in ranked]

    def trials(origin, *, use_tree, radius_km=None):
        chosen = index.select(condition=CONDITION, statuses=RECRUITING_SITE_STATUSES)
        page, total = index.nearest_trials(
            chosen, origin=origin, offset=0, limit=PAGE, radius_km=radius_km, use_tree=use_tree
        )
        return [(r.group, r.position, r.distance_km) for r in page], total

    service(origins[0])  # warm-up, not timed
    times = {key: [] for key in ("service", "reference", "scan", "trials_tree", "trials_full")}
    times.update(radius_tree=[], radius_full=[], brute=[])
    mismatches = checked = 0
    for k, origin in enumerate(origins):
        # Service and reference take turns going first: the second to run on an origin
        # finds the same sites' coordinates in the CPU cache, which the full passes of
        # the previous origin evicted; at a million sites that alone was worth 2-3x.
        if k % 2:
            ref, ms_ref = timed(reference_top_k, reference_tree, positions, index, origin, LIMIT)
            got, ms_service = timed(service, origin)
        else:
            got, ms_service = timed(service, origin)
            ref, ms_ref = timed(reference_top_k, reference_tree, positions, index, origin, LIMIT)
        times["service"].append(ms_service)
        times["reference"].append(ms_ref)
        before, ms = timed(scan_top_k, index, positions, origin, LIMIT)
        times["scan"].append(ms)
        page_tree, ms = timed(trials, origin, use_tree=True)
        times["trials_tree"].append(ms)
        page_full, ms = timed(trials, origin, use_tree=False)
        times["trials_full"].append(ms)
        near_tree, ms = timed(trials, origin, use_tree=True, radius_km=RADIUS_KM)
        times["radius_tree"].append(ms)
        near_full, ms = timed(trials, origin, use_tree=False, radius_km=RADIUS_KM)
        times["radius_full"].append(ms)
        checked += 3
        mismatches += (got != ref) + (got != before) + (page_tree != page_full)
        mismatches += near_tree != near_full
        checked += 1
        if k < args.brute:
            (top, page, total), ms = timed(brute_top_k, index, positions, origin, LIMIT)
            times["brute"].append(ms)
            mismatches += (got != top) + (page_tree != (page, total))
            checked += 2
    result = {
        "sites": n_sites,
        "matching": len(positions),
        "trials": len(index.trial_ids),
        "index_build_s": round(build_s, 2),
        "select_ms": round(select_ms, 1),
        "tree_build_ms": round(tree_ms, 1),
        "reference_build_ms": round(reference_build_ms, 1),
        "index_mb": round(index_bytes(index) / 2**20, 1),
        "tree_mb": round(tree_bytes(selection.tree) / 2**20, 1),
        "checked": checked,
        "mismatches": mismatches,
        "brute_origins": len(times["brute"]),
        **{key: summary(values) for key, values in times.items()},
    }
    return result, index


def index_bytes(index) -> int:
    import numpy as np

    return sum(v.nbytes for v in vars(index).values() if isinstance(v, np.ndarray))


def tree_bytes(tree) -> int:
    """The tree's arrays: its points, their order, and its nodes (``size`` of them)."""
    if tree is None:
        return 0
    return tree.data.nbytes + tree.indices.nbytes + tree.size * 72


def summary(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0, "median": None, "p95": None}
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ms), "median": round(statistics.median(ms), 3), "p95": round(p95, 3)}


# --- memory per worker -------------------------------------------------------------------


def smaps() -> dict:
    fields = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1].isdigit():
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {
        "rss": round(fields["Rss"], 1),
        "pss": round(fields["Pss"], 1),
        "uss": round(private, 1),
    }


def measure_workers(holder: dict, args) -> dict:
    """Fork workers after the index and tree are built (preload) and with each building
    its own (no preload); each answers queries, then reports its memory. ``holder``
    holds the only reference to the built index, dropped before the second round."""
    shared = [holder.pop("index")]
    from sites.selectors import RECRUITING_SITE_STATUSES

    origins = random_origins(50, args.seed + 7)

    def work(own_index):
        current = own_index() if own_index else shared[0]
        chosen = current.select(condition=CONDITION, statuses=RECRUITING_SITE_STATUSES)
        current.tree(chosen)
        for origin in origins:
            current.nearest_sites(chosen, origin=origin, limit=LIMIT)
            current.nearest_trials(chosen, origin=origin, offset=0, limit=PAGE, radius_km=None)
        return smaps()

    def fork_workers(own_index) -> list[dict]:
        """Fork the workers; each measures itself only once all have done their queries,
        and none exits before all have measured, so PSS shares pages among all of them."""
        children = []
        for _ in range(args.workers):
            up_read, up_write = os.pipe()
            down_read, down_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(up_read)
                os.close(down_write)
                work(own_index)
                os.write(up_write, b"ready\n")
                os.read(down_read, 1)  # everyone has done their queries
                os.write(up_write, (json.dumps(smaps()) + "\n").encode())
                os.read(down_read, 1)  # everyone has measured
                os._exit(0)
            os.close(up_write)
            os.close(down_read)
            children.append((pid, os.fdopen(up_read), down_write))
        for _, up, _ in children:
            up.readline()
        for _, _, down in children:
            os.write(down, b"m")
        reports = [json.loads(up.readline()) for _, up, _ in children]
        for pid, up, down in children:
            os.write(down, b"x")
            os.waitpid(pid, 0)
            up.close()
            os.close(down)
        return reports

    gc.collect()
    gc.freeze()  # as config/gunicorn.py does: the collector then never writes those pages
    preloaded = fork_workers(None)
    n_sites = len(shared[0].site_ids)
    shared.clear()
    gc.unfreeze()
    gc.collect()
    own = fork_workers(lambda: synthetic_index(n_sites, args.seed))
    return {"sites": n_sites, "master": smaps(), "preloaded": preloaded, "own": own}


# --- the whole service, on a database ----------------------------------------------------


def database_url(args) -> str:
    return args.db_url or f"sqlite:///{args.sqlite_path}"


def run_database_child(args) -> dict:
    if args.db_url.startswith("postgres"):
        server, name = args.db_url.rsplit("/", 1)
        subprocess.run(
            ["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{name}"'],
            capture_output=True,
            check=False,
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(args),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    command = [sys.executable, __file__, *sys.argv[1:], "--db-child"]
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit("database run failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_database(args) -> dict:
    setup_django(database=database_url(args))
    from django.core.management import call_command

    from finder.models import Trial
    from sites import index as index_module
    from sites import selectors
    from sites.geocoding import coordinates_place
    from sites.models import Site

    call_command("migrate", verbosity=0)
    trials = max(20, args.db_sites // 15)
    if (Trial.objects.count(), Site.objects.count()) != (trials, args.db_sites):
        call_command(
            "generate_registry",
            clear=True,
            trials=trials,
            sites=args.db_sites,
            seed=args.seed,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
    index_module.site_index_invalidate()
    warmed, warm_ms = timed(index_module.site_index_warm, [CONDITION])
    origins = random_origins(args.queries, args.seed)
    places = [coordinates_place(lat, lon) for lat, lon in origins]
    selection = warmed.select(condition=CONDITION, statuses=selectors.RECRUITING_SITE_STATUSES)
    selectors.sites_nearest_for_condition(condition=CONDITION, origin=places[0])
    service_ms, memory_ms, trials_ms, mismatches = [], [], [], 0
    for origin, place in zip(origins, places, strict=True):
        found, ms = timed(selectors.sites_nearest_for_condition, condition=CONDITION, origin=place)
        service_ms.append(ms)
        ranked, ms = timed(warmed.nearest_sites, selection, origin=origin, limit=LIMIT)
        memory_ms.append(ms)
        _, ms = timed(selectors.trials_nearest_for_condition, condition=CONDITION, origin=place)
        trials_ms.append(ms)
        mismatches += [s.id for s in found] != [int(warmed.site_ids[r.position]) for r in ranked]
    from django.db import connection

    return {
        "backend": connection.vendor,
        "sites": Site.objects.count(),
        "matching": len(selection.positions),
        "tree": selection.tree is not None,
        "warm_ms": round(warm_ms, 1),
        "service": summary(service_ms),
        "in_memory": summary(memory_ms),
        "trials_page": summary(trials_ms),
        "mismatches": mismatches,
    }


# --- report ------------------------------------------------------------------------------


def report(results, memory, database, args, load_start, load_end, wall_s) -> str:
    def load(values):
        return " / ".join(f"{v:.2f}" for v in values)

    lines = [
        f"Command: `{'nice -n ' + str(os.nice(0)) + ' ' if os.nice(0) else ''}"
        f".venv/bin/python bench/bench_site_tree.py {' '.join(sys.argv[1:])}`"
        f" (run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {wall_s:.0f} s; load "
        f"average 1/5/15 min {load(load_start)} at the start, {load(load_end)} at the end; "
        f"{os.cpu_count()} cores).",
        "",
        f"Top {LIMIT} recruiting sites for '{CONDITION}', {args.queries} origins a size, "
        "in-memory index (no database); ms per query:",
        "",
        "| sites | matching | service median | service p95 | KD-tree reference median | "
        "reference p95 | service / reference (median) | scan before: median | p95 | "
        "brute force median |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, ref, scan = r["service"], r["reference"], r["scan"]
        lines.append(
            f"| {r['sites']:,} | {r['matching']:,} | {s['median']} | {s['p95']} | "
            f"{ref['median']} | {ref['p95']} | {s['median'] / ref['median']:.2f}x | "
            f"{scan['median']} | {scan['p95']} | {r['brute']['median']} |"
        )
    lines += [
        "",
        f"Trials page ({PAGE} trials by their nearest recruiting site, with the total) and "
        f"trials within {RADIUS_KM:g} km, ms per query:",
        "",
        "| sites | trials | page: tree median | p95 | page: full pass median | p95 | "
        f"{RADIUS_KM:g} km: tree median | p95 | {RADIUS_KM:g} km: full pass median | p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a, b, c, d = r["trials_tree"], r["trials_full"], r["radius_tree"], r["radius_full"]
        lines.append(
            f"| {r['sites']:,} | {r['trials']:,} | {a['median']} | {a['p95']} | {b['median']} "
            f"| {b['p95']} | {c['median']} | {c['p95']} | {d['median']} | {d['p95']} |"
        )
    lines += [
        "",
        "| sites | index build s | index MB | tree build ms | tree MB | compared | mismatches |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['sites']:,} | {r['index_build_s']} | {r['index_mb']} | {r['tree_build_ms']} "
            f"| {r['tree_mb']} | {r['checked']} ({r['brute_origins']} origins by brute force) "
            f"| {r['mismatches']} |"
        )
    if database:
        d = database
        lines += [
            "",
            f"The whole service on {'PostgreSQL' if d['backend'] == 'postgresql' else 'SQLite'} "
            f"({d['sites']:,} sites from `generate_registry`, "
            f"{d['matching']:,} matching, tree: {d['tree']}; Redis cache for the version "
            f"check; warm-up {d['warm_ms']} ms): `sites_nearest_for_condition` median "
            f"{d['service']['median']} ms, p95 {d['service']['p95']} ms, against "
            f"{d['in_memory']['median']} / {d['in_memory']['p95']} ms for its in-memory "
            f"search alone; `trials_nearest_for_condition` (page of 20) median "
            f"{d['trials_page']['median']} ms, p95 {d['trials_page']['p95']} ms; "
            f"{d['mismatches']} mismatches.",
        ]

    def per_worker(reports, key):
        return " / ".join(f"{w[key]:.0f}" for w in reports)

    m = memory
    lines += [
        "",
        f"Memory per worker, MiB ({args.workers} forked workers, {m['sites']:,}-site index "
        "with its tree, after 50 queries each; RSS counts shared pages in full, PSS divides "
        "them among the processes sharing them, USS is the worker's private memory):",
        "",
        "| workers | RSS | PSS | USS |",
        "|---|---|---|---|",
        f"| index built in the master before the fork (preload) | "
        f"{per_worker(m['preloaded'], 'rss')} | {per_worker(m['preloaded'], 'pss')} | "
        f"{per_worker(m['preloaded'], 'uss')} |",
        f"| each worker builds its own | {per_worker(m['own'], 'rss')} | "
        f"{per_worker(m['own'], 'pss')} | {per_worker(m['own'], 'uss')} |",
    ]
    return "\n".join(lines)


def plot(results, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["sites"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = [
        ("service (KD-tree)", "service", "C0"),
        ("bare KD-tree reference", "reference", "C2"),
        ("linear scan (before)", "scan", "C3"),
    ]
    for label, key, colour in series:
        left.plot(sizes, [r[key]["median"] for r in results], "o-", color=colour, label=label)
        left.plot(sizes, [r[key]["p95"] for r in results], "--", color=colour, alpha=0.6)
    left.axhline(5.0, color="grey", linewidth=0.8, linestyle=":")
    left.set_title(f"Top {LIMIT} sites for '{CONDITION}'")
    for label, key, colour in [
        ("trials page: tree", "trials_tree", "C0"),
        ("trials page: full pass", "trials_full", "C3"),
        (f"within {RADIUS_KM:g} km: tree", "radius_tree", "C1"),
        (f"within {RADIUS_KM:g} km: full pass", "radius_full", "C4"),
    ]:
        right.plot(sizes, [r[key]["median"] for r in results], "o-", color=colour, label=label)
        right.plot(sizes, [r[key]["p95"] for r in results], "--", color=colour, alpha=0.6)
    right.set_title(f"Trials by nearest site (page of {PAGE})")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("located sites in the index")
        ax.set_ylabel("ms per query (solid: median, dashed: p95)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Site search cost (bench/bench_site_tree.py; exact WGS-84 geodesic results)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
