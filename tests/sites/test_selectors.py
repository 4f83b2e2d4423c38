"""sites.selectors: a trial's sites by distance, and nearest trials/sites for a condition,
each compared with a brute-force geodesic ranking over the database."""

from __future__ import annotations

import numpy as np
import pytest

from finder.models import OverallStatus, Trial
from sites import index
from sites.geocoding import coordinates_place
from sites.models import GeocodeStatus, Site, SiteStatus
from sites.ranking import geodesic_km
from sites.selectors import (
    sites_nearest_for_condition,
    trial_sites_page,
    trial_sites_ranked,
    trials_nearest_for_condition,
)
from tests.factories import SiteFactory, TrialFactory

pytestmark = pytest.mark.django_db

CONDITIONS = [
    ["Multiple Sclerosis"],
    ["Relapsing Multiple Sclerosis", "Fatigue"],
    ["Neuromyelitis Optica"],
]


def registry(seed: int, *, trials: int = 14, sites: int = 260) -> list[Trial]:
    """Trials with sites in clusters, at the poles, across the antimeridian, stacked."""
    rng = np.random.default_rng(seed)
    created = [
        TrialFactory(
            nct_id=f"NCT7{seed:03d}{i:04d}",
            conditions=CONDITIONS[i % 3],
            overall_status=OverallStatus.RECRUITING if i % 5 else OverallStatus.COMPLETED,
        )
        for i in range(trials)
    ]
    centres = [(37.44, -122.16), (51.5, -0.13), (89.5, 10.0), (-10.0, 179.9), (-10.0, -179.9)]
    rows = []
    for n in range(sites):
        lat, lon = centres[n % len(centres)]
        lat = float(np.clip(lat + rng.normal(0, 0.4), -90, 90))
        lon = float((lon + rng.normal(0, 0.4) + 180) % 360 - 180)
        if n % 7 == 0:
            lat, lon = 37.44, -122.16  # identical coordinates: ties by id
        rows.append(
            Site(
                trial=created[int(rng.integers(0, trials))],
                registry_key=f"k{n}",
                facility=f"Clinic {n}",
                city="Somewhere",
                country="United States",
                country_code="US",
                latitude=None if n % 23 == 0 else lat,
                longitude=None if n % 23 == 0 else lon,
                status=SiteStatus.RECRUITING if n % 9 else SiteStatus.COMPLETED,
                geocode_status=GeocodeStatus.REGISTRY,
            )
        )
    Site.objects.bulk_create(rows)
    index.site_index_invalidate()
    return created


def brute_force_sites(condition, origin, statuses=("RECRUITING",)):
    """(distance, site id, trial) for every qualifying located site, nearest first."""
    sites = Site.objects.filter(
        trial__condition_search__contains=condition.lower(),
        trial__overall_status__in=statuses,
        status__in=statuses,
        latitude__isnull=False,
        longitude__isnull=False,
    ).values_list("id", "latitude", "longitude", "trial__nct_id")
    return sorted(
        (geodesic_km(origin.latitude, origin.longitude, lat, lon), pk, nct)
        for pk, lat, lon, nct in sites
    )


ORIGINS = [
    coordinates_place(37.44, -122.16),  # on a stack of identical sites
    coordinates_place(-37.44, 57.84),  # its antipode
    coordinates_place(90.0, 0.0),
    coordinates_place(-10.0, 180.0),
    coordinates_place(0.0, 0.0),
]


@pytest.mark.parametrize("origin", ORIGINS, ids=lambda o: o.label)
@pytest.mark.parametrize("condition", ["multiple sclerosis", "Optica", "fatigue"])
def test_nearest_sites_for_a_condition_equal_brute_force(origin, condition):
    registry(1)
    expected = brute_force_sites(condition, origin)
    for limit, radius_km in [(10, None), (3, None), (50, 200.0), (500, None)]:
        got = sites_nearest_for_condition(
            condition=condition, origin=origin, limit=limit, radius_km=radius_km
        )
        rows = [r for r in expected if radius_km is None or r[0] <= radius_km][:limit]
        assert [(s.distance_km, s.id) for s in got] == [(km, pk) for km, pk, _ in rows]


