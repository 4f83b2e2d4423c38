"""The outbox's Celery tasks answer to the names queued and scheduled before they moved.

Tasks already in Redis, and django-celery-beat's rows in the database, name them
``referrals.tasks.outbox_deliver`` and ``referrals.tasks.outbox_deliver_pending``.
"""

import pytest
from django.conf import settings
from django.core import mail

from config.celery import app
from notifications.models import OutboxMessage
from notifications.services import outbox_messages_create

from .conftest import KIND


@pytest.mark.django_db
def test_a_delivery_queued_under_the_old_name_sends_the_message(account_kind, user):
    (message,) = outbox_messages_create(subject=user, kinds=[KIND])
    assert app.tasks["referrals.tasks.outbox_deliver"].apply((message.pk,)).get() is True
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"


@pytest.mark.django_db
def test_the_periodic_task_under_the_old_name_sends_what_is_pending(account_kind, user):
    outbox_messages_create(subject=user, kinds=[KIND, KIND])
    assert app.tasks["referrals.tasks.outbox_deliver_pending"].apply().get() == 2
    assert len(mail.outbox) == 2


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()  # what a worker and beat do at start-up
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
