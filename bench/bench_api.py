#!/usr/bin/env python3
"""Load test of the sites and eligibility API endpoints on gunicorn, PostgreSQL and Redis.

    .venv/bin/python bench/bench_api.py       # 5 rounds of 6 s runs, 10 and 50 clients
    .venv/bin/python bench/bench_api.py --rounds 9 --duration 10 --connections 10,50,100

What it does, all on this machine and on resources of its own:

1. creates the PostgreSQL database ``bench_api`` (dropped again at the end unless
   ``--keep-db``), migrates it, loads the demo catalog (CARE-MS II with 191 sites and
   CARE-MS I) and creates a partner key with ``create_api_key``;
2. starts gunicorn (``--workers 2``, gthread, ``--threads 4`` each, as ``bin/cluster``
   does) with ``REDIS_URL`` on Redis database 9, so every API request runs key
   authentication and a throttle counter in Redis (the partner rate is raised so
   nothing is refused);
3. checks that each API endpoint and its baseline give the same answer;
4. runs ``wrk`` (Debian's package) from a second process against each endpoint and its
   baseline, a plain Django JSON view doing the same query (``bench/api_baseline.py``),
   at each number of concurrent connections, and reports requests/s and the 50th and
   99th percentile latency; any non-2xx response fails the run.

The variants take turns (API with a key, API without, baseline; then again) for
``--rounds`` rounds of ``--duration`` seconds each, and the report gives each figure's
median over the rounds and the API/baseline ratio taken round by round: this machine's
speed drifts by a factor of two or more within minutes, and a figure measured minutes
apart from its baseline says little.

Endpoints: ``GET /api/v1/trials/NCT00548405/sites/?postal_code=<ZIP>&country=US&limit=10``,
the ZIP code taken in turn from 2,000 US ZIP codes of the offline gazetteer, so that no
origin repeats often enough for any cache to answer for it; and
``POST /api/v1/trials/NCT00548405/eligibility/`` with a full set of answers (each
request validates, evaluates and stores an anonymous screening). Results are printed as
a Markdown table and written to ``bench/results/api-<timestamp>.json``.
"""

# ruff: noqa: S603, S607  (fixed command lines)

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TRIAL = "NCT00548405"
ANSWERS = {
    "age": 34,
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": 6,
    "edss": 3.5,
    "relapses_last_12_months": 1,
    "relapses_last_24_months": 2,
    "relapse_on_interferon_or_glatiramer": "yes",
    "mri_lesions_confirmed": "yes",
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": "no",
}
SITES_QUERY = "postal_code={zip}&country=US&limit=10"
ZIP_CODES = 2000
ENDPOINTS = {
    "sites": {
        "api": f"/api/v1/trials/{TRIAL}/sites/?{SITES_QUERY}",
        "baseline": f"/bench/trials/{TRIAL}/sites/?{SITES_QUERY}",
        "body": None,
    },
    "eligibility": {
        "api": f"/api/v1/trials/{TRIAL}/eligibility/",
        "baseline": f"/bench/trials/{TRIAL}/eligibility/",
        "body": {"answers": ANSWERS},
    },
}


#: The API with a partner key, the API without one, and the plain Django view.
VARIANTS = ("api", "api-anon", "baseline")


def environment(args) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "SECRET_KEY": "bench-api-secret-key-not-used-anywhere-else-0123456789abcdef",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "API_RATE_PARTNER": "100000000/minute",
        "API_RATE_ANON": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "FIELD_ENCRYPTION_KEYS": "iSwZAOUP7dx7Ol4_Ve1HppNA5trZ7Ee1Mr3WX_FNC30=",
    }


def postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(sql)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_gunicorn(args, env) -> subprocess.Popen:
    command = [
        GUNICORN,
        "config.wsgi:application",
        "--config=python:config.gunicorn",
        f"--bind=127.0.0.1:{args.port}",
        f"--workers={args.workers}",
        "--worker-class=gthread",
        f"--threads={args.threads}",
        "--keep-alive=75",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    # Two minutes: with preload the master builds the site index before it forks, and on
    # this shared machine that can take far longer than on a quiet one.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not come up")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def call(base: str, path: str, body, key: str | None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Api-Key {key}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        sys.exit(f"{request.method} {path}: {exc.code} {exc.read().decode(errors='replace')}")


def zip_codes(env: dict[str, str], count: int) -> list[str]:
    """``count`` US ZIP codes of the offline gazetteer, a fixed sample."""
    code = (
        "import random; from sites.geocoding import gazetteer; "
        f"print(*random.Random(7).sample(sorted(gazetteer().zips), {count}))"
    )
    return manage(env, "shell", "--verbosity", "0", "-c", code).split()


def paths(spec: dict, variant: str, zips: list[str]) -> list[str]:
    template = spec[variant.split("-")[0]]
    return [template.format(zip=z) for z in zips] if "{zip}" in template else [template]


def check_same_answers(base: str, key: str, zips: list[str]) -> None:
    """The API and its baseline must agree, or the comparison means nothing."""
    for name, spec in ENDPOINTS.items():
        pairs = list(zip(paths(spec, "api", zips), paths(spec, "baseline", zips), strict=True))
        for api_path, baseline_path in pairs[:25]:
            api = call(base, api_path, spec["body"], key)
            baseline = call(base, baseline_path, spec["body"], None)
            if name == "sites":
                same = api["count"] == baseline["count"] and [
                    (s["id"], s["distance_km"]) for s in api["results"]
                ] == [(s["id"], round(s["distance_km"], 3)) for s in baseline["results"]]
            else:
                same = api["verdict"] == baseline["verdict"] and [
                    c["status"] for c in api["criteria"]
                ] == [c["status"] for c in baseline["criteria"]]
            if not same:
                sys.exit(f"{name}: the API and the baseline disagree on {api_path}")
        for api_path, baseline_path in pairs[:1] * 30:  # warm every worker thread
            call(base, api_path, spec["body"], key)
            call(base, baseline_path, spec["body"], None)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def cpu_seconds(web_group: int) -> dict[str, float]:
    """CPU seconds (user + system) so far of the web server, PostgreSQL and Redis.

    ``web_group`` is gunicorn's process group (the arbiter and its workers, every thread
    included). Read from /proc; wrk's own CPU comes from ``getrusage`` of children.
    """
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) == web_group:
            totals["web"] += seconds
        elif name.startswith("postgres"):
            totals["postgres"] += seconds
        elif name.startswith("redis-server"):
            totals["redis"] += seconds
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["wrk"] = children.ru_utime + children.ru_stime
    return totals


def run_wrk(url: str, *, connections: int, duration: int, threads: int, script, key) -> dict:
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency", "--timeout", "5s", "-s", script]
    if key:
        command += ["-H", f"Authorization: Api-Key {key}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        sys.exit(f"could not read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
        "command": " ".join([*command, url]).replace(key or "\0", "<key>"),
    }


def wrk_script(spec: dict, variant: str, zips: list[str], path: Path) -> str:
    """A wrk script sending the endpoint's requests (each thread walks the paths in turn)."""
    lines = []
    if spec["body"] is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = {json.dumps(json.dumps(spec['body']))}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    targets = paths(spec, variant, zips)
    random.Random(variant).shuffle(targets)
    lines.append("local paths = {" + ",".join(json.dumps(p) for p in targets) + "}")
    lines += [
        "local i = 0",
        "request = function()",
        "  i = i % #paths + 1",
        "  return wrk.format(nil, paths[i])",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def machine_speed_ms() -> float:
    """A fixed pure-Python workload, timed: how fast this shared machine runs right now.

    Recorded before every round, so runs made at different times can be compared (the
    same code measured ~1.0 s and ~1.8 s for this loop within one hour here).
    """
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.perf_counter() - started) * 1000


def measure(server, base: str, *, clients: int, **wrk) -> dict:
    """One wrk run, with the CPU each request cost the web server, PostgreSQL, Redis, wrk."""
    before = cpu_seconds(server.pid)
    figures = run_wrk(base + "/", connections=clients, **wrk)
    after = cpu_seconds(server.pid)
    n = max(figures["requests"], 1)
    figures["cpu_ms_per_request"] = {
        part: round(1000 * (after[part] - before[part]) / n, 3) for part in after
    }
    return figures


