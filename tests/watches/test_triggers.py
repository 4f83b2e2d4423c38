"""Each trigger of an alert, from two snapshots of the same registry search a month apart.

The first snapshot is the real Portland page; the second is derived from it by
tests/data/registry/make_second_snapshot.py (a trial stops recruiting, a site opens, a
criteria change with a new site, a new trial, two trials unchanged). Watchers are saved
between the two, the second is synced changed-since, and the alerts are computed.
"""

from datetime import timedelta

import pytest

from finder.models import Trial
from watches.models import ChangeKind, TrialChange

from .conftest import (
    AGED_34,
    AGED_60,
    CLOSES,
    CRITERIA,
    MADRID,
    NEW_TRIAL,
    SALEM,
    SEATTLE,
    SITE_OPENS,
    UNCHANGED,
    alerts_of,
    make_watch,
    month_later,
)

pytestmark = pytest.mark.django_db


def test_the_month_brings_exactly_the_changes_of_the_derived_snapshot(first_snapshot, clock):
    month_later(first_snapshot, clock)
    changes = sorted(TrialChange.objects.values_list("trial__nct_id", "kind"))
    assert changes == sorted(
        [
            (CLOSES, ChangeKind.CLOSED),
            (SITE_OPENS, ChangeKind.SITE_OPENED),
            (CRITERIA, ChangeKind.SITE_OPENED),  # Salem
            (CRITERIA, ChangeKind.CRITERIA),
            (NEW_TRIAL, ChangeKind.OPENED),
        ]
    )


def test_a_new_recruiting_trial_within_the_radius_alerts(first_snapshot, clock):
    watch = make_watch()
    month_later(first_snapshot, clock)
    assert (NEW_TRIAL, ChangeKind.OPENED) in alerts_of(watch)
    alert = watch.alerts.get(trial__nct_id=NEW_TRIAL)
    assert alert.site.city == "Portland"
    assert alert.distance_km < 5


def test_a_new_trial_beyond_the_radius_does_not_alert(first_snapshot, clock):
    far = make_watch(where=MADRID, radius_km=160)
    month_later(first_snapshot, clock)
    assert alerts_of(far) == []


def test_a_site_that_opens_nearest_to_the_watcher_alerts(first_snapshot, clock):
    watch = make_watch()
    month_later(first_snapshot, clock)
    alert = watch.alerts.get(trial__nct_id=SITE_OPENS)
    assert alert.kind == ChangeKind.SITE_OPENED
    assert alert.site.facility == "Local Institution - 0092"


def test_a_site_that_opens_behind_a_nearer_recruiting_one_does_not_alert(first_snapshot, clock):
    # ENABLE recruits in Portland already; its new Salem site is farther for Portland...
    portland = make_watch(radius_km=120)
    # ... and the nearest for someone in Salem, who had no ENABLE site within 40 km.
    salem = make_watch(where=SALEM, radius_km=40, email="salem@example.org")
    month_later(first_snapshot, clock)
    assert (CRITERIA, ChangeKind.SITE_OPENED) not in alerts_of(portland)
    alert = salem.alerts.get(trial__nct_id=CRITERIA, kind=ChangeKind.SITE_OPENED)
    assert alert.site.city == "Salem" and alert.distance_km < 2


def test_answers_that_rule_the_watcher_out_keep_an_opening_quiet(first_snapshot, clock):
    # The paediatric trial (10 to 17) opens in Portland: not for a 34-year-old who saved
    # their answers, but for a watcher without answers.
    adult = make_watch(answers=AGED_34, email="adult@example.org")
    anyone = make_watch(email="anyone@example.org")
    month_later(first_snapshot, clock)
    assert (SITE_OPENS, ChangeKind.SITE_OPENED) not in alerts_of(adult)
    assert (SITE_OPENS, ChangeKind.SITE_OPENED) in alerts_of(anyone)
    assert (NEW_TRIAL, ChangeKind.OPENED) in alerts_of(adult)  # 18 and over: not ruled out


def test_a_criteria_change_that_changes_the_verdict_alerts(first_snapshot, clock):
    watch = make_watch(answers=AGED_60)
    month_later(first_snapshot, clock)
    alert = watch.alerts.get(trial__nct_id=CRITERIA, kind=ChangeKind.CRITERIA)
    assert alert.verdicts == {"before": "possibly_eligible", "after": "ineligible"}


