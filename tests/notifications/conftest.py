"""A notification kind of the tests' own, about a user: the outbox with no referral in sight."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from notifications import kinds

KIND = "test_account_notice"


def render_account_notice(message) -> EmailMessage | None:
    """An email to the user the message is about; None once they have no address."""
    user = message.subject
    if user is None or not user.email:
        return None
    return EmailMessage(subject="Your account", body=f"Hello {user.username}", to=[user.email])


@pytest.fixture
def sent_hook():
    """The kind's ``on_sent`` hook: records the ids of the messages it was called for."""
    calls: list[int] = []

    def on_sent(message) -> None:
        calls.append(message.pk)

    on_sent.calls = calls
    return on_sent


@pytest.fixture
def account_kind(monkeypatch, sent_hook):
    """``KIND`` registered for the length of the test (the registry is put back after)."""
    kind = kinds.Kind(
        name=KIND, label="Test: account notice", render=render_account_notice, on_sent=sent_hook
    )
    monkeypatch.setitem(kinds._registry, KIND, kind)
    return kind


@pytest.fixture
def user(db):
    from tests.referrals.factories import UserFactory

    return UserFactory(username="ada", email="ada@example.org")
