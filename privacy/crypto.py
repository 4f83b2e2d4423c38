"""Encryption at rest for personal data: Fernet tokens under several keys (MultiFernet).

``FIELD_ENCRYPTION_KEYS`` lists Fernet keys, newest first. New values are always
encrypted with the newest key; every listed key can still decrypt, so a key can be
rotated in by prepending it, re-encrypting (``manage.py rotate_encryption_keys``) and
only then removing the old one. Without keys a development key is derived from
``SECRET_KEY``, but only while ``DEBUG`` is on; production refuses to run without keys.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet", "keys_configured", "rotate"]


def keys_configured() -> tuple[str, ...]:
    """The configured keys, newest first (blank entries dropped)."""
    return tuple(k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip())


def _development_key() -> str:
    digest = hashlib.sha256(("field-encryption:" + settings.SECRET_KEY).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        # Never echo the key itself: only say which position is malformed.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


def fernet() -> MultiFernet:
    """The MultiFernet for the current settings (cached per key list)."""
    keys = keys_configured()
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off (generate a key with: "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            )
        keys = (_development_key(),)
    return _multifernet(keys)


def encrypt(value: str) -> str:
    """A Fernet token (text) for ``value``, under the newest key."""
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text of a token made under any configured key (``InvalidToken`` if none)."""
    return fernet().decrypt(token.encode("ascii")).decode("utf-8")


def rotate(token: str) -> str:
    """The same clear text re-encrypted under the newest key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
