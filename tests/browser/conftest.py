"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

The ``browser`` fixture (tests/conftest.py) is shared by the whole session: without
/usr/bin/chromium the tests are skipped, unless REQUIRE_BROWSER=1 (CI), when they fail
instead. The browser never downloads anything and only ever talks to the live server.

Every page a test visits can be checked with ``check_page(page, name)``: axe-core (no
violation of any rule) and a full-page screenshot at the context's size, saved to
``artifacts/screenshots/<name>-<size>.png``.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

CARE_MS_II = "NCT00548405"
CARE_MS_I = "NCT00530348"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def warm_gazetteer():
    """Build the offline gazetteer once, before any page needs it (it takes seconds)."""
    from sites.geocoding import gazetteer

    gazetteer()


@pytest.fixture
def demo_site(live_server, transactional_db, warm_gazetteer):
    """The live server with the CARE-MS demonstration (CARE-MS II and CARE-MS I) loaded."""
    call_command("load_demo_catalog", care_ms_only=True, verbosity=0)
    return live_server


@pytest.fixture
def catalog_site(demo_site):
    """The live server with the whole demo catalog of ``make run``: the four real recruiting
    trials beside the CARE-MS demonstration."""
    call_command("load_demo_catalog", verbosity=0)
    return demo_site


def _context(browser, *, viewport, locale="en-US", javascript=True):
    return browser.new_context(
        viewport=viewport,
        locale=locale,
        java_script_enabled=javascript,
        extra_http_headers={"Accept-Language": f"{locale},{locale.split('-')[0]};q=0.9"},
    )


@pytest.fixture
def new_page(browser, demo_site):
    """``new_page(viewport=PHONE, locale="es-ES", javascript=False)`` -> a fresh page."""
    contexts = []

    def make(*, viewport=DESKTOP, locale="en-US", javascript=True):
        context = _context(browser, viewport=viewport, locale=locale, javascript=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = demo_site.url
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(viewport=PHONE)


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in results.response["violations"]
    ]


def check_page(page, name: str, *, axe: bool = True) -> None:
    """axe-core finds nothing; a full-page screenshot is saved at this context's size.

    ``axe=False`` for a context with JavaScript off, where axe-core cannot run (and
    Playwright's evaluate would wait for ever).
    """
    if axe:
        violations = axe_violations(page)
        assert violations == [], f"{name}: {violations}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
