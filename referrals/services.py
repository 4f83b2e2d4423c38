"""Writes for referrals: creating them (with their notifications), working them, erasing them,
and the invitations that bring a site's study team in.

Every service that touches a referral records an audit event in the same transaction.
Services raise :class:`ReferralRejected` naming the offending input fields; the API
maps it to a 400 and the pages to form errors, once, at the edge.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from email_validator import EmailNotValidError, validate_email

from config.api import invalid_answers_errors
from eligibility.engine.facts import InvalidAnswers
from eligibility.models import Screening, ScreeningReevaluation, Verdict
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_messages_cancel, outbox_messages_create

from .audit import Actor, audit_record
from .consent import consent_text
from .models import (
    INVITATION_VALID_FOR,
    AuditAction,
    AuditEvent,
    Channel,
    IdempotencyKey,
    InvitationStatus,
    OutboxKind,
    Referral,
    ReferralActivity,
    SiteInvitation,
    SiteMembership,
    SiteRole,
    Status,
    invitation_token_hash,
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


NAME_WITHOUT_LETTERS = "must contain letters (a name, not a number)"
EMAIL_INVALID = "is not a valid email address"
PHONE_INVALID = "is not a valid phone number (include the country code, e.g. +1 650 555 0100)"
EMAIL_OR_PHONE = "give an email address or a phone number (or both)"


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
    elif not any(character.isalpha() for character in name):
        # "12345" or "+1 650 555 0100" is not a name a study team can greet anyone by.
        errors[f"{prefix}.name"] = NAME_WITHOUT_LETTERS
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors[f"{prefix}.email"] = EMAIL_INVALID
    if phone:
        try:
            parsed = phonenumbers.parse(phone, (region or "").upper() or None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            errors[f"{prefix}.phone"] = PHONE_INVALID
        else:
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not email and not phone and f"{prefix}.email" not in errors:
        errors[prefix] = EMAIL_OR_PHONE
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


def _check_answered(answers: dict[str, Any]) -> None:
    # With no answer at all, every criterion is unknown and the verdict says nothing.
    if not answers:
        raise ReferralRejected(
            {"answers": "has no answers: a referral needs the patient's answers to the trial's "
             "questions"}
        )  # fmt: skip


#: The message for an invalid answer when the engine's own would repeat what was sent.
ANSWER_INVALID = (
    "is not a valid answer, or does not agree with another answer (the trial's "
    "questionnaire gives each key's type, range and choices)"
)
#: A number in brackets in an engine message is worked out from the answers (the age a
#: birth date gives, a day count sent).
_BRACKETED_NUMBER = re.compile(r"\([^)]*\d[^)]*\)")


def answer_errors(exc: InvalidAnswers, *, answers: Any) -> dict[str, str]:
    """Each invalid answer by its request path (``answers.edss``), repeating nothing sent.

    The engine's messages say what is expected, and some quote what was sent (an unknown
    code, a count, the age a birth date gives). Those are replaced by
    :data:`ANSWER_INVALID`, so that a referral error never carries a patient's answer.
    """
    paths = invalid_answers_errors(exc)  # config.api owns the map from keys to paths
    return {
        path: message if _repeats_nothing(message, key=key, answers=answers) else ANSWER_INVALID
        for (key, message), path in zip(exc.errors.items(), paths, strict=True)
    }


def _repeats_nothing(message: str, *, key: str, answers: Any) -> bool:
    """Whether ``message`` (about ``key``) quotes no value sent for that key, for another
    key it names, or worked out from them."""
    if _BRACKETED_NUMBER.search(message):
        return False
    if not isinstance(answers, dict):
        return True
    named = [
        name
        for name in answers
        if isinstance(name, str)
        and (name == key or re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message))
    ]
    sent = {text for name in named for text in _texts(answers[name]) if text}
    return not any(re.search(rf"(?<![\w.-]){re.escape(t)}(?![\w.-])", message) for t in sent)


def _texts(value: Any) -> set[str]:
    """How a sent value (and anything inside it) can read in a message."""
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, int | float):
        texts = {str(value), f"{value:g}"}
        if isinstance(value, float) and value.is_integer():
            texts.add(str(int(value)))
        return texts
    if isinstance(value, dict):
        return {str(k) for k in value} | {t for v in value.values() for t in _texts(v)}
    if isinstance(value, list | tuple):
        return {t for item in value for t in _texts(item)}
    return {str(value)}


def _check_screening_kept(screening: Screening) -> None:
    # Locked until the referral commits: the screening retention job skips locked rows, so
    # it cannot erase this one meanwhile; one it erased already cannot be referred.
    if not Screening.objects.select_for_update().filter(pk=screening.pk).exists():
        raise ReferralRejected(
            {"screening": "has expired: answer the questions again to be referred"}
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
    language: str = "en",
    today: date | None = None,
) -> Referral:
    """Check ``answers`` against the trial and refer the patient to ``site``.

    ``language`` is the patient's ("en" or "es"): their confirmation is written in it.

    Used by the partner API and the clinician pages: the answers are evaluated (and an
    anonymous screening saved) in the same transaction as the referral. Raises
    :class:`ReferralRejected` for a missing consent, a site of another trial, invalid
    answers (their messages never repeat a value sent: :func:`answer_errors`), no
    answers at all, an ineligible screening or unusable contact details.
    """
    from eligibility.services import answers_prepare, screening_evaluate

    _check_consent(consent)
    _check_site(trial=trial, site=site)
    valid_contact = contact_validate(contact=contact, region=site.country_code)
    valid_clinician = None
    if channel == Channel.CLINICIAN:
        valid_clinician = contact_validate(
            contact=clinician, region=site.country_code, prefix="clinician"
        )
    try:
        prepared = answers_prepare(answers=answers, today=today)
    except InvalidAnswers as exc:
        raise ReferralRejected(answer_errors(exc, answers=answers)) from None
    _check_answered(prepared.clean)
    with transaction.atomic():
        outcome = screening_evaluate(trial=trial, answers=prepared, today=today, save=True)
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
            language=language,
        )


@sensitive_variables("contact")
def referral_create_from_screening(
    *,
    screening: Screening,
    site,
    contact: Any,
    consent: Any,
    actor: Actor,
    language: str = "en",
) -> Referral:
    """A patient asks to be contacted about the trial they were just screened for.

    The referral freezes that screening as it was. Raises :class:`ReferralRejected` when
    the screening has no answers, was not eligible or possibly eligible, was already
    referred or has been erased (retention), or the site, consent or contact details are
    not usable.
    """
    _check_consent(consent)
    _check_site(trial=screening.trial, site=site)
    _check_answered(screening.answers)
    _check_verdict(screening.verdict)
    valid_contact = contact_validate(contact=contact, region=site.country_code)
    with transaction.atomic():
        _check_screening_kept(screening)
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
            language=language,
        )


def referral_language(code: str | None) -> str:
    """One of the service's languages for ``code`` ("es-ES" is "es"); English otherwise."""
    base = (code or "").split("-")[0].lower()
    return base if base in {lang for lang, _name in settings.LANGUAGES} else "en"


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
    language: str = "en",
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
        "language": referral_language(language),
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
    # A site with nobody to tell: the operators hear of it, so that they invite its team.
    kinds = [_new_referral_notice(site)]
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


