"""Partner API key lookup, cached so a keyed request costs no database query.

``Authorization: Api-Key <prefix>.<secret>`` is checked on every API request. The key's
row (with its partner) is kept in the default cache (Redis in production, shared by
every process) under its prefix for :data:`ENTRY_SECONDS`; the secret is still verified
against the stored hash on every request, and the expiry against the clock.

Revocation takes effect at once everywhere: every write to a key or a partner (a save,
a delete, and also ``QuerySet.update()``, which sends no signal, through
:class:`InvalidatingQuerySet`) replaces a *generation* token in the cache, and an
entry counts only if it was stored under the current generation. The generation and
the entry come back in one round trip (``get_many``). A write made by raw SQL is not
seen until the entry expires. Entries are also keyed on the two models' fields, so a
deploy that changes them never unpickles a row of the old shape.

If the cache cannot be reached, every request reads the database, as it would without
the cache. A key revoked during a cache outage that did not also empty the cache (a
network partition rather than a Redis restart: Redis here keeps nothing on disk) can
answer for up to :data:`ENTRY_SECONDS` after the cache is back.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid

from django.core.cache import cache
from django.db import models

logger = logging.getLogger(__name__)

GENERATION_CACHE_KEY = "partners:api-keys:generation"
ENTRY_SECONDS = 60


@functools.cache
def _shape() -> str:
    """The cached rows' shape: a deploy that changes either model's fields starts afresh
    instead of unpickling rows of the old shape."""
    from .models import Partner, PartnerAPIKey

    names = [f.attname for model in (PartnerAPIKey, Partner) for f in model._meta.concrete_fields]
    return hashlib.sha256(" ".join(names).encode()).hexdigest()[:12]


def _entry_cache_key(prefix: str) -> str:
    return f"partners:api-key:{_shape()}:{prefix}"


def api_keys_changed() -> None:
    """Make every cached key entry stale (call after writing keys or partners)."""
    try:
        cache.set(GENERATION_CACHE_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.warning("Could not reach the cache to retire cached API keys", exc_info=True)


class InvalidatingQuerySet(models.QuerySet):
    """A queryset whose ``update()`` retires the cached keys (it sends no signal)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        api_keys_changed()
        return rows

    update.alters_data = True


def usable_api_key(key: str):
    """The partner's ``PartnerAPIKey`` for a presented key, or ``None``.

    ``None`` for an unknown, revoked or expired key, a wrong secret, or a deactivated
    partner. The returned key has its partner loaded.
    """
    prefix, dot, secret = key.partition(".")
    if not dot or not prefix or not secret:
        return None
    api_key = _lookup(prefix)
    if api_key is None or not api_key.is_valid(key):
        return None
    if api_key.has_expired or not api_key.partner.is_active:
        return None
    return api_key


def _from_database(prefix: str):
    from .models import PartnerAPIKey

    return PartnerAPIKey.objects.get_usable_keys().filter(prefix=prefix).first()


def _lookup(prefix: str):
    """The usable key with ``prefix`` from the cache, or from the database (then cached)."""
    entry_key = _entry_cache_key(prefix)
    try:
        found = cache.get_many([GENERATION_CACHE_KEY, entry_key])
    except Exception:
        logger.warning("Cache unavailable; API keys are read from the database")
        return _from_database(prefix)
    generation = found.get(GENERATION_CACHE_KEY)
    entry = found.get(entry_key)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1]
    api_key = _from_database(prefix)
    try:
        if generation is None:
            cache.add(GENERATION_CACHE_KEY, uuid.uuid4().hex, None)
        elif api_key is not None:
            # Stored under the generation read *before* the database: a write in
            # between bumps the generation and this entry never counts.
            cache.set(entry_key, (generation, api_key), ENTRY_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; API keys are read from the database")
    return api_key
