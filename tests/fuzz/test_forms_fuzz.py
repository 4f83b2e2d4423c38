"""Every HTML form, fuzzed with hypothesis: whatever is posted, never a 500.

Each form gets random text and known attack strings in every field (and in fields it
does not have); the answer is the page again with errors (200/400), a redirect, or a
refusal (403/404/405/429), never a server error.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import TRIAL
from .strategies import hostile_text, hostile_values

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUESTION_KEYS = [
    "age",
    "ms_diagnosis",
    "ms_course",
    "edss",
    "treatments_ever",
    "relapses_last_12_months",
    "diagnosis_date",
    "no_such_question",
]


def assert_no_server_error(response):
    assert response.status_code < 500, (response.status_code, response.content[:500])


@FUZZ
@given(location=hostile_text, condition=hostile_text, lat=hostile_text, lon=hostile_text)
def test_search_form_never_fails(client, site, location, condition, lat, lon):
    for url in ("/", "/trials/"):
        params = {"location": location, "condition": condition, "lat": lat, "lon": lon}
        assert_no_server_error(client.get(url, params))


@FUZZ
@given(question=st.one_of(st.sampled_from(QUESTION_KEYS), hostile_text), value=hostile_values)
def test_trial_questionnaire_form_never_fails(client, trial, question, value):
    data = {"question": question, question: value, "age": value}
    assert_no_server_error(client.post(f"/trials/{TRIAL}/check/", data))
    assert_no_server_error(client.get(f"/trials/{TRIAL}/check/result/"))


@FUZZ
@given(question=st.one_of(st.sampled_from(QUESTION_KEYS), hostile_text), value=hostile_values)
def test_find_trials_questionnaire_form_never_fails(client, trial, question, value):
    assert_no_server_error(client.get("/check/"))
    data = {"question": question, question: value}
    assert_no_server_error(client.post("/check/questions/", data))
    assert_no_server_error(client.get("/check/results/"))


@FUZZ
@given(
    site_choice=hostile_text,
    name=hostile_text,
    email=hostile_text,
    phone=hostile_text,
    consent=hostile_text,
)
def test_contact_form_never_fails(screened_patient, site, site_choice, name, email, phone, consent):
    for chosen in (site_choice, str(site.pk)):
        data = {"site": chosen, "name": name, "email": email, "phone": phone, "consent": consent}
        assert_no_server_error(screened_patient.post(f"/trials/{TRIAL}/contact/", data))


@FUZZ
@given(username=hostile_text, password=hostile_text, next_url=hostile_text)
def test_login_form_never_fails(client, db, username, password, next_url):
    response = client.post(
        f"/accounts/login/?next={next_url}", {"username": username, "password": password}
    )
    assert_no_server_error(response)
    if response.status_code == 302:  # never an open redirect off the site
        assert not response["Location"].startswith(("http", "//"))


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "site",
                "patient_name",
                "patient_email",
                "patient_phone",
                "clinician_name",
                "clinician_email",
                "clinician_phone",
                "consent",
                "age",
                "edss",
                "ms_course",
                "treatments_ever",
            ]
        ),
        hostile_values,
        max_size=12,
    )
)
def test_clinician_referral_form_never_fails(client, site, clinician, fields):
    client.force_login(clinician, backend="django.contrib.auth.backends.ModelBackend")
    assert_no_server_error(client.post(f"/clinician/trials/{TRIAL}/refer/", fields))


@FUZZ
@given(status=hostile_text, note=hostile_text, trial_filter=hostile_text, page=hostile_text)
def test_site_team_forms_never_fail(
    client, referral, coordinator, status, note, trial_filter, page
):
    client.force_login(coordinator, backend="django.contrib.auth.backends.ModelBackend")
    base = f"/team/referrals/{referral.reference}/"
    queue = client.get("/team/referrals/", {"status": status, "trial": trial_filter, "page": page})
    assert_no_server_error(queue)
    assert_no_server_error(client.post(f"{base}status/", {"status": status, "note": note}))
    assert_no_server_error(client.post(f"{base}notes/", {"note": note}))
    assert_no_server_error(client.get(f"/team/referrals/{quote(status[:40], safe='')}/"))
