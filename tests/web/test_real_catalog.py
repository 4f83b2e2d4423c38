"""The four real recruiting trials of the demo catalog: their pages and questionnaires in
English and Spanish, each criterion shown with whether we check it."""

from __future__ import annotations

import html
from io import StringIO

import pytest
from django.core.management import call_command

from finder.models import Trial

pytestmark = pytest.mark.django_db

REAL = ("NCT06441617", "NCT06408259", "NCT06433752", "NCT04047628")


@pytest.fixture
def catalog():
    call_command("load_demo_catalog", stdout=StringIO())


def page(client, url, lang="en"):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def test_the_trial_page_shows_each_criterion_and_whether_we_check_it(client, catalog):
    for nct_id in REAL:
        trial = Trial.objects.get(nct_id=nct_id)
        checked = trial.criteria.filter(rule__isnull=False).count()
        total = trial.criteria.count()

        english = page(client, f"/trials/{nct_id}/")

        assert f"Our questions check {checked} of this study's {total} criteria" in english
        assert english.count("We check this from your answers.") == checked
        assert english.count("The study team checks this with you.") == total - checked


def test_the_trial_pages_and_questionnaires_speak_spanish(client, catalog):
    for nct_id in REAL:
        spanish = page(client, f"/trials/{nct_id}/", lang="es")
        assert '<html lang="es"' in spanish

        question = page(client, f"/trials/{nct_id}/check/", lang="es")
        assert '<html lang="es"' in question
        assert "¿" in question  # a question, asked in Spanish


def test_the_first_question_is_one_the_trials_rules_need(client, catalog):
    from eligibility.selectors import WEB_AGE_KEY, question_keys

    for nct_id in REAL:
        trial = Trial.objects.get(nct_id=nct_id)
        needed = question_keys(trials=[trial], age_key=WEB_AGE_KEY)
        form = page(client, f"/trials/{nct_id}/check/")

        assert any(f'name="question" value="{key}"' in form for key in needed), nct_id


def walk(client, nct_id: str, sex: str) -> list[str]:
    """The keys the questionnaire asks, answering ``sex`` and "not sure" to the rest (40 for
    the age), in the order asked."""
    from tests.web.conftest import current_question

    url = f"/trials/{nct_id}/check/"
    asked: list[str] = []
    response = client.get(url)
    while response.status_code == 200 and (key := current_question(response)):
        assert key not in asked and len(asked) < 40
        asked.append(key)
        data = {"question": key}
        if key == "sex":
            data["sex"] = sex
        elif key == "age":
            data["age"] = "40"
        elif f'name="{key}" value="unsure"' in response.content.decode():
            data[key] = "unsure"
        else:
            data["answer_unsure"] = "1"
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, (key, response.status_code)
    return asked


@pytest.mark.parametrize("nct_id", ["NCT04047628"])
def test_a_man_is_asked_his_sex_and_never_whether_he_is_pregnant(client, catalog, nct_id):
    """Imported trials' pregnancy lines (BEAT-MS: "Positive pregnancy test or
    breastfeeding.") read sex with the pregnancy answer: sex is asked first, and a man is
    never asked whether he is pregnant or breastfeeding."""
    trial = Trial.objects.get(nct_id=nct_id)
    assert any("pregnancy_or_breastfeeding" in str(c.rule) for c in trial.criteria.all())
    asked_of_a_woman = walk(client, nct_id, "female")
    assert "pregnancy_or_breastfeeding" in asked_of_a_woman
    assert asked_of_a_woman.index("sex") < asked_of_a_woman.index("pregnancy_or_breastfeeding")
    client.post(f"/trials/{nct_id}/check/restart/")
    asked_of_a_man = walk(client, nct_id, "male")
    assert "sex" in asked_of_a_man and "pregnancy_or_breastfeeding" not in asked_of_a_man


def test_a_derived_rule_read_from_a_line_is_one_criterion_not_two(catalog):
    """BEAT-MS's "Diagnosis of MS according to the 2017 McDonald Criteria" says what the
    record's structured fields say (ms_diagnosis = yes): one criterion, on the line."""
    trial = Trial.objects.get(nct_id="NCT04047628")
    diagnosis = [c for c in trial.criteria.all() if c.rule and c.rule.get("fact") == "ms_diagnosis"]
    assert len(diagnosis) == 1
    assert diagnosis[0].clinical_text.startswith("Diagnosis of MS according to the 2017")
