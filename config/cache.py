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

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


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
