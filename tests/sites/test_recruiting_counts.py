"""Site status decides: only recruiting sites make a trial's nearest site, its "+N other
locations" and its distance in a search, on the real registry records and on a generated
1,000-site trial, each compared with a brute-force ranking over the database.

``registry_page_imported`` and ``generated_trial`` are shared with the trial page tests
(tests/web/test_trial_sites_list.py, tests/browser/test_trial_sites.py).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from finder.importing import import_paths
from finder.models import OverallStatus, Trial
from sites.geocoding import coordinates_place
from sites.index import site_index_invalidate
from sites.models import Site, SiteStatus
from sites.ranking import geodesic_km
from sites.selectors import trial_site_list, trials_nearest_for_condition

pytestmark = pytest.mark.django_db

REGISTRY_PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)
PAEDIATRIC_RRMS = "NCT06408259"  # 33 sites: 21 recruiting, 7 not yet, 5 withdrawn
BEAT_MS = "NCT04047628"  # 22 sites: 19 recruiting, 2 active not recruiting, 1 not yet
#: Where NCT06408259's "Local Institution - 0091" is: WITHDRAWN, and the nearest site.
CINCINNATI = coordinates_place(39.12711, -84.51439)
#: Where its "Local Institution - 0092" is: NOT_YET_RECRUITING.
PORTLAND = coordinates_place(45.52345, -122.67621)


def registry_page_imported() -> dict[str, Trial]:
    """The five real studies of the registry page, imported as the importer does."""
    report = import_paths(paths=[REGISTRY_PAGE])
    # The demo catalog may hold some of them already: then they are unchanged.
    assert report.created + report.updated + report.unchanged == 5, report.summary
    assert report.skipped == [], report.summary
    site_index_invalidate()
    return {trial.nct_id: trial for trial in Trial.objects.all()}


def generated_status(n: int) -> str:
    """The status of a generated trial's n-th site (by id): a third suspended, some
    withdrawn or not yet recruiting, like NCT04267848's 1,148 sites."""
    if n % 3 == 1:
        return SiteStatus.SUSPENDED
    if n % 20 == 0:
        return SiteStatus.WITHDRAWN
    if n % 50 == 2:
        return SiteStatus.NOT_YET_RECRUITING
    return SiteStatus.RECRUITING


def generated_trial(*, sites: int = 1000, seed: int = 20) -> Trial:
    """One generated trial (``generate_registry``) with ``sites`` sites in real cities,
    statuses mixed by :func:`generated_status`, registry contacts on most recruiting
    sites, a few sites unlocated; an imported trial, not an illustrative one."""
    call_command("generate_registry", trials=1, sites=sites, seed=seed, stdout=io.StringIO())
    trial = Trial.objects.get(nct_id__startswith="NCT8")
    Trial.objects.filter(pk=trial.pk).update(
        sites_are_illustrative=False, last_update_posted=date(2026, 11, 2)
    )
    rows = list(trial.sites.order_by("id"))
    for n, site in enumerate(rows):
        site.status = generated_status(n)
        if n % 97 == 3:
            site.latitude = site.longitude = None
        if site.status == SiteStatus.RECRUITING and n % 4:
            site.contact_name = f"Study coordinator {n}"
            site.contact_email = f"site{n}@example.org"
            site.contact_phone = "+1 202 555 0123" if n % 2 else ""  # a fictional number
    Site.objects.bulk_update(
        rows, ["status", "latitude", "longitude", "contact_name", "contact_email", "contact_phone"]
    )
    site_index_invalidate()  # a bulk update: the index cannot see it otherwise
    trial.refresh_from_db()
    return trial


def brute_force_nearest(trial: Trial, origin, statuses=(SiteStatus.RECRUITING,)):
    """(distance, id) of the trial's located sites of ``statuses``, nearest first."""
    rows = trial.sites.filter(status__in=statuses, latitude__isnull=False).values_list(
        "id", "latitude", "longitude"
    )
    return sorted(
        (geodesic_km(origin.latitude, origin.longitude, lat, lon), pk) for pk, lat, lon in rows
    )


