"""Reads for the trial catalog: search, detail, and the facts a trial page shows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sites.models import Site, SiteStatus
from sites.selectors import TrialWithNearestSite, trials_nearest_for_condition

from .conditions import ConditionQuery, condition_query
from .models import Arm, Intervention, Sex, TimeReimbursement, Trial

#: The condition searched when none is given: this is a multiple sclerosis finder.
DEFAULT_CONDITION = "multiple sclerosis"

#: Patient sex (the ``sex`` answer key) -> the registry sexes a trial may take.
TRIAL_SEXES_FOR = {
    "female": (Sex.ALL, Sex.FEMALE),
    "male": (Sex.ALL, Sex.MALE),
    "other": (Sex.ALL,),
}


def trials_search(
    *,
    condition: str = "",
    statuses: Sequence[str] = (),
    phases: Sequence[str] = (),
    age: int | None = None,
    sex: str | None = None,
) -> QuerySet[Trial]:
    """Trials matching every given filter, by NCT id, each with its ``locations_count``.

    ``condition`` is read by :func:`finder.conditions.condition_query` (abbreviations,
    synonyms and Spanish names of MS and its forms, then words matched at word starts of
    the trial's conditions, keywords and MeSH terms; accents and case ignored);
    ``statuses`` and ``phases`` match any of the given values; ``age`` keeps the trials
    whose registered age range admits it (an open end admits everything); ``sex`` is the
    patient's (``female``, ``male``, ``other``) and keeps the trials open to it.
    """
    trials = Trial.objects.all()
    if condition.strip():
        trials = trials.filter(condition_q(condition_query(condition)))
    if statuses:
        trials = trials.filter(overall_status__in=statuses)
    if phases:
        # JSON lists as text work the same on SQLite and PostgreSQL.
        any_phase = Q()
        for phase in phases:
            any_phase |= Q(phases__icontains=f'"{phase}"')
        trials = trials.filter(any_phase)
    if age is not None:
        trials = trials.filter(
            Q(minimum_age_years__isnull=True) | Q(minimum_age_years__lte=Decimal(age)),
            Q(maximum_age_years__isnull=True) | Q(maximum_age_years__gte=Decimal(age)),
        )
    if sex:
        trials = trials.filter(sex__in=TRIAL_SEXES_FOR[sex])
    return trials.annotate(locations_count=Count("sites")).order_by("nct_id")


def condition_q(query: ConditionQuery) -> Q:
    """The database form of a condition query: the same needles the site index tests."""
    if query.nothing:
        return Q(pk__in=[])
    where = Q()
    if query.any_of:
        any_tag = Q()
        for needle in query.any_of:
            any_tag |= Q(condition_search__contains=needle)
        where &= any_tag
    for needle in query.all_of:
        where &= Q(condition_search__contains=needle)
    return where


def trials_nearest(
    *,
    origin: Any,
    condition: str,
    radius_km: float | None = None,
    statuses: Sequence[str] = (),
    phases: Sequence[str] = (),
    age: int | None = None,
    sex: str | None = None,
    limit: int = 20,
    offset: int = 0,
    deferred_fields: Sequence[str] = (),
) -> tuple[list[TrialWithNearestSite], int]:
    """Trials for ``condition`` by the distance of their nearest recruiting site, nearest first.

    The ranking is the sites selector's; the other filters (as in :func:`trials_search`)
    are applied to its ranking, so the order and the distances stay exact. Returns one
    page and the total count. ``deferred_fields``: trial fields left unread (see
    ``CARD_UNUSED_TRIAL_FIELDS``).
    """
    ranking_args = {
        "condition": condition,
        "origin": origin,
        "radius_km": radius_km,
        "deferred_fields": tuple(deferred_fields),
    }
    if statuses:
        ranking_args["statuses"] = tuple(statuses)
    if not (phases or age is not None or sex):
        return trials_nearest_for_condition(**ranking_args, limit=limit, offset=offset)

    allowed = set(
        trials_search(condition=condition, phases=phases, age=age, sex=sex).values_list(
            "pk", flat=True
        )
    )
    rows, _ = trials_nearest_for_condition(**ranking_args, limit=None)
    kept = [row for row in rows if row.trial.pk in allowed]
    return kept[offset : offset + limit], len(kept)


#: Fields of a trial its patient page never reads (what it reads is in its templates).
PAGE_UNUSED_TRIAL_FIELDS = (
    "official_title",
    "description",
    "condition_search",
    "keywords",
    "mesh_conditions",
    "mesh_ancestors",
    "record_hash",
)

#: Fields of a trial a trial card never reads (``includes/trial_card.html`` and what it
#: includes): those of the page, and the texts the page shows but a card does not.
CARD_UNUSED_TRIAL_FIELDS = (
    *PAGE_UNUSED_TRIAL_FIELDS,
    "summary",
    "eligibility_text",
    "collaborators",
)


def trial_for_detail(*, nct_id: str, for_page: bool = False) -> Trial | None:
    """One trial with what its detail page or API response needs loaded: criteria, arms,
    interventions. ``None`` when there is no such trial.

    For the APIs, annotated with ``locations_count`` and ``recruiting_locations_count``
    and each arm with its interventions. ``for_page`` (the patient page): without those
    (the page counts its sites from the site list it reads anyway, and lists arms and
    interventions apart) and without the fields it never shows.
    """
    trials = Trial.objects.filter(nct_id=nct_id.upper())
    if for_page:
        # The page shows none of these; the search text and the MeSH lists are the largest.
        return (
            trials.defer(*PAGE_UNUSED_TRIAL_FIELDS)
            .prefetch_related("criteria", "arms", "interventions")
            .first()
        )
    trials = trials.annotate(
        locations_count=Count("sites", distinct=True),
        recruiting_locations_count=Count(
            "sites", filter=Q(sites__status=SiteStatus.RECRUITING), distinct=True
        ),
    )
    return trials.prefetch_related(
        "criteria",
        Prefetch("arms", queryset=Arm.objects.prefetch_related("interventions")),
        Prefetch("interventions", queryset=Intervention.objects.all()),
    ).first()


def trial_criteria_ordered(*, trial: Trial) -> list:
    """The trial's criteria as a page lists them: inclusions first, then by order."""
    return sorted(trial.criteria.all(), key=lambda c: (c.kind != "inclusion", c.order, c.pk))


def trials_locations_count(*, trial_ids: Sequence[int]) -> dict[int, int]:
    """How many locations (sites, any status) each trial has."""
    rows = Site.objects.filter(trial__in=trial_ids).values("trial").annotate(n=Count("id"))
    return {row["trial"]: row["n"] for row in rows}


def trials_sites(
    *, trial_ids: Sequence[int], fields: Iterable[str]
) -> dict[int, list[dict[str, Any]]]:
    """Each trial's sites (by id) as dicts of ``fields``; every trial gets a list."""
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in trial_ids}
    for row in Site.objects.filter(trial__in=trial_ids).order_by("id").values("trial", *fields):
        out[row.pop("trial")].append(row)
    return out


