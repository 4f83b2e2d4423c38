"""GET /trials/<nct_id>/: everything seed 000 shows, with the protocol's facts."""

from datetime import UTC, date, datetime

import pytest

from tests.factories import TrialFactory
from tests.web.conftest import CARE_MS_II


def test_it_shows_the_protocol_age_range_not_the_seed_header(client, care_ms_ii):
    html = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    assert "<dd>18 to 55</dd>" in html
    assert "65" not in html.split("<main", 1)[1].split("Read the criteria as registered")[0]


def test_it_shows_what_seed_000_shows(client, care_ms_ii):
    response = client.get(f"/trials/{CARE_MS_II}/", {"location": "94301"})
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Comparison of Alemtuzumab and Rebif® Efficacy in Multiple Sclerosis, Study Two",
        "CARE-MS II",
        "Recruiting in Palo Alto (2 mi)",
        "+190 other locations",
        "<dd>Any</dd>",
        "Phase 3",
        "Genzyme, a Sanofi Company",
        "No placebo group",
        "Pivotal trial",
        "Travel may be covered",
        "Time reimbursement varies",
        "Waitlist available",
        "Prior safety data",
        "What is the purpose of this trial?",
        "People aged 18 to 55",
        "See 4 more",
        "Interventions",
        "3 treatment groups",
        "Alemtuzumab 12 mg",
        "Bayer",
        "Find a clinic near you",
        "Check if you may qualify",
    ]:
        assert text in html, text


def test_it_says_the_site_list_is_illustrative(client, care_ms_ii):
    html = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    assert "Demonstration list of clinics" in html


def test_it_ranks_clinics_from_the_patients_place(client, care_ms_ii):
    html = client.get(f"/trials/{CARE_MS_II}/", {"location": "94301"}).content.decode()
    clinics = html.split('id="clinics-title"')[1]
    assert clinics.index("Palo Alto") < clinics.index("Oakland")
    assert "Clinics 1 to 10 of 191, nearest first from Palo Alto" in clinics
    assert clinics.count('class="site-list__item') == 10


def test_it_reports_a_bad_place_next_to_the_clinic_form(client, care_ms_ii):
    response = client.get(f"/trials/{CARE_MS_II}/", {"location": "Qwertyville"})
    assert response.status_code == 400
    assert 'id="id_location_error"' in response.content.decode()


