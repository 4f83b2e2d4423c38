"""A site recruiting all along that gets its coordinates later is not a clinic that
"started recruiting": the snapshot keeps every recruiting site, located or not, and only
a site that was not recruiting before alerts (issue 22 audit, gap 3)."""

import pytest

from sites.models import SiteStatus
from watches.matching import trial_changes_detect, watch_alerts_run
from watches.models import ChangeKind, TrialChange, TrialSnapshot

from .conftest import PORTLAND, alerts_of, make_watch

pytestmark = pytest.mark.django_db

NEAR = {"latitude": 45.52, "longitude": -122.68, "city": "Portland", "state": "Oregon"}


@pytest.fixture
def trial(db):
    from tests.factories import SiteFactory, TrialFactory

    trial = TrialFactory(nct_id="NCT07000001")
    SiteFactory(trial=trial, city="Seattle", latitude=47.61, longitude=-122.33)
    return trial


def unlocated_site(trial, status=SiteStatus.RECRUITING):
    from tests.factories import SiteFactory

    return SiteFactory(
        trial=trial, city="Portland", state="Oregon", latitude=None, longitude=None, status=status
    )


def locate(site) -> None:
    for name, value in NEAR.items():
        setattr(site, name, value)
    site.save()


def test_a_recruiting_site_geocoded_later_does_not_alert(trial, settings_for_mail):
    site = unlocated_site(trial)
    watch_alerts_run()  # the baseline
    assert TrialSnapshot.objects.get(trial=trial).recruiting_sites == sorted(
        trial.sites.values_list("pk", flat=True)
    )
    watch = make_watch(where=PORTLAND, radius_km=50)
    locate(site)
    watch_alerts_run()
    assert not TrialChange.objects.exists()
    assert alerts_of(watch) == []


def test_a_site_that_starts_recruiting_and_is_located_alerts(trial, settings_for_mail):
    site = unlocated_site(trial, status=SiteStatus.NOT_YET_RECRUITING)
    watch_alerts_run()
    watch = make_watch(where=PORTLAND, radius_km=50)
    site.status = SiteStatus.RECRUITING
    locate(site)
    watch_alerts_run()
    assert alerts_of(watch) == [(trial.nct_id, ChangeKind.SITE_OPENED)]
    assert watch.alerts.get().site == site


def test_a_new_recruiting_site_without_coordinates_is_a_change_alerting_nobody(
    trial, settings_for_mail
):
    watch_alerts_run()
    watch = make_watch(where=PORTLAND, radius_km=50)
    site = unlocated_site(trial)
    watch_alerts_run()
    assert list(TrialChange.objects.values_list("kind", "site")) == [
        (ChangeKind.SITE_OPENED, site.pk)
    ]
    assert alerts_of(watch) == []
    locate(site)  # placed on the map later: it was recruiting already, no second change
    assert trial_changes_detect() == 0
    assert alerts_of(watch) == []


def test_the_migration_adds_the_unlocated_recruiting_sites_to_older_snapshots(
    trial, settings_for_mail
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("watches.migrations.0002_snapshot_every_recruiting_site")
    site = unlocated_site(trial)
    watch_alerts_run()
    located = list(trial.sites.exclude(pk=site.pk).values_list("pk", flat=True))
    TrialSnapshot.objects.filter(trial=trial).update(  # as the snapshot was taken before
        recruiting_sites=located, recruiting_count=len(located)
    )
    migration.every_recruiting_site(apps, None)
    snapshot = TrialSnapshot.objects.get(trial=trial)
    assert snapshot.recruiting_sites == sorted([*located, site.pk])
    assert snapshot.recruiting_count == 2
    watch = make_watch(where=PORTLAND, radius_km=50)
    locate(site)
    watch_alerts_run()
    assert alerts_of(watch) == []
