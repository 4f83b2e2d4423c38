"""CORS for the partners' configured origins, under /api/ only (issue 21 found none)."""

import json

import pytest

pytestmark = pytest.mark.django_db

WIDGET = "https://widget.example.org"
STRANGER = "https://evil.example.net"
TRIAL = "/api/v1/trials/NCT00548405/"


@pytest.fixture
def partner_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [WIDGET, "https://ms-society.example.org"]


def preflight(client, url, origin, method="POST", headers="authorization, content-type"):
    return client.options(
        url,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_a_configured_origin_may_read_the_api(api, care_ms_ii, partner_origins):
    response = api.get(TRIAL, HTTP_ORIGIN=WIDGET)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == WIDGET
    assert "origin" in response["Vary"].lower()
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "last-modified", "location", "retry-after"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response


def test_an_origin_not_configured_gets_no_cors_headers(api, care_ms_ii, partner_origins):
    response = api.get(TRIAL, HTTP_ORIGIN=STRANGER)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_without_configuration_no_origin_is_allowed(api, care_ms_ii, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in api.get(TRIAL, HTTP_ORIGIN=WIDGET)


def test_a_preflight_is_answered_for_a_configured_origin(api, care_ms_ii, partner_origins):
    response = preflight(
        api, "/api/v1/match/", WIDGET, headers="authorization, content-type, idempotency-key"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == WIDGET
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-none-match"} <= allowed
    assert int(response["Access-Control-Max-Age"]) > 0


def test_a_preflight_from_another_origin_allows_nothing(api, care_ms_ii, partner_origins):
    response = preflight(api, "/api/v1/match/", STRANGER)
    assert "Access-Control-Allow-Origin" not in response


def test_a_cross_origin_post_works_with_a_key_header(keyed_api, care_ms_ii, partner_origins):
    from tests.factories import ELIGIBLE_ANSWERS

    response = keyed_api.post(
        "/api/v1/match/",
        json.dumps({"answers": ELIGIBLE_ANSWERS}),
        content_type="application/json",
        HTTP_ORIGIN=WIDGET,
    )
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == WIDGET


@pytest.mark.parametrize(
    ("url", "status", "extra"),
    [
        ("/api/v1/no-such-endpoint/", 404, {}),
        ("/api/v1/trials/", 401, {"HTTP_AUTHORIZATION": "Api-Key nope.nope"}),
        ("/api/v1/trials/?nope=1", 400, {}),
    ],
)
def test_errors_carry_cors_headers_so_the_widget_can_read_them(
    api, care_ms_ii, partner_origins, url, status, extra
):
    response = api.get(url, HTTP_ORIGIN=WIDGET, **extra)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == WIDGET


def test_a_body_too_large_carries_cors_headers(api, care_ms_ii, partner_origins, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api.post(
        "/api/v1/match/", "x" * 200, content_type="application/json", HTTP_ORIGIN=WIDGET
    )
    assert response.status_code == 413
    assert response["Access-Control-Allow-Origin"] == WIDGET


@pytest.mark.parametrize("url", ["/", "/trials/", "/accounts/login/"])
def test_pages_get_no_cors_headers(client, care_ms_ii, partner_origins, url):
    response = client.get(url, HTTP_ORIGIN=WIDGET)
    assert "Access-Control-Allow-Origin" not in response
    assert preflight(client, url, WIDGET).get("Access-Control-Allow-Origin") is None
