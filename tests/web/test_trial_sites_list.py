"""The trial page's sites: recruiting ones nearest first, a page at a time, filtered by
country and state or by distance, each with its address, registry contact and status;
the others apart, with their status. On the real registry records and a generated
1,000-site trial."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from sites.models import SiteStatus
from tests.factories import CriterionFactory, SiteFactory, TrialFactory
from tests.sites.test_recruiting_counts import (
    BEAT_MS,
    PAEDIATRIC_RRMS,
    generated_trial,
    registry_page_imported,
)

pytestmark = pytest.mark.django_db

CINCINNATI = {"lat": "39.12711", "lon": "-84.51439"}
LOUISVILLE_SITE = "University of Louisville, Norton Children&#x27;s Research Institute"


def page(client, nct_id: str, params: dict | None = None, **headers) -> str:
    response = client.get(f"/trials/{nct_id}/", params or {}, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def recruiting_part(html: str) -> str:
    return html.split('id="recruiting-sites"', 1)[1].split('id="other-sites"', 1)[0]


def other_part(html: str) -> str:
    return html.split('id="other-sites"', 1)[1].split('aria-labelledby="sponsors-title"', 1)[0]


def names(part: str) -> list[str]:
    return re.findall(r'<span class="site-list__name">([^<]*)</span>', part)


def page_links(part: str) -> list[str]:
    nav = part.split('class="pagination pagination--sites"', 1)[1].split("</nav>", 1)[0]
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', nav)]


@pytest.fixture
def registry_page(db):
    return registry_page_imported()


@pytest.fixture
def big_trial(db):
    return generated_trial()


# --- the real records ----------------------------------------------------------------------


def test_a_withdrawn_nearest_site_is_listed_apart_with_its_status(client, registry_page):
    html = page(client, PAEDIATRIC_RRMS, CINCINNATI)
    assert "Recruiting in Louisville (" in html and "+20 other locations" in html
    recruiting = recruiting_part(html)
    assert names(recruiting)[0] == LOUISVILLE_SITE
    assert "Local Institution - 0091" not in recruiting
    assert "21 recruiting clinics" in recruiting
    others = other_part(html)
    assert "12 sites not recruiting" in others
    first = others.split('class="site-list__item', 2)[1]
    assert "Local Institution - 0091" in first and "Withdrawn" in first
    assert "Cincinnati, Ohio 45229, United States" in first


def test_each_recruiting_site_shows_its_address_contact_and_status(client, registry_page):
    recruiting = recruiting_part(page(client, PAEDIATRIC_RRMS, CINCINNATI))
    louisville = recruiting.split('class="site-list__item', 2)[1]
    assert "Louisville, Kentucky 40202, United States" in louisville
    assert "Contact: Michael Sweeney, Site 0047" in louisville
    assert '<a href="tel:+1-502-629-5606">502-629-5606</a>' in louisville
    assert ">Recruiting</span>" in louisville


def test_a_contact_email_is_a_mail_link(client, registry_page):
    palo_alto = {"lat": "37.44188", "lon": "-122.14302"}
    recruiting = recruiting_part(page(client, BEAT_MS, palo_alto))
    stanford = recruiting.split('class="site-list__item', 2)[1]
    assert "Stanford Multiple Sclerosis Center" in stanford
    assert '<a href="mailto:eam1@stanford.edu">eam1@stanford.edu</a>' in stanford


def test_a_phone_number_that_is_not_valid_is_shown_as_written(client, db):
    trial = TrialFactory(nct_id="NCT01234567")
    SiteFactory(trial=trial, contact_phone="call the switchboard", contact_name="Ana")
    recruiting = recruiting_part(page(client, "NCT01234567"))
    assert "Phone: call the switchboard" in recruiting and "tel:" not in recruiting


def test_a_site_without_a_registry_contact_says_so(client, db):
    SiteFactory(trial=TrialFactory(nct_id="NCT01234567"))
    assert "The registry lists no contact for this site." in page(client, "NCT01234567")


def test_it_shows_when_the_registry_listed_the_sites(client, registry_page):
    html = page(client, PAEDIATRIC_RRMS)
    assert "<dt>Last updated on ClinicalTrials.gov</dt><dd>April 28, 2026</dd>" in html
    assert "as ClinicalTrials.gov listed them when the study’s record was last updated" in html


def test_without_a_place_it_counts_the_recruiting_sites(client, registry_page):
    html = page(client, PAEDIATRIC_RRMS)
    assert "Recruiting at 21 locations" in html
    assert "Enter your postal code or city above to see the nearest first." in html
    assert 'name="within"' not in html  # a distance needs a place


def test_it_filters_by_country_then_state(client, registry_page):
    italy = recruiting_part(page(client, PAEDIATRIC_RRMS, {"country": "Italy"}))
    assert set(names(italy)) == {
        "University of Naples Federico II",
        "Ospedale San Raffaele",
        "Neurological Center Of Latium",
    }
    assert "3 clinics match your choice." in italy
    assert '<option value="Lombardy">Lombardy (1)</option>' in italy
    lombardy = page(client, PAEDIATRIC_RRMS, {"country": "Italy", "state": "Lombardy"})
    assert names(recruiting_part(lombardy)) == ["Ospedale San Raffaele"]
    assert names(other_part(lombardy)) == ["Local Institution - 0081"]


def test_it_filters_by_distance_in_the_patients_unit(client, registry_page):
    html = page(client, PAEDIATRIC_RRMS, {**CINCINNATI, "within": "100"})
    assert "No recruiting clinic matches your choice." in recruiting_part(html)
    html = page(client, PAEDIATRIC_RRMS, {**CINCINNATI, "within": "250"})
    assert names(recruiting_part(html)) == [LOUISVILLE_SITE]


@pytest.mark.parametrize(
    "params",
    [
        {"country": "Atlantis"},
        {"state": "Ohio"},  # a state needs its country
        {"within": "7"},  # not a distance the page offers
        {"within": "50"},  # no place: no distance
        {"page": "banana", "other_page": "-3"},
    ],
)
def test_it_ignores_filters_it_does_not_offer(client, registry_page, params):
    recruiting = recruiting_part(page(client, PAEDIATRIC_RRMS, params))
    assert "match your choice" not in recruiting
    assert len(names(recruiting)) == 10 and 'start="1"' in recruiting


def test_it_ignores_a_state_of_another_country(client, registry_page):
    recruiting = recruiting_part(
        page(client, PAEDIATRIC_RRMS, {"country": "Italy", "state": "Ohio"})
    )
    assert "3 clinics match your choice." in recruiting
    states = recruiting.split('id="id_site_state"', 1)[1].split("</select>", 1)[0]
    assert "All of Italy" in states and " selected" not in states


def test_a_trial_without_recruiting_sites_says_so(client, db):
    trial = TrialFactory(nct_id="NCT01234567")
    SiteFactory(trial=trial, status=SiteStatus.SUSPENDED, facility="Closed Clinic")
    html = page(client, "NCT01234567", {"lat": "37.44", "lon": "-122.16"})
    assert "No recruiting clinic listed yet" in html
    assert "No clinic is recruiting for this study at the moment." in html
    assert "Recruiting in" not in html
    assert "Suspended" in other_part(html) and "Closed Clinic" in other_part(html)


def test_a_trial_without_any_site_has_no_other_sites_section(client, db):
    TrialFactory(nct_id="NCT01234567")
    html = page(client, "NCT01234567")
    assert "No clinic is recruiting for this study at the moment." in html
    assert 'id="other-sites"' not in html


# --- a generated 1,000-site trial ---------------------------------------------------------


def test_a_1000_site_trial_shows_one_page_of_each_list(client, big_trial):
    html = page(client, big_trial.nct_id, {"location": "Portland, Oregon"})
    recruiting, others = recruiting_part(html), other_part(html)
    total = big_trial.sites.filter(status=SiteStatus.RECRUITING).count()
    assert f"{total} recruiting clinics" in recruiting
    assert f"Clinics 1 to 10 of {total}, nearest first from Portland" in recruiting
    assert len(names(recruiting)) == 10 and len(names(others)) == 10
    assert f"{1000 - total} sites not recruiting" in others
    assert "<details" not in recruiting + others  # paged on the server, nothing to unfold
    assert len(html) < 80_000


def test_the_pages_link_to_each_other_without_the_patients_place(client, big_trial):
    html = page(client, big_trial.nct_id, {"location": "Portland, Oregon"})
    links = page_links(recruiting_part(html))
    assert links[-1].endswith("#recruiting-sites")
    assert all("location" not in parse_qs(urlsplit(link).query) for link in links)
    last = str((big_trial.sites.filter(status=SiteStatus.RECRUITING).count() + 9) // 10)
    pages = [parse_qs(urlsplit(link).query)["page"] for link in links]
    assert pages == [["2"], [last], ["2"]]  # 1 (this one), 2, …, the last; next
    second = page(client, big_trial.nct_id, {"page": "2"})  # the place is in the session
    assert 'start="11"' in recruiting_part(second)
    assert "Clinics 11 to 20" in recruiting_part(second) and "Portland" in second


def test_a_long_run_of_pages_is_elided(client, big_trial):
    html = page(client, big_trial.nct_id, {"location": "Portland, Oregon", "page": "30"})
    recruiting = recruiting_part(html)
    assert '<span aria-current="page"><span class="visually-hidden">Page </span>30</span>' in (
        recruiting
    )
    assert recruiting.count('class="pagination__gap"') == 2
    assert len(page_links(recruiting)) < 12


def test_the_lists_page_apart_and_keep_the_filters(client, big_trial):
    country = "United States"
    html = page(client, big_trial.nct_id, {"country": country, "other_page": "2"})
    assert f'<option value="{country}" selected>' in html
    recruiting, others = recruiting_part(html), other_part(html)
    assert 'start="1"' in recruiting  # the other list's page does not move this one
    current = '<span aria-current="page"><span class="visually-hidden">Page </span>2</span>'
    assert current in others
    for link in page_links(others):
        query = parse_qs(urlsplit(link).query)
        assert query["country"] == [country] and "other_page" in query
    us_closed = big_trial.sites.exclude(status=SiteStatus.RECRUITING).filter(country=country)
    assert f"{us_closed.count()} of them match your choice." in others
    assert set(names(others)) <= set(us_closed.values_list("facility", flat=True))


def test_the_last_page_is_shown_for_a_page_past_the_end(client, big_trial):
    total = big_trial.sites.filter(status=SiteStatus.RECRUITING).count()
    html = page(client, big_trial.nct_id, {"page": "999"})
    last = (total - 1) // 10 * 10 + 1
    assert f'start="{last}"' in recruiting_part(html)


def test_the_check_result_offers_recruiting_clinics_only_nearest_first(client, registry_page):
    """The questionnaire's result lists the nearest *recruiting* clinics: from Cincinnati the
    withdrawn "Local Institution - 0091" is never one of them."""
    client.post(f"/trials/{PAEDIATRIC_RRMS}/check/", {"question": "age", "age": "15"})
    response = client.get(f"/trials/{PAEDIATRIC_RRMS}/check/result/", CINCINNATI)
    assert response.status_code == 200
    sites = response.content.decode().split('id="sites-title"', 1)[1].split("</section>", 1)[0]
    assert names(sites)[0] == LOUISVILLE_SITE
    assert "Local Institution - 0091" not in sites and "Withdrawn" not in sites
    assert len(names(sites)) == 3


def test_the_check_result_says_when_no_recruiting_clinic_is_located(client, db):
    trial = TrialFactory(nct_id="NCT01234568")
    CriterionFactory(trial=trial)
    SiteFactory(trial=trial, facility="Closed clinic", status=SiteStatus.WITHDRAWN)
    client.post(f"/trials/{trial.nct_id}/check/", {"question": "age", "age": "35"})
    html = client.get(f"/trials/{trial.nct_id}/check/result/", CINCINNATI).content.decode()
    sites = html.split('id="sites-title"', 1)[1].split("</section>", 1)[0]
    assert "Closed clinic" not in sites
    assert "No recruiting clinic of this study has a known location." in sites
