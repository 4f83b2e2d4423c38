"""The trial page's cached fragments are only a saving (issue 21: no 500 from anyone):
while Redis cannot be reached the page is rendered as if nothing were cached."""

from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "config.cache.FragmentCache",
            "LOCATION": DEAD,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    caches._settings = None  # noqa: SLF001 (rebuild the aliases from the settings)
    del caches.__dict__["settings"]
    yield
    caches.close_all()


@pytest.mark.parametrize(
    "query", [{}, {"location": "94301"}, {"location": "94301", "country": "United States"}]
)
def test_the_trial_page_answers_while_the_fragment_cache_is_down(
    client, db, dead_redis, query, caplog
):
    call_command("load_demo_catalog", care_ms_only=True, stdout=StringIO())
    client.raise_request_exception = True

    response = client.get("/trials/NCT00548405/", query)

    assert response.status_code == 200
    assert "CARE-MS II" in response.content.decode()
    assert sum("fragment cache unavailable" in r.getMessage() for r in caplog.records) <= 1
