"""The changed-since fetch starts from the last *complete* sync: a partial run (a status
filter, a page limit, a later ``--since``) must not move it forward, or a trial that
stopped recruiting before it is never fetched again (issue 22 audit, gap 1)."""

import json
from datetime import date, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.management import call_command

from finder.models import RegistrySyncState, Trial
from finder.registry import (
    registry_changed_since,
    registry_last_complete_sync,
    registry_sync_changed,
)
from watches.matching import watch_alerts_run
from watches.models import ChangeKind

from .conftest import CLOSES, FIRST_DAY, REGISTRY_URL, SECOND_DAY, alerts_of, make_watch

pytestmark = pytest.mark.django_db

MS = "multiple sclerosis"


def honour_status_filter(registry) -> None:
    """The fake registry, but a ``filter.overallStatus`` keeps those statuses only (as the
    real one does)."""
    answer = registry._answer

    def filtered(request):
        status, headers, body = answer(request)
        params = parse_qs(urlsplit(request.url).query)
        if "filter.overallStatus" in params:
            wanted = set(params["filter.overallStatus"][0].split(","))
            page = json.loads(body)
            page["studies"] = [
                s
                for s in page["studies"]
                if s["protocolSection"]["statusModule"]["overallStatus"] in wanted
            ]
            body = json.dumps(page)
        return status, headers, body

    registry.mock.remove(responses.GET, REGISTRY_URL)
    registry.mock.add_callback(responses.GET, REGISTRY_URL, callback=filtered)


def test_a_status_filtered_run_does_not_move_the_next_fetchs_start(registry, clock):
    honour_status_filter(registry)
    registry_sync_changed(condition=MS)
    assert registry_last_complete_sync(MS) == FIRST_DAY
    registry.month_later()  # CLOSES stopped recruiting, updated on 2026-09-28
    clock.at(SECOND_DAY)
    registry_sync_changed(condition=MS, statuses=["RECRUITING"])
    assert Trial.objects.get(nct_id=CLOSES).overall_status == "RECRUITING"  # not fetched
    assert registry_changed_since(MS) == date(2026, 8, 31)  # still the complete sync's

    clock.at(SECOND_DAY + timedelta(days=3))
    sync = registry_sync_changed(condition=MS)
    assert sync.since == date(2026, 8, 31)
    assert Trial.objects.get(nct_id=CLOSES).overall_status == "ACTIVE_NOT_RECRUITING"
    # That run was complete: the next one starts from it.
    assert registry_last_complete_sync(MS) == SECOND_DAY + timedelta(days=3)
    assert registry_changed_since(MS) == date(2026, 10, 4)


def test_the_watcher_of_a_trial_hears_it_stopped_despite_a_partial_run(
    registry, clock, settings_for_mail
):
    honour_status_filter(registry)
    registry_sync_changed(condition=MS)
    watch_alerts_run()
    watch = make_watch(trial=Trial.objects.get(nct_id=CLOSES))
    registry.month_later()
    clock.at(SECOND_DAY)
    registry_sync_changed(condition=MS, statuses=["RECRUITING"])
    watch_alerts_run()
    assert alerts_of(watch) == []
    clock.at(SECOND_DAY + timedelta(days=1))
    registry_sync_changed(condition=MS)
    watch_alerts_run()
    assert alerts_of(watch) == [(CLOSES, ChangeKind.CLOSED)]


def test_a_page_limited_run_is_not_complete(registry, clock):
    registry_sync_changed(condition=MS)
    registry.month_later()
    clock.at(SECOND_DAY)
    call_command(
        "sync_ctgov", "--condition", MS, "--changed", "--max-pages", "1", "--no-progress",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    assert registry_last_complete_sync(MS) == FIRST_DAY
    assert registry_changed_since(MS) == date(2026, 8, 31)


def test_a_later_since_is_not_complete_an_earlier_one_is(registry, clock):
    registry_sync_changed(condition=MS)
    registry.month_later()
    clock.at(SECOND_DAY)
    registry_sync_changed(condition=MS, since=date(2026, 9, 29))  # leaves a gap
    assert registry_last_complete_sync(MS) == FIRST_DAY
    registry_sync_changed(condition=MS, since=date(2026, 8, 1))  # covers the gap
    assert registry_last_complete_sync(MS) == SECOND_DAY


def test_each_condition_resumes_from_its_own_complete_sync(registry, clock):
    registry_sync_changed(condition="Multiple  Sclerosis")
    clock.at(SECOND_DAY)
    registry_sync_changed(condition="optic neuritis")
    assert registry_changed_since(MS) == date(2026, 8, 31)
    assert registry_changed_since("optic neuritis") == date(2026, 10, 1)
    assert RegistrySyncState.objects.count() == 2


def test_a_sync_never_complete_fetches_everything(registry, clock):
    registry_sync_changed(condition=MS, statuses=["RECRUITING"])
    assert registry_last_complete_sync(MS) is None
    sync = registry_sync_changed(condition=MS)
    assert sync.since is None and "filter.advanced" not in registry.requests[-1]
