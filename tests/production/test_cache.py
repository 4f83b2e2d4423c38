"""config.cache: Django's Redis cache with one redis-py client per pool, on a Redis of its own."""

from __future__ import annotations

import shutil
import threading

import pytest
import redis

from config.cache import RedisCache

from .servers import PrivateRedis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


def backend(url: str) -> RedisCache:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return RedisCache(url, {"OPTIONS": options, "KEY_PREFIX": "t"})


def test_one_client_serves_every_call_and_thread(private_redis):
    cache = backend(private_redis.url)
    clients = set()

    def work(n: int) -> None:
        for i in range(50):
            cache.set(f"k{n}-{i}", i)
            assert cache.get(f"k{n}-{i}") == i
            clients.add(id(cache._cache.get_client(write=bool(i % 2))))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(clients) == 1
    assert cache.get_many(["k0-1", "k7-49", "missing"]) == {"k0-1": 1, "k7-49": 49}
    assert cache.incr("k3-3") == 4


def test_the_shared_client_recovers_after_a_redis_restart(private_redis):
    cache = backend(private_redis.url)
    cache.set("before", 1)
    private_redis.stop()
    with pytest.raises(redis.RedisError):
        cache.get("before")
    private_redis.start()  # same port, empty (it keeps nothing on disk)
    assert cache.get("before") is None
    cache.set("after", 2)
    assert cache.get("after") == 2
