"""Rate limits: low for anonymous callers, higher per partner key, failing open."""

import logging
import uuid

import pytest

from config.throttling import cache_outage
from partners.models import Partner, PartnerAPIKey
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/"
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "partner": "5/minute"},
    }


def another_key() -> str:
    partner = Partner.objects.create(name=f"Partner {uuid.uuid4()}")
    return PartnerAPIKey.objects.create_key(name="other", partner=partner)[1]


def test_anonymous_callers_get_a_429_with_retry_after_over_the_limit(api, db, low_rates):
    for _ in range(3):
        assert api.get(URL).status_code == 200
    response = api.get(URL)
    body = assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "try again" in body["detail"]


def test_a_key_gets_the_higher_rate(keyed_api, low_rates):
    statuses = [keyed_api.get(URL).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_each_key_has_its_own_counter(keyed_api, api, low_rates):
    for _ in range(5):
        keyed_api.get(URL)
    assert keyed_api.get(URL).status_code == 429
    other = api.get(URL, HTTP_AUTHORIZATION=f"Api-Key {another_key()}")
    assert other.status_code == 200


def test_keyed_and_anonymous_counters_are_apart(keyed_api, api, low_rates):
    for _ in range(3):
        api.get(URL)
    assert api.get(URL).status_code == 429
    assert keyed_api.get(URL).status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_anonymous_quota(api, db, low_rates):
    for n in range(3):
        api.get(URL, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert api.get(URL, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_the_fhir_endpoints_are_throttled_with_an_operation_outcome(api, db, low_rates):
    for _ in range(3):
        api.get("/api/v1/fhir/ResearchStudy")
    response = api.get("/api/v1/fhir/ResearchStudy")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["issue"][0]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


class TestCacheDown:
    @pytest.fixture
    def dead_cache(self, settings, low_rates):
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.RedisCache",
                "LOCATION": DEAD_REDIS,
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }

    def test_the_api_keeps_answering_without_limits(self, api, db, dead_cache):
        assert [api.get(URL).status_code for _ in range(6)] == [200] * 6

    def test_keyed_callers_keep_answering_too(self, keyed_api, dead_cache):
        assert [keyed_api.get(URL).status_code for _ in range(8)] == [200] * 8

    def test_the_outage_is_logged_once(self, api, db, dead_cache, caplog):
        with caplog.at_level(logging.WARNING, logger="config.throttling"):
            for _ in range(5):
                api.get(URL)
        outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(outage_lines) == 1
        assert cache_outage.active

    def test_limits_apply_again_when_the_cache_is_back(self, api, db, dead_cache, settings, caplog):
        api.get(URL)
        assert cache_outage.active
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        cache_outage._down_until = 0.0  # the retry delay has passed
        with caplog.at_level(logging.WARNING, logger="config.throttling"):
            statuses = [api.get(URL).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert any("back" in r.getMessage() for r in caplog.records)


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.2).ping())
    except redis.RedisError:
        return False


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_counters_live_in_redis(api, db, settings, low_rates):
    # Our own database number and key prefix: the shared Redis is never flushed.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/11",
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4()}",
        }
    }
    assert [api.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]


def wrong_secret(key: str) -> str:
    prefix, secret = key.split(".")
    return f"{prefix}.{secret[:-1]}{'y' if secret.endswith('x') else 'x'}"


def test_a_wrong_secret_does_not_spend_the_partners_quota(keyed_api, api, partner_key, low_rates):
    # The partner's count rides on the key check, but only once the secret is verified.
    for _ in range(8):
        assert (
            api.get(URL, HTTP_AUTHORIZATION=f"Api-Key {wrong_secret(partner_key)}").status_code
            == 401
        )
    assert [keyed_api.get(URL).status_code for _ in range(6)] == [200] * 5 + [429]


@pytest.fixture
def redis_cache(settings):
    # Our own database number and key prefix: the shared Redis is never flushed.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/11",
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def round_trips(monkeypatch):
    """Every round trip to Redis: a command sent alone, or a pipeline's execution."""
    import redis
    from redis.client import Pipeline

    trips = []
    command, execute = redis.Redis.execute_command, Pipeline.execute

    def counted_command(self, *args, **options):
        if not isinstance(self, Pipeline):  # a pipeline's commands wait for execute()
            trips.append(args[0])
        return command(self, *args, **options)

    def counted_execute(self, *args, **kwargs):
        trips.append("pipeline:" + ",".join(str(c[0][0]) for c in self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
    monkeypatch.setattr(Pipeline, "execute", counted_execute)
    return trips


@pytest.mark.services
@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
class TestKeyedRequestsOnRedis:
    def test_the_key_check_and_the_count_are_one_round_trip(
        self, keyed_api, redis_cache, low_rates, round_trips
    ):
        keyed_api.get(URL)  # the process reads its table of keys
        round_trips.clear()
        assert keyed_api.get(URL).status_code == 200
        assert round_trips == ["pipeline:INCRBY,EXPIRE,GET"]

    def test_the_count_is_made_once_a_request(self, keyed_api, redis_cache, low_rates):
        assert [keyed_api.get(URL).status_code for _ in range(6)] == [200] * 5 + [429]

    def test_a_revoked_key_is_refused_on_its_next_request(self, keyed_api, redis_cache, low_rates):
        assert keyed_api.get(URL).status_code == 200
        PartnerAPIKey.objects.update(revoked=True)
        assert keyed_api.get(URL).status_code == 401

    def test_a_wrong_secret_does_not_spend_the_quota(
        self, keyed_api, api, partner_key, redis_cache, low_rates
    ):
        for _ in range(8):
            bad = api.get(URL, HTTP_AUTHORIZATION=f"Api-Key {wrong_secret(partner_key)}")
            assert bad.status_code == 401
        assert [keyed_api.get(URL).status_code for _ in range(6)] == [200] * 5 + [429]
