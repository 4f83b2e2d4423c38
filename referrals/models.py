"""Referrals: a consented request that a study site contacts a patient about a trial.

Persistence and the rules that belong to a single row (the status workflow, the
append-only audit log, an invitation's life). Writes that span rows live in
``referrals.services``; reads in ``referrals.selectors``. Name, email, phone and notes
(and an invitation's address) are encrypted at rest
(:class:`~privacy.fields.EncryptedTextField`); nothing else here identifies a person. Its
notifications go through the outbox of :mod:`notifications` (a referral or an invitation
is their subject).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedJSONField, EncryptedTextField

#: Crockford's base32 alphabet: no I, L, O or U, so a reference read over the phone is
#: not mistaken for another one.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 10  # 50 random bits: unguessable, and short enough to read aloud


def new_reference() -> str:
    """A fresh reference such as ``7KQ4M-9XZ2B``: random, no personal data in it."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{chars[:5]}-{chars[5:]}"


class SiteRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Study coordinator")
    INVESTIGATOR = "investigator", _("Investigator")


class SiteMembership(models.Model):
    """A user on a site's study team: they see and work that site's referrals."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=SiteRole.choices, default=SiteRole.COORDINATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="membership_unique_user_site")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at site {self.site_id}"


class ClinicianProfile(models.Model):
    """A referring clinician: a user who may refer their patients to trials."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_profile"
    )
    organisation = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Clinician {self.user}"


class Channel(models.TextChoices):
    PATIENT = "patient", _("The patient, on this site")
    CLINICIAN = "clinician", _("A referring clinician")
    PARTNER = "partner", _("A partner system")


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    VISIT_BOOKED = "visit_booked", _("Screening visit booked")
    ENROLLED = "enrolled", _("Enrolled")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    DECLINED = "declined", _("Declined")
    COULD_NOT_REACH = "could_not_reach", _("Could not reach")


_CLOSING = (Status.NOT_ELIGIBLE, Status.DECLINED, Status.COULD_NOT_REACH)

#: The workflow: each status and where it may go next. ``enrolled`` and the three
#: closing outcomes are final; a final referral's contact details, notes and health
#: answers are erased after ``REFERRAL_RETENTION_DAYS``.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.CONTACTED, *_CLOSING),
    Status.CONTACTED: (Status.VISIT_BOOKED, *_CLOSING),
    Status.VISIT_BOOKED: (Status.ENROLLED, *_CLOSING),
    Status.ENROLLED: (),
    Status.NOT_ELIGIBLE: (),
    Status.DECLINED: (),
    Status.COULD_NOT_REACH: (),
}
FINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


class Referral(models.Model):
    reference = models.CharField(max_length=11, unique=True, default=new_reference, editable=False)
    trial = models.ForeignKey("finder.Trial", on_delete=models.PROTECT, related_name="referrals")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="referrals")
    # The screening stays when the referral is erased, without its answers.
    screening = models.OneToOneField(
        "eligibility.Screening", related_name="referral", on_delete=models.PROTECT
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )

    # A frozen copy of the screening as the patient (or clinician) saw it: health answers
    # (the full birth date among them) and results quoting them, encrypted like the contact
    # details, and erased with them (the results then keep each criterion and whether it
    # was checked, no outcome: ``services.results_without_answers``).
    answers = EncryptedJSONField(default=dict)
    results = EncryptedJSONField(default=list)
    verdict = models.CharField(max_length=20)
    criteria_version = models.PositiveIntegerField()
    evaluated_on = models.DateField()
    language = models.CharField(max_length=8, default="en")

    # Personal data, encrypted at rest and erased after the retention period.
    contact_name = EncryptedTextField()
    contact_email = EncryptedTextField()
    contact_phone = EncryptedTextField()
    clinician_name = EncryptedTextField()
    clinician_email = EncryptedTextField()
    clinician_phone = EncryptedTextField()
    clinician_organisation = models.CharField(max_length=200, blank=True)

    consent_text = models.TextField(help_text=_("The consent exactly as it was agreed to"))
    consented_at = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    # Its notifications (no column: the messages point at the referral).
    outbox = GenericRelation(
        "notifications.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="referral",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "status", "-created_at"], name="referral_queue")]

    def __str__(self) -> str:
        return f"Referral {self.reference}"

    @property
    def allowed_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_erased(self) -> bool:
        return self.contact_erased_at is not None

    @property
    def contact_phone_display(self) -> str:
        """The E.164 phone as people read it: ``+1 650-555-0142``."""
        import phonenumbers

        try:
            number = phonenumbers.parse(self.contact_phone)
        except phonenumbers.NumberParseException:
            return self.contact_phone
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class IdempotencyKey(models.Model):
    """A partner's ``Idempotency-Key`` on a referral request: the referral it made.

    Neither the key nor the body is stored as sent: both are keyed hashes (HMAC-SHA256
    under ``SECRET_KEY``, ``referrals.services.idempotency_hashes``), since a body carries
    a patient's answers and contact details. A key counts for 24 hours
    (``referrals.services.IDEMPOTENCY_WINDOW``); the retention job deletes it afterwards.
    """

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "key_hash"], name="idempotency_key_once_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotency key for {self.referral}"


