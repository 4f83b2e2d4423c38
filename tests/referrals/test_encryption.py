"""Personal data is encrypted at rest, under rotatable keys."""

import io
import sqlite3

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from privacy import crypto
from referrals.audit import Actor
from referrals.models import AuditEvent, Referral, ReferralActivity
from referrals.services import referral_note_add
from tests.referrals.conftest import CONTACT

NOTE = "Husband Bartholomew answers the phone"


def raw_database_bytes() -> bytes:
    """Every byte the database holds for the referral tables, read outside Django."""
    if connection.vendor == "sqlite":
        connection.close()  # make sure everything is on disk
        path = connection.settings_dict["NAME"]
        with open(path, "rb") as handle:
            data = handle.read()
        wal = f"{path}-wal"
        try:
            with open(wal, "rb") as handle:
                data += handle.read()
        except FileNotFoundError:
            pass
        return data
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"],
        dbname=s["NAME"],
    ) as conn:
        rows = conn.execute(
            "SELECT r::text FROM referrals_referral r "
            "UNION ALL SELECT a::text FROM referrals_referralactivity a"
        ).fetchall()
    return "\n".join(r[0] for r in rows).encode()


@pytest.mark.django_db(transaction=True)
def test_the_database_file_holds_no_contact_detail_in_clear(site, file_database):
    from tests.referrals.factories import referral_for

    referral = referral_for(site=site)
    referral_note_add(referral=referral, note=NOTE, actor=Actor("coordinator"))
    data = raw_database_bytes()
    assert referral.reference.encode() in data  # we are reading the right database
    for secret in (
        CONTACT["name"],
        "Zebrowski",
        CONTACT["email"],
        "alice.zebrowski",
        "+16505550142",
        "Bartholomew",
    ):
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data, secret
    if connection.vendor == "sqlite":
        with sqlite3.connect(connection.settings_dict["NAME"]) as raw:
            token = raw.execute(
                "SELECT contact_email FROM referrals_referral WHERE reference = ?",
                [referral.reference],
            ).fetchone()[0]
        assert token.startswith("gAAAAA")  # a Fernet token
        assert crypto.decrypt(token) == CONTACT["email"]


def test_values_read_back_decrypted(referral):
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.contact_name, fresh.contact_email) == (CONTACT["name"], CONTACT["email"])


def test_rotation_re_encrypts_everything_with_the_newest_key(referral, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    referral_note_add(referral=referral, note=NOTE, actor=Actor("c"))
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    # Both keys decrypt while the rotation is under way.
    assert Referral.objects.get(pk=referral.pk).contact_email == CONTACT["email"]

    call_command("rotate_encryption_keys", stdout=io.StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.contact_name, fresh.contact_phone) == (CONTACT["name"], "+16505550142")
    assert ReferralActivity.objects.exclude(note="").get().note == NOTE
    assert AuditEvent.objects.filter(action="rotate_keys").exists()


def test_a_value_under_an_unknown_key_does_not_decrypt(referral, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.InvalidToken):
        Referral.objects.get(pk=referral.pk)
