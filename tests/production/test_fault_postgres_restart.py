"""PostgreSQL restarted under load: requests fail cleanly with 503 and then recover.

What must hold, for two gunicorn web processes on a PostgreSQL of the test's own:

- while the database is down every answer is a 200 (a page that needed nothing from
  the database) or a 503 with ``Retry-After``; never a 500, never a traceback, never a
  hung or dropped connection;
- ``/readyz`` says 503 and names the database; ``/healthz`` stays 200;
- once the database is back, both web processes answer 200 again without being
  restarted (``CONN_HEALTH_CHECKS`` drops the dead persistent connections).
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from .load import Load, statuses, wait_for_requests
from .servers import free_port, wait_until

pytestmark = pytest.mark.slow

TRIAL = "NCT00548405"  # CARE-MS II, from load_demo_catalog
# The load comes from one address; the anonymous API rate is not what is tested here.
UNTHROTTLED = {"API_RATE_ANON": "1000000/minute"}


def database_urls(base: str) -> list[str]:
    """Pages and API calls that read the database (and /readyz, which checks it)."""
    return [
        f"{base}/trials/{TRIAL}/",
        f"{base}/api/v1/trials/{TRIAL}/questionnaire/",
        f"{base}/check/",
        f"{base}/readyz",
        f"{base}/healthz",
    ]


def test_requests_fail_with_503_and_recover_when_postgres_restarts(
    private_postgres, fresh_database, private_redis, start_cluster
):
    cluster = start_cluster(
        database_url=fresh_database, redis_url=private_redis.url, env=UNTHROTTLED
    )
    urls = [url for index in (0, 1) for url in database_urls(cluster.url(index))]
    for url in urls:  # everything answers before the fault
        wait_until(lambda u=url: _ok(u), 20, f"GET {url}")
    pids_before = cluster.processes

    with Load(urls, threads=4, timeout=15, max_seconds=90) as load:
        wait_for_requests(load, 40, timeout=20)
        down_at = time.monotonic()
        private_postgres.stop(fast=True)
        wait_for_requests(load, 60, timeout=30)  # the outage, seen by every URL
        up_at = time.monotonic()
        private_postgres.start()
        back_at = time.monotonic()
        # Recovered: the last round over every URL on both processes is all 200.
        wait_until(lambda: _recovered(load, back_at, urls), 30, "recovery after restart")
    during = load.between(down_at, up_at)
    everything = load.outcomes

    assert cluster.processes == pids_before  # nothing was restarted
    counts = statuses(everything)
    assert set(counts) <= {200, 503}, counts
    assert counts.get(503, 0) > 0, "the outage was never observed"
    for outcome in everything:
        assert outcome.elapsed < 15, outcome  # no hung request
        if not outcome.url.endswith("/readyz"):  # /readyz names the failing check on purpose
            assert "Traceback" not in outcome.body, outcome
            assert "OperationalError" not in outcome.body, outcome
    outage_503 = [o for o in during if o.status == 503 and not o.url.endswith("/readyz")]
    assert outage_503, statuses(during)
    assert all("try again" in o.body for o in outage_503)
    readyz_down = [o for o in during if o.url.endswith("/readyz") and o.status == 503]
    assert readyz_down and json.loads(readyz_down[0].body)["checks"]["database"].startswith("down")
    assert all(o.status == 200 for o in during if o.url.endswith("/healthz"))


def test_a_503_carries_retry_after_and_problem_details_on_the_api(
    private_postgres, fresh_database, private_redis, start_cluster
):
    cluster = start_cluster(
        database_url=fresh_database,
        redis_url=private_redis.url,
        ports=[free_port()],
        env=UNTHROTTLED,
    )
    api = f"{cluster.url()}/api/v1/trials/{TRIAL}/questionnaire/"
    assert _ok(api)
    private_postgres.stop(fast=True)
    try:
        response = requests.get(api, timeout=15)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 503
    finally:
        private_postgres.start()
    wait_until(lambda: _ok(api), 20, "API back after restart")


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


def _recovered(load: Load, since: float, urls: list[str]) -> bool:
    latest: dict[str, int | None] = {}
    for outcome in load.since(since):
        latest[outcome.url] = outcome.status
    return len(latest) == len(urls) and all(status == 200 for status in latest.values())
