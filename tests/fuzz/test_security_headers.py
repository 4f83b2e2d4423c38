"""Security headers on pages, the API and errors: HSTS, a CSP without 'unsafe-inline'
that forbids framing, no MIME sniffing, a strict referrer policy."""

from __future__ import annotations

import pytest

from .conftest import TRIAL

pytestmark = pytest.mark.django_db

URLS = [
    "/",
    "/trials/",
    f"/trials/{TRIAL}/",
    f"/trials/{TRIAL}/check/",
    "/accounts/login/",
    "/api/v1/trials/",
    f"/api/v1/trials/{TRIAL}/",
    "/api/v1/no-such-endpoint/",
    "/no-such-page/",
    "/healthz",
]


@pytest.mark.parametrize("url", URLS)
def test_every_response_carries_the_security_headers(client, trial, url):
    response = client.get(url, secure=True)
    assert response.status_code < 500
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp


def test_the_api_documentation_page_keeps_a_strict_policy(client, trial):
    response = client.get("/api/v1/docs/", secure=True)
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_plain_http_is_redirected_to_https(client, trial, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/trials/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_session_and_csrf_cookies_are_locked_down(client, trial, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client.get(f"/trials/{TRIAL}/check/", secure=True)
    client.post(f"/trials/{TRIAL}/check/", {"question": "age", "age": "34"}, secure=True)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["secure"]