def spots_left_current(*, trial: Trial, today: date | None = None) -> bool:
    """Whether the trial's "about N spots left" may be shown: there is a figure, and the
    date it was given for (``spots_left_by``, if any) has not passed.

    A figure for a date gone by says nothing true about today, so no page and no API
    presents it (the trial page, the trial cards and ``GET /api/v1/trials/<id>/``).
    """
    if trial.spots_left is None:
        return False
    by = trial.spots_left_by
    return by is None or by >= (today or timezone.localdate())


@dataclass(frozen=True)
class Badge:
    code: str
    label: str


def trial_badges(*, trial: Trial) -> list[Badge]:
    """The short facts a trial card shows ("No placebo group", "Pivotal trial", ...)."""
    badges = []
    if trial.has_placebo_group is False:
        badges.append(Badge("no_placebo", _("No placebo group")))
    if trial.is_pivotal:
        badges.append(Badge("pivotal", _("Pivotal trial")))
    if trial.travel_may_be_covered:
        badges.append(Badge("travel_covered", _("Travel may be covered")))
    if trial.time_reimbursement == TimeReimbursement.VARIES:
        badges.append(Badge("time_reimbursement_varies", _("Time reimbursement varies")))
    elif trial.time_reimbursement == TimeReimbursement.PAID:
        badges.append(Badge("time_reimbursed", _("Time is reimbursed")))
    if trial.waitlist_available:
        badges.append(Badge("waitlist", _("Waitlist available")))
    if trial.prior_safety_data:
        badges.append(Badge("prior_safety_data", _("Prior safety data")))
    return badges
