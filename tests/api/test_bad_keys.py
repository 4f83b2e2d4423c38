"""Bad keys are throttled per client address: past the rate a refused key gets 429, not 401.

Issue 21 found 300 requests with bad keys answered by 300 401s and no 429 (DRF runs its
throttles only after authentication has succeeded).
"""

import pytest
import time_machine

from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/"
BAD = "Api-Key Unknown1.abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture(autouse=True)
def _one_window():
    """Every request of a test in one fixed one-minute window (none straddles a minute)."""
    with time_machine.travel("2026-12-01 12:00:10Z", tick=False):
        yield


@pytest.fixture
def bad_key_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "bad_key": "3/minute",
        },
    }


def test_300_bad_keys_get_429s_once_past_the_rate(api, db, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["bad_key"].split("/")[0])
    statuses = [api.get(URL, HTTP_AUTHORIZATION=BAD).status_code for _ in range(300)]
    assert statuses == [401] * limit + [429] * (300 - limit)


def test_the_429_is_a_problem_with_retry_after(api, db, bad_key_rate):
    for _ in range(3):
        assert_problem(api.get(URL, HTTP_AUTHORIZATION=BAD), 401)
    response = api.get(URL, HTTP_AUTHORIZATION=BAD)
    assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_known_prefix_with_a_wrong_secret_counts_as_a_bad_key(api, partner_key, bad_key_rate):
    prefix = partner_key.split(".")[0]
    wrong = f"Api-Key {prefix}.abcdefghijklmnopqrstuvwxyz012345"
    statuses = [api.get(URL, HTTP_AUTHORIZATION=wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_good_key_from_the_same_address_keeps_working(api, partner_key, bad_key_rate):
    for _ in range(5):
        api.get(URL, HTTP_AUTHORIZATION=BAD)
    assert api.get(URL, HTTP_AUTHORIZATION=BAD).status_code == 429
    assert api.get(URL, HTTP_AUTHORIZATION=f"Api-Key {partner_key}").status_code == 200


def test_each_address_has_its_own_count(api, db, bad_key_rate):
    for _ in range(4):
        api.get(URL, HTTP_AUTHORIZATION=BAD, REMOTE_ADDR="192.0.2.1")
    assert api.get(URL, HTTP_AUTHORIZATION=BAD, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert api.get(URL, HTTP_AUTHORIZATION=BAD, REMOTE_ADDR="192.0.2.2").status_code == 401


def test_anonymous_callers_are_not_counted_as_bad_keys(api, db, bad_key_rate):
    for _ in range(5):
        assert api.get(URL).status_code == 200
    assert api.get(URL, HTTP_AUTHORIZATION=BAD).status_code == 401


def test_the_fhir_endpoints_answer_an_operation_outcome(api, db, bad_key_rate):
    for _ in range(3):
        api.get("/api/v1/fhir/ResearchStudy", HTTP_AUTHORIZATION=BAD)
    response = api.get("/api/v1/fhir/ResearchStudy", HTTP_AUTHORIZATION=BAD)
    assert response.status_code == 429
    assert response.json()["issue"][0]["code"] == "throttled"
