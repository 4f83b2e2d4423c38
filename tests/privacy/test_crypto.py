"""Fernet under several keys: new values under the newest, every listed key decrypts."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from privacy import crypto


def test_the_same_value_encrypts_differently_each_time(settings):
    assert crypto.encrypt("x") != crypto.encrypt("x")


def test_production_refuses_to_run_without_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    from privacy.checks import encryption_keys_check

    assert [e.id for e in encryption_keys_check(None)] == ["referrals.E001"]


def test_a_malformed_key_is_refused_without_echoing_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key-secret-value"]
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt("x")
    assert "not-a-key-secret-value" not in str(caught.value)


def test_development_derives_a_key_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = True
    assert crypto.decrypt(crypto.encrypt("hello")) == "hello"


def test_rotate_re_encrypts_under_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("hello")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "hello"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)


def test_the_check_passes_with_keys(settings):
    from privacy.checks import encryption_keys_check

    settings.DEBUG = False
    assert encryption_keys_check(None) == []
