"""A trial's sites in a real browser: a 1,000-site trial page and a trial whose nearest
site is withdrawn, at desktop and phone width, with JavaScript on and off.

Every page is checked with axe-core and saved as a screenshot (see conftest).
"""

import re

import pytest
from playwright.sync_api import expect

from sites.models import SiteStatus
from tests.browser.conftest import DESKTOP, PHONE, check_page
from tests.sites.test_recruiting_counts import (
    PAEDIATRIC_RRMS,
    generated_trial,
    registry_page_imported,
)

#: Before paging, this page was 122,000 px tall at 1280 px wide and 156,000 px at 390 px
#: ("Show 995 more locations" opened); about 5,600 and 8,500 px now.
MAX_PAGE_HEIGHT = {"desktop": 8_000, "phone": 12_000}


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def size_of(page) -> str:
    return "phone" if page.viewport_size["width"] < 600 else "desktop"


@pytest.fixture
def big_trial(demo_site):
    return generated_trial()


@pytest.fixture
def registry_page(demo_site):
    return registry_page_imported()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_1000_site_trial_page_is_a_page_of_each_list(new_page, big_trial, viewport):
    page = new_page(viewport=viewport)
    recruiting = big_trial.sites.filter(status=SiteStatus.RECRUITING).count()
    page.goto(page.base_url + f"/trials/{big_trial.nct_id}/?location=Portland%2C+Oregon")
    sites = page.locator("#recruiting-sites .site-list > li")
    expect(sites).to_have_count(10)
    nearest_city = sites.first.locator(".site-list__address").inner_text().split(",")[0]
    hero = page.locator(".trial-hero")
    expect(hero).to_contain_text(re.compile(rf"Recruiting in {nearest_city} \(\d+ mi\)"))
    expect(hero).to_contain_text(f"+{recruiting - 1} other locations")
    expect(page.locator("#other-sites .site-list > li")).to_have_count(10)
    expect(page.locator("#other-sites-title")).to_have_text(
        f"{1000 - recruiting} sites not recruiting"
    )
    height = page_height(page)
    print(f"1,000-site trial page, {size_of(page)}: {height} px")
    assert height < MAX_PAGE_HEIGHT[size_of(page)]
    check_page(page, "trial-1000-sites")

    page.get_by_role("navigation", name="Pages of recruiting clinics").get_by_role(
        "link", name="Next"
    ).click()
    expect(page).to_have_url(re.compile(r"[?&]page=2#recruiting-sites$"))
    assert "Portland" not in page.url  # the place stays in the session, out of the URL
    expect(page.locator("#recruiting-sites")).to_contain_text("Clinics 11 to 20")
    expect(page.locator("#recruiting-sites .site-list")).to_have_attribute("start", "11")
    check_page(page, "trial-1000-sites-page-2")


def test_a_1000_site_trial_filters_by_country_then_state(page, big_trial):
    page.goto(page.base_url + f"/trials/{big_trial.nct_id}/?location=Portland%2C+Oregon")
    nearest = page.locator("#recruiting-sites .site-list__address").first.inner_text()
    state = nearest.split(", ")[1]  # "Lacey, Washington, United States": no postal codes
    page.select_option("#id_site_country", "United States")
    page.get_by_role("button", name="Show these clinics").click()
    expect(page.locator("#id_site_state")).to_be_visible()
    page.select_option("#id_site_state", state)
    page.select_option("#id_site_within", "500")
    page.get_by_role("button", name="Show these clinics").click()
    addresses = page.locator("#recruiting-sites .site-list__address").all_inner_texts()
    expected = big_trial.sites.filter(
        status=SiteStatus.RECRUITING, country="United States", state=state
    )
    assert 0 < len(addresses) <= min(10, expected.count())
    assert all(f", {state}" in address for address in addresses)
    check_page(page, "trial-1000-sites-filtered")
    page.get_by_role("link", name="Show every recruiting clinic").first.click()
    expect(page.locator("#recruiting-sites .site-list > li")).to_have_count(10)


def test_a_1000_site_trial_pages_without_javascript(new_page, big_trial):
    page = new_page(javascript=False)
    page.goto(page.base_url + f"/trials/{big_trial.nct_id}/?location=Portland%2C+Oregon")
    page.get_by_role("navigation", name="Pages of sites not recruiting").get_by_role(
        "link", name="Page 2"
    ).click()
    expect(page.locator("#other-sites [aria-current=page]")).to_contain_text("2")
    expect(page.locator("#recruiting-sites .site-list")).to_have_attribute("start", "1")
    check_page(page, "trial-1000-sites-no-js", axe=False)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_withdrawn_nearest_site_is_never_shown_as_the_nearest(new_page, registry_page, viewport):
    page = new_page(viewport=viewport)
    page.goto(page.base_url + f"/trials/{PAEDIATRIC_RRMS}/?location=Cincinnati%2C+Ohio")
    hero = page.locator(".trial-hero")
    expect(hero).to_contain_text("Recruiting in Louisville")
    expect(hero).to_contain_text("+20 other locations")
    expect(hero).to_contain_text("Last updated on ClinicalTrials.gov")
    first = page.locator("#recruiting-sites .site-list > li").first
    expect(first).to_contain_text("University of Louisville")
    expect(first).to_contain_text("Recruiting")
    expect(first.get_by_role("link", name="502-629-5606")).to_have_attribute(
        "href", "tel:+1-502-629-5606"
    )
    expect(page.locator("#recruiting-sites")).not_to_contain_text("Local Institution - 0091")
    closed = page.locator("#other-sites .site-list > li").first
    expect(closed).to_contain_text("Local Institution - 0091")
    expect(closed).to_contain_text("Withdrawn")
    expect(closed).to_contain_text("Cincinnati, Ohio 45229")
    check_page(page, "trial-withdrawn-nearest")
