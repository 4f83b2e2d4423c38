"""One digest per watch per day at most, in the watcher's language, each item with its
reason and a link; through the outbox, once."""

from datetime import timedelta

import pytest
from django.core import mail

from finder.models import Trial
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_pending
from watches.matching import watch_alerts_run, watch_digests_queue
from watches.models import WatchAlert, WatchDigest

from .conftest import (
    AGED_60,
    CLOSES,
    CRITERIA,
    NEW_TRIAL,
    SITE_OPENS,
    make_watch,
    month_later,
)

pytestmark = pytest.mark.django_db


def digest_mail(address: str):
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) == 1, [m.subject for m in found]
    return found[0]


def test_a_day_of_changes_is_one_message_with_every_reason_and_link(first_snapshot, clock):
    watch = make_watch(answers=AGED_60)
    month_later(first_snapshot, clock)

    assert WatchDigest.objects.filter(watch=watch).count() == 1
    message = digest_mail("watcher@example.org")
    body = message.body
    assert message.subject == "News about 2 studies you watch"
    # The new trial, with its nearest clinic and distance, and its link.
    assert NEW_TRIAL in body
    nearest = "Now recruiting. Nearest clinic: TG Therapeutics Investigational Trial Site, Portland"
    assert nearest in body
    assert f"https://finder.example.org/trials/{NEW_TRIAL}/" in body
    # ENABLE's new age limit: the verdicts before and after, in the result pages' words.
    assert (
        "Its criteria changed, and so did your result with the answers you saved: "
        "now “Probably not a match” (before: “You might qualify: some questions are open”)."
    ) in body
    assert f"https://finder.example.org/trials/{CRITERIA}/" in body
    # Nothing about the paediatric trial (ruled out) or BEAT-MS (unchanged).
    assert SITE_OPENS not in body and "NCT04047628" not in body
    assert "https://finder.example.org/watches/manage/" in body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://finder.example.org/watches/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_message_holds_no_personal_details(first_snapshot, clock):
    make_watch(answers={**AGED_60, "edss": 3.5}, email="private.person@example.org")
    month_later(first_snapshot, clock)
    message = digest_mail("private.person@example.org")
    text = message.subject + message.body + "".join(message.extra_headers.values())
    assert "private.person" not in text
    assert "3.5" not in text and " 60" not in text


def test_a_second_run_the_same_day_sends_nothing_more(first_snapshot, clock):
    watch = make_watch()
    month_later(first_snapshot, clock)
    sent = len(mail.outbox)
    run = watch_alerts_run()
    outbox_deliver_pending()
    assert (run.changes, run.alerts, run.digests) == (0, 0, 0)
    assert len(mail.outbox) == sent
    assert WatchDigest.objects.filter(watch=watch).count() == 1


def test_alerts_found_after_the_days_digest_wait_for_the_next_day(first_snapshot, clock):
    from finder.models import OverallStatus

    watch = make_watch(trial=Trial.objects.get(nct_id=SITE_OPENS), radius_km=80)
    month_later(first_snapshot, clock)
    assert WatchDigest.objects.filter(watch=watch).count() == 1
    # Later that day the followed trial stops recruiting: the alert waits for tomorrow.
    Trial.objects.filter(nct_id=SITE_OPENS).update(overall_status=OverallStatus.COMPLETED)
    clock.forward(timedelta(hours=3))
    assert watch_alerts_run().digests == 0
    waiting = WatchAlert.objects.get(watch=watch, digest__isnull=True)
    assert waiting.kind == "closed"
    clock.forward(timedelta(days=1))
    mail.outbox.clear()
    assert watch_alerts_run().digests == 1
    outbox_deliver_pending()
    assert (
        "It stopped recruiting (status now: Completed)." in digest_mail("watcher@example.org").body
    )


def test_the_digest_is_in_the_watchers_language(first_snapshot, clock):
    make_watch(trial=Trial.objects.get(nct_id=CLOSES), language="es", email="lectora@example.org")
    month_later(first_snapshot, clock)
    message = digest_mail("lectora@example.org")
    assert message.extra_headers["Content-Language"] == "es"
    # The reason in Spanish, the status words from the catalogue's Spanish.
    assert "Ha dejado de reclutar (estado actual: Activo, sin reclutar)." in message.body
    assert "status now" not in message.body


def test_a_digest_of_a_watch_paused_before_delivery_is_cancelled(first_snapshot, clock):
    from watches.services import watch_pause

    watch = make_watch()
    first_snapshot.month_later()
    clock.forward(timedelta(days=31))
    from finder.registry import registry_sync_changed

    registry_sync_changed(condition="multiple sclerosis")
    assert watch_alerts_run().digests == 1
    watch_pause(watch=watch)
    mail.outbox.clear()
    outbox_deliver_pending()
    assert mail.outbox == []
    digest = WatchDigest.objects.get(watch=watch)
    message = OutboxMessage.objects.get(kind="watch_digest", subject_id=digest.pk)
    assert (message.status, message.last_error) == ("cancelled", "no recipient")


def test_digests_are_queued_in_the_outbox_with_their_alerts(first_snapshot, clock):
    first = make_watch(email="one@example.org")
    second = make_watch(email="two@example.org")
    first_snapshot.month_later()
    clock.forward(timedelta(days=31))
    from finder.registry import registry_sync_changed
    from watches.matching import trial_changes_detect, watch_alerts_match

    registry_sync_changed(condition="multiple sclerosis")
    trial_changes_detect()
    watch_alerts_match()
    assert WatchAlert.objects.filter(digest__isnull=True).count() > 0
    assert watch_digests_queue() == 2
    assert not WatchAlert.objects.filter(digest__isnull=True).exists()
    for watch in (first, second):
        digest = WatchDigest.objects.get(watch=watch)
        assert (
            OutboxMessage.objects.filter(
                kind="watch_digest", subject_id=digest.pk, status="pending"
            ).count()
            == 1
        )
    assert watch_digests_queue() == 0
