"""/healthz and /readyz, in process: what a load balancer sees in each state."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_sets_no_cookie(client):
    response = client.get("/healthz")
    assert not response.cookies


def test_readyz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_readyz_names_the_database_when_it_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "down: OperationalError", "cache": "ok"}


def test_readyz_names_the_cache_when_it_is_down(client):
    with mock.patch("config.health.cache.set", side_effect=ConnectionError("refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "down: ConnectionError"}


def test_readyz_does_not_leak_connection_details(client):
    secret = "password=hunter2 host=db.internal"
    with mock.patch("config.health.cache.get", side_effect=ConnectionError(secret)):
        response = client.get("/readyz")
    assert secret not in response.content.decode()


def test_health_checks_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_health_checks_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301
