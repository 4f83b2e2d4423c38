"""The KD-tree search of the site index (issue 23) gives exactly the brute-force ranking.

The property tests drive ``ranking.rank_tree_points`` and ``ranking.rank_tree_groups``
directly on random points, poles, the antimeridian and stacked duplicates included; the
database tests force every selection onto a tree and compare the selectors with a
geodesic to every site.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sites import index, ranking
from sites.selectors import sites_nearest_for_condition, trials_nearest_for_condition
from tests.sites.test_selectors import (
    ORIGINS,
    brute_force_sites,
    brute_force_trials,
    flatten,
    registry,
)

EDGE_LATITUDES = [90.0, -90.0, 89.99999, -89.99999, 0.0, 45.0]
EDGE_LONGITUDES = [180.0, -180.0, 179.99999, -179.99999, 0.0]

latitudes = st.one_of(st.sampled_from(EDGE_LATITUDES), st.floats(-90, 90))
longitudes = st.one_of(st.sampled_from(EDGE_LONGITUDES), st.floats(-180, 180))
places = st.tuples(latitudes, longitudes)


@st.composite
def point_sets(draw):
    """Points with a few stacked on one another (ties by id) and a subset to search."""
    pool = draw(st.lists(places, min_size=1, max_size=80))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=400))
    lats = np.array([pool[i][0] for i in picks])
    lons = np.array([pool[i][1] for i in picks])
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ids = rng.permutation(len(picks) * 3)[: len(picks)].astype(np.int64)
    positions = np.flatnonzero(rng.random(len(picks)) < 0.8)
    if len(positions) == 0:
        positions = np.arange(len(picks))
    return ids, lats, lons, positions, rng


def tree_over(lats, lons, positions):
    xyz = ranking.unit_vectors(lats[positions], lons[positions])
    return cKDTree(np.ascontiguousarray(xyz.T), leafsize=4, balanced_tree=False)


@settings(max_examples=300, deadline=None)
@given(point_sets(), places, st.integers(1, 30), st.sampled_from([None, 0.0, 50.0, 3000.0]))
def test_tree_top_k_equals_brute_force(points, origin, limit, radius_km):
    ids, lats, lons, positions, _ = points
    km = ranking.geodesic_km_from(origin, lats[positions], lons[positions])
    order = np.lexsort((ids[positions], km))
    expected = [
        (int(positions[j]), float(km[j])) for j in order if radius_km is None or km[j] <= radius_km
    ][:limit]

    got = ranking.rank_tree_points(
        origin=origin,
        tree=tree_over(lats, lons, positions),
        positions=positions,
        ids=ids,
        latitudes=lats,
        longitudes=lons,
        limit=limit,
        radius_km=radius_km,
    )
    assert [(r.position, r.distance_km) for r in got] == expected


def brute_force_groups(origin, ids, lats, lons, positions, groups, group_order):
    """(distance, group order, group, position) of each group's nearest point, in order."""
    km = ranking.geodesic_km_from(origin, lats[positions], lons[positions])
    nearest: dict[int, tuple[float, int, int]] = {}
    for j in np.lexsort((ids[positions], km)):
        nearest.setdefault(int(groups[positions[j]]), (float(km[j]), int(positions[j])))
    return sorted((d, int(group_order[g]), g, p) for g, (d, p) in nearest.items())


@settings(max_examples=300, deadline=None)
@given(point_sets(), places, st.integers(0, 12), st.integers(1, 12), st.integers(1, 60))
def test_tree_trial_page_equals_brute_force(points, origin, offset, limit, n_groups):
    ids, lats, lons, positions, rng = points
    groups = rng.integers(0, n_groups, size=len(ids))
    group_order = rng.permutation(n_groups)
    expected = brute_force_groups(origin, ids, lats, lons, positions, groups, group_order)
    for max_points in (len(positions), 4):
        got = ranking.rank_tree_groups(
            origin=origin,
            tree=tree_over(lats, lons, positions),
            positions=positions,
            groups=groups,
            ids=ids,
            latitudes=lats,
            longitudes=lons,
            group_order=group_order,
            offset=offset,
            limit=limit,
            max_points=max_points,
        )
        if got is None:  # allowed only when it would read more than max_points
            assert max_points < len(positions)
            continue
        page = [(r.distance_km, r.group, r.position) for r in got]
        assert page == [(d, g, p) for d, _, g, p in expected[offset : offset + limit]]


def test_tree_grows_past_a_stack_of_identical_sites():
    """Forty sites on one spot, ids shuffled: the tree's first k are an arbitrary few."""
    lats = np.r_[np.full(40, 48.8566), 48.9]
    lons = np.r_[np.full(40, 2.3522), 2.4]
    ids = np.random.default_rng(3).permutation(41).astype(np.int64)
    positions = np.arange(41)
    got = ranking.rank_tree_points(
        origin=(48.85, 2.35),
        tree=tree_over(lats, lons, positions),
        positions=positions,
        ids=ids,
        latitudes=lats,
        longitudes=lons,
        limit=5,
    )
    assert [int(ids[r.position]) for r in got] == sorted(ids[:40].tolist())[:5]


