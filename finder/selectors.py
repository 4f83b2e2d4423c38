"""Reads for the trial catalog: search, detail, and the facts a trial page shows."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import router
from django.db.models import (
    CharField,
    Count,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sites import ranking
from sites.geocoding import Place
from sites.models import Site, SiteStatus
from sites.selectors import (
    RankedSite,
    SiteContact,
    TrialSiteList,
    TrialWithNearestSite,
    nearest_recruiting,
    site_contacts,
    trial_site_list,
    trials_nearest_for_condition,
)

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


#: Fields of a trial its patient page never reads (what it reads is in its templates;
#: ``record_hash`` is read, as a part of :func:`trial_page_content_version`).
PAGE_UNUSED_TRIAL_FIELDS = (
    "official_title",
    "description",
    "condition_search",
    "keywords",
    "mesh_conditions",
    "mesh_ancestors",
)

#: Fields of a trial a trial card never reads (``includes/trial_card.html`` and what it
#: includes): those of the page, and the texts the page shows but a card does not.
CARD_UNUSED_TRIAL_FIELDS = (
    *PAGE_UNUSED_TRIAL_FIELDS,
    "record_hash",
    "summary",
    "eligibility_text",
    "collaborators",
)


def trial_for_detail(*, nct_id: str, for_page: bool = False) -> Trial | None:
    """One trial with what its detail page or API response needs loaded: criteria, arms,
    interventions. ``None`` when there is no such trial.

    For the APIs, annotated with ``locations_count`` and ``recruiting_locations_count``
    and each arm with its interventions. ``for_page`` (the patient page): the trial row
    alone, without the fields the page never shows, annotated with what
    :func:`trial_page_sites_version` needs; the page reads its criteria, arms,
    interventions and sites through :func:`trial_page_content` and
    :func:`trial_page_sites`, once per version of them.
    """
    if for_page:
        return _trial_for_page(nct_id.upper())
    trials = Trial.objects.filter(nct_id=nct_id.upper())
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


# --- the trial page's data, once per version -------------------------------------------
#
# The patient page of a trial reads its trial row on every request (one query, with the
# version of its sites annotated: :func:`trial_for_detail` with ``for_page``). What it
# shows besides the row is read once per version and kept in each process:
#
# * the criteria, arms and interventions (:func:`trial_page_content`), keyed on the
#   trial's identity (id, creation time: SQLite may reuse an id), ``updated_at`` (any
#   save: the admin's, an import that changed the trial's fields), ``record_hash`` (an
#   import writes it whenever the registry record changed: arms, interventions, sites,
#   criteria) and ``criteria_version`` (every change to its criteria bumps it);
# * its sites as the page lists them without an origin, and the registry contacts of
#   the recruiting ones (:func:`trial_page_sites`), keyed on the trial's identity and the
#   count, latest ``updated_at`` and sum of ids of its sites, read with the trial's row
#   (a site added, removed or saved, by a save, ``bulk_update``, the import or the
#   geocoder, changes one of them).
#   A patient's origin ranks that list in memory, as ``trial_sites_ranked`` ranks the
#   rows it reads (the same exact distances, ties by id).
#
# A ``QuerySet.update()`` that sets neither ``updated_at`` nor a version is the one
# write these keys cannot see (as for the site index). Nothing about a patient is kept.

#: What the kept data may weigh in each process, in rows (a site, a criterion, an arm or
#: an intervention: about 1.5 KB each), the least recently used dropped first: about
#: 30 MB, some hundred trials of the usual size.
PAGE_DATA_BUDGET_ROWS = 20_000
_page_data: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
_page_data_weight = 0
_page_data_lock = threading.Lock()


def _page_data_get(key: tuple, build: Callable[[], Any], weigh: Callable[[Any], int]) -> Any:
    global _page_data_weight
    with _page_data_lock:
        kept = _page_data.get(key)
        if kept is not None:
            _page_data.move_to_end(key)
            return kept[0]
    value = build()
    weight = max(1, weigh(value))
    with _page_data_lock:
        if key not in _page_data and weight <= PAGE_DATA_BUDGET_ROWS:
            _page_data[key] = (value, weight)
            _page_data_weight += weight
            while _page_data_weight > PAGE_DATA_BUDGET_ROWS:
                _, (_, dropped) = _page_data.popitem(last=False)
                _page_data_weight -= dropped
    return value


def _stamp(value) -> str:
    return "" if value is None else value.isoformat()


def trial_page_content_version(trial: Trial) -> str:
    """What the trial page shows of a trial besides its sites, as a version string."""
    return ":".join(
        (
            str(trial.pk),
            _stamp(trial.created_at),
            _stamp(trial.updated_at),
            trial.record_hash,
            str(trial.criteria_version),
        )
    )


def _sites_version_subquery() -> QuerySet:
    """The count, latest ``updated_at`` and sum of ids of a trial's sites, as one text
    (a scalar subquery: no join of the trial's long row with each of its sites)."""
    return (
        Site.objects.filter(trial=OuterRef("pk"))
        .order_by()
        .values("trial")
        .annotate(
            version=Concat(
                Cast(Count("id"), CharField()),
                Value(":"),
                Cast(Max("updated_at"), CharField()),
                Value(":"),
                Cast(Sum("id"), CharField()),
                output_field=CharField(),
            )
        )
        .values("version")
    )


def trial_page_sites_version(trial: Trial) -> str:
    """The version of a trial's sites (read by :func:`trial_for_detail` with ``for_page``)."""
    return f"{trial.pk}:{_stamp(trial.created_at)}:{trial.page_sites_version or ''}"


@dataclass(frozen=True)
class TrialPageContent:
    """A trial's criteria (as a page orders them), arms and interventions."""

    criteria: list
    arms: list
    interventions: list


def trial_page_content(*, trial: Trial) -> TrialPageContent:
    """The trial page's criteria, arms and interventions, read once per version."""

    def build() -> TrialPageContent:
        return TrialPageContent(
            criteria=trial_criteria_ordered(trial=trial),
            arms=list(trial.arms.all()),
            interventions=list(trial.interventions.all()),
        )

    return _page_data_get(
        ("content", trial_page_content_version(trial)),
        build,
        lambda c: len(c.criteria) + len(c.arms) + len(c.interventions),
    )


def trial_page_sites(
    *, trial: Trial, origin: Place | None
) -> tuple[TrialSiteList, dict[int, SiteContact]]:
    """``trial_site_list(trial=trial, origin=origin)`` and the registry contacts of its
    recruiting sites, from one read of the sites per version of them."""

    def build() -> _PageSites:
        site_list = trial_site_list(trial=trial, origin=None)
        return _PageSites(
            site_list=site_list,
            contacts=site_contacts(site_ids=[site.id for site in site_list.recruiting]),
            recruiting=_Rankable.of(site_list.recruiting),
            not_recruiting=_Rankable.of(site_list.not_recruiting),
        )

    sites = _page_data_get(
        ("sites", trial_page_sites_version(trial)),
        build,
        lambda s: s.site_list.recruiting_total + s.site_list.not_recruiting_total,
    )
    if origin is None:
        return sites.site_list, sites.contacts
    point = (float(origin.latitude), float(origin.longitude))
    recruiting = sites.recruiting.ranked(point)
    return (
        replace(
            sites.site_list,
            recruiting=recruiting,
            not_recruiting=sites.not_recruiting.ranked(point),
            nearest=nearest_recruiting(recruiting),
        ),
        sites.contacts,
    )


@dataclass(frozen=True)
class _Rankable:
    """Sites in the unranked order (country, city, id), ready to rank from an origin."""

    located: list[RankedSite]
    ids: np.ndarray
    latitudes: np.ndarray
    longitudes: np.ndarray
    unlocated: list[RankedSite]

    @classmethod
    def of(cls, sites: list[RankedSite]) -> _Rankable:
        located = [s for s in sites if s.latitude is not None and s.longitude is not None]
        return cls(
            located=located,
            ids=np.asarray([s.id for s in located], dtype=np.int64),
            latitudes=np.asarray([s.latitude for s in located], dtype=np.float64),
            longitudes=np.asarray([s.longitude for s in located], dtype=np.float64),
            unlocated=[s for s in sites if s.latitude is None or s.longitude is None],
        )

    def ranked(self, point: tuple[float, float]) -> list[RankedSite]:
        """Nearest ``point`` first, by exact geodesic distance, ties by id, the unlocated
        ones after them in their order: what ``trial_sites_ranked`` returns for them."""
        ranked = ranking.rank_points(
            origin=point, ids=self.ids, latitudes=self.latitudes, longitudes=self.longitudes
        )
        out = [_with_distance(self.located[r.position], r.distance_km) for r in ranked]
        out.extend(self.unlocated)
        return out


def _with_distance(site: RankedSite, km: float) -> RankedSite:
    # dataclasses.replace, without its field-by-field __init__ (191 sites a request).
    ranked = object.__new__(RankedSite)
    ranked.__dict__.update(site.__dict__, distance_km=km, distance_mi=ranking.km_to_miles(km))
    return ranked


@dataclass(frozen=True)
class _PageSites:
    site_list: TrialSiteList
    contacts: dict[int, SiteContact]
    recruiting: _Rankable
    not_recruiting: _Rankable


def _trial_page_queryset(nct_id: str) -> QuerySet[Trial]:
    # The page shows none of these; the search text and the MeSH lists are the largest.
    return (
        Trial.objects.filter(nct_id=nct_id)
        .defer(*PAGE_UNUSED_TRIAL_FIELDS)
        .annotate(page_sites_version=Subquery(_sites_version_subquery()))
        .order_by()[:1]
    )


#: The page's query as SQL, per database alias: (sql, params, where the NCT id goes).
_TRIAL_PAGE_SQL: dict[str, tuple[str, tuple, int]] = {}
_SQL_PROBE = "NCT-PROBE-0"


def _trial_for_page(nct_id: str) -> Trial | None:
    """:func:`_trial_page_queryset`'s trial, its SQL compiled once per process (compiling
    the subquery cost about as much as running the query)."""
    alias = router.db_for_read(Trial)
    compiled = _TRIAL_PAGE_SQL.get(alias)
    if compiled is None:
        sql, params = _trial_page_queryset(_SQL_PROBE).query.sql_with_params()
        compiled = _TRIAL_PAGE_SQL.setdefault(alias, (sql, params, params.index(_SQL_PROBE)))
    sql, params, at = compiled
    params = (*params[:at], nct_id, *params[at + 1 :])
    return next(iter(Trial.objects.db_manager(alias).raw(sql, params)), None)


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
