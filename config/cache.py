"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new
``redis.Redis`` object for every cache operation. With redis-py 8 that object's
constructor (its response-callback tables) showed in profiles of a keyed partner API
request, which touches the cache three times (key lookup, throttle counter, site index
version), at about the cost of the round trip itself.
``redis.Redis`` is thread-safe (each command borrows a connection from the pool), so
one client per pool is shared by every thread of the process. Behaviour is otherwise
Django's own.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}  # id of a pool in self._pools -> its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Two threads may both build one; setdefault keeps the first for everyone.
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


class FragmentCache(RedisCache):
    """The page fragments' cache (``{% cache ... using="fragments" %}``): a fragment is only
    a saving, so while Redis cannot be reached a read is a miss and a write is dropped,
    and the page is rendered as if nothing were cached, instead of failing. Logged once
    per outage, briefly."""

    _warned = False

    def _tolerant(self, method, default, *args, **kwargs):
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            if not FragmentCache._warned:
                FragmentCache._warned = True
                logger.warning(
                    "fragment cache unavailable (%s); rendering uncached", type(error).__name__
                )
            return default
        FragmentCache._warned = False
        return result

    def get(self, key, default=None, version=None):
        return self._tolerant("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("add", False, key, value, timeout, version)

    def delete(self, key, version=None):
        return self._tolerant("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._tolerant("get_many", {}, keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("set_many", [], data, timeout, version)
