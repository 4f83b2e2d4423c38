"""``manage.py rotate_encryption_keys`` re-encrypts everything and is audited as before."""

import io
from unittest import mock

import pytest
from django.core.management import call_command

from privacy import services

pytestmark = pytest.mark.django_db


def rotate(verbosity: int = 1) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, verbosity=verbosity)
    return out.getvalue()


def test_it_reports_how_many_rows_it_re_encrypted(record_model, registry):
    for n in range(3):
        record_model.objects.create(answers={"n": n})
    with mock.patch.object(services, "apps", registry):
        assert rotate() == "Re-encrypted 3 rows with the newest key.\n"
        assert rotate(verbosity=2).splitlines()[1:] == ["  privacy_tests.HealthRecord: 3"]


def test_the_referrals_audit_trail_records_it():
    from referrals.models import AuditEvent

    rotate()
    (event,) = AuditEvent.objects.filter(action="rotate_keys")
    assert (event.actor_label, event.detail) == ("rotate_encryption_keys", {"rows": 0})
    assert (event.actor, event.partner, event.referral, event.ip_address) == (None,) * 4