def test_tree_reads_past_the_chord_order_when_the_geodesic_order_differs():
    """From (45, 0), a site 0.092 degrees north has the longer chord but the shorter
    geodesic than one 0.13 degrees east (10.22 km against 10.25 km): with forty sites
    stacked on the east one, the tree's first answers are all east, and only the lower
    bound of the last chord read tells it to read on."""
    lats = np.r_[np.full(40, 45.0), 45.092]
    lons = np.r_[np.full(40, 0.13), 0.0]
    ids = np.arange(41, dtype=np.int64)
    positions = np.arange(41)
    groups = np.r_[np.zeros(40, dtype=np.int64), 1]
    common = {
        "origin": (45.0, 0.0),
        "tree": tree_over(lats, lons, positions),
        "positions": positions,
        "ids": ids,
        "latitudes": lats,
        "longitudes": lons,
    }
    nearest = ranking.rank_tree_points(**common, limit=1)
    assert [r.position for r in nearest] == [40]
    page = ranking.rank_tree_groups(
        **common, groups=groups, group_order=np.arange(2), offset=0, limit=1, max_points=41
    )
    assert [(r.group, r.position) for r in page] == [(1, 40)]


# --- the selectors with every selection on a tree ---------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def every_selection_on_a_tree(monkeypatch):
    monkeypatch.setattr(index, "TREE_MIN_SITES", 1)
    monkeypatch.setattr(index, "TREE_BALL_MAX_KM", math.inf)


def selection_tree(condition):
    current = index.site_index()
    return current.select(condition=condition, statuses=("RECRUITING",)).tree


@pytestmark_db
@pytest.mark.parametrize("origin", ORIGINS, ids=lambda o: o.label)
def test_nearest_sites_from_the_tree_equal_brute_force(origin, every_selection_on_a_tree):
    registry(1)
    for condition in ("multiple sclerosis", "Optica"):
        expected = brute_force_sites(condition, origin)
        for limit, radius_km in [(10, None), (1, None), (50, 200.0), (500, None)]:
            got = sites_nearest_for_condition(
                condition=condition, origin=origin, limit=limit, radius_km=radius_km
            )
            rows = [r for r in expected if radius_km is None or r[0] <= radius_km][:limit]
            assert [(s.distance_km, s.id) for s in got] == [(km, pk) for km, pk, _ in rows]
        assert selection_tree(condition) is not None  # the tree answered, not the scan


@pytestmark_db
@pytest.mark.parametrize("origin", ORIGINS, ids=lambda o: o.label)
def test_nearest_trials_from_the_tree_equal_brute_force(origin, every_selection_on_a_tree):
    registry(2, trials=30, sites=150)
    for radius_km in (None, 100.0, 5000.0, 30000.0):
        expected = brute_force_trials("sclerosis", origin, radius_km=radius_km)
        for offset, limit in [(0, 20), (0, 1), (5, 5), (18, 20), (0, None)]:
            rows, total = trials_nearest_for_condition(
                condition="Sclerosis",
                origin=origin,
                radius_km=radius_km,
                limit=limit,
                offset=offset,
            )
            end = None if limit is None else offset + limit
            assert (flatten(rows), total) == (expected[offset:end], len(expected))
    assert selection_tree("sclerosis") is not None


@pytestmark_db
def test_the_trials_page_falls_back_to_the_full_pass_past_its_reading_limit(
    every_selection_on_a_tree, monkeypatch
):
    monkeypatch.setattr(index, "TREE_GROUP_MAX_POINTS", 2)
    registry(2, trials=30, sites=150)
    origin = ORIGINS[0]
    expected = brute_force_trials("sclerosis", origin)
    rows, total = trials_nearest_for_condition(condition="Sclerosis", origin=origin, limit=20)
    assert (flatten(rows), total) == (expected[:20], len(expected))


@pytestmark_db
def test_synonyms_share_one_selection_and_its_tree(every_selection_on_a_tree):
    registry(1)
    current = index.site_index()
    rrms = current.select(condition="RRMS", statuses=("RECRUITING",))
    assert current.select(condition="relapsing MS", statuses=("RECRUITING",)) is rrms
    assert current.tree(rrms) is current.tree(rrms)


@pytestmark_db
def test_trees_beyond_the_budget_drop_the_oldest(every_selection_on_a_tree, monkeypatch):
    monkeypatch.setattr(index, "TREE_POINT_BUDGET", 0.5)
    registry(1)
    current = index.site_index()
    first = current.select(condition="multiple sclerosis", statuses=("RECRUITING",))
    second = current.select(condition="Optica", statuses=("RECRUITING",))
    current.tree(first)
    current.tree(second)
    assert len(first.positions) + len(second.positions) > 0.5 * len(current.site_ids)
    assert first.tree is None and second.tree is not None


@pytestmark_db
def test_warming_builds_the_trees_of_the_usual_conditions(every_selection_on_a_tree):
    registry(1)
    warmed = index.site_index_warm(["multiple sclerosis"])
    assert warmed is index.site_index()
    assert selection_tree("multiple sclerosis") is not None
