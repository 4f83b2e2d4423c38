"""Pausing drops what was waiting: alerts found before a pause are not sent after the
watch resumes ("changes meanwhile are not kept", ``watch_pause``; issue 22 audit, gap 6)."""

import pytest
from django.core import mail

from finder.registry import registry_sync_changed
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_pending
from watches.matching import trial_changes_detect, watch_alerts_match, watch_alerts_run
from watches.models import WatchAlert, WatchDigest
from watches.services import watch_pause, watch_resume

from .conftest import SECOND_DAY, make_watch

pytestmark = pytest.mark.django_db


def changes_matched(registry, clock) -> None:
    """The month's changes, matched to the watches, but no digest queued yet."""
    registry.month_later()
    clock.at(SECOND_DAY)
    registry_sync_changed(condition="multiple sclerosis")
    trial_changes_detect()
    watch_alerts_match()


def test_alerts_waiting_before_a_pause_are_not_sent_after_the_resume(first_snapshot, clock):
    watch = make_watch()
    changes_matched(first_snapshot, clock)
    assert watch.alerts.exists()
    watch_pause(watch=watch)
    watch_resume(watch=watch)
    mail.outbox.clear()
    run = watch_alerts_run()
    outbox_deliver_pending()
    assert run.digests == 0 and not watch.alerts.exists()
    assert mail.outbox == []


def test_a_digest_queued_before_a_pause_is_cancelled(first_snapshot, clock):
    watch = make_watch()
    changes_matched(first_snapshot, clock)
    watch_alerts_run()  # the digest is queued, not delivered yet
    digest = WatchDigest.objects.get(watch=watch)
    watch_pause(watch=watch)
    watch_resume(watch=watch)
    mail.outbox.clear()
    outbox_deliver_pending()
    assert mail.outbox == []
    message = OutboxMessage.objects.get(kind="watch_digest", subject_id=digest.pk)
    assert (message.status, message.last_error) == ("cancelled", "paused")
    assert not WatchAlert.objects.filter(watch=watch).exists()


def test_a_sent_digest_keeps_its_alerts_and_other_watches_keep_theirs(first_snapshot, clock):
    watch = make_watch()
    other = make_watch(email="other@example.org")
    changes_matched(first_snapshot, clock)
    watch_alerts_run()
    outbox_deliver_pending()
    sent = watch.alerts.count()
    assert sent and WatchDigest.objects.get(watch=watch).sent_at is not None
    other_alerts = other.alerts.count()
    watch_pause(watch=watch)
    watch_resume(watch=watch)
    assert watch.alerts.count() == sent  # what was sent is history, kept as long as ever
    assert other.alerts.count() == other_alerts


def test_pausing_a_paused_watch_or_resuming_an_active_one_drops_nothing(first_snapshot, clock):
    watch = make_watch()
    changes_matched(first_snapshot, clock)
    waiting = watch.alerts.count()
    watch_resume(watch=watch)  # active already: nothing happens
    assert watch.alerts.count() == waiting
