"""config.middleware in process: a lost database is a 503, an oversized body a 413."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.production.urls")]

PAGE = "/probe/users/"
API = "/api/probe/users/"


@pytest.fixture
def database_down():
    """Every new query fails as it does while PostgreSQL restarts."""
    error = OperationalError("terminating connection due to administrator command")
    with (
        mock.patch("django.db.backends.utils.CursorWrapper._execute", side_effect=error),
        mock.patch("django.db.backends.utils.CursorWrapper._executemany", side_effect=error),
    ):
        yield


def test_a_page_is_a_503_without_traceback_when_the_database_is_down(client, database_down):
    response = client.get(PAGE)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Traceback" not in body and "OperationalError" not in body
    assert "try again" in body


def test_the_api_is_a_problem_503_when_the_database_is_down(client, database_down):
    response = client.get(API)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503


def test_a_lost_connection_is_a_503_too(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper._execute",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = client.get(PAGE)
    assert response.status_code == 503


def test_a_database_error_after_the_view_is_a_503(client):
    """Saving the session happens after the view; its failure must not be a 500."""
    client.raise_request_exception = False  # as in production: no test-client re-raise
    with mock.patch(
        "django.contrib.sessions.middleware.SessionMiddleware.process_response",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_a_bug_in_a_view_is_still_a_500(client):
    client.raise_request_exception = False
    with mock.patch("config.health.JsonResponse", side_effect=ZeroDivisionError):
        response = client.get("/healthz")
    assert response.status_code == 500


def test_the_503_carries_the_security_headers(client, database_down):
    response = client.get(PAGE)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(API, data=b"x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["title"] == "Request body too large"


def test_a_form_body_over_the_limit_is_refused(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(PAGE, data={"q": "x" * 4096})
    assert response.status_code == 413


def test_a_body_at_the_limit_goes_through(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/healthz", data=b"x" * 1024, content_type="text/plain")
    assert response.status_code == 405


def test_an_invalid_content_length_is_a_400(client):
    response = client.generic("POST", "/healthz", b"", CONTENT_LENGTH="-5")
    assert response.status_code == 400


def test_a_500_rendered_by_an_api_handler_is_a_503_when_the_connection_is_lost(client):
    """DRF exception handlers may render a database error as a 500 themselves."""
    from django.db import connections

    client.raise_request_exception = False
    with mock.patch.object(type(connections["default"]), "is_usable", return_value=False):
        response = client.get("/api/probe/database-error/")
    assert response.status_code == 503


def test_a_500_after_a_database_error_is_kept_when_the_connection_works(client):
    client.raise_request_exception = False
    response = client.get("/api/probe/database-error/")
    assert response.status_code == 500


def test_a_query_bug_is_still_a_500(client):
    from django.db import connection

    client.raise_request_exception = False
    with mock.patch("config.health.JsonResponse", side_effect=ProgrammingError("syntax")):
        connection.ensure_connection()
        response = client.get("/healthz")
    assert response.status_code == 500
