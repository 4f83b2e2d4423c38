"""The append-only audit trail: who did what to which referral, when, and from where.

Views build an :class:`Actor` from the request once and hand it to the services, which
record an :class:`~referrals.models.AuditEvent` next to every view, change, export and
erasure. Nothing personal goes into an event's ``detail``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from .models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """The person or system acting: a signed-in user, a partner's key, a patient, a task."""

    label: str
    user: Any = None
    partner: Any = None
    ip_address: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)


def client_ip(request) -> str | None:
    """The peer address of the request (``REMOTE_ADDR``), if it is a valid IP.

    ``X-Forwarded-For`` is deliberately not trusted here: anyone can write it. Behind a
    reverse proxy, let the proxy set ``REMOTE_ADDR`` (e.g. gunicorn's
    ``--forwarded-allow-ips`` with a proxy-protocol aware server).
    """
    value = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def coarse_ip(value: str | None) -> str | None:
    """An address cut to its network (IPv4 /24, IPv6 /48: "203.0.113.77" -> "203.0.113.0"):
    what the trail keeps of a patient, enough to see a burst of requests from one network,
    not enough to name a household."""
    if not value:
        return None
    address = ipaddress.ip_address(value)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def actor_from_request(request) -> Actor:
    """The actor behind a page or API request (partner key, signed-in user or patient).

    Staff and partners are recorded with their address; a patient only with their
    network (:func:`coarse_ip`), since the trail is kept for ever and the address of a
    person who asked about an MS trial is personal data."""
    ip = client_ip(request)
    api_key = getattr(request, "auth", None)
    partner = getattr(api_key, "partner", None)
    if partner is not None:
        return Actor(label=f"partner:{partner.name}"[:150], partner=partner, ip_address=ip)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(label=user.get_username()[:150], user=user, ip_address=ip)
    return Actor(label="patient", ip_address=coarse_ip(ip))


def audit_record(
    *, actor: Actor, action: str, referral=None, detail: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to the trail. ``detail`` must hold codes and ids only."""
    return AuditEvent.objects.create(
        actor=actor.user,
        partner=actor.partner,
        actor_label=actor.label,
        action=action,
        referral=referral,
        ip_address=actor.ip_address,
        detail=detail or {},
    )
