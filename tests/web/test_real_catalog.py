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
