r"""Exact nearest-first ranking by WGS-84 geodesic distance, made fast by filter-and-refine.

Plain Python, numpy and pyproj; no Django. The order is by the exact ellipsoidal
distance on the WGS-84 ellipsoid as geopy defines it, ties broken by id. The exact
distance is Karney's algorithm, the one ``geopy.distance.geodesic`` runs through
geographiclib, computed by PROJ's C implementation of it through ``pyproj.Geod``,
vectorised: over a hundred times cheaper a pair (``bench/bench_geodesic.py``). The two
agree to within 1e-11 km (a test checks thousands of pairs, polar, antimeridian and
near-antipodal ones included); distances are shown rounded to the metre.

Why a cheap bound is enough
---------------------------
Even in C the geodesic costs over a microsecond a pair; 300,000 sites would take about
half a second. A great-circle angle takes a few nanoseconds a pair with numpy. We
compute, for every candidate, the central angle :math:`\theta` between the two points
placed on a unit sphere *at their geodetic latitude and longitude*, and turn it into an
interval that is guaranteed to hold the exact geodesic distance :math:`s`:

.. math::  m\,\theta \;\le\; s \;\le\; M\,\theta, \qquad
           m = a(1-e^2) \approx 6335.439\ \mathrm{km},\quad
           M = \frac{a}{\sqrt{1-e^2}} \approx 6399.594\ \mathrm{km}.

*Proof.* In geodetic coordinates :math:`(\varphi, \lambda)` the ellipsoid's metric is
:math:`ds^2 = \rho(\varphi)^2 d\varphi^2 + \nu(\varphi)^2\cos^2\varphi\, d\lambda^2`, with the
meridional radius of curvature :math:`\rho = a(1-e^2)/(1-e^2\sin^2\varphi)^{3/2}` and the
prime-vertical one :math:`\nu = a/(1-e^2\sin^2\varphi)^{1/2}`; the unit sphere's metric in
the same coordinates is :math:`d\varphi^2 + \cos^2\varphi\, d\lambda^2`. At every point and
in every direction the ratio of the two line elements lies between
:math:`\min(\rho,\nu)` and :math:`\max(\rho,\nu)`. Both radii grow monotonically from the
equator to the poles, :math:`\rho \le \nu` everywhere, :math:`\rho(0) = a(1-e^2) = m` and
:math:`\rho(\pm 90^\circ) = \nu(\pm 90^\circ) = a/\sqrt{1-e^2} = M`, so the ratio lies in
:math:`[m, M]` everywhere. The identity map in :math:`(\varphi, \lambda)` is a
diffeomorphism between the sphere and the ellipsoid, so every curve's ellipsoidal length
is between :math:`m` and :math:`M` times the length of its image on the unit sphere. The
geodesic distance is the infimum of curve lengths: the shortest ellipsoidal curve has a
spherical image at least :math:`\theta` long, so :math:`s \ge m\theta`; the image of
the great-circle arc is an ellipsoidal curve at most :math:`M\theta` long, so
:math:`s \le M\theta`. ∎

The argument holds for every pair of points, near-antipodal and polar ones included (it
never assumes the shortest path is unique or stays near a meridian), so no pair needs
special treatment. Equivalently: the haversine distance on a sphere of radius
:math:`R = \sqrt{mM} \approx 6367.5` km is within a relative
:math:`(1-e^2)^{-3/4} - 1 \approx 0.505\,\%` of the geodesic (``RELATIVE_ERROR_BOUND``).
Tests check the bound on tens of thousands of random pairs (uniform, polar,
antimeridian, near-antipodal); the observed ratios :math:`s/\theta` span almost the whole
interval, so the bound is tight.

Floating-point safety margin: :math:`\theta` comes from the squared chord
:math:`c^2 = \lVert p - q\rVert^2` between unit vectors, whose rounding error is below
1e-15; we widen :math:`c^2` by ``1e-12`` relative plus ``1e-14`` absolute before turning it
into an angle (:math:`\theta = 2\arcsin(c/2)`, monotone), then widen the distance
interval by ``1e-9`` relative plus 1 mm. Widening only adds candidates, never drops one.

Filter and refine
-----------------
For the top ``k``: take the ``k`` points with the smallest chords (``argpartition``,
linear time); the largest upper bound among them, ``U``, bounds the k-th exact distance,
because those ``k`` points are all within ``U``. Any point whose lower bound exceeds
``U`` cannot be in the top ``k``, even on a tie. Only the remaining candidates, those
whose interval reaches below ``U`` (typically ``k`` plus the few within 1 % of the k-th
distance), get the exact geodesic; they are sorted by ``(distance, id)``. Groups (a
trial's nearest site) work the same way on each group's minimum, and a radius is one
more upper limit. Results equal a brute-force geodesic ranking exactly; tests and the
benchmark compare them.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from geopy.distance import ELLIPSOIDS
from pyproj import Geod

_A_KM, _B_KM, _FLATTENING = ELLIPSOIDS["WGS-84"]
_E2 = _FLATTENING * (2 - _FLATTENING)

#: The smallest radius of curvature of the WGS-84 ellipsoid (meridional, at the equator).
KM_PER_RADIAN_MIN = _A_KM * (1 - _E2)
#: The largest radius of curvature (at the poles).
KM_PER_RADIAN_MAX = _A_KM / math.sqrt(1 - _E2)
#: The sphere radius that makes the haversine distance's relative error symmetric.
HAVERSINE_RADIUS_KM = math.sqrt(KM_PER_RADIAN_MIN * KM_PER_RADIAN_MAX)
#: Proven bound on |haversine(R=HAVERSINE_RADIUS_KM) - geodesic| / geodesic.
RELATIVE_ERROR_BOUND = math.sqrt(KM_PER_RADIAN_MAX / KM_PER_RADIAN_MIN) - 1

KM_PER_MILE = 1.609344

_CHORD2_REL = 1e-12
_CHORD2_ABS = 1e-14
_DISTANCE_REL = 1e-9
_DISTANCE_ABS_KM = 1e-6

# The ellipsoid geopy's geodesic uses (its semi-major axis is in km, PROJ's in metres).
_GEOD = Geod(a=_A_KM * 1000.0, f=_FLATTENING)


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The WGS-84 geodesic distance in km (Karney's algorithm, as geopy's geodesic)."""
    _, _, metres = _GEOD.inv(float(lon1), float(lat1), float(lon2), float(lat2))
    return metres / 1000.0