def trial_row(nct_id: str, origin, **kwargs):
    rows, _total = trials_nearest_for_condition(
        condition="multiple sclerosis", origin=origin, limit=None, **kwargs
    )
    return next((row for row in rows if row.trial.nct_id == nct_id), None)


# --- the real records ----------------------------------------------------------------------


def test_a_withdrawn_site_is_never_the_nearest():
    trials = registry_page_imported()
    trial = trials[PAEDIATRIC_RRMS]
    any_status = brute_force_nearest(trial, CINCINNATI, statuses=SiteStatus.values)
    withdrawn = Site.objects.get(pk=any_status[0][1])
    assert (withdrawn.facility, withdrawn.status) == ("Local Institution - 0091", "WITHDRAWN")

    row = trial_row(PAEDIATRIC_RRMS, CINCINNATI)
    km, pk = brute_force_nearest(trial, CINCINNATI)[0]
    assert (row.nearest_site.id, row.nearest_site.distance_km) == (pk, km)
    assert row.nearest_site.status == SiteStatus.RECRUITING
    assert row.nearest_site.city == "Louisville"


def test_other_locations_count_the_other_recruiting_sites_only():
    registry_page_imported()
    assert trial_row(PAEDIATRIC_RRMS, CINCINNATI).other_locations == 20  # of 33 listed
    assert trial_row(BEAT_MS, CINCINNATI).other_locations == 18  # of 22 listed


def test_without_an_origin_other_locations_are_every_recruiting_site():
    registry_page_imported()
    assert trial_row(PAEDIATRIC_RRMS, None).other_locations == 21
    assert trial_row(BEAT_MS, None).other_locations == 19


def test_a_radius_counts_only_recruiting_sites():
    registry_page_imported()
    # Within 100 km of Cincinnati the trial has only its withdrawn site.
    assert trial_row(PAEDIATRIC_RRMS, CINCINNATI, radius_km=100) is None
    assert trial_row(PAEDIATRIC_RRMS, CINCINNATI, radius_km=200).nearest_site.city == "Louisville"


def test_other_statuses_asked_for_do_not_make_a_nearest_site():
    trials = registry_page_imported()
    statuses = (OverallStatus.RECRUITING, OverallStatus.NOT_YET_RECRUITING)
    row = trial_row(PAEDIATRIC_RRMS, PORTLAND, statuses=statuses)
    assert row.nearest_site.facility != "Local Institution - 0092"  # not yet recruiting
    assert row.nearest_site.id == brute_force_nearest(trials[PAEDIATRIC_RRMS], PORTLAND)[0][1]
    assert row.other_locations == 20


def test_the_trial_page_list_puts_recruiting_sites_apart():
    trial = registry_page_imported()[PAEDIATRIC_RRMS]
    site_list = trial_site_list(trial=trial, origin=CINCINNATI)
    assert (site_list.recruiting_total, site_list.not_recruiting_total) == (21, 12)
    assert site_list.nearest.city == "Louisville" and site_list.other_locations == 20
    assert [s.id for s in site_list.recruiting] == [
        pk for _km, pk in brute_force_nearest(trial, CINCINNATI)
    ]
    first_closed = site_list.not_recruiting[0]
    assert (first_closed.facility, first_closed.status_label) == (
        "Local Institution - 0091",
        "Withdrawn",
    )
    assert {s.status for s in site_list.recruiting} == {SiteStatus.RECRUITING}


