"""What Django answers itself is problem details under /api/, and every refused request
leaves one short log line (issue 21 found HTML pages for a path with %0A, and log lines
as long as the client made them)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import RequestFactory

from config import api, urls

pytestmark = pytest.mark.django_db

LONG = "x" * 6000


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def one_short_line(log) -> logging.LogRecord:
    records = [r for r in log.records if r.levelno >= logging.INFO]
    assert len(records) == 1, [r.getMessage()[:100] for r in records]
    assert records[0].exc_info is None
    assert len(records[0].getMessage()) <= 250
    assert "\n" not in records[0].getMessage()
    return records[0]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/%0A", "/api/v1/trials/%0A/", "/api/v1/trials/NCT00548405/%0Asites/"]
)
def test_a_path_with_a_newline_is_a_problem_404(client, trial, path, log):
    assert_problem(client.get(path), 404)
    assert "\\n" in one_short_line(log).getMessage()  # escaped, on one line


def test_a_page_path_with_a_newline_is_still_the_404_page(client, trial, log):
    response = client.get("/no-such%0Apage/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    one_short_line(log)


def test_a_long_path_is_logged_cut_short(client, trial, log):
    body = assert_problem(client.get(f"/api/v1/{LONG}"), 404)
    assert len(body["detail"]) < 300
    assert one_short_line(log).getMessage().endswith("...")


def test_a_long_query_gets_one_short_line(client, trial, log):
    response = client.get(f"/api/v1/trials/?{LONG}=1")
    assert_problem(response, 400)
    one_short_line(log)


@pytest.mark.parametrize("url", ["/api/v1/trials/", "/trials/"])
def test_a_host_not_allowed_is_a_400_in_one_short_line(client, trial, url, log):
    response = client.get(url, HTTP_HOST="evil.example" + "x" * 3000)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert_problem(response, 400)
    record = one_short_line(log)
    assert record.name == "django.security.DisallowedHost"
    assert "evil" not in record.getMessage()


def test_too_many_parameters_on_a_page_is_one_short_line(client, trial, log):
    query = "&".join(f"p{n}=1" for n in range(300))
    assert client.get(f"/trials/?{query}").status_code == 400
    assert one_short_line(log).name == "django.security.TooManyFieldsSent"


def test_django_answers_problem_details_under_the_api():
    assert urls.handler400 == "config.api.bad_request"
    assert urls.handler403 == "config.api.permission_denied"
    assert urls.handler404 == "config.api.page_not_found"
    assert urls.handler500 == "config.api.server_error"
    request = RequestFactory().get("/api/v1/trials/")
    assert_problem(api.bad_request(request, None), 400)
    assert_problem(api.permission_denied(request, None), 403)
    assert_problem(api.page_not_found(request, None), 404)
    assert_problem(api.server_error(request), 500)


def test_elsewhere_django_answers_its_pages():
    request = RequestFactory().get("/trials/")
    for response in (api.bad_request(request, None), api.server_error(request)):
        assert response["Content-Type"].startswith("text/html")
