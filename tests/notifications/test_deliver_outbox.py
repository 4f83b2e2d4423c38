"""``manage.py deliver_outbox`` sends what is pending, of any kind."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from notifications.services import outbox_messages_create

from .conftest import KIND

pytestmark = pytest.mark.django_db


def test_it_sends_the_pending_messages(account_kind, user):
    outbox_messages_create(subject=user, kinds=[KIND, KIND])
    out = io.StringIO()
    call_command("deliver_outbox", stdout=out)
    assert out.getvalue().strip() == "Sent 2 messages."
    assert len(mail.outbox) == 2


def test_it_sends_nothing_twice(account_kind, user):
    outbox_messages_create(subject=user, kinds=[KIND])
    call_command("deliver_outbox", stdout=io.StringIO())
    out = io.StringIO()
    call_command("deliver_outbox", stdout=out)
    assert out.getvalue().strip() == "Sent 0 messages."
    assert len(mail.outbox) == 1
