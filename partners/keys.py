"""Partner API key lookup: the same work for every presented key, and no query per request.

``Authorization: Api-Key <prefix>.<secret>`` is checked on every API request. Each web
process keeps a table of the usable keys (prefix -> key, with its partner loaded), read
from the database in one query and stamped with a *generation* token kept in the default
cache (Redis in production, shared by every process). A keyed request reads only that
token; while it matches the table's stamp, the key is looked up in the process's table.
For a key the table already accepts, that read rides in the same Redis round trip as
the key's throttle count (``partners.authentication``), so a keyed request costs one
round trip, as an anonymous one does.

A check costs the same whether the prefix exists or not, so its timing does not tell an
attacker which prefixes exist (``bench/bench_key_check.py`` measures both): the look-up
is one dictionary probe either way, and the secret is always verified against a hash,
the key's own or, for an unknown prefix, a decoy hash made once per process. No
database query is made for an unknown prefix. The expiry is checked against the clock
and the partner's ``is_active`` on every request.

Revocation takes effect at once everywhere: every write to a key or a partner (a save,
a delete, and also ``QuerySet.update()``, which sends no signal, through
:class:`InvalidatingQuerySet`) replaces the generation, again once the transaction
commits, and each process reloads its table on its next keyed request. The table is
also reloaded every :data:`TABLE_SECONDS`, so a write made by raw SQL is seen within
that time.

If the cache cannot be reached, every keyed request reads its key from the database
(one query, whether the prefix exists or not), as it would without the cache.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models, transaction
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

GENERATION_CACHE_KEY = "partners:api-keys:generation"
#: The longest a process uses its table of keys before reading it again.
TABLE_SECONDS = 60


@dataclass(frozen=True)
class KeyTable:
    """The usable keys by prefix, as read under one generation."""

    generation: str | None = None
    loaded_at: float = float("-inf")
    keys: dict = field(default_factory=dict)

    def current(self, generation: str) -> bool:
        return self.generation == generation and time.monotonic() - self.loaded_at < TABLE_SECONDS


_table = KeyTable()


def _new_generation() -> None:
    cache.set(GENERATION_CACHE_KEY, uuid.uuid4().hex, None)


def api_keys_changed() -> None:
    """Make every process read its keys again (call after writing keys or partners).

    Now, and once more when the surrounding transaction commits: a process that read the
    table between the two saw the rows as they were before the write.
    """
    try:
        _new_generation()
    except Exception:
        logger.warning("Could not reach the cache to retire cached API keys", exc_info=True)
        return
    transaction.on_commit(_new_generation_quietly)


def _new_generation_quietly() -> None:
    try:
        _new_generation()
    except Exception:
        logger.warning("Could not reach the cache to retire cached API keys", exc_info=True)


class InvalidatingQuerySet(models.QuerySet):
    """A queryset whose ``update()`` retires the cached keys (it sends no signal)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        api_keys_changed()
        return rows

    update.alters_data = True


def usable_api_key(key: str, *, read_generation=None):
    """The partner's ``PartnerAPIKey`` for a presented key, or ``None``.

    ``None`` for an unknown, revoked or expired key, a wrong secret, or a deactivated
    partner. The returned key has its partner loaded.

    ``read_generation``, if given, is called instead of a plain cache read when this
    process's table already holds the key with this secret: the authentication passes
    one that also counts the request for the key's throttle, in the same round trip to
    the cache (a refused key never reaches it, so it cannot spend a partner's quota).
    """
    prefix, dot, secret = key.partition(".")
    if not dot or not prefix or not secret:
        return None
    table = _table
    api_key = table.keys.get(prefix)
    # The same verification whether or not the prefix exists (see the module docstring).
    verified = (api_key or _decoy_key()).is_valid(key)
    read = read_generation if api_key is not None and verified else None
    try:
        generation = _generation(read)
    except Exception:
        logger.warning("Cache unavailable; API keys are read from the database")
        api_key = _usable_keys().filter(prefix=prefix).first()
        verified = (api_key or _decoy_key()).is_valid(key)
    else:
        if generation is None or not table.current(generation):
            table = _reload(generation)
            api_key = table.keys.get(prefix)
            verified = (api_key or _decoy_key()).is_valid(key)
    if api_key is None or not verified:
        return None
    if api_key.has_expired or not api_key.partner.is_active:
        return None
    return api_key


@functools.cache
def _decoy_key():
    """What an unknown prefix's secret is checked against: an unsaved key no one holds."""
    from .models import PartnerAPIKey

    generator = PartnerAPIKey.objects.key_generator
    return PartnerAPIKey(prefix="", hashed_key=generator.hash(get_random_string(41)))


def _usable_keys():
    from .models import PartnerAPIKey

    return PartnerAPIKey.objects.get_usable_keys()


def _generation(read=None) -> str | None:
    """The generation token in the cache (made if there is none); raises if it is down."""
    generation = read() if read is not None else cache.get(GENERATION_CACHE_KEY)
    if generation is None:
        cache.add(GENERATION_CACHE_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_CACHE_KEY)  # another process may have won
    return generation


def _reload(generation: str | None) -> KeyTable:
    """Read the usable keys again, stamped with the generation read *before* the
    database: a write in between replaces the generation, and this table is never
    current."""
    global _table
    loaded_at = time.monotonic()
    _table = KeyTable(generation, loaded_at, {k.prefix: k for k in _usable_keys()})
    return _table
