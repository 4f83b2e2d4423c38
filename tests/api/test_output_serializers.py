"""The eligibility and sites responses are what their output serializers render from the
objects, and hold exactly the fields the schema documents (so neither can drift).

On the demo catalog (``load_demo_catalog``): every trial, several sets of answers and
both languages for the eligibility check; many origins, radii and pages for the sites.
"""

import json

import pytest
from django.core.management import call_command
from rest_framework.utils.encoders import JSONEncoder

from eligibility import apis as eligibility_apis
from eligibility.apis import EligibilityOutputSerializer
from finder.models import Trial
from sites.apis import RankedSiteSerializer, TrialSitesOutputSerializer
from sites.location import origin_dict, origin_from_params
from sites.selectors import trial_sites_page
from tests.factories import ELIGIBLE_ANSWERS

pytestmark = pytest.mark.django_db

ANSWER_SETS = [
    {},
    {"age": 58},
    {"age": 34, "ms_course": "primary_progressive", "edss": 7.0},
    {**ELIGIBLE_ANSWERS, "years_since_first_symptoms": 6, "edss": 3.5},
]

ORIGINS = [
    {"postal_code": "94301", "country": "US"},
    {"postal_code": "02115", "country": "US"},
    {"postal_code": "60611", "country": "US"},
    {"place": "Madrid, Spain"},
    {"place": "Toronto, Canada"},
    {"lat": -33.87, "lon": 151.21},
    {"lat": 52.52, "lon": 13.40},
    {},
]


def as_json(data):
    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.fixture
def demo_catalog():
    call_command("load_demo_catalog", verbosity=0)
    trials = list(Trial.objects.order_by("nct_id"))
    assert len(trials) >= 6
    return trials


@pytest.fixture
def components(keyed_api):
    response = keyed_api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def documented(components, name: str) -> list[str]:
    return list(components[name]["properties"])


# --- POST /api/v1/trials/<nct_id>/eligibility/ --------------------------------------------


@pytest.fixture
def outcomes(monkeypatch):
    """Each outcome the view renders, as the service returned it."""
    seen = []
    evaluate = eligibility_apis.screening_evaluate

    def kept(**kwargs):
        outcome = evaluate(**kwargs)
        seen.append(outcome)
        return outcome

    monkeypatch.setattr(eligibility_apis, "screening_evaluate", kept)
    return seen


def test_the_eligibility_response_is_its_serializer_rendering(keyed_api, demo_catalog, outcomes):
    checked = 0
    for trial in demo_catalog:
        for answers in ANSWER_SETS:
            for lang in ("en", "es"):
                response = keyed_api.post(
                    f"/api/v1/trials/{trial.nct_id}/eligibility/?lang={lang}",
                    {"answers": answers},
                    format="json",
                )
                assert response.status_code == 200, response.content
                body = response.json()
                rendered = as_json(EligibilityOutputSerializer(outcomes[-1]).data)
                assert body == rendered, (trial.nct_id, answers, lang)
                assert list(body) == list(rendered)
                for ours, theirs in zip(body["criteria"], rendered["criteria"], strict=True):
                    assert list(ours) == list(theirs)
                checked += len(body["criteria"])
    assert checked > 100


def test_the_eligibility_response_has_the_documented_fields(keyed_api, demo_catalog, components):
    for trial in demo_catalog:
        response = keyed_api.post(
            f"/api/v1/trials/{trial.nct_id}/eligibility/",
            {"answers": ANSWER_SETS[-1]},
            format="json",
        )
        body = response.json()
        assert list(body) == documented(components, "EligibilityOutput")
        assert body["criteria"], trial.nct_id
        for criterion in body["criteria"]:
            assert list(criterion) == documented(components, "CriterionResult")
            assert all(isinstance(key, str) for key in criterion["facts_used"])


# --- GET /api/v1/trials/<nct_id>/sites/ ----------------------------------------------------


def sites_queries():
    for origin in ORIGINS:
        yield {**origin, "limit": 10}
        yield {**origin, "limit": 25, "offset": 10}
        yield {**origin, "status": "RECRUITING"}
        if origin:
            yield {**origin, "radius_km": 2000}


