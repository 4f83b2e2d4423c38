"""Saving a watch from the pages, and the double opt-in: nothing is sent before the address
is confirmed from the link of the confirmation e-mail; nothing personal in any URL."""

import re

import pytest
from django.core import mail
from django.db import connection

from notifications.services import outbox_deliver_pending
from watches.models import TokenPurpose, Watch, WatchStatus, WatchToken

from .conftest import PORTLAND_SESSION, make_watch, place

pytestmark = pytest.mark.django_db

NEW = "/watches/new/"
LINK = re.compile(r"https://finder\.example\.org(/watches/confirm/[A-Za-z0-9_-]+/)")


def save(client, path=NEW, headers=None, **data):
    form = {"email": "watcher@example.org", "location": PORTLAND_SESSION["label"], "radius": "50"}
    return client.post(path, {**form, **data}, headers=headers)


def confirmation_link() -> str:
    outbox_deliver_pending()
    (message,) = mail.outbox
    return LINK.search(message.body).group(1)


def test_the_page_names_the_search_and_keeps_the_place_of_the_visit(visitor):
    response = visitor.get(NEW + "?condition=relapsing+MS")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Recruiting studies for “relapsing MS”" in html
    assert 'value="Portland, Oregon, United States"' in html
    assert '<option value="50" selected>50 mi</option>' in html
    assert "use_answers" not in html  # no answers in this visit


def test_saving_writes_an_unconfirmed_watch_and_sends_the_link_only(visitor):
    response = save(visitor, NEW + "?condition=relapsing+MS")
    assert response.status_code == 302 and response.url == "/watches/sent/"
    watch = Watch.objects.get()
    assert watch.status == WatchStatus.UNCONFIRMED
    assert (watch.condition, watch.place_label, watch.unit) == (
        "relapsing MS",
        "Portland, Oregon, United States",
        "mi",
    )
    assert round(watch.radius_km, 1) == 80.5
    assert watch.answers is None
    link = confirmation_link()
    assert "watcher" not in link and "Portland" not in link
    assert mail.outbox[0].subject == "Confirm your alerts about multiple sclerosis studies"


def test_saving_from_a_trial_page_follows_that_trial(visitor, enable_trial):
    save(visitor, NEW + "?trial=NCT06433752")
    watch = Watch.objects.get()
    assert watch.trial == enable_trial and watch.condition == ""
    outbox_deliver_pending()
    assert "You asked to follow the study NCT06433752" in mail.outbox[0].body


def test_the_answers_of_the_visit_are_kept_only_when_asked(visitor):
    session = visitor.session
    session["answers"] = {"age": 41, "ms_diagnosis": "yes", "edss": 3.5}
    session.save()
    html = visitor.get(NEW + "?answers=1").content.decode()
    assert 'name="use_answers"' in html and "checked" in html.split('name="use_answers"')[1][:40]
    save(visitor, use_answers="")
    save(visitor, use_answers="on")
    without, with_answers = Watch.objects.order_by("pk")
    assert without.answers is None
    assert with_answers.answers == {"age": 41, "ms_diagnosis": "yes", "edss": 3.5}


def test_the_address_and_the_answers_are_encrypted_at_rest(db, settings_for_mail):
    answers = {"age": 47, "ms_diagnosis": "yes"}
    watch = make_watch(answers=answers, email="secret.reader@example.org")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT email, answers FROM {Watch._meta.db_table} WHERE id = %s",  # noqa: S608
            [watch.pk],
        )
        email, answers = cursor.fetchone()
    assert "secret.reader" not in email and email.startswith("gAAAA")
    # A Fernet token is base64 text, so "47" may appear in it by chance (it did): look
    # for the answers as JSON would write them, and check the column is a token.
    assert answers.startswith(("gAAAA", '"gAAAA'))
    assert '"age": 47' not in answers and "ms_diagnosis" not in answers


def test_a_bad_address_is_refused_next_to_its_field(visitor):
    response = save(visitor, email="not-an-address")
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    assert not Watch.objects.exists()


def test_without_any_place_the_page_asks_for_one(client, settings_for_mail):
    response = save(client, location="")
    assert response.status_code == 400
    assert "Enter a postal code or a city" in response.content.decode()
    assert not Watch.objects.exists()


def test_an_address_cannot_be_flooded_with_confirmation_links(visitor, settings):
    settings.WATCH_REQUESTS_PER_HOUR = 2
    assert save(visitor).status_code == 302
    assert save(visitor).status_code == 302
    refused = save(visitor)
    assert refused.status_code == 400
    assert "Too many alerts were asked for from here" in refused.content.decode()
    assert Watch.objects.count() == 2


def test_the_link_opens_a_page_without_the_token_and_one_click_confirms(visitor):
    save(visitor)
    link = confirmation_link()
    opened = visitor.get(link)
    assert opened.status_code == 302 and opened.url == "/watches/confirm/"
    page = visitor.get("/watches/confirm/")
    assert page.status_code == 200
    assert "Confirm and start the alerts" in page.content.decode()
    assert Watch.objects.get().status == WatchStatus.UNCONFIRMED  # opening is not confirming

    confirmed = visitor.post("/watches/confirm/")
    assert confirmed.status_code == 302 and confirmed.url == "/watches/manage/"
    watch = Watch.objects.get()
    assert watch.status == WatchStatus.ACTIVE and watch.confirmed_at is not None
    assert "Your alerts are on." in visitor.get("/watches/manage/").content.decode()
    # The link has done its job.
    assert visitor.get(link).status_code == 404


def test_only_the_hash_of_a_link_is_stored(visitor):
    save(visitor)
    link = confirmation_link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = WatchToken.objects.get(purpose=TokenPurpose.CONFIRM)
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert not WatchToken.objects.filter(token_hash=token).exists()


def test_an_unknown_or_expired_link_says_so(visitor, clock):
    assert visitor.get("/watches/confirm/made-up-token/").status_code == 404
    save(visitor)
    link = confirmation_link()
    from datetime import timedelta

    clock.forward(timedelta(days=8))
    response = visitor.get(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_the_confirmation_page_needs_the_link(client):
    assert client.get("/watches/confirm/").status_code == 404
    assert client.post("/watches/confirm/").status_code == 404


def test_an_unconfirmed_watch_gets_no_alert_e_mail(db, settings_for_mail):
    from watches.models import WatchAlert

    watch = make_watch(confirmed=False)
    assert not WatchAlert.objects.filter(watch=watch).exists()
    assert watch.status == WatchStatus.UNCONFIRMED


def test_the_confirmation_is_in_the_language_of_the_page(client, settings_for_mail):
    session = client.session
    session["origin"] = PORTLAND_SESSION
    session.save()
    save(client, headers={"accept-language": "es"})
    watch = Watch.objects.get()
    assert watch.language == "es"
    outbox_deliver_pending()
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"


def test_the_place_is_kept_to_about_a_kilometre(db, settings_for_mail):
    from watches.services import watch_create

    watch = watch_create(
        email="a@example.org",
        place=place("45.51234, -122.67891", 45.51234, -122.67891, ""),
        radius_km=10,
        condition="multiple sclerosis",
    )
    assert (watch.latitude, watch.longitude) == (45.51, -122.68)
