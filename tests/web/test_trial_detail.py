"""GET /trials/<nct_id>/: everything seed 000 shows, with the protocol's facts."""

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
        "About 45 spots left by April 2026",
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
    assert "Show 186 more locations" in clinics


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
    assert "Quedan unas 45 plazas hasta abril de 2026" in html


def test_the_server_error_page_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "/static/css/site.css" in html
