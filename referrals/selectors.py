"""Reads for referrals, each scoped to who is asking.

A referral is only ever fetched through a selector that scopes it to the asker (the
site team's sites, the clinician who made it, the partner whose key made it), so a
referral outside that scope is simply not found: every route answers 404 for it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from sites.geocoding import Place
from sites.models import Site, SiteStatus
from sites.selectors import RankedSite, trial_sites_ranked

from .models import Referral, SiteMembership

#: Sites a patient can be referred to: recruiting, or about to.
REFERABLE_SITE_STATUSES = (
    SiteStatus.RECRUITING,
    SiteStatus.NOT_YET_RECRUITING,
    SiteStatus.ENROLLING_BY_INVITATION,
    SiteStatus.AVAILABLE,
)


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
