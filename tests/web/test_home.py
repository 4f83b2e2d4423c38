"""The home page: search by condition and place, in English and Spanish, no inline code."""

import re


def test_it_works(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert '<label class="field__label" for="id_condition">Condition</label>' in html
    assert 'for="id_location">Your postal code or city</label>' in html
    assert 'action="/trials/"' in html and 'method="get"' in html
    assert '<main id="main"' in html


def test_it_has_no_inline_script_or_style(client, db):
    html = client.get("/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert " style=" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_it_serves_a_strict_content_security_policy(client, db):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_honours_accept_language(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Encuentre un ensayo clínico de esclerosis múltiple cerca de usted" in html
    assert "Su código postal o ciudad" in html


def test_the_language_switch_posts_to_set_language(client, db):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/" method="post"' in html
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="es">' in client.get("/").content.decode()


def test_the_locate_script_is_external_and_hidden_until_it_runs(client, db):
    html = client.get("/").content.decode()
    assert '<script src="/static/js/locate.js" defer></script>' in html
    assert re.search(r"<button[^>]*data-locate[^>]*hidden", html)
