"""The emails a referral's outbox messages turn into, rendered when they are delivered.

No message carries a name, an email address or a phone number in its text: the site
team gets a link to the referral (behind their login), the patient and the clinician a
reference number. The three kinds are registered with the outbox (:mod:`notifications`)
by the app config; the outbox adds the ``X-Outbox-Message`` header that traces a
delivery to exactly one message.
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
from .models import OutboxKind, Referral
from .selectors import site_team_emails
from .services import referral_notice_sent

_TEMPLATES = {
    OutboxKind.SITE_TEAM_NEW_REFERRAL: "emails/site_team_new_referral",
    OutboxKind.PATIENT_CONFIRMATION: "emails/patient_confirmation",
    OutboxKind.CLINICIAN_CONFIRMATION: "emails/clinician_confirmation",
}


def referral_kinds_register() -> None:
    """Make the referral notices kinds the outbox delivers (``ReferralsConfig.ready``)."""
    for kind in OutboxKind:
        kind_register(
            kind.value, label=kind.label, render=render_outbox_message, on_sent=referral_notice_sent
        )


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _recipients(kind: str, referral: Referral) -> list[str]:
    if kind == OutboxKind.SITE_TEAM_NEW_REFERRAL:
        return site_team_emails(site=referral.site)
    if kind == OutboxKind.PATIENT_CONFIRMATION:
        return [referral.contact_email] if referral.contact_email else []
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
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to, bcc=bcc
    )