def brute_force_trials(condition, origin, *, radius_km=None, statuses=("RECRUITING",)):
    nearest: dict[str, tuple[float, int]] = {}
    for km, pk, nct in brute_force_sites(condition, origin, statuses):
        nearest.setdefault(nct, (km, pk))  # rows are sorted: the first is the nearest
    located = sorted((km, nct, pk) for nct, (km, pk) in nearest.items())
    if radius_km is not None:
        return [(nct, pk, km) for km, nct, pk in located if km <= radius_km]
    unlocated = (
        Trial.objects.filter(
            condition_search__contains=condition.lower(), overall_status__in=statuses
        )
        .exclude(nct_id__in=nearest)
        .order_by("nct_id")
        .values_list("nct_id", flat=True)
    )
    return [(nct, pk, km) for km, nct, pk in located] + [(nct, None, None) for nct in unlocated]


def flatten(rows):
    return [
        (
            r.trial.nct_id,
            r.nearest_site.id if r.nearest_site else None,
            r.nearest_site.distance_km if r.nearest_site else None,
        )
        for r in rows
    ]


@pytest.mark.parametrize("origin", ORIGINS, ids=lambda o: o.label)
def test_nearest_trials_for_a_condition_equal_brute_force(origin):
    registry(2, trials=30, sites=150)
    for radius_km in (None, 100.0, 5000.0):
        expected = brute_force_trials("sclerosis", origin, radius_km=radius_km)
        for offset, limit in [(0, 20), (0, 5), (5, 5), (18, 20), (0, None)]:
            rows, total = trials_nearest_for_condition(
                condition="Sclerosis",
                origin=origin,
                radius_km=radius_km,
                limit=limit,
                offset=offset,
            )
            end = None if limit is None else offset + limit
            assert (flatten(rows), total) == (expected[offset:end], len(expected))


def test_unlocated_trials_come_last_and_not_within_a_radius():
    located = TrialFactory(nct_id="NCT00000002")
    SiteFactory(trial=located)
    unlocated = TrialFactory(nct_id="NCT00000001")
    SiteFactory(trial=unlocated, latitude=None, longitude=None)
    origin = coordinates_place(37.0, -122.0)

    rows, total = trials_nearest_for_condition(condition="sclerosis", origin=origin)
    assert [r.trial.nct_id for r in rows] == ["NCT00000002", "NCT00000001"]
    assert rows[1].nearest_site is None and total == 2

    rows, total = trials_nearest_for_condition(condition="sclerosis", origin=origin, radius_km=500)
    assert [r.trial.nct_id for r in rows] == ["NCT00000002"] and total == 1


def test_counts_the_other_locations_of_each_trial():
    trial = TrialFactory()
    SiteFactory(trial=trial)
    SiteFactory.create_batch(3, trial=trial, latitude=40.0, longitude=-74.0)
    SiteFactory(trial=trial, status=SiteStatus.COMPLETED)
    rows, _ = trials_nearest_for_condition(
        condition="sclerosis", origin=coordinates_place(37.44, -122.16)
    )
    assert rows[0].nearest_site.city == "Palo Alto"
    assert rows[0].other_locations == 3  # the completed site is not one (issue 20, item 1)


def test_ties_between_trials_go_by_nct_id():
    for nct in ("NCT00000003", "NCT00000001", "NCT00000002"):
        SiteFactory(trial=TrialFactory(nct_id=nct))
    rows, _ = trials_nearest_for_condition(
        condition="sclerosis", origin=coordinates_place(37.0, -122.0)
    )
    assert [r.trial.nct_id for r in rows] == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_without_an_origin_trials_come_by_nct_id():
    for nct in ("NCT00000002", "NCT00000001"):
        SiteFactory(trial=TrialFactory(nct_id=nct))
    rows, total = trials_nearest_for_condition(condition="sclerosis", origin=None)
    assert [r.trial.nct_id for r in rows] == ["NCT00000001", "NCT00000002"]
    assert total == 2 and rows[0].nearest_site is None