def test_it_answers_404_for_an_unknown_trial(client, db):
    response = client.get("/trials/NCT99999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_it_redirects_a_lower_case_id(client, care_ms_ii):
    response = client.get("/trials/nct00548405/")
    assert response.status_code == 301
    assert response.url == f"/trials/{CARE_MS_II}/"


def test_it_speaks_spanish(client, care_ms_ii):
    html = client.get(
        f"/trials/{CARE_MS_II}/", {"location": "Madrid, Spain"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert '<html lang="es">' in html
    assert "Personas de 18 a 55 años" in html
    assert "Comprobar si puede participar" in html
    assert "Recluta en Madrid" in html and " km)" in html


def test_the_server_error_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "/static/css/site.css" in html


# --- honest trial facts ---------------------------------------------------------------


@pytest.fixture
def before_april_2026(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def in_december_2026(time_machine):
    """When issue 20 found CARE-MS II's "about 45 spots left by April 2026" still shown."""
    time_machine.move_to(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False)


def test_it_shows_the_spots_left_while_their_date_is_ahead(client, care_ms_ii, before_april_2026):
    html = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    assert "About 45 spots left by April 2026" in html
    spanish = client.get(f"/trials/{CARE_MS_II}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Quedan unas 45 plazas hasta abril de 2026" in spanish


def test_it_hides_spots_left_by_a_date_gone_by(client, care_ms_ii, in_december_2026):
    assert (care_ms_ii.spots_left, care_ms_ii.spots_left_by) == (45, date(2026, 4, 30))
    for url in (f"/trials/{CARE_MS_II}/", "/trials/?location=94301"):
        html = client.get(url).content.decode()
        assert "spots left" not in html and "spot left" not in html, url
        assert "CARE-MS II" in html


def test_it_still_shows_spots_left_on_their_last_day(client, care_ms_ii, time_machine):
    time_machine.move_to(datetime(2026, 4, 30, 23, 59, tzinfo=UTC), tick=False)
    html = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    assert "About 45 spots left by April 2026" in html


def test_it_shows_spots_left_given_without_a_date(client, db):
    TrialFactory(nct_id="NCT01234567", spots_left=5)
    assert "About 5 spots left" in client.get("/trials/NCT01234567/").content.decode()


def test_the_api_never_presents_a_stale_figure(client, care_ms_ii, in_december_2026):
    body = client.get(f"/api/v1/trials/{CARE_MS_II}/").json()
    assert (body["spots_left"], body["spots_left_by"]) == (None, None)


def test_the_api_presents_a_current_figure(client, care_ms_ii, before_april_2026):
    body = client.get(f"/api/v1/trials/{CARE_MS_II}/").json()
    assert (body["spots_left"], body["spots_left_by"]) == (45, "2026-04-30")


def test_a_demonstration_trial_says_so_at_the_top(client, care_ms_ii):
    html = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    hero = html.split('class="trial-hero"', 1)[1].split("</header>", 1)[0]
    assert "A demonstration" in hero
    assert "a demonstration built on CARE-MS II, a real trial that ended in 2011" in hero
    assert "Last updated on ClinicalTrials.gov" not in html  # the demo record has no date


def test_a_real_trial_shows_when_the_registry_last_updated_it(client, db):
    TrialFactory(nct_id="NCT01234567", last_update_posted=date(2026, 4, 28))
    html = client.get("/trials/NCT01234567/").content.decode()
    assert "<dt>Last updated on ClinicalTrials.gov</dt><dd>April 28, 2026</dd>" in html
    assert "A demonstration" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?location=97201"])
def test_the_trial_page_never_reads_the_fields_it_leaves_out(client, query):
    """``PAGE_UNUSED_TRIAL_FIELDS`` must be fields no template reads: a read would load
    it with a query of its own (and the field would no longer be deferred). On every
    trial of ``make run``'s catalog, the curated demo trials and the real registry ones."""
    from django.core.management import call_command

    from finder.models import Trial
    from finder.selectors import PAGE_UNUSED_TRIAL_FIELDS

    call_command("load_demo_catalog", verbosity=0)
    nct_ids = list(Trial.objects.values_list("nct_id", flat=True))
    assert len(nct_ids) >= 6
    for nct_id in nct_ids:
        response = client.get(f"/trials/{nct_id}/{query}")
        assert response.status_code == 200
        trial = response.context["trial"]
        assert trial.get_deferred_fields() == set(PAGE_UNUSED_TRIAL_FIELDS), nct_id


@pytest.mark.django_db
def test_the_trial_pages_queries_do_not_grow_with_its_arms_and_interventions(client):
    """Arms and interventions are read once each for the page (their links, which the
    page does not show, not at all): a trial with more of them costs no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finder.models import Intervention
    from tests.factories import ArmFactory, CriterionFactory

    def trial_with(n: int, nct_id: str) -> str:
        trial = TrialFactory(nct_id=nct_id)
        CriterionFactory(trial=trial)
        for k in range(n):
            arm = ArmFactory(trial=trial, label=f"Arm {k}", order=k)
            drug = Intervention.objects.create(trial=trial, type="DRUG", name=f"Drug {k}")
            drug.arms.add(arm)
        return nct_id

    counts = []
    for n, nct_id in ((1, "NCT90000001"), (5, "NCT90000005")):
        url = f"/trials/{trial_with(n, nct_id)}/"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert f"Drug {n - 1}" in html and f"Arm {n - 1}" in html
        counts.append(len(queries))
    assert counts[0] == counts[1]
