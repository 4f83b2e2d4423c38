"""Writes for the watchlist: a watch's life (create, confirm, change, pause, delete), its
links' tokens, and erasure. Computing and queueing the alerts is ``watches.matching``.

Nothing personal is logged: log lines name watch ids only.
"""

from __future__ import annotations

import json
import logging
import secrets
import unicodedata
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from eligibility.services import InvalidAnswers, answers_prepare
from finder.conditions import condition_query
from finder.models import Trial
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_messages_create
from sites.geocoding import Place
from sites.ranking import KM_PER_MILE

from . import conf
from .geometry import circle_cells
from .models import (
    TokenPurpose,
    TrialChange,
    Watch,
    WatchAlert,
    WatchCell,
    WatchDigest,
    WatchStatus,
    WatchToken,
    watch_token_hash,
)

logger = logging.getLogger(__name__)

#: The outbox kinds of this app (registered in ``WatchesConfig.ready``).
KIND_CONFIRMATION = "watch_confirmation"
KIND_DIGEST = "watch_digest"

#: The radii a watch offers, in the person's unit (mi or km).
RADII = (10, 25, 50, 100, 250)
DEFAULT_RADIUS = 50
#: Coordinates are kept to this many decimals (about a kilometre).
COORDINATE_DECIMALS = 2
LANGUAGES = ("en", "es")


class WatchRejected(Exception):
    """The watch cannot be saved; ``field`` names what is wrong (no value is echoed)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def condition_key(condition: str) -> str:
    """The key watches share when their conditions match the same trials."""
    query = condition_query(condition)
    return json.dumps([list(query.any_of), list(query.all_of), query.nothing])


def radius_km_for(radius: int | float, unit: str) -> float:
    """A radius in the person's unit, in kilometres."""
    return float(radius) * KM_PER_MILE if unit == "mi" else float(radius)


@sensitive_variables("email", "answers")
def watch_create(
    *,
    email: str,
    place: Place,
    radius_km: float,
    unit: str = "km",
    language: str = "en",
    condition: str = "",
    trial: Trial | None = None,
    answers: dict[str, Any] | None = None,
) -> Watch:
    """Save a watch waiting for its address to be confirmed, and queue the confirmation.

    A watch follows ``trial`` when given (made on a trial page), else the search for
    ``condition``. ``answers`` (the questionnaire's, from the session) are validated and
    kept encrypted; then alerts respect the verdicts they give. The confirmation e-mail
    goes through the outbox, written in the same transaction.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise WatchRejected("email", "not an e-mail address") from None
    if not 0 < radius_km <= 1000:
        raise WatchRejected("radius", "radius out of range")
    if trial is None and not condition.strip():
        raise WatchRejected("condition", "a search watch needs a condition")
    if any(unicodedata.category(char) == "Cc" for char in condition):
        # A NUL is refused by PostgreSQL (a 500), and no control character is a search.
        raise WatchRejected("condition", "the condition has control characters")
    clean_answers = None
    if answers:
        try:
            clean_answers = answers_prepare(answers=answers).clean
        except InvalidAnswers:
            raise WatchRejected("answers", "the answers are not valid") from None
    with transaction.atomic():
        watch = Watch.objects.create(
            email=email,
            language=language if language in LANGUAGES else "en",
            condition="" if trial is not None else condition.strip()[:200],
            condition_key="" if trial is not None else condition_key(condition),
            trial=trial,
            place_label=place.label[:200],
            latitude=round(float(place.latitude), COORDINATE_DECIMALS),
            longitude=round(float(place.longitude), COORDINATE_DECIMALS),
            radius_km=radius_km,
            unit=unit if unit in ("km", "mi") else "km",
            answers=clean_answers or None,
        )
        _cells_write(watch)
        outbox_messages_create(subject=watch, kinds=[KIND_CONFIRMATION])
    logger.info("watch %s saved, waiting for confirmation", watch.pk)
    return watch


def _cells_write(watch: Watch) -> None:
    WatchCell.objects.filter(watch=watch).delete()
    WatchCell.objects.bulk_create(
        WatchCell(watch=watch, cell=cell)
        for cell in circle_cells(watch.latitude, watch.longitude, watch.radius_km)
    )


def watch_token_issue(*, watch: Watch, purpose: str, now: datetime | None = None) -> str:
    """A fresh link token for ``watch`` (as a message is rendered); only its hash is kept.

    A confirmation link lasts as long as the unconfirmed watch (``WATCH_CONFIRM_DAYS``
    from its creation); a management link as long as the watch may live unused
    (``WATCH_RETENTION_DAYS``), so the link of any message still opens it.
    """
    now = now or timezone.now()
    if purpose == TokenPurpose.CONFIRM:
        expires = watch.created_at + conf.confirm_within()
    else:
        expires = now + conf.retention()
    token = secrets.token_urlsafe(32)
    WatchToken.objects.create(
        watch=watch, purpose=purpose, token_hash=watch_token_hash(token), expires_at=expires
    )
    return token


def watch_confirm(*, watch: Watch, now: datetime | None = None) -> bool:
    """Confirm the address (double opt-in, second step); returns whether this call did it."""
    now = now or timezone.now()
    confirmed = Watch.objects.filter(pk=watch.pk, status=WatchStatus.UNCONFIRMED).update(
        status=WatchStatus.ACTIVE, confirmed_at=now, last_used_at=now
    )
    if confirmed:
        # The confirmation link has done its job.
        WatchToken.objects.filter(watch=watch, purpose=TokenPurpose.CONFIRM).delete()
        logger.info("watch %s confirmed", watch.pk)
    watch.refresh_from_db()
    return bool(confirmed)


def watch_used(*, watch: Watch, now: datetime | None = None) -> None:
    """The person opened a link of one of the watch's messages: it is in use."""
    now = now or timezone.now()
    Watch.objects.filter(pk=watch.pk).update(last_used_at=now)
    watch.last_used_at = now


