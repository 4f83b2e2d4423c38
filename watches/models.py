"""The watchlist: saved searches and followed trials, what changed in the catalog, the alerts.

* :class:`Watch` is one person's "tell me when": a condition (a search) or a trial (a
  trial page), a place and a radius, optionally their questionnaire answers. The e-mail
  address and the answers are encrypted at rest (``privacy.fields``); the watch is
  reached only through tokens whose hashes are stored (:class:`WatchToken`), never by
  anything personal in a URL. :class:`WatchCell` lists the grid cells its circle touches,
  for the matching query (``watches.geometry``).
* :class:`TrialSnapshot` is what the watchlist last saw of each trial; comparing the
  catalog with it (by the import's content hash first) gives the :class:`TrialChange`
  rows: a trial that opens, a site that opens, a new criteria version, a trial that stops
  recruiting.
* :class:`WatchAlert` is one change for one watch (its reason); :class:`WatchDigest`
  gathers a watch's alerts of a day into one message of the outbox (``notifications``).

Writes live in ``watches.services``, the matching in ``watches.matching``.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from privacy.fields import EncryptedJSONField, EncryptedTextField
from sites.ranking import km_to_miles


class WatchStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for the e-mail address to be confirmed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class Watch(models.Model):
    """One "tell me when a trial near me opens, or its criteria change"."""

    email = EncryptedTextField(_("e-mail address"))
    language = models.CharField(max_length=8, default="en")
    #: The search's condition as typed ("multiple sclerosis"); empty for a trial watch.
    condition = models.CharField(max_length=200, blank=True)
    #: The condition as the matcher reads it (``finder.conditions.ConditionQuery``), so
    #: that watches asking the same thing share one key in the matching query.
    condition_key = models.CharField(max_length=400, blank=True, db_index=True)
    trial = models.ForeignKey(
        "finder.Trial",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A watch made on a trial page follows that trial"),
    )
    place_label = models.CharField(max_length=200)
    # Rounded to 0.01 degree (about a kilometre): enough to measure distances to clinics,
    # not enough to find a house from a device's location.
    latitude = models.FloatField()
    longitude = models.FloatField()
    radius_km = models.FloatField()
    unit = models.CharField(max_length=2, default="km")
    #: The questionnaire's answers when the person chose to keep them (then alerts respect
    #: their verdicts). Health data: encrypted, never filtered on (only ``isnull``).
    answers = EncryptedJSONField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=WatchStatus.choices, default=WatchStatus.UNCONFIRMED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    #: The last time the person used the watch (confirmed it, or opened a link of one of
    #: its messages): a watch unused for ``WATCH_RETENTION_DAYS`` is erased.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="watch_status_created"),
            models.Index(fields=["trial", "status"], name="watch_trial_status"),
            models.Index(fields=["status", "last_used_at"], name="watch_status_used"),
        ]

    def __str__(self) -> str:
        return f"Watch {self.pk} ({self.status})"

    @property
    def is_trial_watch(self) -> bool:
        return self.trial_id is not None

    @property
    def radius_in_unit(self) -> float:
        return km_to_miles(self.radius_km) if self.unit == "mi" else self.radius_km

    @property
    def radius_label(self) -> str:
        """ "50 mi", "100 km": the radius as the person chose it."""
        unit = pgettext("unit", "mi") if self.unit == "mi" else pgettext("unit", "km")
        return f"{round(self.radius_in_unit)} {unit}"


class WatchCell(models.Model):
    """A grid cell (``watches.geometry``) that a watch's circle touches."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="cells")
    cell = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["watch", "cell"], name="watch_cell_unique")]
        indexes = [models.Index(fields=["cell", "watch"], name="watch_cell_cell")]

    def __str__(self) -> str:
        return f"watch {self.watch_id} cell {self.cell}"


class TokenPurpose(models.TextChoices):
    CONFIRM = "confirm", _("Confirms the e-mail address")
    MANAGE = "manage", _("Opens the watch to pause, change or delete it")
    DELETE = "delete", _("Deletes the request (the confirmation e-mail's link)")


