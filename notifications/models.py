"""The transactional outbox: notifications written with what they are about, sent after.

A message names its kind (registered by the app that owns it, see
:mod:`notifications.kinds`) and its subject, any row of any model, through the
content types framework. Writes and delivery live in :mod:`notifications.services`.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import KIND_MAX_LENGTH, UnknownKind, kind_get


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(models.Model):
    """A notification to send, written in the same transaction as its subject.

    It holds no address and no text: both are worked out from the subject (a referral,
    an invitation, a watch) when it is delivered, so the outbox never holds personal
    data of its own and a message about an erased or deleted subject simply has nobody
    left to go to.
    """

    kind = models.CharField(
        max_length=KIND_MAX_LENGTH, help_text=_("Registered by the app that owns it")
    )
    # PROTECT: dropping a content type must not silently drop the messages about it.
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(help_text=_("Not tried again before this time"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "available_at"], name="outbox_message_due"),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_message_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} for {self.subject_type_id}:{self.subject_id} ({self.status})"

    @property
    def kind_label(self) -> str:
        try:
            return str(kind_get(self.kind).label)
        except UnknownKind:
            return self.kind
