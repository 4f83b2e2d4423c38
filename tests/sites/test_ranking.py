"""sites.ranking: the error bound, and rankings equal to brute-force geodesic rankings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from sites import ranking


def random_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform on the sphere."""
    latitudes = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    return latitudes, rng.uniform(-180, 180, n)


def near_antipodes(rng, latitudes, longitudes, spread_deg):
    lat = np.clip(-latitudes + rng.normal(0, spread_deg, len(latitudes)), -90, 90)
    lon = (longitudes + 180 + rng.normal(0, spread_deg, len(latitudes)) + 180) % 360 - 180
    return lat, lon


def pair_sets():
    rng = np.random.default_rng(20261125)
    lat1, lon1 = random_points(rng, 4000)
    lat2, lon2 = random_points(rng, 4000)
    yield "uniform", lat1, lon1, lat2, lon2
    a_lat, a_lon = random_points(rng, 3000)
    yield "near-antipodal", a_lat, a_lon, *near_antipodes(rng, a_lat, a_lon, 0.5)
    yield "antipodal", a_lat[:500], a_lon[:500], *near_antipodes(rng, a_lat[:500], a_lon[:500], 0)
    p_lat = rng.uniform(80, 90, 2000) * rng.choice([-1, 1], 2000)
    yield "polar", p_lat, rng.uniform(-180, 180, 2000), *random_points(rng, 2000)
    m_lon = rng.uniform(179, 180, 2000)
    yield "antimeridian", *random_points(rng, 2000)[:1], m_lon, rng.uniform(-60, 60, 2000), -m_lon
    c_lat, c_lon = random_points(rng, 2000)
    close = c_lat + rng.normal(0, 1e-4, 2000), c_lon + rng.normal(0, 1e-4, 2000)
    yield "very close", c_lat, c_lon, np.clip(close[0], -90, 90), np.clip(close[1], -180, 180)


@pytest.mark.parametrize(
    ("name", "lat1", "lon1", "lat2", "lon2"), [pytest.param(*p, id=p[0]) for p in pair_sets()]
)
def test_the_interval_holds_the_exact_geodesic(name, lat1, lon1, lat2, lon2):
    c2 = ranking.pairwise_chord2(ranking.unit_vectors(lat1, lon1), ranking.unit_vectors(lat2, lon2))
    lower, upper = ranking.distance_bounds_km(c2)
    exact = np.array([ranking.geodesic_km(*p) for p in zip(lat1, lon1, lat2, lon2, strict=True)])
    assert np.all(lower <= exact), name
    assert np.all(exact <= upper), name


def test_haversine_is_within_the_proven_relative_error():
    rng = np.random.default_rng(7)
    lat1, lon1 = random_points(rng, 5000)
    lat2, lon2 = random_points(rng, 5000)
    lat2[:1000], lon2[:1000] = near_antipodes(rng, lat1[:1000], lon1[:1000], 0.2)
    exact = np.array([ranking.geodesic_km(*p) for p in zip(lat1, lon1, lat2, lon2, strict=True)])
    error = np.abs(ranking.haversine_km(lat1, lon1, lat2, lon2) - exact) / exact
    assert error.max() <= ranking.RELATIVE_ERROR_BOUND
    # The bound is tight, not a loose guess: errors come within 20 % of it.
    assert error.max() > 0.8 * ranking.RELATIVE_ERROR_BOUND


def test_the_bound_is_the_documented_half_percent():
    assert pytest.approx((1 - 0.00669437999014) ** -0.75 - 1) == ranking.RELATIVE_ERROR_BOUND
    assert 0.00504 < ranking.RELATIVE_ERROR_BOUND < 0.00506


