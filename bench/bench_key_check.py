#!/usr/bin/env python3
"""How long a partner key check takes with a known and an unknown prefix, side by side.

    .venv/bin/python bench/bench_key_check.py                     # SQLite, local-memory cache
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_keys \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/bench_key_check.py

An attacker who could tell from the timing whether a prefix exists could look for
prefixes first and then for secrets. Both kinds of refused key are timed here in turn,
round after round, on a throw-away test database (Django's, ``test_<name>`` on
PostgreSQL) holding ``--keys`` partner keys:

* ``known``: an existing key's prefix with a wrong secret (refused);
* ``unknown``: a prefix no key has (refused);
* ``valid``: the real key, for reference.

Two levels: ``partners.keys.usable_api_key`` alone, and a whole ``GET /api/v1/trials/``
with that ``Authorization`` header through Django's test client (the 401 answer; the
bad-key rate is raised so that no 429 intervenes). The report gives the median of each,
the unknown/known ratio, and the database queries each check made. Figures and the
commands are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNKNOWN = "Zz9Unkwn.abcdefghijklmnopqrstuvwxyz012345"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "iSwZAOUP7dx7Ol4_Ve1HppNA5trZ7Ee1Mr3WX_FNC30=")
    import django

    django.setup()
    # Every refused key is a 401, logged by django.request: not what is measured here.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def timed(call, kinds: dict[str, str], rounds: int) -> dict[str, float]:
    """Median microseconds of ``call(value)`` for each kind, the kinds taking turns."""
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    order = list(kinds)
    for n in range(rounds):
        for kind in order[n % len(order) :] + order[: n % len(order)]:
            started = time.perf_counter_ns()
            call(kinds[kind])
            samples[kind].append((time.perf_counter_ns() - started) / 1000)
    return {kind: statistics.median(values) for kind, values in samples.items()}


def queries_per_check(call, value: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call(value)
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=50, help="partner keys in the database")
    parser.add_argument("--rounds", type=int, default=5000, help="timed checks of each kind")
    parser.add_argument("--http-rounds", type=int, default=1000)
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from partners.keys import usable_api_key
        from partners.models import Partner, PartnerAPIKey

        cache.clear()
        partner = Partner.objects.create(name="Bench partner")
        created = [
            PartnerAPIKey.objects.create_key(name=f"key {n}", partner=partner)[1]
            for n in range(args.keys)
        ]
        valid = created[len(created) // 2]
        prefix, secret = valid.split(".")
        known = f"{prefix}.{secret[::-1]}"
        kinds = {"known": known, "unknown": UNKNOWN, "valid": valid}
        usable_api_key(valid)  # the process reads its table once

        check = timed(usable_api_key, kinds, args.rounds)
        check_queries = {kind: queries_per_check(usable_api_key, v) for kind, v in kinds.items()}

        rates = {"anon": "1000000/minute", "partner": "1000000/minute"}
        rates["bad_key"] = "1000000/minute"
        client = Client()
        with override_settings(
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        ):

            def request(key: str) -> None:
                response = client.get("/api/v1/trials/", HTTP_AUTHORIZATION=f"Api-Key {key}")
                assert response.status_code == 401, response.status_code

            refused = {"known": known, "unknown": UNKNOWN}
            http = timed(request, refused, args.http_rounds)
            http_queries = {kind: queries_per_check(request, v) for kind, v in refused.items()}
    finally:
        teardown_databases(databases, verbosity=0)

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"{database}, {backend}, {args.keys} keys; medians in µs")
    print()
    print("| level | known prefix, wrong secret | unknown prefix | unknown/known | valid key |")
    print("|---|---|---|---|---|")
    print(
        f"| `usable_api_key` ({args.rounds} each) | {check['known']:.1f} "
        f"({check_queries['known']} queries) | {check['unknown']:.1f} "
        f"({check_queries['unknown']} queries) | {check['unknown'] / check['known']:.3f} | "
        f"{check['valid']:.1f} ({check_queries['valid']} queries) |"
    )
    print(
        f"| `GET /api/v1/trials/` 401 ({args.http_rounds} each) | {http['known']:.0f} "
        f"({http_queries['known']} queries) | {http['unknown']:.0f} "
        f"({http_queries['unknown']} queries) | {http['unknown'] / http['known']:.3f} | - |"
    )


if __name__ == "__main__":
    main()
