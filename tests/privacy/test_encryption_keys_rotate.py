"""Key rotation covers every encrypted field of every model, found through the registry."""

from unittest import mock

import pytest
from cryptography.fernet import Fernet

from privacy import services
from privacy.fields import EncryptedField
from privacy.services import encrypted_fields, encryption_keys_rotate
from privacy.signals import keys_rotated

from .conftest import raw_row

LABEL = "privacy_tests.HealthRecord"


@pytest.fixture
def keys(settings):
    """(old, new): rows are written under ``old``; ``new`` is then put first."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


@pytest.fixture
def only_test_models(registry):
    """Rotation sees the tests' registry instead of the project's."""
    with mock.patch.object(services, "apps", registry):
        yield registry


def test_it_finds_the_encrypted_fields_of_the_installed_models():
    from referrals.models import Referral, ReferralActivity

    found = {model: [f.name for f in fields] for model, fields in encrypted_fields().items()}
    assert found[Referral] == [
        "answers", "results",
        "contact_name", "contact_email", "contact_phone",
        "clinician_name", "clinician_email", "clinician_phone",
    ]  # fmt: skip
    assert found[ReferralActivity] == ["note"]
    for fields in encrypted_fields().values():
        assert all(isinstance(f, EncryptedField) for f in fields)


def test_a_new_model_is_rotated_with_no_code_change(record_model, only_test_models, keys, settings):
    old, new = keys
    written = [
        record_model.objects.create(label=str(n), answers={"edss": n}, note=f"note {n}")
        for n in range(5)
    ]
    blank = record_model.objects.create(label="blank", answers=None, note="")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    assert encryption_keys_rotate(batch_size=2) == {LABEL: 6}

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone now
    for record in written:
        fresh = record_model.objects.get(pk=record.pk)
        assert (fresh.answers, fresh.note) == ({"edss": int(record.label)}, record.note)
    # Empty values stay empty: NULL and '' are not turned into tokens.
    assert raw_row(record_model, blank.pk)["answers"] is None
    assert raw_row(record_model, blank.pk)["note"] == ""


def test_proxy_and_unmanaged_models_are_left_to_their_tables_owner(record_model, only_test_models):
    from django.db import models

    class Proxy(record_model):
        class Meta:
            proxy = True
            app_label = "privacy_tests"

    class Elsewhere(models.Model):  # noqa: DJ008 - never shown
        note = record_model._meta.get_field("note").clone()

        class Meta:
            managed = False
            app_label = "privacy_tests"

    assert list(encrypted_fields()) == [record_model]


def test_it_tells_the_listeners_what_it_rotated(record_model, only_test_models, keys):
    record_model.objects.create(answers={"edss": 1})
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    keys_rotated.connect(listener)
    try:
        encryption_keys_rotate(initiator="a test")
    finally:
        keys_rotated.disconnect(listener)
    assert heard == [{"signal": keys_rotated, "rows": {LABEL: 1}, "initiator": "a test"}]


def test_it_can_run_again(record_model, only_test_models, keys, settings):
    record = record_model.objects.create(answers={"edss": 1})
    assert encryption_keys_rotate() == {LABEL: 1}
    assert encryption_keys_rotate() == {LABEL: 1}
    assert record_model.objects.get(pk=record.pk).answers == {"edss": 1}


def test_a_value_under_a_key_no_longer_listed_stops_the_rotation(
    record_model, only_test_models, keys, settings
):
    record_model.objects.create(answers={"edss": 1})
    settings.FIELD_ENCRYPTION_KEYS = [keys[1]]
    from privacy.crypto import InvalidToken

    with pytest.raises(InvalidToken):
        encryption_keys_rotate()
