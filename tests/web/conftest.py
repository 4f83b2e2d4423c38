"""Fixtures of the patient page tests: the demo catalog and a client speaking a language."""

import pytest
from django.core.management import call_command

CARE_MS_II = "NCT00548405"
CARE_MS_I = "NCT00530348"


@pytest.fixture
def demo_catalog(db):
    """CARE-MS II (191 illustrative sites) and CARE-MS I, with their curated criteria (the
    real registry trials of ``make run`` are tests/web/test_real_catalog.py's)."""
    call_command("load_demo_catalog", care_ms_only=True, verbosity=0)
    from finder.models import Trial

    return {trial.nct_id: trial for trial in Trial.objects.all()}


@pytest.fixture
def care_ms_ii(demo_catalog):
    return demo_catalog[CARE_MS_II]


@pytest.fixture
def care_ms_i(demo_catalog):
    return demo_catalog[CARE_MS_I]


#: A typical CARE-MS II candidate, as the web form posts it (strings, like a browser).
ELIGIBLE_FORM = {
    "age": "35",
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": "4",
    "relapses_last_12_months": "1",
    "relapses_last_24_months": "2",
    "relapse_on_interferon_or_glatiramer": "yes",
    "edss": "3",
    "mri_lesions_confirmed": "yes",
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": "no",
}


def current_question(response) -> str | None:
    """The answer key the page asks, from its hidden ``question`` field."""
    import re

    match = re.search(r'name="question" value="([a-z_0-9]+)"', response.content.decode())
    return match.group(1) if match else None


def answer_questions(client, url: str, answers: dict, *, limit: int = 30) -> list[str]:
    """Answer every question asked at ``url`` from ``answers``; returns the keys asked.

    A value of ``"unsure"`` presses the "not sure" button for numbers and lists.
    """
    asked = []
    response = client.get(url)
    while response.status_code == 200 and (key := current_question(response)):
        assert len(asked) < limit
        asked.append(key)
        value = answers[key]
        data = {"question": key}
        if value == "unsure" and f'name="{key}" value="unsure"' not in response.content.decode():
            data["answer_unsure"] = "1"
        else:
            data[key] = value
        posted = client.post(url, data)
        assert posted.status_code == 302, posted.content.decode()[:2000]
        if "/result" in posted.url:
            break
        response = client.get(posted.url)
    return asked
