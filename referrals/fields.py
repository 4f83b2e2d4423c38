"""A model field whose value is stored as a Fernet token (see :mod:`referrals.crypto`)."""

from __future__ import annotations

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. The empty string is stored as is, to mark erased values.

    Tokens are randomised, so the column can be neither searched nor indexed: look
    referrals up by their reference, never by a contact detail.
    """

    description = "Text encrypted with the FIELD_ENCRYPTION_KEYS (Fernet)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