def _new_referral_notice(site) -> str:
    from .selectors import site_team_emails

    if site_team_emails(site=site):
        return OutboxKind.SITE_TEAM_NEW_REFERRAL
    return OutboxKind.OPERATOR_REFERRAL_WAITING


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


# --- a partner's Idempotency-Key -------------------------------------------------------------

#: How long a partner's ``Idempotency-Key`` stands for the referral it made.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


class IdempotencyKeyReused(Exception):
    """The partner sent this ``Idempotency-Key`` with another body within the window."""


def idempotency_hashes(*, key: str, body: Any) -> tuple[str, str]:
    """(key hash, body hash) as stored: HMAC-SHA256 under ``SECRET_KEY``, never the values.

    The body is hashed as canonical JSON (keys sorted, no spaces), so the same JSON sent
    again matches whatever its key order or whitespace.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (
        salted_hmac("referrals.idempotency.key", key, algorithm="sha256").hexdigest(),
        salted_hmac("referrals.idempotency.body", canonical, algorithm="sha256").hexdigest(),
    )


@sensitive_variables("body")
def referral_create_idempotent(
    *, partner, key: str, body: Any, now=None, **referral: Any
) -> tuple[Referral, bool]:
    """:func:`referral_create` (given ``referral``'s arguments) at most once per partner
    and ``Idempotency-Key``; returns the referral and whether it was made now.

    Within :data:`IDEMPOTENCY_WINDOW` of the first success, the same key with the same
    ``body`` (the request's JSON) gives back the referral it made and creates nothing;
    with another body it raises :class:`IdempotencyKeyReused`. A request that failed
    leaves no trace, so its key may be used again. Two requests racing with one key make
    one referral: the key's row is written in the referral's transaction, under a unique
    constraint, and the loser gets the winner's referral (or the conflict).
    """
    now = now or timezone.now()
    key_hash, body_hash = idempotency_hashes(key=key, body=body)
    earlier = _idempotent_referral(partner=partner, key_hash=key_hash, body_hash=body_hash, now=now)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            # An expired row the retention job has not deleted yet would block the new one.
            IdempotencyKey.objects.filter(
                partner=partner, key_hash=key_hash, created_at__lte=now - IDEMPOTENCY_WINDOW
            ).delete()
            created = referral_create(**referral)
            IdempotencyKey.objects.create(
                partner=partner, key_hash=key_hash, body_hash=body_hash, referral=created
            )
    except IntegrityError:
        earlier = _idempotent_referral(
            partner=partner, key_hash=key_hash, body_hash=body_hash, now=now
        )
        if earlier is None:
            raise
        return earlier, False
    return created, True


def _idempotent_referral(*, partner, key_hash: str, body_hash: str, now) -> Referral | None:
    row = (
        IdempotencyKey.objects.select_related("referral__trial")
        .filter(partner=partner, key_hash=key_hash, created_at__gt=now - IDEMPOTENCY_WINDOW)
        .first()
    )
    if row is None:
        return None
    if not hmac.compare_digest(row.body_hash, body_hash):
        raise IdempotencyKeyReused
    return row.referral


def idempotency_keys_purge_expired(*, now=None) -> int:
    """Delete the ``Idempotency-Key`` rows older than :data:`IDEMPOTENCY_WINDOW` (part of
    the hourly retention job); returns how many went."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lte=now - IDEMPOTENCY_WINDOW
    ).delete()
    return deleted


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


def site_invitation_sent(message: OutboxMessage) -> AuditEvent:
    """Audit that an invitation's email went out (the invitation kind's ``on_sent`` hook)."""
    invitation = message.subject
    return audit_record(
        actor=Actor.system("outbox"),
        action=AuditAction.NOTIFY,
        detail={
            "kind": message.kind,
            "message": message.pk,
            "invitation": invitation.pk if invitation else None,
            "site": invitation.site_id if invitation else None,
        },
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


#: What an erased referral keeps of each criterion's result: the trial's own criterion (its
#: id, kind and registered text) and whether the service checked it, which the queue's
#: "checked of total" count needs. The outcome (met, not met, not known), the facts used
#: and the explanation go: they are, or quote, the patient's answers.
_RESULT_KEPT = ("id", "kind", "text", "clinical_text")
ERASED_STATUS = "erased"


def results_without_answers(results: Any) -> list[dict[str, Any]]:
    """Stored per-criterion results with nothing of the patient's in them (see
    :data:`_RESULT_KEPT`): a checked criterion's status becomes ``erased``, a
    ``not_checked`` one stays, so the counts of checked criteria are unchanged."""
    kept = []
    for row in results if isinstance(results, list) else []:
        if not isinstance(row, dict):
            continue
        status = row.get("status")
        kept.append(
            {
                **{key: row[key] for key in _RESULT_KEPT if key in row},
                "status": "not_checked" if status == "not_checked" else ERASED_STATUS,
                "facts_used": {},
                "explanation": "",
            }
        )
    return kept


def referral_contacts_erase(*, referral: Referral, actor: Actor) -> None:
    """Erase a referral's personal data: contact details, notes and health answers.

    Blanks the patient's and the clinician's contact details (and the clinician's
    organisation) and the notes, and drops the answers (the birth date among them) and
    what quotes them, on the referral's frozen copy, on its screening and on the
    screening's re-evaluations, in one transaction. Kept, with nothing of the patient's
    in it: the trial, site, channel, status, verdicts, criteria versions, dates, the
    consent text, and per criterion whether it was checked (:func:`results_without_answers`).
    Unsent messages are cancelled and the erasure is audited (``erase``).
    """
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("screening")
            .get(pk=referral.pk)
        )
        Referral.objects.filter(pk=locked.pk).update(
            contact_name="",
            contact_email="",
            contact_phone="",
            clinician_name="",
            clinician_email="",
            clinician_phone="",
            clinician_organisation="",
            answers={},
            results=results_without_answers(locked.results),
            contact_erased_at=timezone.now(),
        )
        Screening.objects.filter(pk=locked.screening_id).update(
            answers={}, results=results_without_answers(locked.screening.results)
        )
        for reevaluation in ScreeningReevaluation.objects.filter(screening_id=locked.screening_id):
            ScreeningReevaluation.objects.filter(pk=reevaluation.pk).update(
                results=results_without_answers(reevaluation.results)
            )
        ReferralActivity.objects.filter(referral=locked).update(note="")
        outbox_messages_cancel(subject=locked, reason="contact details erased")
        audit_record(actor=actor, action=AuditAction.ERASE, referral=locked)


def referral_contacts_erase_expired(*, now=None, actor: Actor | None = None) -> int:
    """Erase the personal data of referrals closed more than the retention period ago,
    and of referrals no team ever took up.

    ``REFERRAL_RETENTION_DAYS`` after a referral reaches a final status, its contact
    details, notes and health answers are erased (:func:`referral_contacts_erase`; the
    verdict, status and counts stay, for the site's numbers). A referral still waiting,
    ``REFERRAL_UNCLAIMED_RETENTION_DAYS`` after it was sent, for a site whose team never
    joined (no member, and no team notice ever sent for it) is erased too. Returns how
    many referrals were erased.
    """
    from .selectors import referrals_waiting_for_team

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    unclaimed_cutoff = now - timedelta(days=settings.REFERRAL_UNCLAIMED_RETENTION_DAYS)
    actor = actor or Actor.system("retention")
    closed = Referral.objects.filter(closed_at__lte=cutoff, contact_erased_at__isnull=True)
    unclaimed = (
        referrals_waiting_for_team()
        .filter(created_at__lte=unclaimed_cutoff, contact_erased_at__isnull=True)
        .exclude(
            outbox__kind=OutboxKind.SITE_TEAM_NEW_REFERRAL,
            outbox__status=OutboxStatus.SENT,
        )
    )
    due = Referral.objects.filter(Q(pk__in=closed.values("pk")) | Q(pk__in=unclaimed.values("pk")))
    count = 0
    for referral in due.only("pk").iterator():
        referral_contacts_erase(referral=referral, actor=actor)
        count += 1
    if count:
        logger.info("retention: erased the personal data of %s referrals", count)
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


# --- site teams: invitations -----------------------------------------------------------------

#: The actor of ``manage.py invite_site_team``: whoever may run it is an operator.
COMMAND_ACTOR = Actor.system("manage.py invite_site_team")


class InvitationRejected(Exception):
    """An invitation that cannot be made or changed; ``errors`` maps each field to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class InvitationUnusable(Exception):
    """An invitation link that cannot be accepted; ``reason`` says why, as a code.

    ``unknown`` (no such link, or replaced by a newer one), ``used``, ``expired`` or
    ``withdrawn``.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _is_operator_actor(actor: Actor) -> bool:
    from .selectors import is_operator

    if actor.user is None:
        return actor.partner is None and actor.label == COMMAND_ACTOR.label
    return is_operator(user=actor.user)


def _may_manage_invitations(*, actor: Actor, site) -> bool:
    """Operators, for any site; a site's coordinators, for their own site."""
    from .selectors import is_site_coordinator

    if _is_operator_actor(actor):
        return True
    return actor.user is not None and is_site_coordinator(user=actor.user, site=site)


def _invitation_audit(*, actor: Actor, action: str, invitation: SiteInvitation, **detail):
    return audit_record(
        actor=actor,
        action=action,
        detail={"invitation": invitation.pk, "site": invitation.site_id, **detail},
    )


def is_registry_contact(*, site, email: str) -> bool:
    """Whether ``email`` is the contact address the registry lists for ``site``."""
    listed = (site.contact_email or "").strip().casefold()
    return bool(listed) and listed == email.strip().casefold()


@sensitive_variables("email")
def site_invitation_create(
    *, site, email: str, role: str, actor: Actor, approve: bool = False
) -> SiteInvitation:
    """Invite ``email`` to ``site``'s study team as ``role``; the email is sent on commit.

    Operators (staff users allowed to invite, and ``manage.py invite_site_team``) may
    invite anyone to any site; a site's coordinators their colleagues. An invitation to
    the site's registry contact address waits for an operator's approval
    (:func:`site_invitation_approve`) unless an operator creates it with ``approve``;
    none is ever made for a site of the demo catalog (``Trial.sites_are_illustrative``),
    whose registry addresses are not the site's. Raises :class:`InvitationRejected`.
    """
    email = site_invitation_check(site=site, email=email, role=role, actor=actor)
    registry = is_registry_contact(site=site, email=email)
    if registry:
        email = site.contact_email.strip()  # as the registry lists it
    approved = registry and approve and _is_operator_actor(actor)
    now = timezone.now()
    with transaction.atomic():
        invitation = SiteInvitation.objects.create(
            site=site,
            email=email,
            role=role,
            to_registry_contact=registry,
            status=InvitationStatus.AWAITING_APPROVAL
            if registry and not approved
            else InvitationStatus.OPEN,
            invited_by=actor.user,
            approved_by=actor.user if approved else None,
            approved_at=now if approved else None,
        )
        _invitation_audit(
            actor=actor,
            action=AuditAction.INVITE,
            invitation=invitation,
            role=role,
            registry_contact=registry,
            status=invitation.status,
        )
        if approved:
            _invitation_audit(actor=actor, action=AuditAction.APPROVE, invitation=invitation)
        if invitation.status == InvitationStatus.OPEN:
            outbox_messages_create(subject=invitation, kinds=[OutboxKind.SITE_INVITATION])
    return invitation


@sensitive_variables("email")
def site_invitation_check(*, site, email: str, role: str, actor: Actor) -> str:
    """The checks of :func:`site_invitation_create`, writing nothing: returns the address
    normalised, or raises :class:`InvitationRejected` (the admin's form shows them)."""
    from .selectors import site_invitation_pending

    if not _may_manage_invitations(actor=actor, site=site):
        raise InvitationRejected({"site": _("you cannot invite people to this site's team")})
    try:
        email = validate_email(str(email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvitationRejected({"email": _("is not a valid email address")}) from None
    if role not in SiteRole.values:
        raise InvitationRejected(
            {"role": _("must be one of %(roles)s") % {"roles": ", ".join(SiteRole.values)}}
        )
    if is_registry_contact(site=site, email=email) and site.trial.sites_are_illustrative:
        raise InvitationRejected(
            {
                "email": _(
                    "is the registry contact of a demonstration site: "
                    "the demo catalog's addresses are never invited"
                )
            }
        )
    if SiteMembership.objects.filter(
        site=site, user__email__iexact=email, user__is_active=True
    ).exists():
        raise InvitationRejected({"email": _("is already on this site's team")})
    if site_invitation_pending(site=site, email=email) is not None:
        raise InvitationRejected(
            {"email": _("has an invitation to this site already: send it again or withdraw it")}
        )
    return email


def site_invitation_approve(*, invitation: SiteInvitation, actor: Actor) -> SiteInvitation:
    """An operator approves an invitation to a registry contact address; it is sent on commit."""
    if not _is_operator_actor(actor):
        raise InvitationRejected({"invitation": _("only an operator can approve it")})
    if invitation.site.trial.sites_are_illustrative:
        raise InvitationRejected(
            {"invitation": _("the demo catalog's registry addresses are never invited")}
        )
    now = timezone.now()
    with transaction.atomic():
        changed = SiteInvitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.AWAITING_APPROVAL
        ).update(status=InvitationStatus.OPEN, approved_by=actor.user, approved_at=now)
        if not changed:
            raise InvitationRejected({"invitation": _("is not waiting for an approval")})
        invitation.refresh_from_db()
        _invitation_audit(actor=actor, action=AuditAction.APPROVE, invitation=invitation)
        outbox_messages_create(subject=invitation, kinds=[OutboxKind.SITE_INVITATION])
    return invitation


def site_invitation_resend(*, invitation: SiteInvitation, actor: Actor) -> SiteInvitation:
    """Send an open invitation again, with a new link (the previous one stops working)."""
    if not _may_manage_invitations(actor=actor, site=invitation.site):
        raise InvitationRejected({"invitation": _("you cannot send this invitation")})
    if invitation.status != InvitationStatus.OPEN:
        raise InvitationRejected({"invitation": _("only an invitation not accepted yet is sent")})
    with transaction.atomic():
        outbox_messages_cancel(subject=invitation, reason="sent again")
        outbox_messages_create(subject=invitation, kinds=[OutboxKind.SITE_INVITATION])
        _invitation_audit(actor=actor, action=AuditAction.INVITE, invitation=invitation, again=True)
    return invitation


def site_invitation_revoke(*, invitation: SiteInvitation, actor: Actor) -> SiteInvitation:
    """Withdraw an invitation not accepted yet: its link stops working, nothing more is sent."""
    if not _may_manage_invitations(actor=actor, site=invitation.site):
        raise InvitationRejected({"invitation": _("you cannot withdraw this invitation")})
    with transaction.atomic():
        changed = SiteInvitation.objects.filter(
            pk=invitation.pk,
            status__in=(InvitationStatus.AWAITING_APPROVAL, InvitationStatus.OPEN),
        ).update(status=InvitationStatus.REVOKED)
        if not changed:
            raise InvitationRejected({"invitation": _("was accepted or withdrawn already")})
        outbox_messages_cancel(subject=invitation, reason="invitation withdrawn")
        invitation.refresh_from_db()
        _invitation_audit(actor=actor, action=AuditAction.REVOKE, invitation=invitation)
    return invitation


def site_invitation_token_issue(*, invitation: SiteInvitation) -> str:
    """Draw the token of an invitation's link as its email is rendered; '' if it is not open.

    Only the token's hash is kept, and the link works for ``INVITATION_VALID_FOR`` from
    now. A new token replaces any earlier one, so only the newest email's link works.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    issued = SiteInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.OPEN).update(
        token_hash=invitation_token_hash(token), sent_at=now, expires_at=now + INVITATION_VALID_FOR
    )
    return token if issued else ""


def site_invitation_refused(*, invitation: SiteInvitation, reason: str, actor: Actor) -> None:
    """Audit a link that was opened but could not be used (used, expired or withdrawn)."""
    _invitation_audit(actor=actor, action=AuditAction.REFUSE, invitation=invitation, reason=reason)


def site_invitation_accept(*, invitation: SiteInvitation, user, actor: Actor) -> SiteMembership:
    """Accept an invitation: ``user`` joins the site's team with the invitation's role.

    ``user`` is a signed-in account, or a new one not saved yet (from the invitation's
    sign-up form): it is saved here, with the invited address, only if the invitation is
    still usable. Accepting claims the invitation in one conditional UPDATE, so a link
    used twice (two tabs, two people) makes one membership. Raises
    :class:`InvitationUnusable`.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = SiteInvitation.objects.filter(
            pk=invitation.pk,
            status=InvitationStatus.OPEN,
            token_hash=invitation.token_hash,
            expires_at__gt=now,
        ).update(status=InvitationStatus.ACCEPTED, accepted_at=now)
        if not claimed:
            invitation.refresh_from_db()
            raise InvitationUnusable(invitation.link_problem() or "used")
        new_account = user.pk is None
        if new_account:
            user.email = invitation.email
            user.save()
        SiteInvitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        membership, _created = SiteMembership.objects.get_or_create(
            user=user, site=invitation.site, defaults={"role": invitation.role}
        )
        invitation.refresh_from_db()
        _invitation_audit(
            actor=Actor(label=user.get_username()[:150], user=user, ip_address=actor.ip_address),
            action=AuditAction.ACCEPT,
            invitation=invitation,
            role=membership.role,
            new_account=new_account,
        )
    logger.info("invitation %s accepted: site %s", invitation.pk, invitation.site_id)
    return membership