def test_the_trial_page_list_filters_by_country_and_state():
    trial = registry_page_imported()[PAEDIATRIC_RRMS]
    site_list = trial_site_list(trial=trial, origin=CINCINNATI)
    areas = {area.country: area for area in site_list.areas}
    assert areas["Spain"].count == 4  # and one not yet recruiting, not counted
    assert "Mexico" not in areas  # its only site is withdrawn
    assert dict(areas["Italy"].states) == {"Campania": 1, "Lombardy": 1, "Roma": 1}

    italy = site_list.filtered(country="Italy")
    assert {s.city for s in italy.recruiting} == {"Naples", "Milan", "Rome"}
    assert [s.facility for s in italy.not_recruiting] == ["Local Institution - 0081"]
    lombardy = site_list.filtered(country="Italy", state="Lombardy")
    assert [s.facility for s in lombardy.recruiting] == ["Ospedale San Raffaele"]
    assert site_list.filtered(country="Italy", state="Ohio").recruiting == []
    assert italy.recruiting_total == 21 and italy.nearest == site_list.nearest


# --- a generated 1,000-site trial ---------------------------------------------------------


@pytest.fixture
def big_trial():
    return generated_trial()


def expected_counts(trial: Trial) -> tuple[int, int]:
    statuses = [generated_status(n) for n in range(trial.sites.count())]
    recruiting = statuses.count(SiteStatus.RECRUITING)
    return recruiting, len(statuses) - recruiting


def test_a_generated_trial_has_the_statuses_it_was_given(big_trial):
    recruiting, others = expected_counts(big_trial)
    assert big_trial.sites.count() == 1000
    assert big_trial.sites.filter(status=SiteStatus.RECRUITING).count() == recruiting
    assert others > 300 and recruiting > 550


@pytest.mark.parametrize("seed", range(4))
def test_a_generated_trials_nearest_site_is_the_nearest_recruiting_one(big_trial, seed):
    # Origins on non-recruiting sites: the nearest site of any status is 0 km away.
    closed = list(
        big_trial.sites.exclude(status=SiteStatus.RECRUITING)
        .filter(latitude__isnull=False)
        .order_by("id")
        .values_list("latitude", "longitude")
    )
    origin = coordinates_place(*closed[seed * 97 % len(closed)])
    assert brute_force_nearest(big_trial, origin, statuses=SiteStatus.values)[0][0] == 0

    row = trial_row(big_trial.nct_id, origin)
    km, pk = brute_force_nearest(big_trial, origin)[0]
    assert (row.nearest_site.id, row.nearest_site.distance_km) == (pk, km)
    assert row.nearest_site.status == SiteStatus.RECRUITING
    assert row.other_locations == expected_counts(big_trial)[0] - 1


def test_a_generated_trials_page_list_equals_brute_force(big_trial):
    origin = coordinates_place(45.52, -122.68)
    site_list = trial_site_list(trial=big_trial, origin=origin)
    recruiting, others = expected_counts(big_trial)
    assert (site_list.recruiting_total, site_list.not_recruiting_total) == (recruiting, others)
    located = [pk for _km, pk in brute_force_nearest(big_trial, origin)]
    assert [s.id for s in site_list.recruiting[: len(located)]] == located
    unlocated = site_list.recruiting[len(located) :]
    assert unlocated and {s.distance_km for s in unlocated} == {None}
    assert sum(area.count for area in site_list.areas) == recruiting
    assert site_list.nearest.id == located[0]


def test_a_generated_trials_page_list_filters_equal_the_database(big_trial):
    origin = coordinates_place(40.71, -74.0)
    site_list = trial_site_list(trial=big_trial, origin=origin)
    area = max(site_list.areas, key=lambda a: len(a.states))
    state, count = max(area.states, key=lambda s: s[1])
    chosen = site_list.filtered(country=area.country, state=state)
    expected = big_trial.sites.filter(
        status=SiteStatus.RECRUITING, country=area.country, state=state
    )
    assert {s.id for s in chosen.recruiting} == set(expected.values_list("id", flat=True))
    assert len(chosen.recruiting) == count

    within = site_list.filtered(radius_km=500)
    expected_within = [pk for km, pk in brute_force_nearest(big_trial, origin) if km <= 500]
    assert [s.id for s in within.recruiting] == expected_within
    assert all(s.distance_km <= 500 for s in within.not_recruiting)