@pytest.mark.parametrize(
    ("name", "lat1", "lon1", "lat2", "lon2"), [pytest.param(*p, id=p[0]) for p in pair_sets()]
)
def test_geodesic_km_agrees_with_geopys_geodesic(name, lat1, lon1, lat2, lon2):
    """PROJ's C and geographiclib's Python run the same algorithm: nanometres apart."""
    ours = np.array([ranking.geodesic_km(*p) for p in zip(lat1, lon1, lat2, lon2, strict=True)])
    geopys = np.array(
        [geodesic((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
    )
    assert np.max(np.abs(ours - geopys)) < 1e-11, name


def test_the_vectorised_geodesic_is_the_scalar_one():
    rng = np.random.default_rng(4)
    lat, lon = random_points(rng, 500)
    origin = (-33.9, 151.2)
    many = ranking.geodesic_km_from(origin, lat, lon)
    assert many.tolist() == [
        ranking.geodesic_km(*origin, a, b) for a, b in zip(lat, lon, strict=True)
    ]
    assert ranking.geodesic_km_from(origin, np.array([]), np.array([])).shape == (0,)
    assert ranking.geodesic_km(*origin, *origin) == 0.0


def all_distances(origin, ids, latitudes, longitudes):
    """Brute force: the exact geodesic to every point, one pair at a time, by (distance, id)."""
    return sorted(
        (ranking.geodesic_km(*origin, lat, lon), int(i))
        for i, lat, lon in zip(ids, latitudes, longitudes, strict=True)
    )


def brute_force(origin, ids, latitudes, longitudes, *, limit=None, radius_km=None, rows=None):
    if rows is None:
        rows = all_distances(origin, ids, latitudes, longitudes)
    if radius_km is not None:
        rows = [r for r in rows if r[0] <= radius_km]
    return [(i, km) for km, i in rows[:limit]]


def ranked(origin, ids, latitudes, longitudes, **kwargs):
    rows = ranking.rank_points(
        origin=origin, ids=ids, latitudes=latitudes, longitudes=longitudes, **kwargs
    )
    return [(int(ids[r.position]), r.distance_km) for r in rows]


def site_layouts(seed: int):
    """Site sets that stress the ranking: clusters, poles, antimeridian, duplicates."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 160))
    kind = seed % 6
    lat, lon = random_points(rng, n)
    if kind == 1:  # near the poles
        lat = rng.uniform(84, 90, n) * rng.choice([-1, 1], n)
    elif kind == 2:  # straddling the antimeridian
        lon = rng.choice([-1, 1], n) * rng.uniform(178, 180, n)
        lat = rng.uniform(-70, 70, n)
    elif kind == 3:  # many identical coordinates: ties by id
        lat[: n // 2 + 1], lon[: n // 2 + 1] = lat[0], lon[0]
    elif kind == 4:  # a dense city cluster
        lat = 37.44 + rng.normal(0, 0.05, n)
        lon = -122.16 + rng.normal(0, 0.05, n)
    ids = rng.permutation(np.arange(1, 10 * n + 1))[:n]
    return rng, ids, lat, lon


def origins_for(rng, lat, lon):
    yield float(lat[0]), float(lon[0])  # a site at the origin
    yield float(-lat[-1]), float(((lon[-1] + 360) % 360) - 180)  # its antipode
    yield (
        float(np.clip(-lat[0] + rng.normal(0, 0.01), -90, 90)),
        float((lon[0] + 180.001 + 180) % 360 - 180),
    )  # near-antipodal
    yield float(rng.uniform(-90, 90)), float(rng.uniform(-180, 180))
    yield 90.0, 0.0
    yield 0.0, 180.0


@pytest.mark.parametrize("seed", range(30))
def test_ranking_equals_brute_force(seed):
    rng, ids, lat, lon = site_layouts(seed)
    for origin in origins_for(rng, lat, lon):
        rows = all_distances(origin, ids, lat, lon)
        for limit, radius_km in [(None, None), (1, None), (10, None), (10, 1500.0), (None, 50.0)]:
            expected = brute_force(
                origin, ids, lat, lon, limit=limit, radius_km=radius_km, rows=rows
            )
            got = ranked(origin, ids, lat, lon, limit=limit, radius_km=radius_km)
            assert got == expected, (seed, origin, limit, radius_km)


coordinates = st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(
    origin=coordinates,
    points=st.lists(coordinates, min_size=1, max_size=40),
    limit=st.one_of(st.none(), st.integers(1, 10)),
    radius_km=st.one_of(st.none(), st.floats(0, 21000)),
)
def test_ranking_equals_brute_force_on_any_points(origin, points, limit, radius_km):
    ids = np.arange(len(points)) * 7 % 101 + np.arange(len(points)) * 101
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    got = ranked(origin, ids, lat, lon, limit=limit, radius_km=radius_km)
    assert got == brute_force(origin, ids, lat, lon, limit=limit, radius_km=radius_km)


def test_identical_sites_tie_by_id():
    ids = np.array([30, 10, 20])
    got = ranked((10.0, 10.0), ids, np.array([11.0] * 3), np.array([11.0] * 3))
    assert [i for i, _ in got] == [10, 20, 30]


def test_a_site_at_the_origin_is_first_at_zero():
    lat, lon = np.array([38.0, 37.44]), np.array([-122.0, -122.16])
    got = ranked((37.44, -122.16), np.array([2, 1]), lat, lon)
    assert got[0] == (1, 0.0)


def test_nothing_to_rank():
    assert ranked((0.0, 0.0), np.array([], dtype=int), np.array([]), np.array([])) == []
    assert ranked((0.0, 0.0), np.array([1]), np.array([1.0]), np.array([1.0]), limit=0) == []


def test_refines_only_near_the_kth_distance(monkeypatch):
    """Filter-and-refine: far fewer exact geodesics than points for a top-10."""
    rng = np.random.default_rng(11)
    lat, lon = random_points(rng, 20000)
    refined = []
    real = ranking.geodesic_km_from

    def counting(origin, latitudes, longitudes):
        refined.extend(latitudes)
        return real(origin, latitudes, longitudes)

    monkeypatch.setattr(ranking, "geodesic_km_from", counting)
    ranked((48.85, 2.35), np.arange(20000), lat, lon, limit=10)
    assert 10 <= len(refined) < 40


def group_nearest(origin, groups, ids, lat, lon):
    """Brute force: each group's nearest point by (geodesic, id)."""
    best: dict[int, tuple[float, int, int]] = {}
    for p in range(len(ids)):
        km = ranking.geodesic_km(*origin, lat[p], lon[p])
        g = int(groups[p])
        if g not in best or (km, ids[p]) < best[g][:2]:
            best[g] = (km, int(ids[p]), p)
    return best


def group_brute_force(best, order, *, offset, limit, radius_km):
    rows = sorted(
        (km, int(order[g]), g, p)
        for g, (km, _, p) in best.items()
        if radius_km is None or km <= radius_km
    )
    page = rows[offset:] if limit is None else rows[offset : offset + limit]
    return [(g, p, km) for km, _, g, p in page], len(rows)


GROUP_PAGES = [(0, 5, None), (2, 3, None), (0, None, 2000.0), (1, 4, 8000.0)]


@pytest.mark.parametrize("seed", range(24))
def test_group_ranking_equals_brute_force(seed):
    rng, ids, lat, lon = site_layouts(seed)
    n = len(ids)
    groups = np.sort(rng.integers(0, max(1, n // 4), n))
    order = rng.permutation(int(groups.max()) + 1)
    xyz = ranking.unit_vectors(lat, lon)
    for origin in origins_for(rng, lat, lon):
        best = group_nearest(origin, groups, ids, lat, lon)
        for offset, limit, radius_km in GROUP_PAGES:
            page, total = ranking.rank_groups(
                origin=origin,
                positions=np.arange(n),
                groups=groups,
                ids=ids,
                latitudes=lat,
                longitudes=lon,
                xyz=xyz,
                group_order=order,
                offset=offset,
                limit=limit,
                radius_km=radius_km,
            )
            expected = group_brute_force(
                best,
                order,
                offset=offset,
                limit=limit,
                radius_km=radius_km,
            )
            assert ([(r.group, r.position, r.distance_km) for r in page], total) == expected


def test_km_to_miles():
    assert ranking.km_to_miles(1.609344) == 1.0
    assert math.isclose(ranking.km_to_miles(100), 62.137119, rel_tol=1e-8)
