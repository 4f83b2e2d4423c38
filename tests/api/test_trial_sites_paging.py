"""GET /api/v1/trials/<nct_id>/sites/ pages like every list: count, next and previous.

Issue 21 found it ignored page and offset (a paging client looped) and gave no count;
results and origin are as before, the paging fields are additions.
"""

import pytest

from tests.api.conftest import assert_problem
from tests.factories import SiteFactory, TrialFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/trials/NCT01000009/sites/"


@pytest.fixture
def trial():
    trial = TrialFactory(nct_id="NCT01000009")
    for n in range(5):
        SiteFactory(trial=trial, facility=f"Site {n}", latitude=37.0 + n, longitude=-122.0)
    return trial


def facilities(body) -> list[str]:
    return [site["facility"] for site in body["results"]]


def test_without_paging_every_site_comes_with_the_count(api, trial):
    body = api.get(URL, {"lat": 37, "lon": -122}).json()
    assert body["count"] == 5
    assert facilities(body) == [f"Site {n}" for n in range(5)]
    assert body["next"] is None and body["previous"] is None
    assert body["origin"]["latitude"] == 37


def test_a_paging_client_walks_the_pages_and_stops(api, trial):
    url, seen = f"{URL}?lat=37&lon=-122&limit=2", []
    for _ in range(10):
        body = api.get(url).json()
        assert body["count"] == 5
        seen += facilities(body)
        if body["next"] is None:
            break
        url = body["next"]
    assert seen == [f"Site {n}" for n in range(5)]


def test_offset_skips_sites(api, trial):
    body = api.get(URL, {"lat": 37, "lon": -122, "limit": 2, "offset": 2}).json()
    assert facilities(body) == ["Site 2", "Site 3"]
    assert "offset=4" in body["next"]
    assert "offset" not in body["previous"]


def test_page_is_a_page_of_limit_sites(api, trial):
    body = api.get(URL, {"lat": 37, "lon": -122, "limit": 2, "page": 3}).json()
    assert facilities(body) == ["Site 4"]
    assert body["next"] is None
    assert "page=2" in body["previous"]


def test_offset_without_limit_is_the_rest(api, trial):
    body = api.get(URL, {"lat": 37, "lon": -122, "offset": 3}).json()
    assert facilities(body) == ["Site 3", "Site 4"]
    assert body["next"] is None and body["previous"] is not None


def test_a_page_past_the_end_is_empty_with_the_count(api, trial):
    body = api.get(URL, {"limit": 2, "page": 9}).json()
    assert body["results"] == [] and body["count"] == 5 and body["next"] is None


def test_the_count_is_of_the_sites_that_match(api, trial):
    body = api.get(URL, {"lat": 37, "lon": -122, "radius_km": 120, "limit": 1}).json()
    assert body["count"] == 2  # Site 0 and Site 1 (111 km) are within 120 km
    assert facilities(body) == ["Site 0"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 2}, "page"),
        ({"limit": 2, "page": 1, "offset": 0}, "page"),
        ({"offset": -1}, "offset"),
        ({"page": 0, "limit": 2}, "page"),
        ({"offset": "two"}, "offset"),
    ],
)
def test_bad_paging_is_a_400_naming_it(api, trial, params, field):
    assert_problem(api.get(URL, params), 400, field)
