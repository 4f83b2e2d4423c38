"""Writes for referrals: creating them (with their notifications), working them, erasing them.

Every service that touches a referral records an audit event in the same transaction.
Services raise :class:`ReferralRejected` naming the offending input fields; the API
maps it to a 400 and the pages to form errors, once, at the edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from email_validator import EmailNotValidError, validate_email

from eligibility.engine.facts import InvalidAnswers
from eligibility.models import Screening, Verdict
from notifications.models import OutboxMessage
from notifications.services import outbox_messages_cancel, outbox_messages_create

from .audit import Actor, audit_record
from .consent import consent_text
from .models import (
    AuditAction,
    AuditEvent,
    Channel,
    OutboxKind,
    Referral,
    ReferralActivity,
    Status,
    new_reference,
)

logger = logging.getLogger(__name__)

#: Verdicts a study team can be asked to act on.
REFERABLE_VERDICTS = (Verdict.ELIGIBLE, Verdict.POSSIBLY_ELIGIBLE)
NAME_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 4000


class ReferralRejected(Exception):
    """Input a referral cannot be made from; ``errors`` maps each field to a message.

    Fields are dotted paths as the API names them: ``consent``, ``site``, ``answers``,
    ``answers.edss``, ``contact``, ``contact.email``.
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Contact:
    """A validated, normalised way to reach a person (never logged, never repr'd)."""

    name: str
    email: str = ""
    phone: str = ""

    def __repr__(self) -> str:
        return "Contact(<redacted>)"


