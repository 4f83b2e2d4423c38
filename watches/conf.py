"""The watchlist's settings: Django settings when set there, else the environment.

| setting | default | meaning |
|---|---|---|
| ``WATCH_CONFIRM_DAYS`` | 7 | an unconfirmed watch (and its link) lasts this long |
| ``WATCH_RETENTION_DAYS`` | 365 | a confirmed watch nobody used this long is erased |
| ``WATCH_ALERT_KEEP_DAYS`` | 30 | detected changes, alerts and digests are kept this long |
| ``WATCH_REQUESTS_PER_HOUR`` | 10 | new watches (confirmation e-mails) per client address |
"""

from __future__ import annotations

from datetime import timedelta

import environ
from django.conf import settings

_env = environ.Env()

DEFAULTS = {
    "WATCH_CONFIRM_DAYS": 7,
    "WATCH_RETENTION_DAYS": 365,
    "WATCH_ALERT_KEEP_DAYS": 30,
    "WATCH_REQUESTS_PER_HOUR": 10,
}


def setting(name: str) -> int:
    """``name`` from Django's settings, the environment, or :data:`DEFAULTS`, in that order."""
    value = getattr(settings, name, None)
    if value is None:
        value = _env.int(name, default=DEFAULTS[name])
    return int(value)


def confirm_within() -> timedelta:
    return timedelta(days=setting("WATCH_CONFIRM_DAYS"))


def retention() -> timedelta:
    return timedelta(days=setting("WATCH_RETENTION_DAYS"))


def alerts_kept() -> timedelta:
    return timedelta(days=setting("WATCH_ALERT_KEEP_DAYS"))
