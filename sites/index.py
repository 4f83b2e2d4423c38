"""The per-process site index: every located site and every trial as numpy arrays.

The condition queries and the per-process site index
----------------------------------------------------
``trials_nearest_for_condition`` and ``sites_nearest_for_condition`` must answer in
well under 50 ms at registry scale (300,000 recruiting sites, 20,000 trials) on SQLite
and PostgreSQL alike. They use a per-process numpy index of every located site (id,
trial, status, unit vector) and every trial (NCT id, status, condition text), built on
first use (1-3 s at that scale, ~20 MB of arrays) and then searched in memory: condition
match over 20,000 short strings (cached per condition), one vectorised chord pass over
the sites, then filter-and-refine.

We chose this over a bounding box on the indexed latitude/longitude because the trial
query needs *every* matching trial's nearest site to order and count trials (``total``,
pagination, a radius that may hold thousands of sites): a box only helps top-k of
sites, needs repeated expansion at sparse origins, cannot use the index on both
columns at once (a B-tree answers one range; SQLite has no R-tree here), and still
joins every candidate to its trial for the condition. The in-memory pass costs the same
at any origin, poles and antimeridian included (it works on 3-D unit vectors, so there
is no longitude wrap to handle).

Freshness: the index is rebuilt when
* a version token in Django's cache changes: ``post_save``/``post_delete`` of a Site or
  Trial (receivers connected in ``SitesConfig.ready()``) and ``site_index_invalidate()``
  (call it after bulk writes; the geocoding service and ``generate_registry`` do) bump
  it; with Redis this reaches every process at once;
* or, checked at most every ``SITES_INDEX_RECHECK_SECONDS`` (default 10) per process, a
  cheap fingerprint of the tables (row counts, largest id, latest ``updated_at``)
  changed, which catches ``bulk_create`` and writes from processes without the signal
  receivers. A ``QuerySet.update()`` that does not set ``updated_at`` and is not followed
  by ``site_index_invalidate()`` is the one write this cannot see.

Details shown to patients (facility, city, ...) are always read fresh from the database
for the page being returned; only ids, statuses and coordinates come from the index.

Trees for large selections (issue 23)
-------------------------------------
The chord pass costs about 30 ns a site: 25 ms at a million. A selection (the sites of
one condition and statuses) with at least ``TREE_MIN_SITES`` sites gets its own
``scipy.spatial.cKDTree`` over its unit vectors, built on its first query (about 0.5 s
for 700,000 sites) and kept with the cached selection, so the top-k search reads only
the few dozen sites near the origin (``ranking.rank_tree_points``), the trials page the
sites until its trials are settled (``ranking.rank_tree_groups``) and a radius only
the sites inside it. We chose one tree per selection over one global tree filtered by
condition: the filtered search has to widen until it has passed enough *matching*
sites, which for a condition whose sites are elsewhere than the origin's neighbours
means reading most of the registry; a selection's tree answers exactly the question
asked, as the bare KD-tree reference in ``bench/bench_site_tree.py`` does. Synonyms
share one selection (it is keyed by the condition's reading, not its spelling), smaller
selections keep the linear pass over their own sites (cheaper than building a tree),
and the trees together are capped at ``TREE_POINT_BUDGET`` times the located sites,
the oldest dropped first.

Sharing between workers: ``config/gunicorn.py`` preloads the application and calls
``site_index_warm()`` in the master, so the index and the trees of the usual
conditions (``SITES_INDEX_WARM_CONDITIONS``) are built once and the forked workers share
their pages copy-on-write: numpy buffers and the tree's arrays are never written after
the build. A worker that sees the data change rebuilds its own copy, as before.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Max
from scipy.spatial import cKDTree

from finder.conditions import condition_query
from finder.models import OverallStatus, Trial
from sites import ranking
from sites.models import Site, SiteStatus

logger = logging.getLogger(__name__)

INDEX_VERSION_CACHE_KEY = "sites:site-index:version"
_CONDITION_MASK_CACHE_SIZE = 256

#: Selections with fewer sites are searched by one chord pass over them (a tenth of a
#: millisecond at this size), which costs less than building and keeping their tree.
TREE_MIN_SITES = 16_384
#: The trees of all selections hold at most this many times the located sites.
TREE_POINT_BUDGET = 3.0
#: The trials page stops using the tree past this many sites read (the full pass then
#: costs less than widening further: a deep page, or trials all far away).
TREE_GROUP_MAX_POINTS = 65_536
#: A radius up to this is answered from the sites inside it (a ball query on the tree);
#: a larger one holds most of the registry, and the full pass is cheaper.
TREE_BALL_MAX_KM = 2_000.0
#: The conditions whose selection and tree ``site_index_warm`` builds before the fork.
WARM_CONDITIONS = ("multiple sclerosis",)


@dataclass
class SiteIndex:
    """Located sites and all trials as numpy arrays; sites sorted by (trial slot, id)."""

    version: str
    fingerprint: tuple
    checked_at: float
    trial_ids: np.ndarray  # slot -> Trial.pk
    trial_nct_rank: np.ndarray  # slot -> rank of the NCT id (tie-break)
    trial_status: np.ndarray  # slot -> status code
    trial_conditions: list[str]
    site_ids: np.ndarray
    site_trial: np.ndarray  # site -> trial slot
    site_status: np.ndarray  # site -> status code
    latitudes: np.ndarray
    longitudes: np.ndarray
    xyz: np.ndarray
    status_codes: dict[str, int]
    #: (trial slot, status code) -> the trial's sites of that status, located or not.
    trial_site_counts: np.ndarray
    trial_slots: dict[int, int] = field(default_factory=dict)  # Trial.pk -> slot
    _condition_masks: dict[object, np.ndarray] = field(default_factory=dict)
    _selections: dict[tuple, Selection] = field(default_factory=dict)
    _selection_keys: dict[tuple, tuple] = field(default_factory=dict)  # as spelled -> key
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tree_lock: threading.Lock = field(default_factory=threading.Lock)
    _treed: list[Selection] = field(default_factory=list)  # selections with a tree, oldest first

    def trial_positions(self, trial_pk: int, *, statuses: Sequence[str] = ()) -> np.ndarray | None:
        """Positions of a trial's located sites (of ``statuses``, if given), by id;
        ``None``: no such trial."""
        slot = self.trial_slots.get(trial_pk)
        if slot is None:
            return None
        start, end = np.searchsorted(self.site_trial, [slot, slot + 1])
        positions = np.arange(start, end)
        if statuses:
            positions = positions[np.isin(self.site_status[positions], self.codes(statuses))]
        return positions

    def trial_site_count(self, trial_pk: int, *, statuses: Sequence[str]) -> int | None:
        """How many sites of ``statuses`` the trial has, located or not; ``None``: no such
        trial in the index."""
        slot = self.trial_slots.get(trial_pk)
        if slot is None:
            return None
        return int(self.trial_site_counts[slot, self.codes(statuses)].sum())

    def codes(self, statuses: Iterable[str]) -> np.ndarray:
        return np.array(
            [self.status_codes[s] for s in statuses if s in self.status_codes], dtype=np.int16
        )

    def condition_mask(self, condition: str) -> np.ndarray:
        """Trial slots matching ``condition`` as :func:`finder.conditions.condition_query`
        reads it: the needles the database filter uses, tested on the stored texts.

        Cached per reading, so "RRMS" and "relapsing MS" share one mask; a concept tag's
        mask is computed once per index and reused by every query that names it.
        """
        query = condition_query(condition)
        mask = self._condition_masks.get(query.key)
        if mask is None:
            mask = np.full(len(self.trial_conditions), not query.nothing, dtype=bool)
            if query.any_of:
                mask &= np.logical_or.reduce([self._needle_mask(n) for n in query.any_of])
            for needle in query.all_of:
                mask &= self._needle_mask(needle, keep=False)
            with self._lock:
                if len(self._condition_masks) >= _CONDITION_MASK_CACHE_SIZE:
                    self._condition_masks.clear()
                self._condition_masks[query.key] = mask
        return mask

    def _needle_mask(self, needle: str, *, keep: bool = True) -> np.ndarray:
        mask = self._condition_masks.get(needle)
        if mask is None:
            mask = np.fromiter(
                (needle in text for text in self.trial_conditions),
                dtype=bool,
                count=len(self.trial_conditions),
            )
            if keep:  # the few concept tags; typed words go through the query cache
                with self._lock:
                    self._condition_masks[needle] = mask
        return mask

    def select(self, *, condition: str, statuses: Sequence[str]) -> Selection:
        """Trials of ``statuses`` matching ``condition`` and their sites of ``statuses``.

        Origin-independent, so cached per (condition's reading, statuses) for the index's
        life: "RRMS" and "relapsing MS" share one selection and its tree.
        """
        spelled = (condition, tuple(statuses))
        key = self._selection_keys.get(spelled)
        if key is None:  # reading the condition costs more than the whole tree search
            key = (condition_query(condition).key, tuple(sorted(statuses)))
            with self._lock:
                if len(self._selection_keys) >= _CONDITION_MASK_CACHE_SIZE:
                    self._selection_keys.clear()
                self._selection_keys[spelled] = key
        selection = self._selections.get(key)
        if selection is not None:
            return selection
        codes = self.codes(statuses)
        trials = self.condition_mask(condition) & np.isin(self.trial_status, codes)
        positions = np.flatnonzero(trials[self.site_trial] & np.isin(self.site_status, codes))
        group_of = self.site_trial[positions]
        starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
        has_site = np.zeros(len(trials), dtype=bool)
        has_site[group_of] = True
        selection = Selection(
            trial_mask=trials,
            positions=positions,
            starts=starts if len(positions) else np.empty(0, dtype=np.int64),
            unlocated_slots=np.flatnonzero(trials & ~has_site),  # in NCT id order
        )
        with self._lock:
            if len(self._selections) >= _CONDITION_MASK_CACHE_SIZE:
                self._selections.clear()
            self._selections[key] = selection
        return selection

    def tree(self, selection: Selection) -> cKDTree | None:
        """The KD-tree over ``selection``'s unit vectors (in ``positions`` order), built on
        first use; ``None`` for a selection small enough to scan."""
        if len(selection.positions) < TREE_MIN_SITES:
            return None
        if selection.tree is not None:
            return selection.tree
        with self._tree_lock:
            if selection.tree is None:
                points = np.ascontiguousarray(self.xyz[:, selection.positions].T)
                # scipy's defaults (median splits, compact nodes): twice the build time
                # of sliding-midpoint splits, but steadier queries on stacked sites.
                tree = cKDTree(points)
                budget = TREE_POINT_BUDGET * len(self.site_ids)
                held = sum(len(s.positions) for s in self._treed) + len(points)
                while self._treed and held > budget:
                    oldest = self._treed.pop(0)
                    held -= len(oldest.positions)
                    oldest.tree = None
                selection.tree = tree
                self._treed.append(selection)
        return selection.tree

    def nearest_sites(
        self,
        selection: Selection,
        *,
        origin: tuple[float, float],
        limit: int | None,
        radius_km: float | None = None,
    ) -> list[ranking.Ranked]:
        """The ``limit`` sites of ``selection`` nearest ``origin`` (exact geodesic, ties by
        id); ``Ranked.position`` is a site position in the index."""
        positions = selection.positions
        tree = self.tree(selection) if limit is not None else None
        if tree is not None:
            return ranking.rank_tree_points(
                origin=origin,
                tree=tree,
                positions=positions,
                ids=self.site_ids,
                latitudes=self.latitudes,
                longitudes=self.longitudes,
                limit=limit,
                radius_km=radius_km,
            )
        ranked = ranking.rank_points(
            origin=origin,
            ids=self.site_ids[positions],
            latitudes=self.latitudes[positions],
            longitudes=self.longitudes[positions],
            c2=ranking.chord2(ranking.origin_vector(origin), self.xyz[:, positions]),
            limit=limit,
            radius_km=radius_km,
        )
        return [replace(r, position=int(positions[r.position])) for r in ranked]

    def nearest_trials(
        self,
        selection: Selection,
        *,
        origin: tuple[float, float],
        offset: int,
        limit: int | None,
        radius_km: float | None,
        use_tree: bool = True,
    ) -> tuple[list[ranking.RankedGroup], int]:
        """``ranking.rank_groups`` over ``selection`` (trials by their nearest site), with
        the tree where it reads fewer sites: the first pages without a radius, and a
        radius up to ``TREE_BALL_MAX_KM``. ``use_tree=False``: the full pass."""
        tree = self.tree(selection) if use_tree else None
        located = len(selection.starts)
        first_pages = limit is not None and limit > 0 and offset + limit <= located
        if tree is not None and radius_km is None and first_pages:
            page = ranking.rank_tree_groups(
                origin=origin,
                tree=tree,
                positions=selection.positions,
                groups=self.site_trial,
                ids=self.site_ids,
                latitudes=self.latitudes,
                longitudes=self.longitudes,
                group_order=self.trial_nct_rank,
                offset=offset,
                limit=limit,
                max_points=TREE_GROUP_MAX_POINTS,
            )
            if page is not None:  # None: too many sites to read; the full pass is cheaper
                return page, located
        if tree is not None and radius_km is not None and radius_km <= TREE_BALL_MAX_KM:
            return self._trials_within(tree, selection, origin, offset, limit, radius_km)
        return ranking.rank_groups(
            origin=origin,
            positions=selection.positions,
            starts=selection.starts,
            c2=ranking.chord2(ranking.origin_vector(origin), self.xyz),
            groups=self.site_trial,
            ids=self.site_ids,
            latitudes=self.latitudes,
            longitudes=self.longitudes,
            xyz=self.xyz,
            group_order=self.trial_nct_rank,
            offset=offset,
            limit=limit,
            radius_km=radius_km,
        )

    def _trials_within(self, tree, selection, origin, offset, limit, radius_km):
        """``rank_groups`` over only the sites the tree finds within reach of the radius.

        Every site within ``radius_km`` (exact) is among those the ball query returns
        (``ranking.tree_points_within``). A trial whose nearest site lies outside is
        farther than the radius and does not count, so ranking the trials on the sites
        inside gives the same page and total as ranking them on all their sites.
        """
        found = ranking.tree_points_within(tree, ranking.origin_vector(origin), radius_km)
        inside = np.sort(selection.positions[found])
        ranked, total = ranking.rank_groups(
            origin=origin,
            positions=np.arange(len(inside)),
            groups=self.site_trial[inside],
            ids=self.site_ids[inside],
            latitudes=self.latitudes[inside],
            longitudes=self.longitudes[inside],
            xyz=self.xyz[:, inside],
            group_order=self.trial_nct_rank,
            offset=offset,
            limit=limit,
            radius_km=radius_km,
        )
        return [replace(r, position=int(inside[r.position])) for r in ranked], total


@dataclass(eq=False)
class Selection:
    """Site positions (sorted by trial slot, id) and trial slots one query looks at."""

    trial_mask: np.ndarray
    positions: np.ndarray
    starts: np.ndarray  # where each trial's sites begin in ``positions``
    unlocated_slots: np.ndarray  # qualifying trials without a qualifying located site
    tree: cKDTree | None = None  # see ``SiteIndex.tree``


_index: SiteIndex | None = None
_index_lock = threading.Lock()


def site_index_invalidate() -> None:
    """Make every process rebuild its site index on its next query."""
    global _index
    _index = None
    try:
        cache.set(INDEX_VERSION_CACHE_KEY, uuid.uuid4().hex, None)
    except Exception:  # the fingerprint check still catches the change
        logger.warning("Could not bump the site index version", exc_info=True)


def connect_invalidation_signals() -> None:
    """Rebuild the index after any saved or deleted Site or Trial (``SitesConfig.ready()``)."""
    from django.db.models.signals import post_delete, post_save

    def invalidate_on_change(sender, **kwargs) -> None:
        site_index_invalidate()

    for model in (Site, Trial):
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_on_change, sender=model, weak=False, dispatch_uid=f"site-index-{model}"
            )


def _index_version() -> str:
    try:
        version = cache.get(INDEX_VERSION_CACHE_KEY)
        if version is None:
            cache.add(INDEX_VERSION_CACHE_KEY, uuid.uuid4().hex, None)
            version = cache.get(INDEX_VERSION_CACHE_KEY)
        return str(version)
    except Exception:
        logger.warning("Cache unavailable; the site index relies on its fingerprint")
        return "cache-unavailable"


def _fingerprint() -> tuple:
    sites = Site.objects.aggregate(n=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    trials = Trial.objects.aggregate(n=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    return (*sites.values(), *trials.values())


def site_index() -> SiteIndex:
    """The current site index, rebuilt when the data changed (see the module docstring)."""
    global _index
    version = _index_version()
    index = _index
    recheck = float(getattr(settings, "SITES_INDEX_RECHECK_SECONDS", 10.0))
    if index is not None and index.version == version:
        if time.monotonic() - index.checked_at < recheck:
            return index
        fingerprint = _fingerprint()
        if fingerprint == index.fingerprint:
            index.checked_at = time.monotonic()
            return index
    with _index_lock:
        if _index is not None and _index is not index and _index.version == version:
            return _index  # another thread rebuilt it meanwhile
        _index = _build_index(version)
        return _index


def site_index_warm(conditions: Sequence[str] | None = None) -> SiteIndex:
    """Build the index and the trees of ``conditions`` now, then close the connections.

    Called in gunicorn's master before it forks (``config/gunicorn.py``), so every worker
    starts with them in pages it shares with the others. The connections opened for the
    build must not be inherited: two processes on one socket corrupt each other's replies.
    """
    from sites.selectors import RECRUITING_SITE_STATUSES

    if conditions is None:
        conditions = getattr(settings, "SITES_INDEX_WARM_CONDITIONS", WARM_CONDITIONS)
    index = site_index()
    for condition in conditions:
        index.tree(index.select(condition=condition, statuses=RECRUITING_SITE_STATUSES))
    connections.close_all()
    return index


def _build_index(version: str) -> SiteIndex:
    started = time.perf_counter()
    fingerprint = _fingerprint()
    status_codes = {
        value: code
        for code, value in enumerate(sorted({*SiteStatus.values, *OverallStatus.values}))
    }
    trial_rows = list(
        Trial.objects.order_by("nct_id").values_list("id", "overall_status", "condition_search")
    )
    trial_ids = np.array([r[0] for r in trial_rows], dtype=np.int64)
    slot_of_trial = {pk: slot for slot, pk in enumerate(trial_ids.tolist())}
    trial_status = np.array([status_codes.get(r[1], -1) for r in trial_rows], dtype=np.int16)
    trial_conditions = [r[2] or "" for r in trial_rows]

    # No ORDER BY: Site's default ordering would join trials to sort 300,000 rows that
    # numpy sorts faster below.
    site_rows = (
        Site.objects.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("id", "trial_id", "status", "latitude", "longitude")
    )
    ids, slots, statuses, lats, lons = [], [], [], [], []
    for site_id, trial_id, status, lat, lon in site_rows.iterator(chunk_size=20000):
        slot = slot_of_trial.get(trial_id)
        if slot is None:  # a trial created after the trial read: next rebuild has it
            continue
        ids.append(site_id)
        slots.append(slot)
        statuses.append(status_codes.get(status, -1))
        lats.append(lat)
        lons.append(lon)
    # Every site, located or not, counted by trial and status: a trial card's "+N other
    # locations" without a COUNT per page.
    counts = np.zeros((len(trial_ids), len(status_codes)), dtype=np.int32)
    for trial_id, status, n in (
        Site.objects.order_by().values_list("trial_id", "status").annotate(n=Count("id"))
    ):
        slot, code = slot_of_trial.get(trial_id), status_codes.get(status)
        if slot is not None and code is not None:
            counts[slot, code] += n
    index = site_index_from_arrays(
        version=version,
        fingerprint=fingerprint,
        trial_site_counts=counts,
        trial_ids=trial_ids,
        trial_status=trial_status,
        trial_conditions=trial_conditions,
        site_ids=np.array(ids, dtype=np.int64),
        site_trial=np.array(slots, dtype=np.int32),
        site_status=np.array(statuses, dtype=np.int16),
        latitudes=np.array(lats, dtype=np.float64),
        longitudes=np.array(lons, dtype=np.float64),
        status_codes=status_codes,
    )
    logger.info(
        "Built the site index: %d sites, %d trials in %.2f s",
        len(index.site_ids),
        len(trial_ids),
        time.perf_counter() - started,
    )
    return index


def site_index_from_arrays(
    *,
    version: str,
    fingerprint: tuple,
    trial_ids: np.ndarray,
    trial_status: np.ndarray,
    trial_conditions: list[str],
    site_ids: np.ndarray,
    site_trial: np.ndarray,
    site_status: np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    status_codes: dict[str, int],
    trial_site_counts: np.ndarray | None = None,
) -> SiteIndex:
    """A ``SiteIndex`` from plain arrays, trials in NCT id order (the benchmark builds a
    million-site index this way, without a database behind it). Without
    ``trial_site_counts`` the trials' site counts are those of the located sites given."""
    if trial_site_counts is None:
        trial_site_counts = np.zeros((len(trial_ids), len(status_codes)), dtype=np.int32)
        known = site_status >= 0
        np.add.at(trial_site_counts, (site_trial[known], site_status[known]), 1)
    order = np.lexsort((site_ids, site_trial))
    latitudes = latitudes[order]
    longitudes = longitudes[order]
    return SiteIndex(
        version=version,
        fingerprint=fingerprint,
        checked_at=time.monotonic(),
        trial_ids=trial_ids,
        # Slots follow NCT id order, so a slot is also the NCT-id tie-break rank.
        trial_nct_rank=np.arange(len(trial_ids), dtype=np.int64),
        trial_status=trial_status,
        trial_conditions=trial_conditions,
        site_ids=site_ids[order],
        site_trial=site_trial[order],
        site_status=site_status[order],
        latitudes=latitudes,
        longitudes=longitudes,
        xyz=ranking.unit_vectors(latitudes, longitudes),
        status_codes=status_codes,
        trial_site_counts=trial_site_counts,
        trial_slots={pk: slot for slot, pk in enumerate(trial_ids.tolist())},
    )
