"""/trials/<nct_id>/check/: one question at a time, answers in the session, adaptive."""

import logging

import pytest

from eligibility.models import Screening
from tests.web.conftest import (
    CARE_MS_II,
    ELIGIBLE_FORM,
    answer_questions,
    current_question,
)

URL = f"/trials/{CARE_MS_II}/check/"
RESULT = f"/trials/{CARE_MS_II}/check/result/"


def post(client, key, value, **extra):
    return client.post(URL, {"question": key, key: value, **extra})


def test_it_asks_age_first_with_a_label_and_help(client, care_ms_ii):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert current_question(response) == "age"
    assert '<label for="id_age">How old are you?</label>' in html
    assert 'inputmode="numeric"' in html
    assert "Question 1 of up to 12" in html
    assert 'method="post"' in html


def test_it_saves_an_answer_in_the_session_and_never_in_the_url(client, care_ms_ii):
    response = post(client, "age", "35")
    assert response.status_code == 302
    assert response.url == URL
    assert client.session["answers"] == {"age": 35}
    assert current_question(client.get(URL)) == "ms_diagnosis"


def test_it_reaches_eligible_and_saves_one_anonymous_screening(client, care_ms_ii):
    asked = answer_questions(client, URL, ELIGIBLE_FORM)
    assert len(asked) == 12
    html = client.get(RESULT).content.decode()
    assert "You may qualify for this study" in html
    assert "the study team decides" in html
    assert Screening.objects.count() == 1
    screening = Screening.objects.get()
    assert screening.verdict == "eligible"
    assert screening.answers["age"] == 35
    client.get(RESULT)  # a reload stores nothing new
    assert Screening.objects.count() == 1


def test_it_reaches_possibly_eligible_with_questions_for_the_neurologist(client, care_ms_ii):
    answer_questions(client, URL, {**ELIGIBLE_FORM, "edss": "unsure"})
    html = client.get(RESULT).content.decode()
    assert "You might qualify, but some points are still open" in html
    neurologist = html.split('id="neurologist-title"')[1].split("</section>")[0]
    assert "What is your most recent EDSS score?" in neurologist
    assert Screening.objects.get().verdict == "possibly_eligible"


def test_it_ends_early_when_the_answer_is_settled(client, care_ms_ii):
    asked = answer_questions(client, URL, {**ELIGIBLE_FORM, "age": "60"})
    assert asked == ["age"]
    html = client.get(RESULT).content.decode()
    assert "This study is probably not a match for you" in html
    assert "criterion-result--fail" in html
    assert "you are 60" in html


def test_it_skips_questions_that_cannot_change_the_answer(client, care_ms_ii):
    answers = {**ELIGIBLE_FORM, "ms_course": "secondary_progressive"}
    asked = answer_questions(client, URL, answers)
    assert asked == ["age", "ms_diagnosis", "ms_course"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("age", "", "Enter a number."),
        ("age", "abc", "Enter a number from 0 to 120."),
        ("age", "121", "Enter a number from 0 to 120."),
        ("age", "35.5", "Enter a whole number, like 2."),
        ("age", "1" * 20, "Enter a number from 0 to 120."),
    ],
)
def test_it_rejects_bad_numbers_next_to_the_field(client, care_ms_ii, key, value, message):
    response = post(client, key, value)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{key}_error"' in html
    assert message in html
    assert 'role="alert"' in html
    assert f'aria-describedby="id_{key}_helptext id_{key}_error"' in html
    assert "answers" not in client.session


def reach(client, key):
    """Answer the questions before ``key`` from the eligible profile."""
    for _ in range(15):
        asked = current_question(client.get(URL))
        if asked == key:
            return
        post(client, asked, ELIGIBLE_FORM[asked])
    raise AssertionError(f"{key} never asked")


def test_it_rejects_an_edss_off_the_half_step(client, care_ms_ii):
    reach(client, "edss")
    response = post(client, "edss", "5.3")
    assert response.status_code == 400
    assert "Enter a number in steps of 0.5, like 3.5." in response.content.decode()


def test_it_accepts_a_decimal_comma(client, care_ms_ii):
    reach(client, "edss")
    assert post(client, "edss", "2,5").status_code == 302
    assert client.session["answers"]["edss"] == 2.5


def test_it_accepts_not_sure_for_a_number(client, care_ms_ii):
    reach(client, "edss")
    response = client.post(URL, {"question": "edss", "edss": "", "answer_unsure": "1"})
    assert response.status_code == 302
    assert client.session["answers"]["edss"] == "unsure"


def test_it_offers_not_sure_only_where_the_registry_allows(client, care_ms_ii):
    assert "answer_unsure" not in client.get(URL).content.decode()  # age
    post(client, "age", "35")
    html = client.get(URL).content.decode()
    assert 'name="ms_diagnosis" value="unsure"' in html


