"""The confirmation e-mail has a link to delete the request at once, like every message
has one to pause, change or delete (issue 22 audit, gap 4): a token of its own, nothing
personal in the URL, one click on the page (not the link alone, which scanners open)."""

import re

import pytest
from django.core import mail

from notifications.services import outbox_deliver_pending
from watches.models import TokenPurpose, Watch, WatchToken

from .conftest import make_watch

pytestmark = pytest.mark.django_db

DELETE = re.compile(r"https://finder\.example\.org(/watches/delete/[A-Za-z0-9_-]+/)")
CONFIRM = re.compile(r"https://finder\.example\.org(/watches/confirm/[A-Za-z0-9_-]+/)")


def confirmation(language="en", **kwargs) -> tuple[Watch, str]:
    watch = make_watch(confirmed=False, language=language, **kwargs)
    outbox_deliver_pending()
    (message,) = mail.outbox
    return watch, message.body


def test_the_confirmation_email_has_a_delete_link_with_a_token_only(settings_for_mail):
    watch, body = confirmation(email="private.person@example.org")
    assert "To delete this request now, with your address:" in body
    link = DELETE.search(body).group(1)
    assert "private" not in link and "Portland" not in link
    assert re.fullmatch(r"/watches/delete/[A-Za-z0-9_-]{43}/", link)  # a random token only
    assert WatchToken.objects.filter(watch=watch, purpose=TokenPurpose.DELETE).count() == 1
    assert CONFIRM.search(body).group(1) != link.replace("/delete/", "/confirm/")


def test_the_spanish_email_says_it_in_spanish(settings_for_mail):
    _, body = confirmation(language="es")
    assert "Para borrar ahora esta solicitud, con su dirección:" in body
    assert DELETE.search(body)


def test_the_link_opens_a_page_and_one_click_deletes(client, settings_for_mail):
    watch, body = confirmation()
    link = DELETE.search(body).group(1)
    opened = client.get(link)
    assert opened.status_code == 302 and opened.url == "/watches/delete/"
    page = client.get("/watches/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Delete this request?" in html and "Recruiting studies for" in html
    assert Watch.objects.filter(pk=watch.pk).exists()  # opening the link deletes nothing
    deleted = client.post("/watches/delete/")
    assert deleted.status_code == 302 and deleted.url == "/watches/deleted/"
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert "Your alerts are deleted" in client.get("/watches/deleted/").content.decode()
    assert client.get(link).status_code == 404  # the link is spent with its watch


def test_the_page_in_spanish(client, settings_for_mail):
    _, body = confirmation(language="es")
    client.get(DELETE.search(body).group(1))
    html = client.get("/watches/delete/", headers={"accept-language": "es"}).content.decode()
    assert "¿Borrar esta solicitud?" in html and "Borrarla ahora" in html


def test_the_link_still_deletes_after_the_confirmation(client, settings_for_mail):
    watch, body = confirmation()
    client.get(CONFIRM.search(body).group(1))
    client.post("/watches/confirm/")
    watch.refresh_from_db()
    assert watch.status == "active"
    client.get(DELETE.search(body).group(1))
    assert client.post("/watches/delete/").status_code == 302
    assert not Watch.objects.exists()


def test_the_delete_token_neither_confirms_nor_manages(client, settings_for_mail):
    watch, body = confirmation()
    token = DELETE.search(body).group(1).split("/")[-2]
    assert client.get(f"/watches/confirm/{token}/").status_code == 404
    assert client.get(f"/watches/manage/{token}/").status_code == 404
    assert client.post(f"/watches/unsubscribe/{token}/").status_code == 404
    assert Watch.objects.filter(pk=watch.pk, status="unconfirmed").exists()


def test_the_page_needs_the_link(client, db):
    assert client.get("/watches/delete/").status_code == 404
    assert client.post("/watches/delete/").status_code == 404
    assert client.get("/watches/delete/not-a-token/").status_code == 404
