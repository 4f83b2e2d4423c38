"""The periodic sync fetches only what the registry changed since the last sync, and records
on each trial when the registry last confirmed it; pages say when."""

from datetime import date
from io import StringIO

import pytest
import requests
import responses
from django.core.management import CommandError, call_command

from finder.models import Trial
from finder.registry import RegistryError, registry_changed_since, registry_sync_changed
from finder.tasks import sync_ctgov_task

from .conftest import (
    CLOSES,
    CRITERIA,
    FIRST_DAY,
    NEW_TRIAL,
    REGISTRY_URL,
    SECOND_DAY,
    SITE_OPENS,
    UNCHANGED,
)

pytestmark = pytest.mark.django_db

SCLERODERMA = "NCT06655896"  # returned by the registry's fuzzy search; not MS to us


def checked() -> dict[str, object]:
    return dict(Trial.objects.values_list("nct_id", "registry_checked_at"))


def test_the_first_sync_fetches_everything_and_confirms_every_trial(registry, clock):
    sync = registry_sync_changed(condition="multiple sclerosis")
    assert sync.since is None
    (request,) = registry.requests
    assert "filter.advanced" not in request
    assert sync.report.created == 5
    assert set(checked().values()) == {FIRST_DAY}


def test_the_next_sync_asks_only_for_the_studies_updated_since_the_last(registry, clock):
    registry_sync_changed(condition="multiple sclerosis")
    registry.month_later()
    clock.at(SECOND_DAY)
    assert registry_changed_since() == date(2026, 8, 31)  # the last sync's day, less one

    sync = registry_sync_changed(condition="multiple sclerosis")
    request = registry.requests[-1]
    assert request["filter.advanced"] == ["AREA[LastUpdatePostDate]RANGE[2026-08-31,MAX]"]
    assert request["query.cond"] == ["multiple sclerosis"] and "filter.overallStatus" not in request
    assert (sync.report.created, sync.report.updated, sync.report.unchanged) == (1, 3, 0)
    # Fetched and imported: confirmed now. Not changed since the last sync, and an MS
    # trial: confirmed now too. The scleroderma study the registry's search once returned
    # is not an MS trial to the catalog, so nothing confirms it again.
    assert checked() == {
        CLOSES: SECOND_DAY,
        SITE_OPENS: SECOND_DAY,
        CRITERIA: SECOND_DAY,
        NEW_TRIAL: SECOND_DAY,
        UNCHANGED: SECOND_DAY,
        SCLERODERMA: FIRST_DAY,
    }


def test_a_status_filter_confirms_only_what_was_fetched(registry, clock):
    registry_sync_changed(condition="multiple sclerosis")
    registry.month_later()
    clock.at(SECOND_DAY)
    registry_sync_changed(condition="multiple sclerosis", statuses=["RECRUITING"])
    # A trial that left the statuses asked for is not in the answer: it must not be
    # confirmed as if it had not changed.
    assert checked()[UNCHANGED] == FIRST_DAY


def test_a_failed_fetch_confirms_nothing(registry, clock):
    registry_sync_changed(condition="multiple sclerosis")
    clock.at(SECOND_DAY)
    registry.mock.replace(responses.GET, REGISTRY_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(RegistryError):
        registry_sync_changed(condition="multiple sclerosis")
    assert set(checked().values()) == {FIRST_DAY}
    assert registry_changed_since() == date(2026, 8, 31)  # the next sync starts there again


def test_the_periodic_task_is_the_changed_since_sync(registry, clock):
    sync_ctgov_task.run()
    registry.month_later()
    clock.at(SECOND_DAY)
    result = sync_ctgov_task.run()
    assert registry.requests[-1]["filter.advanced"] == [
        "AREA[LastUpdatePostDate]RANGE[2026-08-31,MAX]"
    ]
    assert (result["created"], result["updated"]) == (1, 3)


def test_the_command_fetches_changes_with_changed_or_since(registry, clock):
    out, err = StringIO(), StringIO()
    call_command("sync_ctgov", "--condition", "multiple sclerosis", stdout=out, stderr=err)
    assert out.getvalue().strip() == "created 5, updated 0, unchanged 0, skipped 0"
    registry.month_later()
    clock.at(SECOND_DAY)
    out, err = StringIO(), StringIO()
    call_command(
        "sync_ctgov", "--condition", "multiple sclerosis", "--changed", "--no-progress",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert out.getvalue().strip() == "created 1, updated 3, unchanged 0, skipped 0"
    assert "studies updated since 2026-08-31" in err.getvalue()
    assert "5 trials confirmed against the registry" in err.getvalue()
    call_command(
        "sync_ctgov", "--condition", "multiple sclerosis", "--since", "2026-09-28",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert registry.requests[-1]["filter.advanced"] == [
        "AREA[LastUpdatePostDate]RANGE[2026-09-28,MAX]"
    ]


def test_the_command_refuses_a_bad_date(registry):
    with pytest.raises(CommandError):
        call_command("sync_ctgov", "--condition", "ms", "--since", "last week")


def test_the_trial_page_says_when_the_registry_last_confirmed_it(registry, clock, client):
    registry_sync_changed(condition="multiple sclerosis")
    html = client.get(f"/trials/{UNCHANGED}/").content.decode()
    assert "Last checked against ClinicalTrials.gov on" in html
    assert "Sept. 1, 2026" in html
    es = client.get(f"/trials/{UNCHANGED}/", headers={"accept-language": "es"})
    assert "1 de septiembre de 2026" in es.content.decode()


def test_a_trial_never_synced_says_nothing_of_a_check(db, client):
    from tests.factories import TrialFactory

    TrialFactory(nct_id="NCT01234567")
    html = client.get("/trials/NCT01234567/").content.decode()
    assert "Last checked against ClinicalTrials.gov" not in html
    assert "/watches/new/?trial=NCT01234567" in html  # the way into a watch of it


def test_the_search_page_offers_a_watch_and_the_catalogs_check(registry, clock, client):
    registry_sync_changed(condition="multiple sclerosis")
    html = client.get("/trials/?condition=relapsing+MS").content.decode()
    assert "/watches/new/?condition=relapsing%20MS" in html
    assert "Studies last checked against ClinicalTrials.gov on Sept. 1, 2026." in html