@sensitive_variables("contact", "name", "email", "phone")
def contact_validate(
    *, contact: Any, region: str | None = None, prefix: str = "contact"
) -> Contact:
    """Check a ``{"name", "email", "phone"}`` mapping; at least one of email and phone.

    Emails are checked for syntax (no DNS look-up); phones are parsed with ``region``
    (the site's country) as the default and stored in E.164 form.
    """
    if not isinstance(contact, dict):
        raise ReferralRejected({prefix: "must be an object with name, email and phone"})
    errors: dict[str, str] = {}
    name = " ".join(str(contact.get("name") or "").split())
    email = str(contact.get("email") or "").strip()
    phone = str(contact.get("phone") or "").strip()
    if not name:
        errors[f"{prefix}.name"] = "is required"
    elif len(name) > NAME_MAX_LENGTH:
        errors[f"{prefix}.name"] = f"must be at most {NAME_MAX_LENGTH} characters"
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors[f"{prefix}.email"] = "is not a valid email address"
    if phone:
        try:
            parsed = phonenumbers.parse(phone, (region or "").upper() or None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            errors[f"{prefix}.phone"] = (
                "is not a valid phone number (include the country code, e.g. +1 650 555 0100)"
            )
        else:
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not email and not phone and f"{prefix}.email" not in errors:
        errors[prefix] = "give an email address or a phone number (or both)"
    if errors:
        raise ReferralRejected(errors)
    return Contact(name=name, email=email, phone=phone)


def _check_site(*, trial, site) -> None:
    from .selectors import REFERABLE_SITE_STATUSES

    if site is None or site.trial_id != trial.pk:
        raise ReferralRejected({"site": "is not a site of this trial"})
    if site.status not in REFERABLE_SITE_STATUSES:
        raise ReferralRejected({"site": "is not taking new patients for this trial"})


def _check_consent(consent: Any) -> None:
    if consent is not True:
        raise ReferralRejected({"consent": "must be given (true) before anyone is contacted"})


def _check_verdict(verdict: str) -> None:
    if verdict not in REFERABLE_VERDICTS:
        raise ReferralRejected(
            {"answers": "these answers do not meet the trial's criteria, so no referral is made"}
        )


@sensitive_variables("contact", "clinician")
def referral_create(
    *,
    trial,
    site,
    answers: Any,
    contact: Any,
    consent: Any,
    actor: Actor,
    channel: str = Channel.PARTNER,
    clinician: Any = None,
    consent_given_text: str = "",
    today: date | None = None,
) -> Referral:
    """Check ``answers`` against the trial and refer the patient to ``site``.

    Used by the partner API and the clinician pages: the answers are evaluated (and an
    anonymous screening saved) in the same transaction as the referral. Raises
    :class:`ReferralRejected` for a missing consent, a site of another trial, invalid
    answers, an ineligible screening or unusable contact details.
    """
    from eligibility.services import screening_evaluate

    _check_consent(consent)
    _check_site(trial=trial, site=site)
    valid_contact = contact_validate(contact=contact, region=site.country_code)
    valid_clinician = None
    if channel == Channel.CLINICIAN:
        valid_clinician = contact_validate(
            contact=clinician, region=site.country_code, prefix="clinician"
        )
    with transaction.atomic():
        try:
            outcome = screening_evaluate(trial=trial, answers=answers, today=today, save=True)
        except InvalidAnswers as exc:
            raise ReferralRejected(
                {(k if k == "answers" else f"answers.{k}"): v for k, v in exc.errors.items()}
            )
        _check_verdict(outcome.verdict)
        return _referral_save(
            screening=outcome.screening,
            site=site,
            contact=valid_contact,
            clinician=valid_clinician,
            channel=channel,
            actor=actor,
            consent_given_text=consent_given_text
            or consent_text(trial=trial, site=site, channel=channel),
        )


@sensitive_variables("contact")
def referral_create_from_screening(
    *, screening: Screening, site, contact: Any, consent: Any, actor: Actor
) -> Referral:
    """A patient asks to be contacted about the trial they were just screened for.

    The referral freezes that screening as it was. Raises :class:`ReferralRejected` when
    the screening was not eligible or possibly eligible, was already referred, or the
    site, consent or contact details are not usable.
    """
    _check_consent(consent)
    _check_site(trial=screening.trial, site=site)
    _check_verdict(screening.verdict)
    valid_contact = contact_validate(contact=contact, region=site.country_code)
    with transaction.atomic():
        return _referral_save(
            screening=screening,
            site=site,
            contact=valid_contact,
            clinician=None,
            channel=Channel.PATIENT,
            actor=actor,
            consent_given_text=consent_text(
                trial=screening.trial, site=site, channel=Channel.PATIENT
            ),
        )


@sensitive_variables("contact", "clinician")
def _referral_save(
    *,
    screening: Screening,
    site,
    contact: Contact,
    clinician: Contact | None,
    channel: str,
    actor: Actor,
    consent_given_text: str,
) -> Referral:
    """Write the referral, its outbox messages and its audit event (caller's transaction)."""
    if Referral.objects.filter(screening=screening).exists():
        raise ReferralRejected({"screening": "has already been sent to a study team"})
    now = timezone.now()
    fields = {
        "trial": screening.trial,
        "site": site,
        "screening": screening,
        "channel": channel,
        "partner": actor.partner,
        "referred_by": actor.user if channel == Channel.CLINICIAN else None,
        "answers": screening.answers,
        "results": screening.results,
        "verdict": screening.verdict,
        "criteria_version": screening.criteria_version,
        "evaluated_on": screening.evaluated_on,
        "contact_name": contact.name,
        "contact_email": contact.email,
        "contact_phone": contact.phone,
        "consent_text": consent_given_text,
        "consented_at": now,
    }
    if clinician is not None:
        fields.update(
            clinician_name=clinician.name,
            clinician_email=clinician.email,
            clinician_phone=clinician.phone,
            clinician_organisation=_clinician_organisation(actor.user),
        )
    referral = _referral_insert(fields)
    ReferralActivity.objects.create(referral=referral, to_status=Status.NEW)
    kinds = [OutboxKind.SITE_TEAM_NEW_REFERRAL]
    if contact.email:
        kinds.append(OutboxKind.PATIENT_CONFIRMATION)
    if clinician is not None and clinician.email:
        kinds.append(OutboxKind.CLINICIAN_CONFIRMATION)
    outbox_messages_create(subject=referral, kinds=kinds)  # queued once this commits
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        referral=referral,
        detail={"channel": channel, "site": site.pk, "trial": screening.trial.nct_id},
    )
    return referral


def _referral_insert(fields: dict[str, Any]) -> Referral:
    # 50 random bits make a collision unlikely, not impossible: draw again if it happens.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Referral.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            if Referral.objects.filter(screening=fields["screening"]).exists():
                raise ReferralRejected({"screening": "has already been sent to a study team"})
    raise RuntimeError("could not draw an unused referral reference")


def _clinician_organisation(user) -> str:
    profile = getattr(user, "clinician_profile", None)
    return profile.organisation if profile is not None else ""