def geodesic_km_from(
    origin: tuple[float, float], latitudes: np.ndarray, longitudes: np.ndarray
) -> np.ndarray:
    """``geodesic_km`` from ``origin`` to each point, in one vectorised call."""
    latitudes = np.asarray(latitudes, dtype=np.float64)
    longitudes = np.asarray(longitudes, dtype=np.float64)
    if len(latitudes) == 0:
        return np.empty(0, dtype=np.float64)
    n = len(latitudes)
    _, _, metres = _GEOD.inv(
        np.full(n, float(origin[1])), np.full(n, float(origin[0])), longitudes, latitudes
    )
    return np.asarray(metres, dtype=np.float64) / 1000.0


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


def unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Points on the unit sphere at the given geodetic latitudes/longitudes.

    Component-major, shape (3, n): each coordinate contiguous, so ``chord2`` runs as
    three vectorised multiply-adds (no BLAS call, whose threads fare badly on a busy
    two-core machine).
    """
    phi = np.radians(np.asarray(latitudes, dtype=np.float64))
    lam = np.radians(np.asarray(longitudes, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord2(origin_xyz: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Squared chord lengths between the origin and each point (monotone in the angle).

    Computed as ``2 - 2 p.q``: the dot product of unit vectors is within ~4 ulp of the
    true one and the vectors' norms within 2 ulp of 1, so the result is within 3e-15
    of the exact squared chord, inside the ``_CHORD2_ABS`` slack.
    """
    dot = xyz[0] * origin_xyz[0]
    dot += xyz[1] * origin_xyz[1]
    dot += xyz[2] * origin_xyz[2]
    np.multiply(dot, -2.0, out=dot)
    dot += 2.0
    return np.maximum(dot, 0.0, out=dot)


def pairwise_chord2(xyz_a: np.ndarray, xyz_b: np.ndarray) -> np.ndarray:
    """``chord2`` between matching rows of two point sets, by the same formula."""
    return np.maximum(2.0 - 2.0 * np.einsum("ij,ij->j", xyz_a, xyz_b), 0.0)


def origin_vector(origin: tuple[float, float]) -> np.ndarray:
    """The unit vector of an origin ``(latitude, longitude)``."""
    return unit_vectors([origin[0]], [origin[1]])[:, 0]


