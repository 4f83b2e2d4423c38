"""API rate limits: a low rate for anonymous callers, a higher one per partner key, and a
low one for refused keys per client address.

Counters live in the default cache (Redis in production) as fixed-window counters:
one small key per caller and window, ``INCR`` + ``EXPIRE`` in one pipelined round trip
on Redis (atomic across web processes), Django's ``incr``/``add`` on other caches.
Rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request, by
scope: ``anon`` and ``partner``, and ``bad_key`` for refused keys by client address.

If the cache cannot be reached the throttles fail open: the API keeps answering
without limits, the outage is logged once (and its end once), and the cache is not
tried again for :data:`CACHE_RETRY_SECONDS`, so a dead Redis costs no connect timeout
per request.

Kept apart from ``config.api``: DRF imports throttle classes while ``rest_framework.views``
is still loading, and ``config.api`` imports that module.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

#: After a cache error, how long the throttles leave the cache alone before trying again.
CACHE_RETRY_SECONDS = 30.0

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: requests allowed and window length in seconds."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0].lower()]


def client_address(request) -> str:
    """The caller's address for every limit (the API's throttles and sign-in lockouts).

    ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` reverse proxies the address the outermost
    of them saw (``X-Forwarded-For``): DRF's own rule, for a Django or a DRF request.
    """
    return BaseThrottle().get_ident(request)


class CacheOutage:
    """Whether the throttle cache is known to be down, with one log line per outage."""

    def __init__(self, retry_seconds: float = CACHE_RETRY_SECONDS):
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._logged = False
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return time.monotonic() < self._down_until

    def record(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds
            if not self._logged:
                self._logged = True
                logger.warning(
                    "API throttle cache unavailable (%s: %s); rate limits are off until it "
                    "answers again",
                    type(exc).__name__,
                    exc,
                )

    def clear(self) -> None:
        if self._logged:
            with self._lock:
                if self._logged:
                    self._logged = False
                    logger.warning("API throttle cache is back; rate limits apply again")

    def reset(self) -> None:
        """Forget any outage (tests)."""
        with self._lock:
            self._down_until = 0.0
            self._logged = False


cache_outage = CacheOutage()


class FixedWindowRateThrottle(BaseThrottle):
    """Count a caller's requests per window in the cache; fail open if the cache is down.

    Subclasses set ``scope`` and say who the caller is (``caller_ident``); a caller they
    return ``None`` for is left to the other throttles.
    """

    scope: str = ""

    def caller_ident(self, request) -> str | None:
        raise NotImplementedError

    def rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        self.retry_after = None
        ident = self.caller_ident(request)
        rate = self.rate()
        if ident is None or rate is None:
            return True
        limit, window = parse_rate(rate)
        counted = getattr(request, "_throttle_counts", {}).get((self.scope, ident))
        if counted is not None:  # counted already, with the key's look-up
            count, self.retry_after = counted
            return count <= limit
        now = time.time()
        self.retry_after = window - (now % window)
        if cache_outage.active:
            return True
        key = f"throttle:{self.scope}:{ident}:{int(now // window)}"
        try:
            count = self._count(key, window)
        except Exception as exc:  # any cache failure: never let the throttle fail a request
            cache_outage.record(exc)
            return True
        cache_outage.clear()
        return count <= limit

    def count_and_read(self, request, ident: str, read_key: str):
        """Count this request for ``ident`` and read ``read_key`` from the cache, in one
        round trip on Redis; :meth:`allow_request` then uses this count.

        Returns the value read (``None`` if the key is not set). A cache failure is
        raised, as ``cache.get`` would raise it, and the throttle then fails open.
        """
        rate = self.rate()
        if rate is None or cache_outage.active:
            return cache.get(read_key)
        limit, window = parse_rate(rate)
        now = time.time()
        key = f"throttle:{self.scope}:{ident}:{int(now // window)}"
        backend = caches[DEFAULT_CACHE_ALIAS]
        try:
            if isinstance(backend, RedisCache):
                count, value = _redis_count(backend, key, window, read_key=read_key)
            else:
                count, value = self._count(key, window), cache.get(read_key)
        except Exception as exc:
            cache_outage.record(exc)
            raise
        cache_outage.clear()
        counts = request.__dict__.setdefault("_throttle_counts", {})
        counts[(self.scope, ident)] = (count, window - (now % window))
        return value

    def wait(self) -> float | None:
        return self.retry_after

    @staticmethod
    def _count(key: str, window: int) -> int:
        """This request's number in its window."""
        backend = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(backend, RedisCache):
            return _redis_count(backend, key, window)
        try:
            return cache.incr(key)
        except ValueError:  # the window's first request
            if cache.add(key, 1, timeout=window + 1):
                return 1
            return cache.incr(key)  # another process started it just now


class AnonymousCallerThrottle(FixedWindowRateThrottle):
    """Callers without a key, by client address (``NUM_PROXIES`` decides which one)."""

    scope = "anon"

    def caller_ident(self, request) -> str | None:
        if request.auth is not None:
            return None
        return self.get_ident(request)


class PartnerKeyThrottle(FixedWindowRateThrottle):
    """Callers with a partner key, each key with its own counter."""

    scope = "partner"

    def caller_ident(self, request) -> str | None:
        api_key = request.auth
        return getattr(api_key, "prefix", None) if api_key is not None else None


class BadKeyThrottle(FixedWindowRateThrottle):
    """Requests whose key was refused, by client address (``partners.authentication``).

    DRF runs throttles only after authentication succeeds, so the two throttles above
    never see a request with a bad key; the authentication class counts those itself
    with this one and answers 429 instead of 401 over the rate.
    """

    scope = "bad_key"

    def caller_ident(self, request) -> str | None:
        return self.get_ident(request)


def _redis_count(backend: RedisCache, key: str, window: int, *, read_key: str | None = None):
    """INCR and EXPIRE in one round trip (Django's own incr costs two, add one more).

    With ``read_key``, a GET of that cache key rides along in the same round trip, and
    the count and the value read are returned.
    """
    full_key = backend.make_and_validate_key(key)
    pipe = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
    pipe.incr(full_key)
    pipe.expire(full_key, window + 1, nx=True)
    if read_key is None:
        count, _ = pipe.execute()
        return int(count)
    pipe.get(backend.make_and_validate_key(read_key))
    count, _, value = pipe.execute()
    return int(count), (None if value is None else backend._cache._serializer.loads(value))
