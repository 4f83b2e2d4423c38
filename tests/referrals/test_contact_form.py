"""The patient's contact form: contact fields first, a few nearest sites, more or a search."""

import re

import pytest

from referrals.models import Referral
from referrals.selectors import SITES_MORE, SITES_OFFERED
from sites.models import SiteStatus
from tests.factories import SiteFactory
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS
from tests.referrals.factories import SiteMembershipFactory
from tests.referrals.test_patient_referral import remember_screening, url

RADIO = re.compile(r'<input type="radio" name="site" value="(\d+)"')
PALO_ALTO = {
    "latitude": 37.4419,
    "longitude": -122.143,
    "label": "Palo Alto, CA",
    "country_code": "US",
}
MADRID = {"latitude": 40.4168, "longitude": -3.7038, "label": "Madrid", "country_code": "ES"}


@pytest.fixture
def many_sites(trial):
    """30 recruiting sites, one degree of latitude apart going north from Palo Alto (the
    nearest first), plus a withdrawn and a suspended one right in Palo Alto."""
    sites = [
        SiteFactory(
            trial=trial,
            facility=f"Clinic {n:02d}",
            city="Eureka" if n == 17 else f"Town {n:02d}",
            latitude=37.45 + n * 0.1,
            longitude=-122.15,
        )
        for n in range(30)
    ]
    SiteFactory(trial=trial, facility="Withdrawn Clinic", status=SiteStatus.WITHDRAWN)
    SiteFactory(trial=trial, facility="Suspended Clinic", status=SiteStatus.SUSPENDED)
    return sites


@pytest.fixture
def patient(client, trial):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    session = client.session
    session["origin"] = PALO_ALTO
    session.save()
    return client


def offered(response) -> list[int]:
    return [int(pk) for pk in RADIO.findall(response.content.decode())]


def picker(**data):
    return {"name": CONTACT["name"], "email": CONTACT["email"], "phone": "", **data}


def test_the_contact_fields_come_before_the_sites(patient, trial, many_sites):
    page = patient.get(url(trial)).content.decode()
    assert page.index('name="name"') < page.index('name="site"') < page.index('name="consent"')


def test_it_offers_the_nearest_few_sites_first(patient, trial, many_sites):
    response = patient.get(url(trial))
    assert offered(response) == [site.pk for site in many_sites[:SITES_OFFERED]]
    page = response.content.decode()
    assert f"Showing {SITES_OFFERED} of 30 sites taking new patients" in page
    assert f"Show {SITES_MORE} more sites" in page


def test_show_more_adds_sites_and_keeps_what_was_typed(patient, trial, many_sites):
    response = patient.post(url(trial), picker(sites="more", shown=SITES_OFFERED, consent="on"))
    assert response.status_code == 200
    assert offered(response) == [site.pk for site in many_sites[: SITES_OFFERED + SITES_MORE]]
    page = response.content.decode()
    assert CONTACT["email"] in page and CONTACT["name"] in page
    assert re.search(r'name="consent"[^>]*checked', page)
    assert "There is a problem" not in page  # asking for more sites is not sending
    assert not Referral.objects.exists()


def test_the_last_more_shows_what_is_left(patient, trial, many_sites):
    response = patient.post(url(trial), picker(sites="more", shown=25))
    assert len(offered(response)) == 30
    assert "more site" not in response.content.decode()


def test_the_site_search_finds_a_site_by_city_and_keeps_the_chosen_one(patient, trial, many_sites):
    nearest = many_sites[0]
    response = patient.post(
        url(trial), picker(sites="search", site_query="eureka", site=nearest.pk)
    )
    # The match, and the site already chosen (never hidden by a search).
    assert offered(response) == [nearest.pk, many_sites[17].pk]
    page = " ".join(response.content.decode().split())
    assert "1 site matches “eureka”" in page
    assert CONTACT["email"] in page


def test_a_search_that_matches_nothing_says_so(patient, trial, many_sites):
    response = patient.post(url(trial), picker(sites="search", site_query="Atlantis"))
    assert "0 sites match “Atlantis”" in " ".join(response.content.decode().split())


def test_clearing_the_search_shows_the_nearest_again(patient, trial, many_sites):
    response = patient.post(url(trial), picker(sites="clear", site_query="eureka"))
    assert offered(response) == [site.pk for site in many_sites[:SITES_OFFERED]]


def test_a_site_found_by_search_can_be_sent_to(
    patient, trial, many_sites, django_capture_on_commit_callbacks
):
    far = many_sites[17]
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.post(url(trial), picker(site=far.pk, consent="on"))
    assert response.status_code == 302
    assert Referral.objects.get().site == far