def test_the_index_sees_new_moved_and_deleted_sites():
    origin = coordinates_place(0.0, 0.0)
    trial = TrialFactory()
    far = SiteFactory(trial=trial, latitude=50.0, longitude=50.0)
    assert [s.id for s in sites_nearest_for_condition(condition="migraine", origin=origin)] == []
    assert sites_nearest_for_condition(condition="sclerosis", origin=origin)[0].id == far.id

    near = SiteFactory(trial=trial, latitude=1.0, longitude=1.0)
    assert sites_nearest_for_condition(condition="sclerosis", origin=origin)[0].id == near.id

    near.latitude, near.longitude = -80.0, 170.0
    near.save()
    assert sites_nearest_for_condition(condition="sclerosis", origin=origin)[0].id == far.id

    far.delete()
    assert [s.id for s in sites_nearest_for_condition(condition="sclerosis", origin=origin)] == [
        near.id
    ]


def test_the_index_sees_bulk_writes_through_its_fingerprint(settings):
    settings.SITES_INDEX_RECHECK_SECONDS = 0
    origin = coordinates_place(0.0, 0.0)
    trial = TrialFactory()
    SiteFactory(trial=trial, latitude=50.0, longitude=50.0)
    sites_nearest_for_condition(condition="sclerosis", origin=origin)
    (bulk,) = Site.objects.bulk_create(
        [Site(trial=trial, registry_key="bulk", latitude=1.0, longitude=1.0, status="RECRUITING")]
    )
    bulk_id = Site.objects.get(registry_key="bulk").id
    assert sites_nearest_for_condition(condition="sclerosis", origin=origin)[0].id == bulk_id


def test_a_trials_sites_nearest_first_then_unlocated_by_country_and_city():
    trial = TrialFactory()
    far = SiteFactory(trial=trial, latitude=40.71, longitude=-74.0, city="New York")
    near = SiteFactory(trial=trial)
    nowhere_b = SiteFactory(trial=trial, latitude=None, longitude=None, country="Spain")
    nowhere_a = SiteFactory(trial=trial, latitude=None, longitude=None, country="France")
    SiteFactory(latitude=37.44, longitude=-122.16)  # another trial's site

    ranked = trial_sites_ranked(trial=trial, origin=coordinates_place(37.44, -122.16))
    assert [s.id for s in ranked] == [near.id, far.id, nowhere_a.id, nowhere_b.id]
    assert ranked[0].distance_km == geodesic_km(37.44, -122.16, 37.4443, -122.1598)
    assert ranked[0].distance_mi == ranked[0].distance_km / 1.609344
    assert ranked[2].distance_km is None

    within = trial_sites_ranked(trial=trial, origin=coordinates_place(37.44, -122.16), radius_km=50)
    assert [s.id for s in within] == [near.id]
    unranked = trial_sites_ranked(trial=trial, origin=None)
    assert [s.id for s in unranked] == [nowhere_a.id, nowhere_b.id, far.id, near.id]
    assert {s.distance_km for s in unranked} == {None}


def test_a_trials_sites_filtered_by_status_and_limited():
    trial = TrialFactory()
    SiteFactory(trial=trial, status=SiteStatus.COMPLETED)
    recruiting = SiteFactory.create_batch(3, trial=trial)
    ranked = trial_sites_ranked(
        trial=trial, origin=coordinates_place(0.0, 0.0), statuses=["RECRUITING"], limit=2
    )
    assert [s.id for s in ranked] == [recruiting[0].id, recruiting[1].id]


@pytest.mark.parametrize("seed", range(3))
def test_a_trials_sites_equal_brute_force(seed):
    trial = registry(seed + 10, trials=1, sites=120)[0]
    for origin in ORIGINS:
        expected = sorted(
            (geodesic_km(origin.latitude, origin.longitude, lat, lon), pk)
            for pk, lat, lon in trial.sites.filter(latitude__isnull=False).values_list(
                "id", "latitude", "longitude"
            )
        )
        got = trial_sites_ranked(trial=trial, origin=origin, radius_km=20004)
        assert [(s.distance_km, s.id) for s in got] == expected
        top = trial_sites_ranked(trial=trial, origin=origin, limit=7)
        assert [(s.distance_km, s.id) for s in top] == expected[:7]


