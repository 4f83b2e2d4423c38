"""The emails an outbox message turns into, rendered when it is delivered.

No message carries a name, an email address or a phone number in its text: the site
team gets a link to the referral (behind their login), the patient and the clinician a
reference number. Each email carries an ``X-Outbox-Message`` header, so a delivery can
be traced to exactly one outbox row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .consent import site_label
from .models import OutboxKind, OutboxMessage
from .selectors import site_team_emails

_TEMPLATES = {
    OutboxKind.SITE_TEAM_NEW_REFERRAL: "emails/site_team_new_referral",
    OutboxKind.PATIENT_CONFIRMATION: "emails/patient_confirmation",
    OutboxKind.CLINICIAN_CONFIRMATION: "emails/clinician_confirmation",
}


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _recipients(message: OutboxMessage) -> list[str]:
    referral = message.referral
    if message.kind == OutboxKind.SITE_TEAM_NEW_REFERRAL:
        return site_team_emails(site=referral.site)
    if message.kind == OutboxKind.PATIENT_CONFIRMATION:
        return [referral.contact_email] if referral.contact_email else []
    return [referral.clinician_email] if referral.clinician_email else []


def render_outbox_message(message: OutboxMessage) -> EmailMessage | None:
    """The email for ``message``, or None when nobody is left to send it to."""
    recipients = _recipients(message)
    if not recipients:
        return None
    referral = message.referral
    language = referral.language if message.kind == OutboxKind.PATIENT_CONFIRMATION else "en"
    context = {
        "reference": referral.reference,
        "trial": referral.trial,
        "site_label": site_label(referral.site),
        "team_url": absolute_url(reverse("team_referral_detail", args=[referral.reference])),
        "clinician_url": absolute_url(
            reverse("clinician_referral_detail", args=[referral.reference])
        ),
        "retention_days": settings.REFERRAL_RETENTION_DAYS,
    }
    template = _TEMPLATES[message.kind]
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    # The site team is several people who need not see each other's addresses.
    to, bcc = (recipients, []) if len(recipients) == 1 else ([], recipients)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        bcc=bcc,
        headers={"X-Outbox-Message": str(message.pk), "Auto-Submitted": "auto-generated"},
    )
