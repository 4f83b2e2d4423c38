"""Reads for referrals, each scoped to who is asking.

A referral is only ever fetched through a selector that scopes it to the asker (the
site team's sites, the clinician who made it, the partner whose key made it), so a
referral outside that scope is simply not found: every route answers 404 for it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from notifications.models import OutboxStatus
from sites.geocoding import Place
from sites.models import Site
from sites.selectors import RECRUITING_SITE_STATUSES, RankedSite, trial_sites_ranked

from .models import (
    FINAL_STATUSES,
    AuditAction,
    AuditEvent,
    Channel,
    InvitationStatus,
    OutboxKind,
    Referral,
    SiteInvitation,
    SiteMembership,
    SiteRole,
    invitation_token_hash,
)

#: Sites a patient can be referred to: site status decides, as everywhere else, so only
#: recruiting sites (a site not yet recruiting, enrolling by invitation or suspended is
#: shown on the trial page with its status, never offered).
REFERABLE_SITE_STATUSES = RECRUITING_SITE_STATUSES


def _queue_base() -> QuerySet[Referral]:
    return Referral.objects.select_related("trial", "site").order_by("-created_at", "-id")


def user_site_ids(*, user) -> list[int]:
    """The sites whose study team ``user`` is on."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(SiteMembership.objects.filter(user=user).values_list("site_id", flat=True))


def referrals_for_site_team(
    *, user, status: str | None = None, trial_id: int | None = None
) -> QuerySet[Referral]:
    """The referrals to the user's sites, newest first, optionally by status and trial."""
    queryset = _queue_base().filter(site_id__in=user_site_ids(user=user))
    if status:
        queryset = queryset.filter(status=status)
    if trial_id:
        queryset = queryset.filter(trial_id=trial_id)
    return queryset


def referral_for_site_team(*, user, reference: str) -> Referral | None:
    """One referral of the user's sites by reference, or None (also for other sites')."""
    return referrals_for_site_team(user=user).filter(reference=reference).first()


def trials_for_site_team(*, user) -> list[Any]:
    """The trials of the user's sites (for the queue's trial filter)."""
    from finder.models import Trial

    return list(Trial.objects.filter(sites__in=user_site_ids(user=user)).distinct())


def is_site_team_member(*, user) -> bool:
    return bool(user_site_ids(user=user))


def is_referring_clinician(*, user) -> bool:
    profile = getattr(user, "clinician_profile", None) if user.is_authenticated else None
    return profile is not None and profile.is_active and user.is_active


def referrals_for_clinician(*, user) -> QuerySet[Referral]:
    """The referrals the clinician made, newest first."""
    if not is_referring_clinician(user=user):
        return Referral.objects.none()
    return _queue_base().filter(referred_by=user)


def referral_for_clinician(*, user, reference: str) -> Referral | None:
    return referrals_for_clinician(user=user).filter(reference=reference).first()


def referral_for_partner(*, partner, reference: str) -> Referral | None:
    """A referral made through ``partner``'s keys, or None."""
    if partner is None:
        return None
    return _queue_base().filter(partner=partner, reference=reference).first()


