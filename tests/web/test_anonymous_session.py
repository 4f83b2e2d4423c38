"""A visitor who has typed no place and answered nothing gets no session (issue 23).

The pages read the session (a place found earlier, answers given), but only a place or
an answer writes it, so a passing visitor, a crawler or a load test leaves no row in
``django_session`` and no ``sessionid`` cookie.
"""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import CARE_MS_II

PAGES = [
    "/",
    "/trials/",
    "/trials/?condition=multiple+sclerosis",
    "/trials/?condition=MS&page=2",
    f"/trials/{CARE_MS_II}/",
    f"/trials/{CARE_MS_II}/?page=2&other_page=1",
    f"/trials/{CARE_MS_II}/?country=United+States",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_page_creates_no_session_for_a_visitor_who_did_nothing(client, demo_catalog, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_browsing_every_page_leaves_no_session(client, demo_catalog):
    for url in PAGES:
        client.get(url)
    assert not Session.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_a_typed_place_starts_a_session_and_is_kept_across_pages(client, demo_catalog):
    response = client.get("/trials/", {"location": "94301"})
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert Session.objects.count() == 1
    trial_page = client.get(f"/trials/{CARE_MS_II}/").content.decode()
    assert "Recruiting in Palo Alto (2 mi)" in trial_page
    assert 'value="94301"' in trial_page
    assert 'value="94301"' in client.get("/").content.decode()
    search = client.get("/trials/").content.decode()
    assert "Nearest clinic first, from Palo Alto" in search


def test_a_place_typed_on_the_trial_page_ranks_the_search(client, demo_catalog):
    client.get(f"/trials/{CARE_MS_II}/", {"location": "Madrid, Spain"})
    html = client.get("/trials/").content.decode()
    assert "Nearest clinic first, from Madrid" in html
    assert " km)" in html


def test_the_same_place_again_does_not_write_the_session(client, demo_catalog):
    client.get("/trials/", {"location": "94301"})
    with CaptureQueriesContext(connection) as queries:
        client.get("/trials/", {"location": "94301", "page": "1"})
    writes = [
        q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]
    ]
    assert writes == []
    client.get("/trials/", {"location": "Madrid, Spain"})
    assert "Madrid" in client.get("/trials/").content.decode()


def test_an_answer_starts_a_session(client, care_ms_ii):
    response = client.post(f"/trials/{CARE_MS_II}/check/", {"question": "age", "age": "35"})
    assert response.status_code == 302
    assert Session.objects.count() == 1
    assert client.session["answers"] == {"age": 35}


def test_opening_the_questionnaire_without_answering_creates_no_session(client, care_ms_ii):
    assert client.get(f"/trials/{CARE_MS_II}/check/").status_code == 200
    assert not Session.objects.exists()


def test_a_new_session_costs_one_insert_and_a_key_in_use_is_drawn_again(db, monkeypatch):
    """The store skips Django's look-up of a new key; the insert refuses a key in use
    and ``create()`` draws another, so no session is ever shared."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import config.sessions
    from config.sessions import SessionStore

    first = SessionStore()
    first["place"] = "97201"
    with CaptureQueriesContext(connection) as queries:
        first.save()
    statements = [q["sql"].split()[0] for q in queries]
    assert "SELECT" not in statements and statements.count("INSERT") == 1

    keys = iter([first.session_key, "a" * 32])
    monkeypatch.setattr(config.sessions, "get_random_string", lambda *a: next(keys))
    second = SessionStore()
    second["place"] = "10001"
    second.save()
    assert second.session_key == "a" * 32
    assert SessionStore(first.session_key).load() == {"place": "97201"}
    assert Session.objects.count() == 2
