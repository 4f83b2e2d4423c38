"""The emails this app's outbox messages turn into, rendered when they are delivered.

No message carries a patient's name, email address or phone number in its text: the site
team gets a link to the referral (behind their login), the patient and the clinician a
reference number, the operators (when a site has no team yet) the reference, study and
site. An invitation to a site's team carries a single-use link, drawn as it is rendered
(:func:`~referrals.services.site_invitation_token_issue`), and nothing about any patient.
The kinds are registered with the outbox (:mod:`notifications`) by the app config; the
outbox adds the ``X-Outbox-Message`` header that traces a delivery to exactly one
message.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications.kinds import kind_register
from notifications.models import OutboxMessage

from .consent import site_label
from .models import INVITATION_VALID_FOR, InvitationStatus, OutboxKind, Referral, SiteInvitation
from .selectors import (
    operator_emails,
    referral_team_notified,
    referrals_waiting_for_team,
    site_team_emails,
)
from .services import referral_notice_sent, site_invitation_sent, site_invitation_token_issue

_TEMPLATES = {
    OutboxKind.SITE_TEAM_NEW_REFERRAL: "emails/site_team_new_referral",
    OutboxKind.PATIENT_CONFIRMATION: "emails/patient_confirmation",
    OutboxKind.CLINICIAN_CONFIRMATION: "emails/clinician_confirmation",
    OutboxKind.OPERATOR_REFERRAL_WAITING: "emails/operator_referral_waiting",
}


def referral_kinds_register() -> None:
    """Make this app's notices kinds the outbox delivers (``ReferralsConfig.ready``)."""
    for kind in OutboxKind:
        if kind == OutboxKind.SITE_INVITATION:
            kind_register(
                kind.value,
                label=kind.label,
                render=render_invitation_message,
                on_sent=site_invitation_sent,
            )
        else:
            kind_register(
                kind.value,
                label=kind.label,
                render=render_outbox_message,
                on_sent=referral_notice_sent,
            )


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _recipients(kind: str, referral: Referral) -> list[str]:
    if kind == OutboxKind.SITE_TEAM_NEW_REFERRAL:
        return site_team_emails(site=referral.site)
    if kind == OutboxKind.PATIENT_CONFIRMATION:
        return [referral.contact_email] if referral.contact_email else []
    if kind == OutboxKind.OPERATOR_REFERRAL_WAITING:
        return operator_emails()
    return [referral.clinician_email] if referral.clinician_email else []


def render_outbox_message(message: OutboxMessage) -> EmailMessage | None:
    """The email for ``message``, or None when nobody is left to send it to."""
    referral = message.subject
    if referral is None:
        return None
    recipients = _recipients(message.kind, referral)
    if not recipients:
        return None
    language = referral.language if message.kind == OutboxKind.PATIENT_CONFIRMATION else "en"
    context = {
        "reference": referral.reference,
        "trial": referral.trial,
        "site": referral.site,
        "site_label": site_label(referral.site),
        "team_url": absolute_url(reverse("team_referral_detail", args=[referral.reference])),
        "clinician_url": absolute_url(
            reverse("clinician_referral_detail", args=[referral.reference])
        ),
        "status_url": absolute_url(reverse("referral_status", args=[referral.reference])),
        "operator_url": absolute_url(reverse("operator_waiting_referrals")),
        "retention_days": settings.REFERRAL_RETENTION_DAYS,
    }
    if message.kind in (OutboxKind.PATIENT_CONFIRMATION, OutboxKind.CLINICIAN_CONFIRMATION):
        context["team_notified"] = referral_team_notified(referral=referral)
    if message.kind == OutboxKind.OPERATOR_REFERRAL_WAITING:
        context["waiting_at_site"] = referrals_waiting_for_team().filter(site=referral.site).count()
    return _email(_TEMPLATES[message.kind], context, recipients, language=language)


def _email(template: str, context: dict, recipients: list[str], *, language: str) -> EmailMessage:
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    # A site team or the operators are several people who need not see each other's addresses.
    to, bcc = (recipients, []) if len(recipients) == 1 else ([], recipients)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        bcc=bcc,
        headers={"Content-Language": language},
    )


def render_invitation_message(message: OutboxMessage) -> EmailMessage | None:
    """The invitation email with a fresh single-use link, or None when it must not go.

    Nothing is sent for an invitation withdrawn or accepted meanwhile, for one to a
    registry contact address that no operator approved, or for any registry address of
    the demo catalog.
    """
    invitation: SiteInvitation | None = message.subject
    if invitation is None or invitation.status != InvitationStatus.OPEN or not invitation.email:
        return None
    if invitation.to_registry_contact and (
        invitation.approved_at is None or invitation.site.trial.sites_are_illustrative
    ):
        return None
    token = site_invitation_token_issue(invitation=invitation)
    if not token:
        return None
    site = invitation.site
    context = {
        "site_label": site_label(site),
        "trial": site.trial,
        "role": invitation.get_role_display(),
        "to_registry_contact": invitation.to_registry_contact,
        "accept_url": absolute_url(reverse("site_invitation_open", args=[token])),
        "valid_days": INVITATION_VALID_FOR.days,
        "waiting": referrals_waiting_for_team().filter(site=site).count(),
    }
    return _email("emails/site_invitation", context, [invitation.email], language="en")
