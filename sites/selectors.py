"""Read-side queries over sites: a trial's sites by distance, and nearest trials or sites
for a condition.

Every ranking is by exact WGS-84 geodesic distance, ties by id (see ``sites.ranking``).
Site status decides: only recruiting sites (``RECRUITING_SITE_STATUSES``) give a trial its
nearest site, its "+N other locations" and its distance in a search; a trial page lists
the other sites apart, with their status (:func:`trial_site_list`).
The condition queries, and a trial's sites when an origin is given, search the
per-process site index (``sites.index``); details shown to patients (facility, city,
...) are always read fresh from the database for the page being returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.db.models import Q

from finder.models import OverallStatus, Trial
from sites import ranking
from sites.countries import country_name_local
from sites.geocoding import Place
from sites.index import Selection, SiteIndex, site_index
from sites.models import Site, SiteStatus

#: The site statuses that count as recruiting: only these sites give a trial its nearest
#: site, its "+N other locations" and its distance in a search.
RECRUITING_SITE_STATUSES: tuple[str, ...] = (SiteStatus.RECRUITING,)


@dataclass(frozen=True)
class RankedSite:
    """A site with its distance from the origin (``None`` when unranked or unlocated)."""

    id: int
    trial_id: int
    nct_id: str
    facility: str
    city: str
    state: str
    postal_code: str
    country: str
    country_code: str
    status: str
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    distance_mi: float | None

    @property
    def is_recruiting(self) -> bool:
        return self.status in RECRUITING_SITE_STATUSES

    @property
    def address(self) -> str:
        """City, state and postal code, country in the patient's language ("Louisville,
        Kentucky 40202, United States"; "..., Estados Unidos" in Spanish)."""
        region = " ".join(part for part in (self.state, self.postal_code) if part)
        country = country_name_local(self.country) if self.country else ""
        return ", ".join(part for part in (self.city, region, country) if part)

    @property
    def status_label(self) -> str:
        """The status in the patient's language ("Withdrawn"); the code if unknown."""
        try:
            return str(SiteStatus(self.status).label)
        except ValueError:
            return self.status


@dataclass(frozen=True)
class TrialWithNearestSite:
    """A trial with its nearest recruiting site (``None``: none located) and how many other
    recruiting sites it has."""

    trial: Trial
    nearest_site: RankedSite | None
    other_locations: int


_SITE_FIELDS = (
    "id",
    "trial_id",
    "trial__nct_id",
    "facility",
    "city",
    "state",
    "postal_code",
    "country",
    "country_code",
    "status",
    "latitude",
    "longitude",
)


