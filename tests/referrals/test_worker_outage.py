"""With a real Redis and a real Celery worker: an outage loses nothing and sends nothing twice.

The test starts its own redis-server on a spare port (never the machine's shared one)
and a real ``celery -A config worker`` with an embedded beat that runs the periodic
``outbox_deliver_pending`` every second. Mail goes to files in a temp directory; every
email carries its outbox message id, so "exactly once" is counted, not assumed.
"""

import time

import pytest
from django.urls import reverse

from eligibility.services import screening_evaluate
from notifications.models import OutboxMessage
from notifications.tasks import outbox_deliver
from referrals.models import Referral
from tests.referrals.conftest import CONTACT, ELIGIBLE_ANSWERS, delivered_messages, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

API_REFERRALS = 3
PAGE_REFERRALS = 2


def api_referral(client, site, key):
    return client.post(
        "/api/v1/referrals/",
        {"trial": site.trial.nct_id, "site": site.pk, "answers": ELIGIBLE_ANSWERS,
         "contact": CONTACT, "consent": True},
        content_type="application/json",
        headers={"Authorization": f"Api-Key {key}"},
    )  # fmt: skip


def page_referral(client, site):
    trial = site.trial
    screening = screening_evaluate(trial=trial, answers=ELIGIBLE_ANSWERS).screening
    session = client.session
    session["screenings"] = {trial.nct_id: ["fingerprint", str(screening.pk)]}
    session.save()
    data = {"site": site.pk, "name": CONTACT["name"], "email": CONTACT["email"], "consent": "on"}
    response = client.post(reverse("referral_create", args=[trial.nct_id]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def all_sent():
    return not OutboxMessage.objects.exclude(status="sent").exists()


def test_referrals_made_while_redis_is_down_are_delivered_exactly_once_when_it_is_back(
    client, site, coordinator, partner_key, redis_server, celery_worker, mail_dir
):
    # Redis up: the ordinary path (queued on commit, sent by the worker).
    assert api_referral(client, site, partner_key[1]).status_code == 201
    wait_for(all_sent, 30, what="the first referral's messages")
    assert len(delivered_messages(mail_dir)) == 2

    redis_server.stop()
    timings = []
    for _ in range(API_REFERRALS):
        started = time.monotonic()
        response = api_referral(client, site, partner_key[1])
        timings.append(time.monotonic() - started)
        assert response.status_code == 201
    for _ in range(PAGE_REFERRALS):
        started = time.monotonic()
        confirmation = page_referral(client, site)
        timings.append(time.monotonic() - started)
        assert confirmation.status_code == 200
        reference = client.session["referral_sent"]["reference"]
        assert reference in confirmation.content.decode()
    assert Referral.objects.count() == 1 + API_REFERRALS + PAGE_REFERRALS
    pending = OutboxMessage.objects.filter(status="pending").count()
    assert pending == 2 * (API_REFERRALS + PAGE_REFERRALS)
    print(f"responses while Redis was down: max {max(timings):.2f}s, all {timings}")
    assert max(timings) < 10

    redis_server.start()  # same port: the worker and this process reconnect
    # Race the periodic task on purpose: queue every message once more ourselves.
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        outbox_deliver.apply_async((message_id,), retry=True)
    wait_for(all_sent, 90, interval=0.5, what="every pending message to be sent")
    time.sleep(3)  # let any duplicate that was going to happen happen

    delivered = delivered_messages(mail_dir)
    expected = {str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True)}
    assert sorted(delivered) == sorted(expected), "each message exactly once"
    assert len(delivered) == 2 * Referral.objects.count()
    # And none of those emails carries the patient's contact details in its text.
    text = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert CONTACT["name"] not in text and "+16505550142" not in text
