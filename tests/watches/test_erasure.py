"""What the watchlist erases, and when: unconfirmed watches after WATCH_CONFIRM_DAYS,
confirmed ones unused for WATCH_RETENTION_DAYS, expired links, old alerts."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from notifications.models import OutboxMessage
from watches.models import Watch, WatchToken
from watches.services import watch_token_issue, watch_used, watches_erase_expired
from watches.tasks import watches_erase_expired as erase_task

from .conftest import make_watch

pytestmark = pytest.mark.django_db


def test_an_unconfirmed_watch_is_erased_after_seven_days(clock, settings_for_mail):
    watch = make_watch(confirmed=False)
    clock.forward(timedelta(days=6, hours=23))
    assert watches_erase_expired()["unconfirmed"] == 0
    clock.forward(timedelta(hours=2))
    assert watches_erase_expired()["unconfirmed"] == 1
    assert not Watch.objects.filter(pk=watch.pk).exists()
    # Its confirmation, never sent, is cancelled: nobody will ever be written to.
    message = OutboxMessage.objects.get(kind="watch_confirmation", subject_id=watch.pk)
    assert (message.status, message.last_error) == ("cancelled", "not confirmed")


def test_a_confirmed_watch_unused_past_the_retention_is_erased(clock, settings_for_mail, settings):
    settings.WATCH_RETENTION_DAYS = 30
    make_watch(email="unused@example.org")
    used = make_watch(email="used@example.org")
    clock.forward(timedelta(days=20))
    watch_used(watch=used)
    clock.forward(timedelta(days=11))
    assert watches_erase_expired()["unused"] == 1
    assert list(Watch.objects.values_list("pk", flat=True)) == [used.pk]


def test_the_retention_is_configurable(clock, settings_for_mail, settings):
    settings.WATCH_RETENTION_DAYS = 400
    make_watch()
    clock.forward(timedelta(days=399))
    assert watches_erase_expired()["unused"] == 0
    clock.forward(timedelta(days=2))
    assert watches_erase_expired()["unused"] == 1


def test_a_paused_watch_is_erased_like_any_other(clock, settings_for_mail, settings):
    from watches.services import watch_pause

    settings.WATCH_RETENTION_DAYS = 10
    watch_pause(watch=make_watch())
    clock.forward(timedelta(days=11))
    assert watches_erase_expired()["unused"] == 1


def test_expired_links_are_forgotten(clock, settings_for_mail, settings):
    settings.WATCH_RETENTION_DAYS = 10
    watch = make_watch()
    watch_token_issue(watch=watch, purpose="manage")
    clock.forward(timedelta(days=5))
    watch_used(watch=watch)
    fresh = watch_token_issue(watch=watch, purpose="manage")
    clock.forward(timedelta(days=6))
    erased = watches_erase_expired()
    assert erased["tokens"] == 1 and erased["unused"] == 0
    from watches.models import watch_token_hash

    assert list(WatchToken.objects.values_list("token_hash", flat=True)) == [
        watch_token_hash(fresh)
    ]


def test_old_alerts_and_digests_are_pruned(first_snapshot, clock, settings):
    from watches.models import TrialChange, WatchAlert, WatchDigest

    from .conftest import month_later

    watch = make_watch()
    month_later(first_snapshot, clock)
    assert WatchDigest.objects.filter(watch=watch).exists()
    clock.forward(timedelta(days=31))
    watch_used(watch=watch)
    erased = watches_erase_expired()
    assert erased["digests"] == 1 and erased["changes"] == 5
    assert not WatchAlert.objects.exists() and not TrialChange.objects.exists()
    assert Watch.objects.filter(pk=watch.pk).exists()


def test_the_command_and_the_periodic_task_erase_the_same(clock, settings_for_mail, capsys):
    make_watch(confirmed=False, email="a@example.org")
    clock.forward(timedelta(days=8))
    assert erase_task.apply().get()["unconfirmed"] == 1
    make_watch(confirmed=False, email="b@example.org")
    clock.forward(timedelta(days=8))
    call_command("erase_expired_watches")
    assert "unconfirmed 1, unused 0" in capsys.readouterr().out
    assert not Watch.objects.exists()