def distance_bounds_km(c2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds on the geodesic distance for squared chords ``c2``."""
    c2 = np.asarray(c2, dtype=np.float64)
    slack = c2 * _CHORD2_REL + _CHORD2_ABS
    low = 2.0 * np.arcsin(np.minimum(1.0, np.sqrt(np.maximum(c2 - slack, 0.0)) / 2.0))
    high = 2.0 * np.arcsin(np.minimum(1.0, np.sqrt(c2 + slack) / 2.0))
    lower = np.maximum(low * KM_PER_RADIAN_MIN * (1 - _DISTANCE_REL) - _DISTANCE_ABS_KM, 0.0)
    upper = high * KM_PER_RADIAN_MAX * (1 + _DISTANCE_REL) + _DISTANCE_ABS_KM
    return lower, upper


def chord2_reaching(distance_km: float) -> float:
    """The largest squared chord whose lower distance bound can be <= ``distance_km``.

    Every point with ``chord2 > chord2_reaching(d)`` is certainly farther than ``d``.
    """
    angle = (distance_km + _DISTANCE_ABS_KM) / (KM_PER_RADIAN_MIN * (1 - _DISTANCE_REL))
    if angle >= math.pi:
        return math.inf
    c2 = (2.0 * math.sin(angle / 2.0)) ** 2
    return (c2 + _CHORD2_ABS) * (1 + _CHORD2_REL) + _CHORD2_ABS


def haversine_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
    radius_km: float = HAVERSINE_RADIUS_KM,
) -> np.ndarray:
    """Great-circle distance (vectorised); within ``RELATIVE_ERROR_BOUND`` of the geodesic."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * radius_km * np.arcsin(np.minimum(1.0, np.sqrt(h)))


@dataclass(frozen=True)
class Ranked:
    """One ranked point: its position in the input arrays and its exact distance."""

    position: int
    distance_km: float


def rank_points(
    *,
    origin: tuple[float, float],
    ids: np.ndarray | Sequence[int],
    latitudes: np.ndarray | Sequence[float],
    longitudes: np.ndarray | Sequence[float],
    xyz: np.ndarray | None = None,
    c2: np.ndarray | None = None,
    limit: int | None = None,
    radius_km: float | None = None,
) -> list[Ranked]:
    """Points nearest ``origin`` first, by exact geodesic distance, ties by id.

    ``limit`` keeps the first ``limit``; ``radius_km`` drops points farther than that
    (exact distance). ``xyz`` are precomputed ``unit_vectors`` of the points, or ``c2``
    their precomputed ``chord2`` to the origin.
    """
    ids = np.asarray(ids, dtype=np.int64)
    latitudes = np.asarray(latitudes, dtype=np.float64)
    longitudes = np.asarray(longitudes, dtype=np.float64)
    n = len(ids)
    if n == 0 or limit == 0:
        return []
    if radius_km is None and (limit is None or limit >= n):
        candidates = np.arange(n)  # every point is returned: nothing to filter
    else:
        if c2 is None:
            c2 = chord2(
                origin_vector(origin), unit_vectors(latitudes, longitudes) if xyz is None else xyz
            )
        reach = math.inf if radius_km is None else radius_km
        if limit is not None and limit < n:
            nearest = np.argpartition(c2, limit - 1)[:limit]
            _, upper = distance_bounds_km(c2[nearest])
            reach = min(reach, float(upper.max()))
        # Only points whose interval reaches below ``reach`` can make the cut.
        candidates = np.flatnonzero(c2 <= chord2_reaching(reach))
    km = geodesic_km_from(origin, latitudes[candidates], longitudes[candidates])
    if radius_km is not None:
        inside = km <= radius_km
        candidates, km = candidates[inside], km[inside]
    order = np.lexsort((ids[candidates], km))[:limit]
    return [Ranked(position=int(candidates[j]), distance_km=float(km[j])) for j in order]


def _nearest_exact(origin, latitudes, longitudes, ids, positions) -> tuple[float, int, int]:
    """(exact distance, id, position) of the nearest of ``positions``, ties by id."""
    km = geodesic_km_from(origin, latitudes[positions], longitudes[positions])
    best = int(np.lexsort((ids[positions], km))[0])
    return float(km[best]), int(ids[positions[best]]), int(positions[best])


@dataclass(frozen=True)
class RankedGroup:
    """A group (a trial) ranked by its nearest point (site): positions into the inputs."""

    group: int
    position: int
    distance_km: float


def rank_groups(
    *,
    origin: tuple[float, float],
    positions: np.ndarray,
    groups: np.ndarray,
    ids: np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    xyz: np.ndarray,
    group_order: np.ndarray,
    offset: int = 0,
    limit: int | None = None,
    radius_km: float | None = None,
    c2: np.ndarray | None = None,
    starts: np.ndarray | None = None,
) -> tuple[list[RankedGroup], int]:
    """Groups ordered by the exact distance of their nearest point, and how many qualify.

    ``positions`` selects points (sorted by group, then id); ``groups[p]`` is a point's
    group, ``ids[p]`` its id (nearest-point ties go to the lower id), and
    ``group_order[g]`` breaks ties between groups at the same distance (the rank of the
    trial's NCT id). Returns the page ``[offset, offset + limit)`` and the number of
    groups with a point (within ``radius_km`` when given). ``c2`` (``chord2`` of every
    point to the origin) and ``starts`` (where each group begins in ``positions``) may
    be passed precomputed.
    """
    if len(positions) == 0:
        return [], 0
    if c2 is None:
        c2 = chord2(origin_vector(origin), xyz)
    c2 = c2[positions]
    if starts is None:
        group_of = groups[positions]
        starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
    ends = np.r_[starts[1:], len(positions)]
    lower, upper = distance_bounds_km(np.minimum.reduceat(c2, starts))

    def exact(g: int) -> tuple[float, int, int]:
        """(distance, point id, position) of group-slot ``g``'s nearest point."""
        span = c2[starts[g] : ends[g]]
        site_lower, _ = distance_bounds_km(span)
        local = positions[starts[g] + np.flatnonzero(site_lower <= upper[g])]
        return _nearest_exact(origin, latitudes, longitudes, ids, local)

    limit_total = np.inf if radius_km is None else radius_km
    reachable = np.flatnonzero(lower <= limit_total)
    certain = reachable[upper[reachable] <= limit_total]
    uncertain = reachable[upper[reachable] > limit_total]
    known: dict[int, tuple[float, int, int]] = {}

    if radius_km is None:
        total = len(starts)
    else:
        for g in uncertain.tolist():
            known[g] = exact(g)
        total = len(certain) + sum(1 for g in uncertain.tolist() if known[g][0] <= radius_km)

    wanted = None if limit is None else offset + limit
    if wanted == 0:
        return [], total
    reach = limit_total
    if wanted is not None and wanted <= len(certain):
        reach = min(reach, float(np.partition(upper[certain], wanted - 1)[wanted - 1]))
    candidates = reachable[lower[reachable] <= reach]
    candidates = candidates[np.argsort(lower[candidates], kind="stable")]

    rows: list[tuple[float, int, int, int]] = []
    for g, low in zip(candidates.tolist(), lower[candidates].tolist(), strict=True):
        # Candidates come by lower bound: once one cannot beat the wanted-th exact
        # distance (strictly: a tie could still reorder by group_order), none can.
        if wanted is not None and len(rows) >= wanted and low > rows[wanted - 1][0]:
            break
        if g not in known:
            known[g] = exact(g)
        km, _, p = known[g]
        if radius_km is None or km <= radius_km:
            group = int(groups[positions[starts[g]]])
            bisect.insort(rows, (km, int(group_order[group]), group, p))
    page = rows[offset:] if wanted is None else rows[offset:wanted]
    return [RankedGroup(group=g, position=p, distance_km=km) for km, _, g, p in page], total


# --- the same refinement over a spatial tree ---------------------------------------------
#
# A KD-tree over the unit vectors finds points in order of Euclidean distance in 3-D,
# which *is* the chord, so the bounds above apply unchanged to what it returns: the tree
# replaces the linear chord pass, never the exact geodesic. The tree (scipy's cKDTree)
# computes squared distances its own way; they differ from ``chord2`` by a few ulp, far
# inside the ``_CHORD2_*`` slack, so its ``k`` nearest by its own arithmetic are the ``k``
# nearest for our bounds too.


def _tree_query(tree, origin_xyz: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` points nearest by chord: (squared chords ascending, tree indices)."""
    distances, found = tree.query(origin_xyz, k=k)
    return np.atleast_1d(distances) ** 2, np.atleast_1d(found)


def tree_points_within(tree, origin_xyz: np.ndarray, distance_km: float) -> np.ndarray:
    """Tree indices of every point whose distance could be ``<= distance_km``.

    ``chord2_reaching`` already holds 1e-14 of slack over the true squared chord; the
    tree's own squared distances are within about 1e-15 of it, and the radius is widened
    by a further millionth, so no point within reach is left out.
    """
    reach = chord2_reaching(distance_km)
    if not math.isfinite(reach) or reach >= 4.0:
        return np.arange(tree.n)
    found = tree.query_ball_point(origin_xyz, math.sqrt(reach) * (1 + 1e-6) + 1e-12)
    return np.asarray(found, dtype=np.int64)


def rank_tree_points(
    *,
    origin: tuple[float, float],
    tree,
    positions: np.ndarray,
    ids: np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    limit: int,
    radius_km: float | None = None,
) -> list[Ranked]:
    """``rank_points`` for the points ``positions`` of the input arrays, found with ``tree``.

    ``tree`` is a ``scipy.spatial.cKDTree`` over ``unit_vectors`` of those points, in the
    order of ``positions``; ``Ranked.position`` is a position in the input arrays. Only
    the points the tree returns are read, so a query costs about ``k log n``, not ``n``.

    The tree returns the ``k = limit + 8`` nearest by chord; we take the exact distance
    of each and the ``limit``-th smallest, ``d``. Every point not returned has a chord
    at least the last returned one's, so if that chord's *lower* bound exceeds ``d`` (or
    the radius), no point left out can reach the top ``limit``, not even on a tie by id.
    Otherwise (a stack of sites on one city centroid, a near tie at the cut, too few
    within the radius) one ball query returns every point whose lower bound can reach
    ``d``, and those are ranked: the same set ``rank_points`` refines.
    """
    n = int(tree.n)
    if n == 0 or limit == 0:
        return []
    origin_xyz = origin_vector(origin)
    reach = math.inf if radius_km is None else radius_km
    k = min(n, limit + 8)
    c2, found = _tree_query(tree, origin_xyz, k)
    points = positions[found]
    km = geodesic_km_from(origin, latitudes[points], longitudes[points])
    inside = km <= reach
    bound = reach
    if int(inside.sum()) >= limit:
        bound = min(bound, float(np.partition(km[inside], limit - 1)[limit - 1]))
    if k < n and not distance_bounds_km(c2[-1])[0] > bound:
        points = positions[tree_points_within(tree, origin_xyz, bound)]
        km = geodesic_km_from(origin, latitudes[points], longitudes[points])
        inside = km <= reach
    points, km = points[inside], km[inside]
    order = np.lexsort((ids[points], km))[:limit]
    return [Ranked(position=int(points[j]), distance_km=float(km[j])) for j in order]


def rank_tree_groups(
    *,
    origin: tuple[float, float],
    tree,
    positions: np.ndarray,
    groups: np.ndarray,
    ids: np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    group_order: np.ndarray,
    offset: int,
    limit: int,
    max_points: int,
) -> list[RankedGroup] | None:
    """The page ``[offset, offset + limit)`` of ``rank_groups`` (no radius), from ``tree``.

    ``tree`` is over the unit vectors of ``positions`` in that order. ``None`` when more
    than ``max_points`` points would have to be read (the caller scans instead).

    The tree returns points by chord (``k`` grows until ``offset + limit`` distinct groups
    are among them); each of those groups is at most as far as the exact distance of its
    first point seen, so the page's last group is at most ``D``, the largest of those. A
    group on the page has its nearest point within ``D``, so with every point whose lower
    bound is ``<= D`` (those returned, when the last one's lower bound exceeds ``D``;
    otherwise one ball query), each such group's nearest point is among those read;
    groups whose points read are all beyond ``D`` rank after the page and are dropped.
    Ties as in ``rank_groups``: the nearest point by (distance, id), groups by
    (distance, ``group_order``).
    """
    wanted = offset + limit
    n = int(tree.n)
    if n == 0 or limit == 0:
        return []
    origin_xyz = origin_vector(origin)
    k = min(n, max(2 * wanted, 32))
    while True:
        c2, found = _tree_query(tree, origin_xyz, k)
        points = positions[found]
        _, first = np.unique(groups[points], return_index=True)
        if len(first) >= wanted or k == n:
            break
        if k >= max_points:
            return None
        k = min(n, 4 * k)
    bound = math.inf
    if len(first) >= wanted:
        seen = points[np.sort(first)[:wanted]]
        bound = float(geodesic_km_from(origin, latitudes[seen], longitudes[seen]).max())
    if k == n or distance_bounds_km(c2[-1])[0] > bound:
        points = points[distance_bounds_km(c2)[0] <= bound]
    else:
        found = tree_points_within(tree, origin_xyz, bound)
        if len(found) > max_points:
            return None
        points = positions[found]
    km = geodesic_km_from(origin, latitudes[points], longitudes[points])
    points, km = points[km <= bound], km[km <= bound]
    group_of = groups[points]
    by_group = np.lexsort((ids[points], km, group_of))
    sorted_groups = group_of[by_group]
    nearest = by_group[np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]]
    page = nearest[np.lexsort((group_order[group_of[nearest]], km[nearest]))][offset:wanted]
    return [
        RankedGroup(group=int(group_of[j]), position=int(points[j]), distance_km=float(km[j]))
        for j in page
    ]