class ReferralActivity(models.Model):
    """One step on a referral's timeline: a status change, a note, or both."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="activities")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    note = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "referral activities"

    def __str__(self) -> str:
        change = f"{self.from_status or '-'} -> {self.to_status}" if self.to_status else "note"
        return f"{self.referral_id}: {change}"


#: How long an invitation's link works once it has been sent.
INVITATION_VALID_FOR = timedelta(days=7)


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the token is 256 random bits,
    so a plain hash cannot be reversed or guessed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for an operator's approval")
    OPEN = "open", _("Sent, not accepted yet")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Withdrawn")


class SiteInvitation(models.Model):
    """An invitation to join a site's study team: an email with a single-use, expiring link.

    The link's token is drawn when the email is rendered (``referrals.notifications``), so
    it exists only in the email sent; the row keeps its SHA-256. Sending the invitation
    again draws a new token, and the old link stops working. An invitation to the site's
    registry contact address (often a sponsor's call centre, not the site) waits for an
    operator's approval before anything is sent (``to_registry_contact``).
    """

    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE, related_name="invitations")
    email = EncryptedTextField()
    role = models.CharField(max_length=16, choices=SiteRole.choices, default=SiteRole.COORDINATOR)
    to_registry_contact = models.BooleanField(
        default=False, help_text=_("Sent to the contact address the registry lists for the site")
    )
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.OPEN
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    outbox = GenericRelation(
        "notifications.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="site_invitation",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "status"], name="invitation_site_status")]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.get_role_display()}) to site {self.site_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def link_problem(self) -> str | None:
        """Why its link cannot be accepted, as a code, or None when it can.

        ``unknown`` (never sent), ``used``, ``withdrawn`` or ``expired``.
        """
        if self.status == InvitationStatus.ACCEPTED:
            return "used"
        if self.status == InvitationStatus.REVOKED:
            return "withdrawn"
        if self.status != InvitationStatus.OPEN or self.token_hash is None:
            return "unknown"
        if self.is_expired:
            return "expired"
        return None


class OutboxKind(models.TextChoices):
    """The notifications of this app (registered with the outbox by the app config).

    The first four are about a referral; ``SITE_INVITATION`` is about a
    :class:`SiteInvitation`.
    """

    SITE_TEAM_NEW_REFERRAL = "site_team_new_referral", _("Site team: new referral")
    PATIENT_CONFIRMATION = "patient_confirmation", _("Patient: confirmation")
    CLINICIAN_CONFIRMATION = "clinician_confirmation", _("Clinician: confirmation")
    OPERATOR_REFERRAL_WAITING = (
        "operator_referral_waiting",
        _("Operators: a referral waits for a site team"),
    )
    SITE_INVITATION = "site_invitation", _("Invitation to a site's study team")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    STATUS = "status", _("Changed status")
    NOTE = "note", _("Added a note")
    EXPORT = "export", _("Exported")
    ERASE = "erase", _("Erased contact details")
    NOTIFY = "notify", _("Sent a notification")
    ROTATE_KEYS = "rotate_keys", _("Re-encrypted with the newest key")
    INVITE = "invite", _("Invited to a site team")
    APPROVE = "approve", _("Approved an invitation")
    ACCEPT = "accept", _("Accepted an invitation")
    REVOKE = "revoke", _("Withdrew an invitation")
    REFUSE = "refuse", _("Refused an invitation link")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did what to which referral, when and from where. Append-only.

    ``detail`` holds codes and identifiers only (a status, a filter, a count), never a
    name or a contact detail.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text=_("user name, partner name, 'patient' or 'system'")
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