def site_team_emails(*, site: Site) -> list[str]:
    """Addresses of the active members of the site's study team (sorted, unique)."""
    users = (
        get_user_model()
        .objects.filter(site_memberships__site=site, is_active=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def _team_members():
    """Memberships of people a site's team notice can reach (active, with an email)."""
    return SiteMembership.objects.filter(user__is_active=True).exclude(user__email="")


def site_has_team(*, site: Site) -> bool:
    """Whether someone on the site's study team can be told of a referral."""
    return _team_members().filter(site=site).exists()


def referral_sites(*, trial, origin: Place | None = None) -> list[RankedSite]:
    """The trial's sites a patient can ask to be referred to, nearest ``origin`` first.

    The sites app's one ranking of a trial's sites, restricted to the referable statuses;
    without an ``origin`` the order is by country and city.
    """
    return trial_sites_ranked(trial=trial, origin=origin, statuses=REFERABLE_SITE_STATUSES)


def referral_reevaluate(*, referral: Referral):
    """The same answers checked against the trial's current criteria (nothing saved).

    Evaluated as of the original screening date, so the only difference from the
    verdict then is the criteria, not the patient having aged since.
    """
    from eligibility.services import screening_evaluate

    return screening_evaluate(
        trial=referral.trial, answers=referral.answers, today=referral.evaluated_on, save=False
    )


# --- the contact form's site picker -----------------------------------------------------------

#: How many sites the contact form offers at first, and how many more each "show more" adds.
SITES_OFFERED = 5
SITES_MORE = 10


@dataclass(frozen=True)
class SitesOffered:
    """The part of a trial's referable sites the contact form shows."""

    shown: list[RankedSite]
    matching: int  # sites matching the search (all of them without one)
    total: int
    query: str

    @property
    def more(self) -> int:
        return max(self.matching - len(self.shown), 0)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def referral_sites_offered(
    *, sites: list[RankedSite], query: str = "", shown: int = SITES_OFFERED, selected: str = ""
) -> SitesOffered:
    """The first ``shown`` of ``sites`` (ranked) that match ``query``, and the chosen one.

    ``query`` matches facility, city, state, postal code and country, every word
    (case and accents ignored). The ``selected`` site is always shown, first if the
    search or the count would have left it out, so a choice is never hidden.
    """
    words = _folded(query).split()

    def matches(site: RankedSite) -> bool:
        text = _folded(
            " ".join((site.facility, site.city, site.state, site.postal_code, site.country))
        )
        return all(word in text for word in words)

    matching = [site for site in sites if matches(site)] if words else list(sites)
    offered = matching[: max(shown, 1)]
    chosen = next((site for site in sites if str(site.id) == str(selected)), None)
    if chosen is not None and chosen not in offered:
        offered = [chosen, *offered]
    return SitesOffered(shown=offered, matching=len(matching), total=len(sites), query=query)


def site_ids_with_team(*, site_ids) -> set[int]:
    """Which of ``site_ids`` have a team that can be told of a referral."""
    return set(_team_members().filter(site_id__in=list(site_ids)).values_list("site_id", flat=True))


# --- what the patient is told ---------------------------------------------------------------


@dataclass(frozen=True)
class ReferralProgress:
    """Where a referral stands, as the patient may see it (no personal data)."""

    team_notified: bool  # a notice to the site's team was sent or is on its way
    opened_at: datetime | None  # the first time someone on the site's team opened it


def referral_team_notified(*, referral: Referral) -> bool:
    """Whether the site's team was (or is being) told: a team notice not cancelled or
    given up on. A site without a team gets none; the operators are told instead."""
    return referral.outbox.filter(
        kind=OutboxKind.SITE_TEAM_NEW_REFERRAL,
        status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT),
    ).exists()


def referral_opened_at(*, referral: Referral) -> datetime | None:
    """When the site's team first opened the referral's page (its first audited view)."""
    views = AuditEvent.objects.filter(referral=referral, action=AuditAction.VIEW).filter(
        Q(detail__scope="site_team") | Q(actor__site_memberships__site_id=referral.site_id)
    )
    return views.order_by("at").values_list("at", flat=True).first()


def referral_progress(*, referral: Referral) -> ReferralProgress:
    return ReferralProgress(
        team_notified=referral_team_notified(referral=referral),
        opened_at=referral_opened_at(referral=referral),
    )


def referral_for_patient(*, reference: str) -> Referral | None:
    """A patient's own referral by its reference (the patient channel only), or None."""
    return (
        Referral.objects.select_related("trial", "site")
        .filter(channel=Channel.PATIENT, reference=reference.upper())
        .first()
    )


# --- operators and site teams: who may invite, and what they see ------------------------------

INVITE_PERMISSION = "referrals.add_siteinvitation"


def is_operator(*, user) -> bool:
    """A staff user allowed to invite site teams (and to approve registry invitations)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(INVITE_PERMISSION)
    )


def operator_emails() -> list[str]:
    """Addresses of the operators (sorted, unique): active staff who may invite."""
    app_label, codename = INVITE_PERMISSION.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    users = (
        get_user_model().objects.filter(allowed, is_active=True, is_staff=True).exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def referrals_waiting_for_team() -> QuerySet[Referral]:
    """Open referrals to sites whose team nobody can tell yet, oldest first."""
    return (
        Referral.objects.select_related("trial", "site")
        .exclude(status__in=FINAL_STATUSES)
        .exclude(site_id__in=_team_members().values("site_id"))
        .order_by("created_at", "id")
    )


def invitations_awaiting_approval() -> QuerySet[SiteInvitation]:
    return (
        SiteInvitation.objects.select_related("site", "site__trial")
        .filter(status=InvitationStatus.AWAITING_APPROVAL)
        .order_by("created_at", "id")
    )


def open_invitations_for_sites(*, site_ids) -> QuerySet[SiteInvitation]:
    """Invitations to these sites not accepted or withdrawn yet (expired ones included)."""
    return (
        SiteInvitation.objects.select_related("site", "site__trial")
        .filter(
            site_id__in=list(site_ids),
            status__in=(InvitationStatus.AWAITING_APPROVAL, InvitationStatus.OPEN),
        )
        .order_by("-created_at", "-id")
    )


def site_invitation_pending(*, site: Site, email: str) -> SiteInvitation | None:
    """The invitation of ``email`` to ``site`` waiting for an approval or to be accepted
    (not expired), or None."""
    # The address is encrypted (randomised tokens), so it is compared here, not in SQL;
    # a site has a handful of invitations at most.
    wanted = email.strip().casefold()
    pending = site.invitations.filter(
        status__in=(InvitationStatus.AWAITING_APPROVAL, InvitationStatus.OPEN)
    )
    for invitation in pending:
        if invitation.email.casefold() == wanted and not invitation.is_expired:
            return invitation
    return None


def site_invitation_for_token(*, token: str) -> SiteInvitation | None:
    """The invitation whose (newest) link carries ``token``, or None."""
    if not token or len(token) > 100:
        return None
    return (
        SiteInvitation.objects.select_related("site", "site__trial")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def site_invitation_for_team(*, user, invitation_id: int) -> SiteInvitation | None:
    """An invitation to one of the sites ``user`` coordinates, or None (operators: any)."""
    invitations = SiteInvitation.objects.select_related("site", "site__trial")
    if not is_operator(user=user):
        invitations = invitations.filter(site_id__in=coordinator_site_ids(user=user))
    return invitations.filter(pk=invitation_id).first()


def coordinator_site_ids(*, user) -> list[int]:
    """The sites where ``user`` is a study coordinator (who may invite colleagues)."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        SiteMembership.objects.filter(user=user, role=SiteRole.COORDINATOR).values_list(
            "site_id", flat=True
        )
    )


def is_site_coordinator(*, user, site: Site) -> bool:
    return site.pk in coordinator_site_ids(user=user)


def team_memberships(*, user) -> QuerySet[SiteMembership]:
    """Everyone on the teams of the user's sites, by site then name."""
    return (
        SiteMembership.objects.select_related("user", "site", "site__trial")
        .filter(site_id__in=user_site_ids(user=user), user__is_active=True)
        .order_by("site_id", "user__last_name", "user__username")
    )