@transaction.atomic
def watch_pause(*, watch: Watch) -> None:
    """No alerts until resumed (changes meanwhile are not kept for later).

    The alerts waiting for a digest are dropped; a digest queued but not sent is not
    delivered to a paused watch (its message is cancelled when it comes up, or on
    :func:`watch_resume`): what was found before the pause is not sent after it either."""
    paused = Watch.objects.filter(pk=watch.pk, status=WatchStatus.ACTIVE).update(
        status=WatchStatus.PAUSED
    )
    if paused:
        WatchAlert.objects.filter(watch=watch, digest__isnull=True).delete()
        logger.info("watch %s paused", watch.pk)
    watch.refresh_from_db()


@transaction.atomic
def watch_resume(*, watch: Watch) -> None:
    """Alerts again, from the changes found after now: nothing kept from before or during
    the pause (a digest still waiting in the outbox is cancelled with its alerts, and an
    alert a run was matching as the watch paused is dropped)."""
    resumed = Watch.objects.filter(pk=watch.pk, status=WatchStatus.PAUSED).update(
        status=WatchStatus.ACTIVE
    )
    if resumed:
        _alerts_waiting_drop(watch, "paused")
        logger.info("watch %s resumed", watch.pk)
    watch.refresh_from_db()


def _alerts_waiting_drop(watch: Watch, reason: str) -> None:
    """Drop the watch's alerts no message has carried yet: those waiting for a digest, and
    those of a digest whose message is still pending (that message is cancelled)."""
    pending = set(
        OutboxMessage.objects.filter(
            subject_type=ContentType.objects.get_for_model(WatchDigest),
            subject_id__in=WatchDigest.objects.filter(watch=watch, sent_at__isnull=True).values(
                "pk"
            ),
            status=OutboxStatus.PENDING,
        ).values_list("subject_id", flat=True)
    )
    _messages_cancel(WatchDigest, sorted(pending), reason)
    WatchAlert.objects.filter(
        Q(digest__isnull=True) | Q(digest_id__in=pending), watch=watch
    ).delete()