def test_only_sites_taking_referrals_are_offered_or_accepted(patient, trial, many_sites):
    page = patient.post(url(trial), picker(sites="more", shown=40)).content.decode()
    assert "Withdrawn Clinic" not in page and "Suspended Clinic" not in page
    withdrawn = trial.sites.get(facility="Withdrawn Clinic")
    response = patient.post(url(trial), picker(site=withdrawn.pk, consent="on"))
    assert response.status_code == 200 and not Referral.objects.exists()
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "status",
    [SiteStatus.NOT_YET_RECRUITING, SiteStatus.ENROLLING_BY_INVITATION, SiteStatus.AVAILABLE],
)
def test_a_site_not_recruiting_is_neither_offered_nor_preselected(patient, trial, status):
    """Even the nearest: the picker offers recruiting sites only, and the first of them is
    the one preselected."""
    SiteFactory(
        trial=trial,
        facility="Opening Soon Clinic",
        status=status,
        latitude=PALO_ALTO["latitude"],
        longitude=PALO_ALTO["longitude"],
    )
    page = patient.get(url(trial)).content.decode()
    assert "Opening Soon Clinic" not in page
    soon = trial.sites.get(facility="Opening Soon Clinic")
    response = patient.post(url(trial), picker(site=soon.pk, consent="on"))
    assert response.status_code == 200 and not Referral.objects.exists()


def test_distances_are_in_miles_in_the_us(patient, trial, many_sites):
    page = patient.get(url(trial)).content.decode()
    # Clinic 01 is 0.1 degree of latitude (6.9 mi, 11 km) north of the Palo Alto origin.
    assert re.search(r"Clinic 01, Town 01, California, United States \(\d+ mi\)", page)
    assert " km)" not in page


def test_distances_are_in_kilometres_elsewhere(client, trial, many_sites):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    session = client.session
    session["origin"] = MADRID
    session.save()
    page = client.get(url(trial)).content.decode()
    assert re.search(r"\([\d,.]+ km\)", page) and " mi)" not in page


def test_a_site_without_a_team_is_marked(patient, trial, many_sites):
    SiteMembershipFactory(site=many_sites[0])
    page = patient.get(url(trial)).content.decode()
    marked = page.count('<span class="muted">Not on MS Trial Finder yet</span>')
    assert marked == SITES_OFFERED - 1
    first = page.index(f'value="{many_sites[0].pk}"')
    second = page.index(f'value="{many_sites[1].pk}"')
    assert "Not on MS Trial Finder yet" not in page[first:second]
    assert "we tell you so and show you how to contact the site yourself" in page


def test_without_a_place_the_sites_come_by_country_and_city_with_a_search(
    client, trial, many_sites
):
    remember_screening(client, trial, ELIGIBLE_ANSWERS)
    response = client.get(url(trial))
    assert len(offered(response)) == SITES_OFFERED
    page = response.content.decode()
    assert "Sites are listed by country and city: search for yours." in page
    assert 'name="site_query"' in page


def test_the_page_stays_short_with_191_sites(patient, trial):
    SiteFactory.create_batch(191, trial=trial)
    response = patient.get(url(trial))
    assert len(offered(response)) == SITES_OFFERED
    assert "Showing 5 of 191 sites" in response.content.decode()


def test_a_damaged_picker_falls_back_to_the_nearest(patient, trial, many_sites):
    response = patient.post(url(trial), picker(sites="more", shown="-3", site_query="x" * 500))
    assert response.status_code == 200
    assert len(offered(response)) == SITES_OFFERED + SITES_MORE


def test_the_consent_names_the_chosen_site(patient, trial, many_sites):
    response = patient.post(
        url(trial), picker(sites="search", site_query="eureka", site=many_sites[17].pk)
    )
    label = re.search(
        r'<label for="id_consent" id="consent-text">([^<]*)<', response.content.decode()
    )
    assert "Clinic 17" in label.group(1)


def test_on_the_real_record_the_nearest_recruiting_site_is_preselected(client, db):
    """NCT06408259 from Portland: the nearest site, "Local Institution - 0092", is not yet
    recruiting; the form neither offers nor preselects it."""
    from sites.selectors import RECRUITING_SITE_STATUSES
    from tests.sites.test_recruiting_counts import PAEDIATRIC_RRMS, registry_page_imported

    trial = registry_page_imported()[PAEDIATRIC_RRMS]
    screening = remember_screening(client, trial, {"age": 15})
    assert screening.verdict in ("eligible", "possibly_eligible")
    session = client.session
    session["origin"] = {
        "latitude": 45.52345,
        "longitude": -122.67621,
        "label": "Portland",
        "country_code": "US",
    }
    session.save()
    response = client.get(url(trial))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Local Institution - 0092" not in page
    ids = offered(response)
    assert ids, "the nearest recruiting sites are offered"
    statuses = set(trial.sites.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses <= set(RECRUITING_SITE_STATUSES)
    checked = re.search(r'<input type="radio" name="site" value="(\d+)"[^>]*checked', page)
    assert checked and int(checked.group(1)) == ids[0]
