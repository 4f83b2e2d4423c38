"""Shared fixtures. Each test module owns its specific fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _clear_local_cache(settings):
    """Each test starts with an empty in-process cache (throttle counters, look-ups).

    A shared Redis is never flushed: tests that use it choose keys of their own.
    """
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        from django.core.cache import cache

        cache.clear()
    yield
