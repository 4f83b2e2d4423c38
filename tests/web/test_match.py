"""/check/: "find trials for me", the same questionnaire across every MS trial."""

from eligibility.models import Screening
from tests.web.conftest import CARE_MS_I, ELIGIBLE_FORM, answer_questions

QUESTIONS = "/check/questions/"
RESULTS = "/check/results/"


def test_the_start_page_asks_where_you_are(client, demo_catalog):
    response = client.get("/check/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Find trials for me" in html
    assert 'for="id_location"' in html


def test_the_start_page_reports_an_unknown_place(client, demo_catalog):
    response = client.post("/check/", {"location": "Qwertyville"})
    assert response.status_code == 400
    assert 'id="id_location_error"' in response.content.decode()


def test_the_start_page_moves_on_with_or_without_a_place(client, demo_catalog):
    assert client.post("/check/", {"location": "94301"}).url == QUESTIONS
    assert client.session["origin"]["country_code"] == "US"
    assert client.post("/check/", {"location": ""}).url == QUESTIONS


def test_it_ranks_by_verdict_then_distance(client, demo_catalog):
    client.post("/check/", {"location": "94301"})
    asked = answer_questions(client, QUESTIONS, ELIGIBLE_FORM)
    assert len(asked) <= len(ELIGIBLE_FORM)
    html = client.get(RESULTS).content.decode()
    ii, i = html.index("(CARE-MS II)"), html.index("(CARE-MS I)")
    assert ii < i
    assert "You may qualify" in html[ii:i]
    assert "Probably not a match" in html[i:]
    assert "Recruiting in Palo Alto (2 mi)" in html
    assert f"/trials/{CARE_MS_I}/check/result/" in html
    assert Screening.objects.count() == 0  # a catalog match stores nothing


def test_a_newly_diagnosed_untreated_patient_fits_care_ms_i(client, demo_catalog):
    naive = {
        **ELIGIBLE_FORM,
        "years_since_first_symptoms": "1",
        "edss": "2",
        "relapse_on_interferon_or_glatiramer": "no",
        "treatments_ever": ["none"],
        "treatments_last_6_months": ["none"],
    }
    answer_questions(client, QUESTIONS, naive)
    html = client.get(RESULTS).content.decode()
    assert html.index("(CARE-MS I)") < html.index("(CARE-MS II)")


def test_the_trial_result_reuses_the_answers(client, demo_catalog):
    answer_questions(client, QUESTIONS, ELIGIBLE_FORM)
    html = client.get(f"/trials/{CARE_MS_I}/check/result/").content.decode()
    assert "This study is probably not a match for you" in html
    assert "other than corticosteroids" in html


def test_the_results_need_answers(client, demo_catalog):
    assert client.get(RESULTS).url == QUESTIONS


def test_restart_clears_the_answers(client, demo_catalog):
    answer_questions(client, QUESTIONS, {**ELIGIBLE_FORM, "age": "70"})
    assert client.post("/check/restart/").url == "/check/"
    assert "answers" not in client.session
