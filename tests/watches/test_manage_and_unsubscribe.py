"""Pause, change or delete a watch from the link of any of its messages, without an
account; one-click unsubscribe (RFC 8058)."""

import re

import pytest
from django.core import mail

from notifications.models import OutboxMessage
from notifications.services import outbox_deliver_pending
from watches.models import Watch, WatchAlert, WatchDigest, WatchStatus, WatchToken

from .conftest import AGED_60, month_later

pytestmark = pytest.mark.django_db

MANAGE = re.compile(r"https://finder\.example\.org(/watches/manage/[A-Za-z0-9_-]+/)")


@pytest.fixture
def digested(first_snapshot, clock):
    """A Portland watch with answers, after the month's digest: (watch, manage link)."""
    from .conftest import make_watch

    watch = make_watch(answers=AGED_60)
    month_later(first_snapshot, clock)
    (message,) = [m for m in mail.outbox if m.to == ["watcher@example.org"]]
    return watch, MANAGE.search(message.body).group(1), message


def test_the_link_opens_the_watch_without_the_token_in_the_address(client, digested):
    watch, link, _ = digested
    opened = client.get(link)
    assert opened.status_code == 302 and opened.url == "/watches/manage/"
    page = client.get("/watches/manage/").content.decode()
    assert "Recruiting studies for “multiple sclerosis”" in page
    assert "Within 50 mi of Portland, Oregon, United States" in page
    assert "Used: alerts respect your result" in page
    assert "watcher@example.org" not in page


def test_opening_a_link_counts_as_using_the_watch(client, digested, clock):
    from datetime import timedelta

    watch, link, _ = digested
    clock.forward(timedelta(days=3))
    client.get(link)
    watch.refresh_from_db()
    assert watch.last_used_at > watch.confirmed_at


def test_pause_then_resume(client, digested):
    watch, link, _ = digested
    client.get(link)
    client.post("/watches/manage/", {"action": "pause"})
    watch.refresh_from_db()
    assert watch.status == WatchStatus.PAUSED
    assert "Paused: we send nothing" in client.get("/watches/manage/").content.decode()
    client.post("/watches/manage/", {"action": "resume"})
    watch.refresh_from_db()
    assert watch.status == WatchStatus.ACTIVE


def test_change_the_place_and_the_distance(client, digested):
    from watches.geometry import circle_cells

    watch, link, _ = digested
    client.get(link)
    response = client.post(
        "/watches/manage/",
        {"action": "change", "location": "Seattle, Washington", "radius": "25"},
    )
    assert response.status_code == 302
    watch.refresh_from_db()
    assert watch.place_label.startswith("Seattle")
    assert round(watch.radius_km, 2) == 40.23
    cells = sorted(watch.cells.values_list("cell", flat=True))
    assert cells == sorted(circle_cells(watch.latitude, watch.longitude, watch.radius_km))
    assert "Saved: the alerts follow" in client.get("/watches/manage/").content.decode()


def test_keeping_the_place_changes_only_the_distance(client, digested):
    watch, link, _ = digested
    client.get(link)
    client.post(
        "/watches/manage/", {"action": "change", "location": watch.place_label, "radius": "100"}
    )
    changed = Watch.objects.get(pk=watch.pk)
    assert (changed.latitude, changed.longitude) == (watch.latitude, watch.longitude)
    assert round(changed.radius_km) == 161


def test_delete_erases_the_watch_and_everything_kept_with_it(client, digested):
    watch, link, _ = digested
    client.get(link)
    response = client.post("/watches/manage/", {"action": "delete"})
    assert response.status_code == 302 and response.url == "/watches/deleted/"
    assert "Your alerts are deleted" in client.get("/watches/deleted/").content.decode()
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert not WatchAlert.objects.exists() and not WatchDigest.objects.exists()
    assert not WatchToken.objects.exists()
    # The link of the old message no longer opens anything.
    assert client.get(link).status_code == 404
    assert client.get("/watches/manage/").status_code == 404


def test_the_link_of_every_message_works(client, digested, clock):
    from datetime import timedelta

    from finder.models import Trial
    from tests.factories import SiteFactory
    from watches.matching import watch_alerts_run

    watch, first_link, _ = digested
    # The next day the new study opens a second clinic, nearer still: another digest, with
    # a link of its own.
    nearer = {"latitude": watch.latitude, "longitude": watch.longitude}
    SiteFactory(trial=Trial.objects.get(nct_id="NCT99990001"), **nearer)
    clock.forward(timedelta(days=1))
    mail.outbox.clear()
    assert watch_alerts_run().digests == 1
    outbox_deliver_pending()
    (second,) = mail.outbox
    second_link = MANAGE.search(second.body).group(1)
    assert second_link != first_link
    for link in (first_link, second_link):
        assert client.get(link).url == "/watches/manage/"


def test_one_click_unsubscribe_deletes_the_watch(client, digested):
    watch, _, message = digested
    url = (
        message.extra_headers["List-Unsubscribe"]
        .strip("<>")
        .replace("https://finder.example.org", "")
    )
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Your alerts are deleted" in response.content.decode()
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_unsubscribe_link_in_a_browser_opens_the_watch(client, digested):
    watch, _, message = digested
    url = (
        message.extra_headers["List-Unsubscribe"]
        .strip("<>")
        .replace("https://finder.example.org", "")
    )
    assert client.get(url).url == "/watches/manage/"
    assert Watch.objects.filter(pk=watch.pk).exists()


def test_deleting_cancels_the_messages_not_sent_yet(db, settings_for_mail):
    from watches.services import watch_delete

    from .conftest import make_watch

    watch = make_watch(confirmed=False)
    message = OutboxMessage.objects.get(kind="watch_confirmation")
    watch_delete(watch=watch)
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("cancelled", "deleted")
    outbox_deliver_pending()
    assert mail.outbox == []


def test_the_page_needs_a_link(client):
    assert client.get("/watches/manage/").status_code == 404
    assert client.post("/watches/manage/", {"action": "delete"}).status_code == 404
    assert client.get("/watches/manage/not-a-token/").status_code == 404
