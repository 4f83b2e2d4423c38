"""A geocoder that hangs: requests time out on schedule and nothing hangs with them.

The web process runs with ``GEOCODER=nominatim`` in ``primary`` mode and a one-second
``GEOCODER_TIMEOUT``; its HTTPS proxy is a local server that accepts the connection and
never answers, so every online look-up hangs the way a stalled geocoder does. What
must hold: each location search answers within the time-out plus the geocoder's
one-request-a-second spacing; a place the offline gazetteer knows is still found (200),
any other gets a message a patient can act on (a 400 naming the field, never a 5xx);
and ``/healthz`` keeps answering meanwhile.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .servers import SlowServer, free_port

pytestmark = pytest.mark.slow

TRIAL = "NCT00548405"
TIMEOUT = 1.0
HANG = 120.0  # how long the geocoder keeps a request waiting: a hung request takes this


def test_a_hanging_geocoder_times_out_without_hanging_requests(
    fresh_database, private_redis, start_cluster
):
    with SlowServer(delay=HANG) as geocoder:
        cluster = start_cluster(
            database_url=fresh_database,
            redis_url=private_redis.url,
            ports=[free_port()],
            env={
                "GEOCODER": "nominatim",
                "GEOCODER_MODE": "primary",
                "GEOCODER_TIMEOUT": str(TIMEOUT),
                "HTTPS_PROXY": geocoder.url,
                "https_proxy": geocoder.url,
                "API_RATE_ANON": "1000000/minute",
            },
        )
        base = cluster.url()
        # Places the offline gazetteer knows (it answers after the time-out) and places
        # only an online geocoder could know (the time-out becomes a "try again").
        known = ["Heidelberg%2C+Germany", "Lyon%2C+France", "Toronto%2C+Canada"]
        unknown = ["Kleinkleckersdorf%2C+Germany", "Nowhereville%2C+France", "Qqqq%2C+Canada"]
        searches = [
            (url, place in known)
            for place in known + unknown
            for url in (
                f"{base}/trials/?location={place}",
                f"{base}/api/v1/trials/{TRIAL}/sites/?place={place}",
            )
        ]

        def timed(url):
            started = time.monotonic()
            response = requests.get(url, timeout=30)
            return response, time.monotonic() - started

        with ThreadPoolExecutor(len(searches) + 1) as pool:
            pending = [pool.submit(timed, url) for url, _ in searches]
            time.sleep(0.3)
            health, health_elapsed = pool.submit(timed, f"{base}/healthz").result()
            results = [future.result() for future in pending]

    assert geocoder.requests, "the online geocoder was never consulted"
    assert all(line.startswith("CONNECT nominatim.openstreetmap.org") for line in geocoder.requests)
    # Look-ups are spaced a second apart (Nominatim's policy) and each waits out its
    # time-out, so the last of a burst waits its turn: bounded, and far below a hang.
    bound = len(searches) * (TIMEOUT + 1.0) + 10
    assert bound < HANG / 2
    for (response, elapsed), (url, known_offline) in zip(results, searches, strict=True):
        assert elapsed < bound, (url, elapsed)
        if "/api/" not in url:  # the search page: results, or the form with the message
            assert response.status_code == (200 if known_offline else 400), (url, elapsed)
            if not known_offline:
                assert "We could not find" in response.text, url
        elif known_offline:
            assert response.status_code == 200, (url, response.status_code, response.text)
        else:
            assert response.status_code == 400, (url, response.status_code, response.text)
            assert response.json()["errors"][0]["field"] == "place"
    assert health.status_code == 200
    assert health_elapsed < bound