@pytest.mark.parametrize(
    "statuses",
    [
        (),
        (SiteStatus.RECRUITING,),
        (SiteStatus.COMPLETED,),
        (SiteStatus.RECRUITING, SiteStatus.COMPLETED),
    ],
)
def test_a_trial_the_index_does_not_hold_yet_is_ranked_from_the_database(statuses):
    """Bulk writes without an invalidation: the index misses the trial for up to the
    recheck interval, and the ranking reads the database instead of answering empty."""
    origin = coordinates_place(51.5, -0.13)
    trials = registry(3, trials=2, sites=80)
    indexed = trial_sites_ranked(trial=trials[0], origin=origin, statuses=statuses, limit=30)
    assert index.site_index().trial_positions(trials[0].pk) is not None

    (late,) = Trial.objects.bulk_create([Trial(nct_id="NCT79999999", brief_title="Late")])
    Site.objects.bulk_create(
        [
            Site(
                trial=late,
                registry_key=f"late{s.id}",
                facility=s.facility,
                city=s.city,
                country=s.country,
                latitude=s.latitude,
                longitude=s.longitude,
                status=s.status,
            )
            for s in trials[0].sites.order_by("id")
        ]
    )
    assert index.site_index().trial_positions(late.pk) is None
    from_rows = trial_sites_ranked(trial=late, origin=origin, statuses=statuses, limit=30)
    assert [(s.distance_km, s.status) for s in from_rows] == [
        (s.distance_km, s.status) for s in indexed
    ]
    assert {s.trial_id for s in from_rows} == {late.pk}


def test_a_trials_unlocated_sites_fill_the_limit_after_the_located_ones():
    trial = TrialFactory()
    located = SiteFactory(trial=trial)
    unlocated = [SiteFactory(trial=trial, latitude=None, longitude=None, city=c) for c in "BA"]
    ranked = trial_sites_ranked(trial=trial, origin=coordinates_place(0.0, 0.0), limit=2)
    assert [s.id for s in ranked] == [located.id, unlocated[1].id]
    assert trial_sites_ranked(trial=trial, origin=coordinates_place(0.0, 0.0), limit=0) == []


WINDOWS = [(0, None), (0, 1), (0, 10), (3, 7), (20, 15), (33, 10), (36, None), (80, 5), (500, 10)]


@pytest.mark.parametrize("indexed", [True, False], ids=["index", "database"])
def test_a_page_of_a_trials_sites_is_the_window_of_the_whole_ranking(indexed, monkeypatch):
    """The sites API's page: every window (across the located/unlocated boundary, past the
    end) equals the same slice of the whole ranking, and the count is its length, with and
    without an origin, a radius or a status, from the index and from the database."""
    trial = registry(21, trials=1, sites=44)[0]
    assert trial.sites.filter(latitude__isnull=True).exists()
    if not indexed:
        monkeypatch.setattr(index.SiteIndex, "trial_positions", lambda *a, **k: None)
    queries = [
        {"origin": None},
        {"origin": ORIGINS[0]},
        {"origin": ORIGINS[1], "statuses": (SiteStatus.COMPLETED,)},
        {"origin": ORIGINS[0], "radius_km": 60.0},
        {"origin": ORIGINS[0], "radius_km": 60.0, "statuses": (SiteStatus.RECRUITING,)},
    ]
    for query in queries:
        whole = trial_sites_ranked(trial=trial, **query)
        assert whole, query
        for offset, limit in WINDOWS:
            page = trial_sites_page(trial=trial, offset=offset, limit=limit, **query)
            end = None if limit is None else offset + limit
            assert page.count == len(whole), (query, offset, limit)
            assert page.sites == whole[offset:end], (query, offset, limit)


def test_the_index_counts_each_trials_sites_by_status_located_or_not():
    """The "+N other locations" of a trial card comes from these counts, not a query."""
    trials = registry(4, trials=9, sites=200)
    built = index.site_index()
    assert Site.objects.filter(latitude__isnull=True).exists()
    for trial in trials:
        for statuses in ((SiteStatus.RECRUITING,), (SiteStatus.COMPLETED,), SiteStatus.values):
            expected = Site.objects.filter(trial=trial, status__in=statuses).count()
            assert built.trial_site_count(trial.pk, statuses=statuses) == expected
    assert built.trial_site_count(10**9, statuses=(SiteStatus.RECRUITING,)) is None
