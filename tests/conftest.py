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


# --- the one browser of the session ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, shared by every browser test of the session.

    Playwright's sync API allows one instance per thread, so there is exactly one.
    Skipped without chromium, unless REQUIRE_BROWSER=1 (CI), when the test fails instead.
    """
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # The live server's ORM calls run next to Playwright's event loop in this thread.
    # Put back as it was afterwards: subprocesses started later must not inherit it.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved
