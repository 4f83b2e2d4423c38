"""``Idempotency-Key`` on POST /api/v1/referrals/: a retry never makes a second referral.

Issue 21, item 2: three identical POSTs with one key made three referrals. Now, per
partner and for 24 hours, the same key with the same body gives back the first referral
(200, ``Location``, ``Idempotent-Replayed: true``); with another body it is a 409.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from eligibility.models import Screening
from notifications.models import OutboxMessage
from referrals import services
from referrals.audit import Actor
from referrals.models import IdempotencyKey, Referral
from referrals.tasks import referral_contacts_erase_expired
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS

URL = "/api/v1/referrals/"
KEY = "9f1c2a4e-5b7d-4e0f-a1b2-c3d4e5f60718"


def body(target, **overrides):
    data = {
        "trial": target.trial.nct_id,
        "site": target.pk,
        "answers": ELIGIBLE_ANSWERS,
        "contact": CONTACT,
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client, partner_key, django_capture_on_commit_callbacks):
    def do(data, key=KEY, api_key=None):
        headers = {"Authorization": f"Api-Key {api_key or partner_key[1]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        payload = data if isinstance(data, str) else json.dumps(data)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, payload, content_type="application/json", headers=headers)

    return do


def test_three_identical_posts_with_one_key_make_one_referral(post, site, coordinator):
    responses = [post(body(site)) for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 200, 200]
    assert len({r.json()["reference"] for r in responses}) == 1
    assert Referral.objects.count() == 1
    assert Screening.objects.count() == 1
    # The site team and the patient were told once.
    assert OutboxMessage.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_first_referral_comes_back_with_its_location(post, site):
    first = post(body(site))
    again = post(body(site))
    reference = first.json()["reference"]
    location = f"http://testserver/api/v1/referrals/{reference}/"
    assert first.status_code == 201
    assert first["Location"] == location
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Location"] == location
    assert again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_a_409(post, site):
    first = post(body(site))
    other = post(body(site, contact={**CONTACT, "name": "Bob Lindqvist"}))
    assert other.status_code == 409
    assert other["Content-Type"] == "application/problem+json"
    problem = other.json()
    assert problem["status"] == 409
    assert problem["errors"] == [
        {"field": "Idempotency-Key", "message": "already used with another body"}
    ]
    assert "Lindqvist" not in other.content.decode()
    assert KEY not in other.content.decode()
    assert Referral.objects.count() == 1
    assert post(body(site)).json()["reference"] == first.json()["reference"]


def test_key_order_and_whitespace_do_not_make_another_body(post, site):
    first = post(body(site))
    data = body(site)
    reordered = (
        "{\n  "
        + ",\n  ".join(
            f"{json.dumps(name)}: {json.dumps(data[name], indent=4)}" for name in reversed(data)
        )
        + "\n}"
    )
    again = post(reordered)
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]


def test_without_a_key_every_post_is_a_new_request(post, site):
    # The second screening is new, so it is a second referral: only a key says "retry".
    assert post(body(site), key=None).status_code == 201
    assert post(body(site), key=None).status_code == 201
    assert Referral.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_keys_are_per_partner(post, site, other_partner_key):
    mine = post(body(site))
    # The same key from another partner, even with another body, is its own request.
    theirs = post(
        body(site, contact={**CONTACT, "name": "Bob Lindqvist"}), api_key=other_partner_key[1]
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert post(body(site)).json()["reference"] == mine.json()["reference"]


def test_a_key_counts_for_24_hours(post, site):
    first = post(body(site))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))
    assert post(body(site)).status_code == 200
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    later = post(body(site, contact={**CONTACT, "name": "Bob Lindqvist"}))
    assert later.status_code == 201  # an old key is a new request, whatever its body
    assert later.json()["reference"] != first.json()["reference"]
    assert IdempotencyKey.objects.count() == 1  # the expired row made way for the new one


def test_a_refused_request_leaves_its_key_free(post, site):
    refused = post(body(site, answers={**ELIGIBLE_ANSWERS, "edss": 2.3}))
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(body(site)).status_code == 201


def test_keys_and_bodies_are_stored_hashed(post, site):
    post(body(site))
    row = IdempotencyKey.objects.get()
    assert len(row.key_hash) == len(row.body_hash) == 64
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a quoted table name
        stored = repr(cursor.fetchall())
    for sent in (KEY, CONTACT["email"], "Zebrowski", "interferon_beta", "NCT00548405"):
        assert sent not in stored, sent


@pytest.mark.parametrize("key", ["", "two words", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(post, site, key):
    response = post(body(site), key=key)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    if key:
        assert key not in response.content.decode()
    assert not Referral.objects.exists()


def test_the_longest_key_is_accepted(post, site):
    assert post(body(site), key="k" * 255).status_code == 201


def test_input_errors_come_before_the_key(post, site):
    post(body(site))
    response = post(body(site, notes="x"))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["notes"]


def test_expired_keys_are_purged_by_the_retention_job(post, site, settings):
    post(body(site))
    post(body(site), key="another-key")
    IdempotencyKey.objects.filter(pk=IdempotencyKey.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert referral_contacts_erase_expired.apply().get() == 0  # no contact erased
    assert IdempotencyKey.objects.count() == 1
    assert Referral.objects.count() == 2  # the referrals stay


def test_a_request_that_lost_the_race_gets_the_first_referral(post, site, partner_key):
    first = post(body(site))
    real = services._idempotent_referral
    calls = []

    def not_yet_committed(**kwargs):
        # The first look misses (the winner had not committed yet); the second finds it.
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    with mock.patch.object(services, "_idempotent_referral", side_effect=not_yet_committed):
        referral, created = services.referral_create_idempotent(
            partner=partner_key[0],
            key=KEY,
            body=body(site),
            trial=site.trial,
            site=site,
            answers=ELIGIBLE_ANSWERS,
            contact=CONTACT,
            consent=True,
            actor=Actor("partner", partner=partner_key[0]),
        )
    assert (referral.reference, created) == (first.json()["reference"], False)
    assert len(calls) == 2
    assert Referral.objects.count() == 1
    assert Screening.objects.count() == 1  # the loser's screening went with its transaction


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_key_make_one_referral(site, partner_key):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    start = threading.Barrier(2)
    results: list[tuple[int, str]] = []

    def send():
        try:
            start.wait(timeout=10)
            response = Client().post(
                URL,
                json.dumps(body(site)),
                content_type="application/json",
                headers={"Authorization": f"Api-Key {partner_key[1]}", "Idempotency-Key": KEY},
            )
            results.append((response.status_code, response.json().get("reference")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(code for code, _ in results) == [200, 201]
    assert len({reference for _, reference in results}) == 1
    assert Referral.objects.count() == 1