def _ranked_site(row: dict, distance_km: float | None) -> RankedSite:
    return RankedSite(
        id=row["id"],
        trial_id=row["trial_id"],
        nct_id=row["trial__nct_id"],
        facility=row["facility"],
        city=row["city"],
        state=row["state"],
        postal_code=row["postal_code"],
        country=row["country"],
        country_code=row["country_code"],
        status=row["status"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        distance_km=distance_km,
        distance_mi=None if distance_km is None else ranking.km_to_miles(distance_km),
    )


def _site_rows(ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = Site.objects.filter(id__in=ids).order_by().values(*_SITE_FIELDS)
    return {row["id"]: row for row in rows}


def _origin_point(origin: Place) -> tuple[float, float]:
    return float(origin.latitude), float(origin.longitude)


def _check_radius(radius_km: float | None, origin: Place | None) -> None:
    if radius_km is None:
        return
    if origin is None:
        raise ValueError("radius_km needs an origin")
    if not radius_km >= 0:
        raise ValueError("radius_km must be zero or more")


# --- a single trial's sites -------------------------------------------------------------


def trial_sites_ranked(
    *,
    trial: Trial,
    origin: Place | None,
    radius_km: float | None = None,
    statuses: Sequence[str] = (),
    limit: int | None = None,
) -> list[RankedSite]:
    """The trial's sites nearest ``origin`` first (exact geodesic, ties by site id).

    The one ranking of a trial's sites: the trial page, the questionnaire result, the
    sites API and the referral site picker all use it. Sites without coordinates follow
    the ranked ones (distance ``None``), ordered by country, city and id; with
    ``radius_km`` they are left out, as are sites farther than the radius. Without an
    origin the sites come unranked in that country/city order. ``statuses`` keeps only
    sites of those statuses; ``limit`` keeps the first ``limit``.

    With an origin and a ``limit`` the located sites are ranked from the per-process site
    index (ids, statuses and coordinates, as fresh as the index: see the module
    docstring), so only the rows returned are read from the database; the whole list,
    or a trial the index does not hold yet, is ranked from one read of the trial's rows.
    """
    return _trial_sites_window(
        trial=trial,
        origin=origin,
        radius_km=radius_km,
        statuses=statuses,
        offset=0,
        limit=limit,
        counted=False,
    ).sites


@dataclass(frozen=True)
class SitesPage:
    """A window of a trial's ranked sites and how many the whole ranking holds."""

    count: int
    sites: list[RankedSite]


def trial_sites_page(
    *,
    trial: Trial,
    origin: Place | None,
    radius_km: float | None = None,
    statuses: Sequence[str] = (),
    offset: int = 0,
    limit: int | None = None,
) -> SitesPage:
    """``limit`` sites from ``offset`` of :func:`trial_sites_ranked`'s ranking, and its
    length, for a paged list (the sites API).

    Only the window's rows are read from the database: the count comes from the site
    index (located sites) and one ``COUNT`` of the unlocated ones, and the ranking
    refines exactly only what the window needs. With ``radius_km`` every site inside the
    radius is ranked, as the count needs each one's exact distance.
    """
    return _trial_sites_window(
        trial=trial,
        origin=origin,
        radius_km=radius_km,
        statuses=statuses,
        offset=offset,
        limit=limit,
        counted=True,
    )


def _trial_sites_window(
    *,
    trial: Trial,
    origin: Place | None,
    radius_km: float | None,
    statuses: Sequence[str],
    offset: int,
    limit: int | None,
    counted: bool,
) -> SitesPage:
    """The ranking's sites ``[offset, offset + limit)`` and, when ``counted``, its length
    (``-1`` when not)."""
    _check_radius(radius_km, origin)
    end = None if limit is None else offset + limit

    def sites():
        queryset = Site.objects.filter(trial_id=trial.pk)
        return queryset.filter(status__in=statuses) if statuses else queryset

    if origin is None:
        queryset = sites()
        count = queryset.count() if counted else -1
        if limit == 0:
            return SitesPage(count, [])
        return SitesPage(
            count, [_ranked_site(row, None) for row in _ordered_rows(queryset)[offset:end]]
        )

    if end is None:
        # Every site from ``offset`` on: one read of the trial's rows, ranked in memory,
        # costs half of the index's ranking followed by a read of every row by id.
        ranked = _trial_sites_ranked_from_rows(sites(), origin, radius_km, None)
        return SitesPage(len(ranked) if counted else -1, ranked[offset:])
    index = site_index()
    positions = index.trial_positions(trial.pk, statuses=statuses)
    if positions is None:
        ranked = _trial_sites_ranked_from_rows(sites(), origin, radius_km, None if counted else end)
        return SitesPage(len(ranked) if counted else -1, ranked[offset:end])
    point = _origin_point(origin)
    ranked = ranking.rank_points(
        origin=point,
        ids=index.site_ids[positions],
        latitudes=index.latitudes[positions],
        longitudes=index.longitudes[positions],
        c2=ranking.chord2(ranking.origin_vector(point), index.xyz[:, positions]),
        # Without a radius the count is the index's: rank only as far as the window.
        limit=None if radius_km is not None and counted else end,
        radius_km=radius_km,
    )
    located = len(ranked) if radius_km is not None else len(positions)
    window = ranked[offset:end]
    ids = [int(index.site_ids[positions[r.position]]) for r in window]
    rows = _site_rows(ids)
    result = [
        _ranked_site(rows[site_id], r.distance_km)
        for site_id, r in zip(ids, window, strict=True)
        if site_id in rows  # deleted since the index was built
    ]
    count = located if counted else -1
    if radius_km is None:
        unlocated = sites().filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
        if counted:
            count += unlocated.count()
        if end is None or end > located:
            start = max(0, offset - located)
            stop = None if end is None else end - located
            result.extend(_ranked_site(row, None) for row in _ordered_rows(unlocated)[start:stop])
    return SitesPage(count, result)


def nearest_recruiting(ranked: list[RankedSite]) -> RankedSite | None:
    """The first recruiting site of a ranked list that has a distance, or ``None``."""
    for site in ranked:
        if site.is_recruiting and site.distance_km is not None:
            return site
    return None


def _ordered_rows(sites) -> list[dict]:
    return list(sites.order_by("country", "city", "id").values(*_SITE_FIELDS))


def _trial_sites_ranked_from_rows(sites, origin, radius_km, limit) -> list[RankedSite]:
    """``trial_sites_ranked`` reading every site of the trial from the database."""
    rows = _ordered_rows(sites)
    located = [r for r in rows if r["latitude"] is not None and r["longitude"] is not None]
    ranked = ranking.rank_points(
        origin=_origin_point(origin),
        ids=[r["id"] for r in located],
        latitudes=[r["latitude"] for r in located],
        longitudes=[r["longitude"] for r in located],
        limit=limit,
        radius_km=radius_km,
    )
    result = [_ranked_site(located[r.position], r.distance_km) for r in ranked]
    if radius_km is None:
        result.extend(
            _ranked_site(r, None) for r in rows if r["latitude"] is None or r["longitude"] is None
        )
    return result[:limit]


@dataclass(frozen=True)
class SiteArea:
    """A country of a trial's recruiting sites, as the registry names it, with its states
    (or regions, provinces) and how many recruiting sites each has, by name."""

    country: str
    count: int
    states: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class TrialSiteList:
    """A trial's sites as its page lists them: the recruiting ones apart from the others.

    ``recruiting`` and ``not_recruiting`` are nearest first (see
    :func:`trial_sites_ranked`), narrowed by :meth:`filtered`; ``nearest`` (the nearest
    located recruiting site), the totals and ``areas`` (the countries and states of the
    recruiting sites) are the whole trial's.
    """

    recruiting: list[RankedSite]
    not_recruiting: list[RankedSite]
    nearest: RankedSite | None
    recruiting_total: int
    not_recruiting_total: int
    areas: list[SiteArea]

    @property
    def other_locations(self) -> int:
        """The "+N other locations" next to the nearest site: the other recruiting ones."""
        return self.recruiting_total - 1 if self.nearest else self.recruiting_total

    @property
    def has_states(self) -> bool:
        """Whether any country of the recruiting sites has sites with a state or region."""
        return any(area.states for area in self.areas)

    def filtered(
        self, *, country: str = "", state: str = "", radius_km: float | None = None
    ) -> TrialSiteList:
        """The same list keeping the sites in ``country`` and ``state`` (the registry's
        names, exact) and at most ``radius_km`` away (unlocated sites then drop out)."""

        def kept(site: RankedSite) -> bool:
            if (country and site.country != country) or (state and site.state != state):
                return False
            if radius_km is None:
                return True
            return site.distance_km is not None and site.distance_km <= radius_km

        return replace(
            self,
            recruiting=[site for site in self.recruiting if kept(site)],
            not_recruiting=[site for site in self.not_recruiting if kept(site)],
        )


def trial_site_list(*, trial: Trial, origin: Place | None) -> TrialSiteList:
    """Every site of ``trial`` for its page, the recruiting ones apart from the others.

    One ranking (:func:`trial_sites_ranked`), split by status; without an origin there
    is no nearest site and the order is by country, city and id. Narrow it with
    :meth:`TrialSiteList.filtered`.
    """
    ranked = trial_sites_ranked(trial=trial, origin=origin)
    recruiting = [site for site in ranked if site.is_recruiting]
    others = [site for site in ranked if not site.is_recruiting]
    return TrialSiteList(
        recruiting=recruiting,
        not_recruiting=others,
        nearest=nearest_recruiting(recruiting) if origin is not None else None,
        recruiting_total=len(recruiting),
        not_recruiting_total=len(others),
        areas=_site_areas(recruiting),
    )


def _site_areas(sites: list[RankedSite]) -> list[SiteArea]:
    """The countries of ``sites`` by name, each with its states by name, and their counts."""
    countries = Counter(site.country for site in sites if site.country)
    states = Counter((site.country, site.state) for site in sites if site.country and site.state)
    return [
        SiteArea(
            country=name,
            count=count,
            states=tuple(sorted((s, n) for (c, s), n in states.items() if c == name)),
        )
        for name, count in sorted(countries.items())
    ]


@dataclass(frozen=True)
class SiteContact:
    """The contact the registry lists for a site (often a coordinator, or a sponsor's line)."""

    name: str
    phone: str
    email: str

    def __bool__(self) -> bool:
        return bool(self.name or self.phone or self.email)


def site_contacts(*, site_ids: Sequence[int]) -> dict[int, SiteContact]:
    """The registry contact of each site in ``site_ids`` (read fresh, for one page)."""
    rows = Site.objects.filter(id__in=list(site_ids)).values_list(
        "id", "contact_name", "contact_phone", "contact_email"
    )
    return {pk: SiteContact(name=n, phone=p, email=e) for pk, n, p, e in rows}


# --- condition queries ------------------------------------------------------------------


def sites_nearest_for_condition(
    *,
    condition: str,
    origin: Place,
    limit: int = 10,
    radius_km: float | None = None,
    statuses: Sequence[str] = (SiteStatus.RECRUITING,),
) -> list[RankedSite]:
    """The ``limit`` sites nearest ``origin`` among trials matching ``condition``.

    Both the trial's overall status and the site's status must be in ``statuses``.
    ``condition`` matches as a case-insensitive substring of the trial's conditions and
    keywords (``Trial.condition_search``).
    """
    _check_radius(radius_km, origin)
    index = site_index()
    selection = index.select(condition=condition, statuses=statuses)
    ranked = index.nearest_sites(
        selection, origin=_origin_point(origin), limit=limit, radius_km=radius_km
    )
    ids = [int(index.site_ids[r.position]) for r in ranked]
    rows = _site_rows(ids)
    return [
        _ranked_site(rows[site_id], r.distance_km)
        for site_id, r in zip(ids, ranked, strict=True)
        if site_id in rows  # deleted since the index was built
    ]


def trials_nearest_for_condition(
    *,
    condition: str,
    origin: Place | None,
    radius_km: float | None = None,
    statuses: Sequence[str] = (OverallStatus.RECRUITING,),
    limit: int | None = 20,
    offset: int = 0,
    deferred_fields: Sequence[str] = (),
) -> tuple[list[TrialWithNearestSite], int]:
    """Trials matching ``condition``, nearest first, one page, and the total.

    ``deferred_fields``: trial fields the caller will not read, left unread (a search
    page's cards show none of the long registry texts).

    A trial qualifies when its overall status is in ``statuses``; its nearest site is the
    nearest *recruiting* one (``RECRUITING_SITE_STATUSES``, whatever ``statuses`` says:
    a suspended or withdrawn site is never a trial's nearest; exact geodesic, ties by site
    id). Trials are ordered by that distance, ties by NCT id. Trials with no located
    recruiting site come last, by NCT id; with ``radius_km`` only trials with one within
    the radius count. Without an origin every qualifying trial comes by NCT id with
    ``nearest_site=None``. ``limit=None`` returns every qualifying trial from ``offset``
    on. ``other_locations`` is the number of the trial's other recruiting sites, located
    or not (the "+N other locations" on a trial card; all of them without a nearest).
    """
    _check_radius(radius_km, origin)
    if (limit is not None and limit < 0) or offset < 0:
        raise ValueError("limit and offset must be zero or more")
    end = None if limit is None else offset + limit
    index = site_index()
    selected = index.select(condition=condition, statuses=statuses)
    selection = _recruiting_sites_only(index, selected)

    if origin is None:
        slots = np.flatnonzero(selection.trial_mask)
        page = [(int(s), None) for s in slots[offset:end]]
        return _trial_page(index, page, deferred_fields), len(slots)

    ranked, located_total = index.nearest_trials(
        selection,
        origin=_origin_point(origin),
        offset=offset,
        limit=limit,
        radius_km=radius_km,
        # A narrowed selection is made per call: a tree for it would be built per call.
        use_tree=selection is selected,
    )
    page: list[tuple[int, tuple[int, float] | None]] = [
        (r.group, (int(index.site_ids[r.position]), r.distance_km)) for r in ranked
    ]
    total = located_total
    if radius_km is None:
        unlocated = selection.unlocated_slots
        total += len(unlocated)
        start = max(0, offset - located_total)
        stop = None if limit is None else start + limit - len(page)
        page.extend((int(s), None) for s in unlocated[start:stop])
    return _trial_page(index, page, deferred_fields), total


def _recruiting_sites_only(index: SiteIndex, selection: Selection) -> Selection:
    """``selection`` with only its recruiting sites; its trials stay as they are."""
    positions = selection.positions
    if not len(positions):
        return selection
    keep = np.isin(index.site_status[positions], index.codes(RECRUITING_SITE_STATUSES))
    if keep.all():  # the usual case: statuses were the recruiting ones
        return selection
    positions = positions[keep]
    group_of = index.site_trial[positions]
    has_site = np.zeros(len(selection.trial_mask), dtype=bool)
    has_site[group_of] = True
    return Selection(
        trial_mask=selection.trial_mask,
        positions=positions,
        starts=np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        if len(positions)
        else np.empty(0, dtype=np.int64),
        unlocated_slots=np.flatnonzero(selection.trial_mask & ~has_site),
    )


def _trial_page(
    index: SiteIndex,
    page: list[tuple[int, tuple[int, float] | None]],
    deferred_fields: Sequence[str] = (),
) -> list[TrialWithNearestSite]:
    trial_ids = [int(index.trial_ids[slot]) for slot, _ in page]
    trials = Trial.objects.defer(*deferred_fields).in_bulk(trial_ids)
    site_ids = [nearest[0] for _, nearest in page if nearest is not None]
    sites = _site_rows(site_ids)
    result = []
    for trial_id, (_, nearest) in zip(trial_ids, page, strict=True):
        trial = trials.get(trial_id)
        if trial is None:
            continue  # deleted since the index was built
        site = None
        if nearest is not None and nearest[0] in sites:
            site = _ranked_site(sites[nearest[0]], nearest[1])
        # Counted in the index (as fresh as the ranking), located sites or not.
        count = index.trial_site_count(trial_id, statuses=RECRUITING_SITE_STATUSES) or 0
        result.append(
            TrialWithNearestSite(
                trial=trial,
                nearest_site=site,
                other_locations=max(count - 1, 0) if site else count,
            )
        )
    return result