def watch_token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256 (256 random bits: not reversible)."""
    return hashlib.sha256(token.encode()).hexdigest()


class WatchToken(models.Model):
    """A link's token, by hash: drawn when a message is rendered, so it exists only in the
    e-mail. Every message carries its own, so the link of any message works."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=8, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="watch_token_expiry")]

    def __str__(self) -> str:
        return f"{self.purpose} link of watch {self.watch_id}"


class TrialSnapshot(models.Model):
    """What the watchlist last saw of a trial: changes are measured against it."""

    trial = models.OneToOneField(
        "finder.Trial", on_delete=models.CASCADE, primary_key=True, related_name="watch_snapshot"
    )
    record_hash = models.CharField(max_length=64, blank=True)
    criteria_version = models.PositiveIntegerField()
    overall_status = models.CharField(max_length=32)
    #: The trial's recruiting sites (ids, located or not), and how many: a site that gets
    #: its coordinates later was recruiting already, so it is no clinic that opened.
    recruiting_sites = models.JSONField(default=list)
    recruiting_count = models.PositiveIntegerField(default=0)
    #: The criteria of ``criteria_version`` as the engine needs them (``[[kind, rule]]``),
    #: so that the next version can be compared with it on the same day.
    rules = models.JSONField(default=list)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"trial {self.trial_id} as seen at {self.seen_at:%Y-%m-%d %H:%M}"


class ChangeKind(models.TextChoices):
    OPENED = "opened", _("A trial started recruiting")
    SITE_OPENED = "site_opened", _("A site started recruiting")
    CRITERIA = "criteria", _("The criteria changed")
    CLOSED = "closed", _("The trial stopped recruiting")


class TrialChange(models.Model):
    """One change of the catalog, as the watchlist detected it; matched to watches once."""

    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    site = models.ForeignKey(
        "sites.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status_before = models.CharField(max_length=32, blank=True)
    status_after = models.CharField(max_length=32, blank=True)
    criteria_before = models.PositiveIntegerField(null=True, blank=True)
    criteria_after = models.PositiveIntegerField(null=True, blank=True)
    rules_before = models.JSONField(null=True, blank=True)
    rules_after = models.JSONField(null=True, blank=True)
    detected_at = models.DateTimeField(db_index=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["matched_at", "kind"], name="trial_change_pending")]

    def __str__(self) -> str:
        return f"{self.kind} {self.trial_id} at {self.detected_at:%Y-%m-%d %H:%M}"


class TrialChangeCondition(models.Model):
    """A condition key of the watches that a change's trial matches (the query's join on
    conditions, written while the change is matched)."""

    change = models.ForeignKey(TrialChange, on_delete=models.CASCADE, related_name="+")
    condition_key = models.CharField(max_length=400)

    class Meta:
        indexes = [
            models.Index(fields=["change", "condition_key"], name="change_condition"),
        ]

    def __str__(self) -> str:
        return f"change {self.change_id}: {self.condition_key}"


class WatchDigest(models.Model):
    """A watch's alerts of one day: one message at most per watch and day."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["watch", "day"], name="watch_digest_once_a_day")
        ]
        indexes = [models.Index(fields=["created_at"], name="watch_digest_created")]

    def __str__(self) -> str:
        return f"digest of watch {self.watch_id} on {self.day}"


class WatchAlert(models.Model):
    """One change for one watch, with its reason; it waits for the watch's next digest."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="alerts")
    change = models.ForeignKey(TrialChange, on_delete=models.CASCADE, related_name="+")
    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    site = models.ForeignKey(
        "sites.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_km = models.FloatField(null=True, blank=True)
    #: ``{"before": ..., "after": ...}`` for a criteria change: verdicts from the person's
    #: answers, so encrypted like them.
    verdicts = EncryptedJSONField(null=True, blank=True)
    digest = models.ForeignKey(
        WatchDigest, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trial", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["watch", "change"], name="watch_alert_once")]
        indexes = [models.Index(fields=["digest", "watch"], name="watch_alert_waiting")]

    def __str__(self) -> str:
        return f"{self.kind} of trial {self.trial_id} for watch {self.watch_id}"


class AlertsLock(models.Model):
    """One row, updated first in each step of the alert run, so that two runs (beat and
    ``manage.py send_watch_alerts``, or a task delivered twice) take turns."""

    held_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"alerts lock (held at {self.held_at})"
