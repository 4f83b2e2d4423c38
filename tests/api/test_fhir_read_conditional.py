"""GET /api/v1/fhir/ResearchStudy/<nct_id> is a conditional read like the trial detail's
(``config.api.conditional_read``): ETag and Last-Modified, and a 304 to a client whose
copy is current (issue 21)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.http import http_date, parse_http_date

from sites.models import Site, SiteStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/fhir/ResearchStudy/NCT00548405"
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
    assert first["Content-Type"] == "application/fhir+json"
    assert first.json()["resourceType"] == "ResearchStudy"


def test_the_same_validators_come_back_while_nothing_changes(api, first):
    again = api.get(URL)
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]


def test_its_etag_is_not_the_trial_details(api, first):
    assert api.get("/api/v1/trials/NCT00548405/")["ETag"] != first["ETag"]


def test_a_current_etag_is_a_304_without_a_body(api, first):
    response = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert response["Last-Modified"] == first["Last-Modified"]


@pytest.mark.parametrize("header", ["*", 'W/"old", {etag}', "{strong}"])
def test_if_none_match_forms_that_match(api, first, header):
    etag = first["ETag"]
    value = header.format(etag=etag, strong=etag.removeprefix("W/"))
    assert api.get(URL, HTTP_IF_NONE_MATCH=value).status_code == 304


@pytest.mark.parametrize("header", ['W/"old"', "garbage", "", 'W/"' + "a" * 5000 + '"'])
def test_an_etag_that_does_not_match_gets_the_study(api, first, header):
    response = api.get(URL, HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200
    assert response.json()["id"] == "NCT00548405"


def test_if_modified_since_the_last_modification_is_a_304(api, first):
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_if_modified_since_an_earlier_time_gets_the_study(api, first):
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
    assert response["ETag"] != first["ETag"]
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_a_deleted_site_makes_the_old_copy_stale_by_date_too(api, first, clock):
    clock.shift(timedelta(minutes=5))
    Site.objects.filter(facility="Boston MS Center").delete()
    assert api.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_a_trial_change_makes_the_old_copy_stale(api, care_ms_ii, first, clock):
    clock.shift(timedelta(minutes=5))
    care_ms_ii.brief_title = "A new title"
    care_ms_ii.save()
    response = api.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response.json()["title"] == "A new title"


def test_an_unknown_study_is_an_operation_outcome_without_validators(api, care_ms_ii):
    response = api.get("/api/v1/fhir/ResearchStudy/NCT99999999")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "ETag" not in response


def test_the_schema_documents_the_validators_and_the_304(api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/fhir/ResearchStudy/{nct_id}"]["get"]
    assert "304" in operation["responses"]
    names = {p["name"] for p in operation.get("parameters", [])}
    assert {"If-None-Match", "If-Modified-Since"} <= names