def summarise(runs: list[dict], baseline_runs: list[dict]) -> dict:
    """Medians over the rounds, and the per-round ratio to the baseline's requests/s."""
    median = {
        k: statistics.median(r[k] for r in runs) for k in ("requests_per_s", "p50_ms", "p99_ms")
    }
    ratios = [
        r["requests_per_s"] / b["requests_per_s"] for r, b in zip(runs, baseline_runs, strict=True)
    ]
    parts = runs[0]["cpu_ms_per_request"]
    cpu = {p: statistics.median(r["cpu_ms_per_request"][p] for r in runs) for p in parts}
    return {
        **median,
        "cpu_ms_per_request": cpu,
        "requests_per_s_min": min(r["requests_per_s"] for r in runs),
        "requests_per_s_max": max(r["requests_per_s"] for r in runs),
        "ratio_to_baseline": statistics.median(ratios),
        "requests": sum(r["requests"] for r in runs),
        "rounds": len(runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="turns of every variant")
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument("--connections", default="10,50", help="comma-separated client counts")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS), help="which endpoints")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--database", default="bench_api")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    endpoints = args.endpoints.split(",")

    env = environment(args)
    postgres(f'DROP DATABASE IF EXISTS "{args.database}"')
    postgres(f'CREATE DATABASE "{args.database}"')
    server = None
    runs = []
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_catalog")
        key = manage(env, "create_api_key", "Benchmark partner").strip().splitlines()[-1]
        zips = zip_codes(env, ZIP_CODES)
        server = start_gunicorn(args, env)
        base = f"http://127.0.0.1:{args.port}"
        check_same_answers(base, key, zips)
        with tempfile.TemporaryDirectory() as directory:
            for name in endpoints:
                spec = ENDPOINTS[name]
                scripts = {
                    v: wrk_script(spec, v, zips, Path(directory) / f"{name}-{v}.lua")
                    for v in VARIANTS
                }
                for clients in connections:
                    for round_ in range(args.rounds):
                        speed = machine_speed_ms()
                        for variant in VARIANTS:
                            figures = measure(
                                server,
                                base,
                                clients=clients,
                                duration=args.duration,
                                threads=args.wrk_threads,
                                script=scripts[variant],
                                key=key if variant == "api" else None,  # api-anon: no key
                            )
                            figures.update(
                                endpoint=name,
                                variant=variant,
                                clients=clients,
                                round=round_,
                                machine_speed_ms=speed,
                            )
                            runs.append(figures)
                            print(
                                f"{name:12} {variant:9} {clients:3} clients round {round_}: "
                                f"{figures['requests_per_s']:8.1f} req/s  "
                                f"p50 {figures['p50_ms']:7.2f} ms  "
                                f"p99 {figures['p99_ms']:7.2f} ms",
                                flush=True,
                            )
    finally:
        if server is not None:
            stop(server)
        if not args.keep_db:
            postgres(f'DROP DATABASE IF EXISTS "{args.database}"')

    report(runs, args)
    if any(r["non_2xx"] or r["socket_errors"] for r in runs):
        sys.exit("some requests failed (see non_2xx / socket_errors)")


def report(runs: list[dict], args) -> None:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["endpoint"], r["clients"], r["variant"]), []).append(r)
    summary = []
    for (endpoint, clients, variant), group in groups.items():
        baseline = groups[(endpoint, clients, "baseline")]
        summary.append(
            {"endpoint": endpoint, "clients": clients, "variant": variant}
            | summarise(group, baseline)
        )
    out = ROOT / "bench" / "results" / f"api-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    context = {"cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg()}
    speeds = sorted({r["machine_speed_ms"] for r in runs})
    context["machine_speed_ms"] = {
        "median": statistics.median(speeds),
        "min": speeds[0],
        "max": speeds[-1],
    }
    out.write_text(
        json.dumps(
            {"args": vars(args), "machine": context, "summary": summary, "runs": runs}, indent=2
        )
    )
    print(f"machine: {context['cpus']} CPUs, load average {context['load_average_1_5_15']}")
    print(
        "speed probe (2M-iteration Python loop, before each round): median "
        f"{statistics.median(speeds):.0f} ms, range {speeds[0]:.0f}-{speeds[-1]:.0f} ms"
    )
    print(f"\nWritten to {out.relative_to(ROOT)}\n")
    print(f"Medians over {args.rounds} rounds of {args.duration} s; ratio: req/s over the")
    print("baseline's in the same round, median over the rounds.\n")
    print("CPU: milliseconds of CPU per request (median over the rounds) of the web server")
    print("(gunicorn), PostgreSQL, Redis and wrk; 2 cores give 2,000 ms of CPU a second.\n")
    print(
        "| endpoint | clients | variant | req/s (min-max) | ratio | p50 (ms) | p99 (ms) "
        "| CPU web / pg / redis / wrk (ms) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---|")
    for r in summary:
        cpu = r["cpu_ms_per_request"]
        print(
            f"| {r['endpoint']} | {r['clients']} | {r['variant']} "
            f"| {r['requests_per_s']:.0f} ({r['requests_per_s_min']:.0f}-"
            f"{r['requests_per_s_max']:.0f}) | {r['ratio_to_baseline']:.2f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {cpu['web']:.2f} / {cpu['postgres']:.2f} / {cpu['redis']:.2f} / {cpu['wrk']:.2f} |"
        )
    for r in summary:
        if r["variant"] != "baseline" and r["clients"] == 10:
            # Issue 23, goal 5: a ratio, since this machine's absolute req/s varies ~2x.
            ok = r["ratio_to_baseline"] >= 0.8 and r["p99_ms"] < 100
            print(
                f"target at 10 clients ({r['endpoint']}, {r['variant']}, median of the rounds): "
                f">= 0.8 of the baseline's req/s and p99 < 100 ms: {'met' if ok else 'NOT met'} "
                f"({r['requests_per_s']:.0f} req/s, {r['ratio_to_baseline']:.2f}, "
                f"p99 {r['p99_ms']:.0f} ms)"
            )


if __name__ == "__main__":
    main()