def test_the_sites_response_is_its_serializer_rendering(keyed_api, demo_catalog):
    sites_seen = 0
    for trial in demo_catalog:
        for query in sites_queries():
            response = keyed_api.get(f"/api/v1/trials/{trial.nct_id}/sites/", query)
            assert response.status_code == 200, (trial.nct_id, query, response.content)
            body = response.json()
            location = {k: v for k, v in query.items() if k in ("postal_code", "country")}
            location |= {k: v for k, v in query.items() if k in ("place", "lat", "lon")}
            origin = origin_from_params(location)
            limit = query.get("limit")
            offset = query.get("offset", 0)
            page = trial_sites_page(
                trial=trial,
                origin=origin,
                radius_km=query.get("radius_km"),
                statuses=[query["status"]] if "status" in query else (),
                offset=offset,
                limit=limit,
            )
            rendered = TrialSitesOutputSerializer(
                {
                    "count": page.count,
                    "next": body["next"],
                    "previous": body["previous"],
                    "origin": origin,
                    "sites": page.sites,
                }
            ).data
            assert body == as_json(rendered), (trial.nct_id, query)
            assert body["origin"] == as_json(origin_dict(origin))
            for ours, site in zip(body["results"], page.sites, strict=True):
                assert list(ours) == list(RankedSiteSerializer().fields)
                for name in ("distance_km", "distance_mi"):
                    value = getattr(site, name)
                    expected = None if value is None else round(float(value), 3)
                    assert ours[name] == expected
                sites_seen += 1
    assert sites_seen > 500


def test_the_sites_response_has_the_documented_fields(keyed_api, demo_catalog, components):
    trial = max(demo_catalog, key=lambda t: t.sites.count())
    response = keyed_api.get(
        f"/api/v1/trials/{trial.nct_id}/sites/", {"postal_code": "94301", "country": "US"}
    )
    body = response.json()
    assert list(body) == documented(components, "TrialSitesOutput")
    assert len(body["results"]) > 100
    for site in body["results"]:
        assert list(site) == documented(components, "RankedSite")
    # The origin shows what the schema documents: a place read one way has no ``note`` or
    # ``alternatives`` (optional in the schema), one read one of several ways has both.
    placed = documented(components, "PlacedOrigin")
    assert set(body["origin"]) <= set(placed)
    ambiguous = keyed_api.get(f"/api/v1/trials/{trial.nct_id}/sites/", {"place": "Madrid"})
    origin = ambiguous.json()["origin"]
    assert set(origin) == set(placed) and {"note", "alternatives"} <= set(origin)
    assert list(origin["alternatives"][0]) == documented(components, "OriginAlternative")


def test_one_kept_serializer_renders_what_a_new_one_renders_on_odd_values():
    # config.api.render keeps one serializer per class (DRF builds every field again for
    # each new one); on values the selector does not give today it must say the same.
    from decimal import Decimal

    from config.api import render
    from sites.geocoding import Place
    from sites.selectors import RankedSite

    def site(**changes):
        values = {
            "id": 7,
            "trial_id": 1,
            "nct_id": "NCT00548405",
            "facility": "Clínica Ñandú",
            "city": "São Paulo",
            "state": "",
            "postal_code": "01310-100",
            "country": "Brazil",
            "country_code": "BR",
            "status": "RECRUITING",
            "latitude": -23.5613,
            "longitude": -46.6565,
            "distance_km": 12.34567,
            "distance_mi": 7.67123,
        }
        return RankedSite(**{**values, **changes})

    sites = [
        site(),
        site(id=8, latitude=None, longitude=None, distance_km=None, distance_mi=None),
        site(id=9, distance_km=Decimal("0.0004"), distance_mi=0, latitude=0, longitude=0),
        site(id=10, state=None, postal_code=None, status="NOT_YET_RECRUITING"),
    ]
    origins = [None, Place(latitude=37.44, longitude=-122.14, label="Palo Alto, CA")]
    for origin in origins:
        page = {"count": 4, "next": "http://x/?offset=4", "previous": None, "origin": origin}
        page["sites"] = sites
        direct = render(TrialSitesOutputSerializer, page)
        rendered = TrialSitesOutputSerializer(page).data
        assert as_json(direct) == as_json(rendered)
        assert list(direct) == list(rendered)
        for ours, theirs in zip(direct["results"], rendered["results"], strict=True):
            assert list(ours) == list(theirs)
            assert ours == dict(theirs)
