"""GET /api/v1/trials/<nct_id>/ answers with ETag and Last-Modified, and 304 to a client
whose copy is current (issue 21 found neither validator)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils.http import http_date, parse_http_date

from sites.models import Site, SiteStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/NCT00548405/"
#: A frozen clock later than anything the fixtures wrote.
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def first(api, care_ms_ii, clock):
    response = api.get(URL)
    assert response.status_code == 200
    return response


def test_it_sends_an_etag_a_last_modified_and_no_cache(first):
    assert first["ETag"].startswith('W/"') and first["ETag"].endswith('"')
    assert parse_http_date(first["Last-Modified"]) <= T0.timestamp()
    assert first["Cache-Control"] == "no-cache"


def test_the_same_etag_comes_back_while_nothing_changes(api, first):
    assert api.get(URL)["ETag"] == first["ETag"]
    assert api.get(URL)["Last-Modified"] == first["Last-Modified"]


def test_a_current_etag_is_a_304_without_a_body(api, first):
    response = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert response["Last-Modified"] == first["Last-Modified"]


@pytest.mark.parametrize(
    "header",
    [
        "*",
        'W/"old", {etag}',
        "{strong}",  # If-None-Match compares weakly
    ],
)
def test_if_none_match_forms_that_match(api, first, header):
    etag = first["ETag"]
    value = header.format(etag=etag, strong=etag.removeprefix("W/"))
    assert api.get(URL, HTTP_IF_NONE_MATCH=value).status_code == 304


@pytest.mark.parametrize("header", ['W/"old"', '"0123"', "garbage", "", 'W/"' + "a" * 5000 + '"'])
def test_an_etag_that_does_not_match_gets_the_trial(api, first, header):
    response = api.get(URL, HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200
    assert response.json()["nct_id"] == "NCT00548405"


def test_if_modified_since_the_last_modification_is_a_304(api, first):
    response = api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 304


def test_if_modified_since_an_earlier_time_gets_the_trial(api, first):
    earlier = http_date(parse_http_date(first["Last-Modified"]) - 1)
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


@pytest.mark.parametrize("value", ["yesterday", "", "Tue, 99 Dec 2026 25:00:00 GMT"])
def test_an_unreadable_date_is_ignored(api, first, value):
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=value).status_code == 200


def test_if_none_match_wins_over_if_modified_since(api, first):
    response = api.get(
        URL, HTTP_IF_NONE_MATCH='W/"old"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert response.status_code == 200


def test_a_head_request_is_conditional_too(api, first):
    assert api.head(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_site_change_makes_the_old_copy_stale(api, first, clock):
    clock.shift(timedelta(minutes=5))
    Site.objects.filter(facility="Boston MS Center").update(status=SiteStatus.COMPLETED)
    response = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response.json()["recruiting_locations_count"] == 1
    assert response["ETag"] != first["ETag"]
    # A client that revalidates by date alone is not told its old copy is current.
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_a_deleted_site_makes_the_old_copy_stale_by_date_too(api, first, clock):
    clock.shift(timedelta(minutes=5))
    Site.objects.filter(facility="Boston MS Center").delete()  # no timestamp left behind
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_each_language_has_its_own_etag(api, first):
    spanish = api.get(URL, {"lang": "es"})
    assert spanish["ETag"] != first["ETag"]
    assert api.get(URL, {"lang": "es"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_change_undone_is_not_taken_for_the_first_copy(api, care_ms_ii, first, clock):
    # A, then B, then A again: A's first copy is older than the client's copy of B.
    clock.shift(timedelta(minutes=5))
    care_ms_ii.acronym = "CARE-MS 2"
    care_ms_ii.save()
    second = api.get(URL)
    clock.shift(timedelta(minutes=5))
    care_ms_ii.acronym = "CARE-MS II"
    care_ms_ii.save()
    again = api.get(URL, HTTP_IF_MODIFIED_SINCE=second["Last-Modified"])
    assert again.status_code == 200
    assert again["ETag"] == first["ETag"]
    assert parse_http_date(again["Last-Modified"]) == int(care_ms_ii.updated_at.timestamp())


def test_without_the_cache_it_still_answers_with_validators(api, care_ms_ii, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", unreachable)
    monkeypatch.setattr(cache, "add", unreachable)
    response = api.get(URL)
    assert response.status_code == 200
    assert response["ETag"] and response["Last-Modified"]


def test_an_unknown_trial_is_a_404_without_validators(api, care_ms_ii):
    response = api.get("/api/v1/trials/NCT99999999/")
    assert response.status_code == 404
    assert "ETag" not in response
