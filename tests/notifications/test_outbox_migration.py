"""The referrals outbox moves into notifications: every row, its state and its id, both ways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("referrals", "0002_partner_moves_to_partners")]
FIELDS = (
    "id", "kind", "status", "attempts", "available_at", "claimed_at", "sent_at",
    "recipients_count", "last_error", "created_at",
)  # fmt: skip


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _referral(apps, reference: str):
    """A referral row through ``apps``' models (its table is the same before and after)."""
    from eligibility.models import Screening
    from tests.factories import SiteFactory

    site = SiteFactory()
    screening = Screening.objects.create(
        trial=site.trial, verdict="eligible", criteria_version=1, evaluated_on=date(2026, 11, 2)
    )
    return apps.get_model("referrals", "Referral").objects.create(
        reference=reference,
        trial_id=site.trial_id,
        site_id=site.pk,
        screening_id=screening.pk,
        channel="patient",
        verdict="eligible",
        criteria_version=1,
        evaluated_on=date(2026, 11, 2),
        consent_text="I agree",
        consented_at=timezone.now(),
    )


def _old_messages(old_apps, first, second) -> list[dict]:
    """One referral message in every state, with ids, times and errors of its own."""
    Old = old_apps.get_model("referrals", "OutboxMessage")
    at = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    rows = [
        (41, first, "site_team_new_referral", "sent", 1, at, at, at, 2, ""),
        (42, first, "patient_confirmation", "pending", 3, at + timedelta(hours=1), at, None, 0,
         "SMTPServerDisconnected"),
        (57, second, "clinician_confirmation", "sending", 1, at, at + timedelta(minutes=5), None,
         0, ""),
        (58, second, "patient_confirmation", "failed", 8, at + timedelta(hours=2), at, None, 0,
         "OSError"),
        (60, second, "site_team_new_referral", "cancelled", 1, at, at, None, 0, "no recipient"),
    ]  # fmt: skip
    for pk, referral, kind, status, attempts, available, claimed, sent, count, error in rows:
        Old.objects.create(
            id=pk, referral=referral, kind=kind, status=status, attempts=attempts,
            available_at=available, claimed_at=claimed, sent_at=sent, recipients_count=count,
            last_error=error,
        )  # fmt: skip
        # auto_now_add stamped it: give each row a creation time of its own.
        Old.objects.filter(pk=pk).update(created_at=at - timedelta(minutes=pk))
    return list(Old.objects.order_by("id").values(*FIELDS, subject_id=F("referral_id")))


def test_every_message_is_copied_with_its_state_and_points_at_its_referral():
    old_apps = _migrate(BEFORE)
    first, second = _referral(old_apps, "AAAAA-11111"), _referral(old_apps, "BBBBB-22222")
    expected = _old_messages(old_apps, first, second)
    try:
        _migrate(_latest())
        from notifications.models import OutboxMessage
        from referrals.models import Referral

        referral_type = ContentType.objects.get_for_model(Referral)
        copied = list(OutboxMessage.objects.order_by("id").values(*FIELDS, "subject_id"))
        assert copied == expected
        assert set(OutboxMessage.objects.values_list("subject_type", flat=True)) == {
            referral_type.pk
        }
        assert sorted(Referral.objects.get(pk=first.pk).outbox.values_list("id", flat=True)) == [
            41,
            42,
        ]
        assert "referrals_outboxmessage" not in connection.introspection.table_names()

        # New messages draw ids after the copied ones (the sequence moved on with them).
        new = OutboxMessage.objects.create(
            kind="patient_confirmation",
            subject_type=referral_type,
            subject_id=first.pk,
            available_at=timezone.now(),
        )
        assert new.pk > 60
    finally:
        _migrate(_latest())


def test_the_move_can_be_reversed_and_leaves_other_subjects_alone():
    from notifications.models import OutboxMessage
    from tests.referrals.factories import UserFactory

    referral = _referral(_migrate(_latest()), "CCCCC-33333")
    referral_type = ContentType.objects.get(app_label="referrals", model="referral")
    user = UserFactory(username="invited")
    now = timezone.now()
    about_referral = OutboxMessage.objects.create(
        kind="site_team_new_referral",
        subject_type=referral_type,
        subject_id=referral.pk,
        available_at=now,
        status="sent",
        attempts=1,
        sent_at=now,
        recipients_count=1,
    )
    about_user = OutboxMessage.objects.create(
        kind="site_invitation",
        subject_type=ContentType.objects.get_for_model(user),
        subject_id=user.pk,
        available_at=now,
    )
    try:
        old_apps = _migrate(BEFORE)
        Old = old_apps.get_model("referrals", "OutboxMessage")
        (back,) = Old.objects.values(*FIELDS, "referral_id")
        assert back == {
            **{f: getattr(about_referral, f) for f in FIELDS},
            "referral_id": referral.pk,
        }
        # The message about another app's row stays where it belongs.
        assert list(OutboxMessage.objects.values_list("id", flat=True)) == [about_user.pk]

        _migrate(_latest())
        assert sorted(OutboxMessage.objects.values_list("id", flat=True)) == sorted(
            [about_referral.pk, about_user.pk]
        )
    finally:
        _migrate(_latest())