def test_it_requires_a_choice(client, care_ms_ii):
    post(client, "age", "35")
    response = client.post(URL, {"question": "ms_diagnosis"})
    assert response.status_code == 400
    assert "Choose one of the answers." in response.content.decode()
    assert 'href="#id_ms_diagnosis_0"' in response.content.decode()


def test_it_rejects_an_unknown_choice(client, care_ms_ii):
    post(client, "age", "35")
    response = post(client, "ms_diagnosis", "maybe")
    assert response.status_code == 400


def test_it_checks_24_months_against_12_months(client, care_ms_ii):
    reach(client, "relapses_last_24_months")
    response = post(client, "relapses_last_24_months", "0")
    assert response.status_code == 400
    assert "cannot be smaller than the number for 12 months" in response.content.decode()


def test_it_refuses_none_together_with_a_treatment(client, care_ms_ii):
    reach(client, "treatments_ever")
    response = client.post(
        URL, {"question": "treatments_ever", "treatments_ever": ["none", "fingolimod"]}
    )
    assert response.status_code == 400
    assert "Untick one of them" in response.content.decode()


def test_it_takes_none_of_these_as_an_empty_list(client, care_ms_ii):
    reach(client, "treatments_ever")
    response = client.post(URL, {"question": "treatments_ever", "treatments_ever": ["none"]})
    assert response.status_code == 302
    assert client.session["answers"]["treatments_ever"] == []


def test_it_requires_a_tick_for_a_treatment_list(client, care_ms_ii):
    reach(client, "treatments_ever")
    response = client.post(URL, {"question": "treatments_ever"})
    assert response.status_code == 400
    assert "tick &#x27;None of these&#x27;" in response.content.decode()


def test_back_shows_the_earlier_answer(client, care_ms_ii):
    post(client, "age", "35")
    html = client.get(URL).content.decode()
    assert f'href="{URL}?q=age"' in html
    back = client.get(URL, {"q": "age"}).content.decode()
    assert 'value="35"' in back
    assert f'href="/trials/{CARE_MS_II}/"' in back  # back from the first question


def test_changing_an_earlier_answer_keeps_the_others(client, care_ms_ii):
    post(client, "age", "35")
    post(client, "ms_diagnosis", "yes")
    response = client.post(URL, {"question": "age", "age": "36"})
    assert response.status_code == 302
    assert client.session["answers"] == {"age": 36, "ms_diagnosis": "yes"}
    assert current_question(client.get(URL)) == "ms_course"


def test_an_unknown_question_key_falls_back_to_the_next_question(client, care_ms_ii):
    assert current_question(client.get(URL, {"q": "password"})) == "age"


def test_it_answers_404_for_an_unknown_trial(client, db):
    assert client.get("/trials/NCT99999999/check/").status_code == 404


def test_the_result_needs_answers(client, care_ms_ii):
    response = client.get(RESULT)
    assert response.status_code == 302
    assert response.url == URL


def test_the_result_offers_the_remaining_questions(client, care_ms_ii):
    post(client, "age", "35")
    html = client.get(RESULT).content.decode()
    assert "Answer the remaining questions" in html
    assert "You might qualify" in html


def test_the_result_lists_nearest_clinics_and_the_next_step(client, care_ms_ii):
    client.get(f"/trials/{CARE_MS_II}/", {"location": "94301"})
    answer_questions(client, URL, ELIGIBLE_FORM)
    html = client.get(RESULT).content.decode()
    sites = html.split('id="sites-title"')[1]
    assert sites.index("Palo Alto") < sites.index("Oakland")
    assert "Demonstration list of clinics" in html
    assert "Ask to be contacted" in html


def test_the_result_has_no_next_step_when_ruled_out(client, care_ms_ii):
    answer_questions(client, URL, {**ELIGIBLE_FORM, "age": "60"})
    assert "Ask to be contacted" not in client.get(RESULT).content.decode()


def test_restart_clears_the_answers_and_is_post_only(client, care_ms_ii):
    post(client, "age", "35")
    assert client.get(f"{URL}restart/").status_code == 405
    response = client.post(f"{URL}restart/")
    assert response.status_code == 302
    assert "answers" not in client.session


def test_put_is_not_allowed(client, care_ms_ii):
    assert client.put(URL).status_code == 405


def test_it_speaks_spanish(client, care_ms_ii):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Cuántos años tiene?" in html
    assert "Pregunta 1 de un máximo de 12" in html
    response = client.post(URL, {"question": "age", "age": "x"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Escriba un número de 0 a 120." in response.content.decode()


def test_no_answer_reaches_the_logs(client, care_ms_ii, caplog):
    caplog.set_level(logging.DEBUG)
    reach(client, "years_since_first_symptoms")
    post(client, "years_since_first_symptoms", "7.25")  # invalid: logged as a 400
    post(client, "years_since_first_symptoms", "7.5")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "7.25" not in logged and "7.5" not in logged
