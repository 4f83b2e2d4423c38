"""partners.keys: the same work for a known and an unknown prefix, and no query per request.

Timing itself is measured by bench/bench_key_check.py; these tests pin down the work
that makes it equal (no query for either, one hash verification for each).
"""

import pytest
from django.core.cache import cache
from django.db import models

from partners import keys
from partners.keys import usable_api_key
from partners.models import Partner, PartnerAPIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_key():
    partner = Partner.objects.create(name="Example MS Society")
    return PartnerAPIKey.objects.create_key(name="test", partner=partner)[1]


@pytest.fixture
def verifications(monkeypatch):
    """Every hash verification the key check makes, as (key, hash) pairs."""
    generator = PartnerAPIKey.objects.key_generator
    calls = []
    original = type(generator).verify

    def verify(self, key, hashed_key):
        calls.append((key, hashed_key))
        return original(self, key, hashed_key)

    monkeypatch.setattr(type(generator), "verify", verify)
    return calls


def wrong_secret(key: str) -> str:
    prefix, secret = key.split(".")
    return f"{prefix}.{secret[:-1]}{'y' if secret.endswith('x') else 'x'}"


def test_an_unknown_prefix_costs_no_query(partner_key, django_assert_num_queries):
    usable_api_key(partner_key)  # the process has read its table
    with django_assert_num_queries(0):
        assert usable_api_key("Unknown1.abcdefghijklmnopqrstuvwxyz012345") is None
    with django_assert_num_queries(0):
        assert usable_api_key("Unknown2.abcdefghijklmnopqrstuvwxyz012345") is None


def test_a_known_prefix_with_a_wrong_secret_costs_no_query(partner_key, django_assert_num_queries):
    usable_api_key(partner_key)
    with django_assert_num_queries(0):
        assert usable_api_key(wrong_secret(partner_key)) is None


def test_each_check_verifies_one_hash_whether_the_prefix_exists_or_not(partner_key, verifications):
    usable_api_key(partner_key)
    verifications.clear()
    unknown = "Unknown1.abcdefghijklmnopqrstuvwxyz012345"
    assert usable_api_key(unknown) is None
    assert usable_api_key(wrong_secret(partner_key)) is None
    assert usable_api_key(partner_key) is not None
    assert [key for key, _ in verifications] == [unknown, wrong_secret(partner_key), partner_key]
    decoy = verifications[0][1]
    assert decoy.startswith("sha512$$")  # the same hasher as a real key's
    assert decoy not in PartnerAPIKey.objects.values_list("hashed_key", flat=True)


def test_a_new_key_answers_at_once(partner_key):
    usable_api_key(partner_key)
    partner = Partner.objects.get()
    _, second = PartnerAPIKey.objects.create_key(name="second", partner=partner)
    assert usable_api_key(second).partner == partner


def test_a_write_that_bypasses_django_is_seen_once_the_table_is_old(partner_key, monkeypatch):
    assert usable_api_key(partner_key) is not None
    # As raw SQL would: the plain QuerySet.update, without the invalidating one's signal.
    models.QuerySet.update(PartnerAPIKey.objects.all(), revoked=True)
    assert usable_api_key(partner_key) is not None  # no new generation yet
    monkeypatch.setattr(keys, "TABLE_SECONDS", 0)
    assert usable_api_key(partner_key) is None


def test_a_write_retires_the_table_again_when_it_commits(
    partner_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        PartnerAPIKey.objects.update(name="renamed")
    # A request between the write and its commit reads the table...
    usable_api_key(partner_key)
    assert keys._table.current(cache.get(keys.GENERATION_CACHE_KEY))
    for callback in callbacks:
        callback()
    # ...which the commit makes stale, so the committed rows are read next time.
    assert not keys._table.current(cache.get(keys.GENERATION_CACHE_KEY))
    assert usable_api_key(partner_key).name == "renamed"


def test_malformed_keys_are_refused_without_a_look_up(django_assert_num_queries):
    with django_assert_num_queries(0):
        for key in ["", ".", "prefix", "prefix.", ".secret"]:
            assert usable_api_key(key) is None
