"""A curator logs into the admin, edits a trial and adds a site, in a real browser."""

import pytest

from finder.models import Trial
from sites.models import Site
from tests.factories import TrialFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "curator-password-for-tests-1"


def test_a_curator_edits_a_trial_and_adds_a_site(
    admin_page, live_server, django_user_model, screenshot
):
    django_user_model.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    trial = TrialFactory(nct_id="NCT00548405", brief_title="CARE-MS II", spots_left=None)
    page = admin_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}/admin/finder/trial/?q=NCT00548405")
    page.click("text=NCT00548405")
    page.fill("#id_spots_left", "45")
    page.check("#id_is_pivotal")
    # The first empty site row of the inline.
    page.fill("#id_sites-0-facility", "Palo Alto Neurology Research Center")
    page.fill("#id_sites-0-city", "Palo Alto")
    page.fill("#id_sites-0-country", "United States")
    page.fill("#id_sites-0-latitude", "37.4443")
    page.fill("#id_sites-0-longitude", "-122.1598")
    page.select_option("#id_sites-0-status", "RECRUITING")
    screenshot(page, "admin-trial-edit-desktop")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    screenshot(page, "admin-trial-saved-desktop")

    trial = Trial.objects.get(pk=trial.pk)
    assert trial.spots_left == 45
    assert trial.is_pivotal is True
    site = Site.objects.get(trial=trial)
    assert (site.city, site.status, site.latitude) == ("Palo Alto", "RECRUITING", 37.4443)


def test_the_admin_refuses_a_site_with_an_impossible_latitude(
    admin_page, live_server, django_user_model
):
    django_user_model.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    TrialFactory(nct_id="NCT00548405")
    page = admin_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/finder/trial/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("text=NCT00548405")
    page.fill("#id_sites-0-facility", "Nowhere clinic")
    page.fill("#id_sites-0-latitude", "123")
    page.fill("#id_sites-0-longitude", "10")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    assert Site.objects.count() == 0