# --- notifications -------------------------------------------------------------------------


def referral_notice_sent(message: OutboxMessage) -> AuditEvent:
    """Audit that one of a referral's outbox messages went out (the kinds' ``on_sent`` hook).

    Called by :func:`notifications.services.outbox_message_deliver` once the message is
    marked sent.
    """
    return audit_record(
        actor=Actor.system("outbox"),
        action=AuditAction.NOTIFY,
        referral=message.subject,
        detail={"kind": message.kind, "message": message.pk},
    )


# --- working a referral --------------------------------------------------------------------


def referral_status_change(
    *, referral: Referral, to_status: str, actor: Actor, note: str = ""
) -> Referral:
    """Move a referral along the workflow, with an optional note.

    Only the transitions in :data:`referrals.models.TRANSITIONS` are allowed; a final
    status records ``closed_at``, which starts the retention clock.
    """
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ReferralRejected({"note": f"must be at most {NOTE_MAX_LENGTH} characters"})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if to_status not in locked.allowed_statuses:
            raise ReferralRejected(
                {
                    "status": f"cannot go from '{locked.get_status_display()}' to "
                    f"'{Status(to_status).label if to_status in Status.values else to_status}'"
                }
            )
        now = timezone.now()
        from_status = locked.status
        locked.status = to_status
        locked.status_changed_at = now
        if locked.is_final:
            locked.closed_at = now
        locked.save(update_fields=["status", "status_changed_at", "closed_at"])
        ReferralActivity.objects.create(
            referral=locked,
            author=actor.user,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        audit_record(
            actor=actor,
            action=AuditAction.STATUS,
            referral=locked,
            detail={"from": from_status, "to": to_status, "with_note": bool(note)},
        )
    return locked


def referral_note_add(*, referral: Referral, note: str, actor: Actor) -> ReferralActivity:
    """Add a note (encrypted at rest) to a referral's timeline."""
    note = note.strip()
    if not note:
        raise ReferralRejected({"note": "is empty"})
    if len(note) > NOTE_MAX_LENGTH:
        raise ReferralRejected({"note": f"must be at most {NOTE_MAX_LENGTH} characters"})
    if referral.is_erased:
        raise ReferralRejected({"note": "this referral's personal data has been erased"})
    with transaction.atomic():
        activity = ReferralActivity.objects.create(referral=referral, author=actor.user, note=note)
        audit_record(actor=actor, action=AuditAction.NOTE, referral=referral)
    return activity


# --- retention and keys --------------------------------------------------------------------


def referral_contacts_erase(*, referral: Referral, actor: Actor) -> None:
    """Blank a referral's contact details and notes; the anonymous screening stays."""
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            contact_name="",
            contact_email="",
            contact_phone="",
            clinician_name="",
            clinician_email="",
            clinician_phone="",
            contact_erased_at=timezone.now(),
        )
        ReferralActivity.objects.filter(referral=referral).update(note="")
        outbox_messages_cancel(subject=referral, reason="contact details erased")
        audit_record(actor=actor, action=AuditAction.ERASE, referral=referral)


def referral_contacts_erase_expired(*, now=None, actor: Actor | None = None) -> int:
    """Erase the contact details of referrals closed more than the retention period ago.

    ``REFERRAL_RETENTION_DAYS`` after a referral reaches a final status, its name,
    email, phone and notes are blanked (the screening, verdict and status stay, for the
    site's numbers). Returns how many referrals were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    actor = actor or Actor.system("retention")
    due = Referral.objects.filter(closed_at__lte=cutoff, contact_erased_at__isnull=True)
    count = 0
    for referral in due.only("pk").iterator():
        referral_contacts_erase(referral=referral, actor=actor)
        count += 1
    if count:
        logger.info("retention: erased the contact details of %s referrals", count)
    return count


def encryption_keys_rotation_record(*, rows: dict[str, int], initiator: str) -> AuditEvent:
    """Audit a re-encryption under the newest key (privacy's ``keys_rotated`` signal).

    ``rows`` are the rows rewritten per model; the event keeps their total, as a code.
    """
    return audit_record(
        actor=Actor.system(initiator),
        action=AuditAction.ROTATE_KEYS,
        detail={"rows": sum(rows.values())},
    )
