"""Shared fixtures. Each test module owns its specific fixtures."""

import contextlib

import pytest


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    """Each test starts with an empty cache (throttle counters, look-ups).

    With ``REDIS_URL`` the suite must be given a Redis database of its own (``.ci/run``
    uses ``/9``): that database, and only it, is emptied before each test.
    """
    from django.core.cache import caches

    # A test may have pointed the cache at a dead server on purpose. (With Redis both
    # aliases are the same database: clearing one clears the other.)
    for alias in ("default", "fragments"):
        with contextlib.suppress(Exception):
            caches[alias].clear()
    yield


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Unit tests see a task's effect at once, on the real database and cache either way.

    With ``REDIS_URL`` set (CI's second pass) Celery would otherwise publish to Redis
    and nothing would run the task inside the test's transaction. Real workers are
    exercised by the tests that start their own (tests/referrals' ``celery_worker``, the
    worker-kill fault test) and by the cluster test (two workers on PostgreSQL + Redis),
    which switch this off for their own scope.
    """
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def candidate_answers():
    """A typical CARE-MS II candidate (relapsed on interferon), excluded from CARE-MS I.

    ``ELIGIBLE_ANSWERS`` with a longer history and a higher EDSS, still within range.
    """
    from tests.factories import ELIGIBLE_ANSWERS  # imports models: not at collection

    return {**ELIGIBLE_ANSWERS, "years_since_first_symptoms": 6, "edss": 3.5}


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


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Spanish leaves Spanish active on the thread (LocaleMiddleware activates
    and never deactivates): each test starts and ends in the default language, so no test
    depends on the order the workers run them in."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
