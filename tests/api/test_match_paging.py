"""POST /api/v1/match/ pages like every list (issue 21 item 6): count, next, previous.

``count`` is every match, not the page's length; ``limit``, ``offset`` and ``page`` come
in the query (the body's v1.0 ``limit`` still sets the page size); the links are URLs to
POST the same body to.
"""

import pytest

from tests.api.conftest import assert_problem
from tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/match/"
BODY = {"answers": {"age": 40}}


@pytest.fixture
def five_trials(catalog):
    """The two CARE-MS trials and three recruiting MS trials without curated criteria."""
    extra = [TrialFactory(nct_id=f"NCT0900000{n}") for n in range(3)]
    return [*catalog, *extra]


def match(api, query: str = "", body=None):
    response = api.post(f"{URL}{query}", body or BODY, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[str]:
    return [r["nct_id"] for r in body["results"]]


def test_count_is_every_match_not_the_page(api, five_trials):
    body = match(api, "?limit=2")
    assert body["count"] == 5
    assert len(body["results"]) == 2


def test_first_middle_and_last_pages_link_as_they_should(api, five_trials):
    everything = ids(match(api))
    first = match(api, "?limit=2")
    assert first["previous"] is None
    assert first["next"].endswith("?limit=2&offset=2")
    middle = match(api, "?limit=2&offset=2")
    assert middle["previous"].endswith("?limit=2")  # back to the start: no offset
    assert middle["next"].endswith("offset=4")
    last = match(api, "?limit=2&offset=4")
    assert last["next"] is None
    assert "offset=2" in last["previous"]
    assert ids(first) + ids(middle) + ids(last) == everything
    assert [body["count"] for body in (first, middle, last)] == [5, 5, 5]


def test_a_client_following_next_sees_every_match_once_and_stops(api, five_trials):
    url, seen = f"{URL}?limit=2", []
    for _ in range(10):
        response = api.post(url, BODY, format="json")
        body = response.json()
        seen += ids(body)
        if body["next"] is None:
            break
        url = body["next"]
    assert seen == ids(match(api))
    assert len(seen) == len(set(seen)) == 5


def test_page_numbers_work_too(api, five_trials):
    second = match(api, "?limit=2&page=2")
    assert ids(second) == ids(match(api, "?limit=2&offset=2"))
    assert "page=3" in second["next"] and "page=1" in second["previous"]


def test_one_page_has_no_links(api, five_trials):
    body = match(api)
    assert body["count"] == 5 and len(body["results"]) == 5
    assert body["next"] is None and body["previous"] is None


def test_a_page_past_the_end_is_empty_with_the_count(api, five_trials):
    body = match(api, "?limit=2&offset=10")
    assert body["results"] == [] and body["count"] == 5
    assert body["next"] is None
    assert body["previous"] is not None


def test_the_body_limit_still_sets_the_page_size(api, five_trials):
    body = match(api, "?offset=2", {**BODY, "limit": 2})
    assert len(body["results"]) == 2 and body["count"] == 5
    assert ids(body) == ids(match(api, "?limit=2&offset=2"))


def test_limit_in_the_query_and_the_body_is_a_400(api, five_trials):
    response = api.post(f"{URL}?limit=2", {**BODY, "limit": 2}, format="json")
    assert_problem(response, 400, "limit")


@pytest.mark.parametrize(
    "query, field",
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=x", "limit"),
        ("?offset=-1", "offset"),
        ("?page=0", "page"),
        ("?page=x", "page"),
        ("?limit=", "limit"),
        ("?limit=2&offset=2&page=2", "page"),
        ("?pagee=2", "pagee"),
        ("?lang=es&ofset=2", "ofset"),
    ],
)
def test_a_bad_paging_parameter_is_a_400_naming_it(api, five_trials, query, field):
    body = assert_problem(api.post(f"{URL}{query}", BODY, format="json"), 400, field)
    assert body["title"] == "Invalid request"


def test_lang_and_paging_go_together(api, five_trials):
    body = match(api, "?lang=es&limit=1")
    assert len(body["results"]) == 1 and "lang=es" in body["next"]

    def explanations(query):
        found = match(api, query)["results"]
        return next(r["criteria"][0]["explanation"] for r in found if r["criteria"])

    assert explanations("?lang=es&limit=5") != explanations("?limit=5")


def test_the_schema_documents_the_paging(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/match/"]["post"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"limit", "offset", "page", "lang"} <= names
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][output.rsplit("/", 1)[-1]]
    assert {"count", "next", "previous", "origin", "results"} <= set(component["properties"])