@transaction.atomic
def watch_change(*, watch: Watch, place: Place | None, radius_km: float, unit: str) -> Watch:
    """A new place and/or radius for the watch."""
    if not 0 < radius_km <= 1000:
        raise WatchRejected("radius", "radius out of range")
    if place is not None:
        watch.place_label = place.label[:200]
        watch.latitude = round(float(place.latitude), COORDINATE_DECIMALS)
        watch.longitude = round(float(place.longitude), COORDINATE_DECIMALS)
    watch.radius_km = radius_km
    watch.unit = unit if unit in ("km", "mi") else watch.unit
    watch.save(update_fields=["place_label", "latitude", "longitude", "radius_km", "unit"])
    _cells_write(watch)
    return watch


@transaction.atomic
def watch_delete(*, watch: Watch, reason: str = "deleted") -> None:
    """Delete the watch with its address, answers, links and alerts; unsent messages about
    it are cancelled."""
    digests = list(WatchDigest.objects.filter(watch=watch).values_list("pk", flat=True))
    _messages_cancel(Watch, [watch.pk], reason)
    _messages_cancel(WatchDigest, digests, reason)
    watch_id = watch.pk
    watch.delete()
    logger.info("watch %s %s", watch_id, reason)


def _messages_cancel(model, ids: list[int], reason: str) -> int:
    if not ids:
        return 0
    return OutboxMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(model),
        subject_id__in=ids,
        status=OutboxStatus.PENDING,
    ).update(status=OutboxStatus.CANCELLED, last_error=reason[:200])


def watches_erase_expired(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Erase what the watchlist no longer needs; returns how many of each were erased.

    - watches not confirmed within ``WATCH_CONFIRM_DAYS``;
    - confirmed watches unused (no link of theirs opened) for ``WATCH_RETENTION_DAYS``;
    - expired link tokens;
    - changes, alerts and digests older than ``WATCH_ALERT_KEEP_DAYS``.

    Unsent messages about an erased watch are cancelled.
    """
    now = now or timezone.now()
    unconfirmed = Watch.objects.filter(
        status=WatchStatus.UNCONFIRMED, created_at__lt=now - conf.confirm_within()
    )
    unused = Watch.objects.exclude(status=WatchStatus.UNCONFIRMED).filter(
        last_used_at__lt=now - conf.retention()
    )
    erased = {
        "unconfirmed": _watches_erase(unconfirmed, "not confirmed", batch_size),
        "unused": _watches_erase(unused, "not used within the retention period", batch_size),
    }
    erased["tokens"] = WatchToken.objects.filter(expires_at__lt=now).delete()[0]
    kept_since = now - conf.alerts_kept()
    erased["digests"] = (
        WatchDigest.objects.filter(created_at__lt=kept_since)
        .delete()[1]
        .get(WatchDigest._meta.label, 0)
    )
    erased["changes"] = (
        TrialChange.objects.filter(detected_at__lt=kept_since, matched_at__isnull=False)
        .delete()[1]
        .get(TrialChange._meta.label, 0)
    )
    return erased


def _watches_erase(queryset, reason: str, batch_size: int) -> int:
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return erased
            digests = list(
                WatchDigest.objects.filter(watch_id__in=ids).values_list("pk", flat=True)
            )
            _messages_cancel(Watch, ids, reason)
            _messages_cancel(WatchDigest, digests, reason)
            erased += Watch.objects.filter(pk__in=ids).delete()[1].get(Watch._meta.label, 0)
        logger.info("erased %d watches (%s)", len(ids), reason)


def watch_digest_sent(message) -> None:
    """The outbox's ``on_sent`` hook of a digest: remember when it went out."""
    WatchDigest.objects.filter(pk=message.subject_id).update(sent_at=timezone.now())


def retention_end(watch: Watch) -> datetime | None:
    """When the watch is erased unless it is used before."""
    used = watch.last_used_at or watch.confirmed_at
    return used + conf.retention() if used else None


def confirmation_end(watch: Watch) -> datetime:
    return watch.created_at + conf.confirm_within()