def test_a_criteria_change_that_leaves_the_verdict_alone_does_not_alert(first_snapshot, clock):
    watch = make_watch(answers=AGED_34)
    month_later(first_snapshot, clock)
    assert (CRITERIA, ChangeKind.CRITERIA) not in alerts_of(watch)


def test_a_criteria_change_never_alerts_a_watch_without_answers(first_snapshot, clock):
    watch = make_watch()
    month_later(first_snapshot, clock)
    assert (CRITERIA, ChangeKind.CRITERIA) not in alerts_of(watch)


def test_a_verdict_changed_only_by_time_does_not_alert(first_snapshot, clock):
    """Turning 18 between the snapshots makes ENABLE (18 and over) take this watcher under
    both versions: evaluated on the same day, the verdicts agree, so no alert, although
    the verdict at the first snapshot was "not eligible"."""
    from eligibility.selectors import trial_compiled
    from eligibility.services import answers_prepare

    turning_18 = {"birth_date": "2008-09-15", "ms_diagnosis": "yes"}
    watch = make_watch(answers=turning_18)
    enable = Trial.objects.get(nct_id=CRITERIA)
    at_first = answers_prepare(answers=turning_18).facts
    assert trial_compiled(trial=enable).verdict(at_first) == "ineligible"  # 17 then

    month_later(first_snapshot, clock)
    assert (CRITERIA, ChangeKind.CRITERIA) not in alerts_of(watch)
    enable.refresh_from_db()
    now = answers_prepare(answers=turning_18).facts
    assert trial_compiled(trial=enable).verdict(now) == "possibly_eligible"  # 18 now


def test_a_followed_trial_that_stops_recruiting_alerts_whatever_the_distance(first_snapshot, clock):
    followed = make_watch(trial=Trial.objects.get(nct_id=CLOSES), where=MADRID, radius_km=16)
    searching = make_watch(email="search@example.org")
    month_later(first_snapshot, clock)
    assert alerts_of(followed) == [(CLOSES, ChangeKind.CLOSED)]
    assert (CLOSES, ChangeKind.CLOSED) not in alerts_of(searching)


def test_a_followed_trial_alerts_only_about_itself(first_snapshot, clock):
    followed = make_watch(trial=Trial.objects.get(nct_id=CRITERIA), answers=AGED_60)
    month_later(first_snapshot, clock)
    assert alerts_of(followed) == [(CRITERIA, ChangeKind.CRITERIA)]


def test_a_search_for_another_condition_hears_nothing(first_snapshot, clock):
    watch = make_watch(condition="migraine")
    month_later(first_snapshot, clock)
    assert alerts_of(watch) == []


def test_an_unconfirmed_or_paused_watch_hears_nothing(first_snapshot, clock):
    from watches.services import watch_pause

    unconfirmed = make_watch(confirmed=False)
    paused = make_watch(email="paused@example.org")
    watch_pause(watch=paused)
    month_later(first_snapshot, clock)
    assert alerts_of(unconfirmed) == alerts_of(paused) == []


def test_an_unchanged_reimport_writes_nothing_and_alerts_nobody(first_snapshot, clock):
    from finder.registry import registry_sync_changed
    from watches.matching import watch_alerts_run

    watch = make_watch(where=SEATTLE, radius_km=400)
    before = dict(Trial.objects.values_list("nct_id", "updated_at"))
    clock.forward(timedelta(days=1))
    # The same page again, fetched whole (not changed-since): every record is unchanged.
    sync = registry_sync_changed(condition="multiple sclerosis", changed_only=False)
    assert (sync.report.created, sync.report.updated) == (0, 0)
    assert sync.report.unchanged == 5
    run = watch_alerts_run()
    assert (run.changes, run.alerts, run.digests) == (0, 0, 0)
    assert dict(Trial.objects.values_list("nct_id", "updated_at")) == before
    assert alerts_of(watch) == []


def test_the_unchanged_trials_of_the_month_alert_nobody(first_snapshot, clock):
    watch = make_watch(radius_km=1000)  # BEAT-MS recruits at Stanford, 860 km away
    month_later(first_snapshot, clock)
    assert UNCHANGED not in {nct for nct, _ in alerts_of(watch)}
