"""Model fields whose values are stored as Fernet tokens (see :mod:`privacy.crypto`).

Tokens are randomised, so an encrypted column can be neither searched nor indexed: look
rows up by another field (a referral by its reference), never by an encrypted value.
Key rotation (:func:`privacy.services.encryption_keys_rotate`) finds every field below
through the app registry, so a model only has to declare one to be covered.
"""

from __future__ import annotations

import json

from django import forms
from django.core import exceptions
from django.db import models
from django.db.models.fields.mixins import CheckFieldDefaultMixin
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from . import crypto


class EncryptedField:
    """Marks a model field whose column holds Fernet tokens (or NULL, or '')."""


class EncryptedTextField(EncryptedField, models.TextField):
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


def _unsearchable(field: models.Field, lookup_name: str) -> exceptions.FieldError:
    where = f"{field.model._meta.label}.{field.name}" if hasattr(field, "model") else field.name
    return exceptions.FieldError(
        f"{where} is encrypted, so it cannot be queried with '{lookup_name}': every value is "
        "a randomised token. Only '__isnull' (or '= None') works; find rows by another field."
    )


class _ExactNone(Exact):
    """``field=None`` (which Django turns into IS NULL): the one comparison a token allows."""

    def __init__(self, lhs, rhs):
        if rhs is not None:
            raise _unsearchable(lhs.output_field, "exact")
        super().__init__(lhs, rhs)


class EncryptedJSONField(EncryptedField, CheckFieldDefaultMixin, models.Field):
    """A JSON value (a dict of health answers, a list, ...) stored as one Fernet token.

    ``None`` is SQL NULL (declare ``null=True`` to allow it); every other value, ``{}``,
    ``[]`` and ``""`` included, is serialised to JSON and encrypted whole, so nothing of
    its shape is readable in the database. An empty column (``''``, e.g. blanked by hand)
    reads as ``None``. No lookup but ``__isnull`` is accepted: the others would compare
    randomised tokens and silently match nothing, so they raise ``FieldError`` instead.
    """

    empty_strings_allowed = False
    description = _("A JSON value encrypted with the FIELD_ENCRYPTION_KEYS (Fernet)")
    default_error_messages = {"invalid": _("Value must be valid JSON.")}
    _default_hint = ("dict", "{}")

    def __init__(self, *args, encoder=None, decoder=None, **kwargs):
        if encoder and not callable(encoder):
            raise ValueError("The encoder parameter must be a callable object.")
        if decoder and not callable(decoder):
            raise ValueError("The decoder parameter must be a callable object.")
        self.encoder = encoder
        self.decoder = decoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        if self.decoder is not None:
            kwargs["decoder"] = self.decoder
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"  # the column holds a token, not JSON the database could read

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return json.loads(crypto.decrypt(value), cls=self.decoder)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(json.dumps(value, cls=self.encoder))

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        try:
            json.dumps(value, cls=self.encoder)
        except TypeError:
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            )

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _ExactNone
        raise _unsearchable(self, lookup_name)

    def get_transform(self, lookup_name):
        raise _unsearchable(self, lookup_name)

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        return super().formfield(
            **{
                "form_class": forms.JSONField,
                "encoder": self.encoder,
                "decoder": self.decoder,
                **kwargs,
            }
        )
