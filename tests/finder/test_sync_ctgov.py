"""manage.py sync_ctgov and the periodic task, against recorded registry pages."""

import json
from io import StringIO

import pytest
import requests
import responses
from django.core.management import CommandError, call_command
from responses import matchers

from finder.models import Trial
from finder.tasks import sync_ctgov_task

pytestmark = pytest.mark.django_db


def study(nct_id: str, title: str) -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": title},
            "statusModule": {"overallStatus": "RECRUITING"},
            "conditionsModule": {"conditions": ["Multiple Sclerosis"]},
            "eligibilityModule": {"minimumAge": "18 Years", "healthyVolunteers": False},
        }
    }


@pytest.fixture
def recorded_pages(registry_url, data_dir):
    """Three pages for "multiple sclerosis" RECRUITING, chained by nextPageToken."""
    first = json.loads((data_dir / "search_page.json").read_text())
    pages = [
        (None, first),
        ("NF0g5JGCk_cu", {"studies": [study("NCT04000007", "Page two")], "nextPageToken": "P3"}),
        ("P3", {"studies": [study("NCT04000008", "Page three")]}),
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for token, body in pages:
            params = {
                "format": "json",
                "query.cond": "multiple sclerosis",
                "filter.overallStatus": "RECRUITING",
                "pageSize": "2",
            }
            if token:
                params["pageToken"] = token
            mock.get(registry_url, json=body, match=[matchers.query_param_matcher(params)])
        yield mock


def sync(*args):
    out, err = StringIO(), StringIO()
    call_command("sync_ctgov", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


ARGS = ("--condition", "multiple sclerosis", "--status", "RECRUITING", "--page-size", "2")


def test_follows_next_page_tokens_until_the_last_page(recorded_pages):
    out, _ = sync(*ARGS)

    assert out.strip() == "created 4, updated 0, unchanged 0, skipped 0"
    assert len(recorded_pages.calls) == 3
    assert Trial.objects.count() == 4


def test_stops_after_max_pages(recorded_pages):
    out, _ = sync(*ARGS, "--max-pages", "2")

    assert "created 3," in out
    assert len(recorded_pages.calls) == 2


def test_a_second_sync_changes_nothing(recorded_pages):
    sync(*ARGS)
    out, _ = sync(*ARGS)
    assert out.strip() == "created 0, updated 0, unchanged 4, skipped 0"


def test_the_periodic_task_runs_the_same_sync(recorded_pages):
    result = sync_ctgov_task.run(
        condition="multiple sclerosis", statuses=["RECRUITING"], page_size=2
    )
    assert result == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "skipped": [],
        "warnings": [],
    }


@responses.activate
def test_fails_with_one_line_when_the_network_is_unreachable(registry_url):
    responses.get(
        registry_url,
        body=requests.ConnectionError(
            "HTTPSConnectionPool(host='registry.test', port=443): Max retries exceeded "
            "(Caused by NameResolutionError: Failed to resolve 'registry.test')"
        ),
    )
    with pytest.raises(CommandError) as caught:
        sync("--condition", "multiple sclerosis")

    message = str(caught.value)
    assert message.startswith("cannot reach ClinicalTrials.gov at https://registry.test/")
    assert "\n" not in message
    assert Trial.objects.count() == 0


@responses.activate
def test_fails_with_one_line_on_a_timeout(registry_url):
    responses.get(registry_url, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(CommandError, match=r"did not answer within 2 s"):
        sync("--condition", "multiple sclerosis")


@responses.activate
def test_fails_with_one_line_on_an_http_error(registry_url):
    responses.get(registry_url, status=400, body="filter.overallStatus: unknown value\n")

    with pytest.raises(CommandError, match=r"HTTP 400 Bad Request .*unknown value$"):
        sync("--condition", "multiple sclerosis")


@responses.activate
def test_fails_on_an_answer_that_is_not_a_page(registry_url):
    responses.get(registry_url, body="<html>maintenance</html>")

    with pytest.raises(CommandError, match="unreadable answer"):
        sync("--condition", "multiple sclerosis")


@responses.activate
def test_keeps_the_pages_imported_before_a_failure(registry_url, data_dir):
    first_page = {"format": "json", "query.cond": "ms", "pageSize": "100"}
    responses.get(
        registry_url,
        json=json.loads((data_dir / "search_page.json").read_text()),
        match=[matchers.query_param_matcher(first_page)],
    )
    responses.get(
        registry_url,
        body=requests.ConnectionError("Connection refused"),
        match=[matchers.query_param_matcher({**first_page, "pageToken": "NF0g5JGCk_cu"})],
    )
    err = StringIO()

    with pytest.raises(CommandError, match="cannot reach"):
        call_command("sync_ctgov", "--condition", "ms", stdout=StringIO(), stderr=err)

    assert Trial.objects.count() == 2
    assert "before the failure: created 2" in err.getvalue()


def test_refuses_an_unknown_status(registry_url):
    with pytest.raises(CommandError, match="unknown status RECRUTING"):
        sync("--condition", "multiple sclerosis", "--status", "RECRUTING")
