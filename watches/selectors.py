"""Reads for the watchlist: a watch by its link's token, the catalog's last registry check."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from finder.registry import registry_last_checked

from .models import WatchToken, watch_token_hash


def watch_token_for(*, token: str, purpose: str) -> tuple[WatchToken | None, str]:
    """The token row of a link (with its watch) and what is wrong with it, if anything:
    ``""`` (fine), ``"unknown"`` (never issued, or its watch is gone) or ``"expired"``."""
    found = (
        WatchToken.objects.select_related("watch", "watch__trial")
        .filter(token_hash=watch_token_hash(token), purpose=purpose)
        .first()
    )
    if found is None:
        return None, "unknown"
    if found.expires_at <= timezone.now():
        return found, "expired"
    return found, ""


def watch_token_valid(*, watch_id: int, token_hash: str) -> WatchToken | None:
    """The unexpired token of that hash for that watch (what a session keeps), or None."""
    return (
        WatchToken.objects.select_related("watch", "watch__trial")
        .filter(watch_id=watch_id, token_hash=token_hash, expires_at__gt=timezone.now())
        .first()
    )


def catalog_checked_at() -> datetime | None:
    """When a sync last confirmed trials against ClinicalTrials.gov."""
    return registry_last_checked()
