"""Fixtures for the partner API tests: the two CARE-MS trials with criteria and sites."""

import pytest
from rest_framework.test import APIClient

from config.throttling import cache_outage
from eligibility.services import criteria_replace
from finder.models import Arm, Intervention
from partners.models import Partner, PartnerAPIKey
from tests.factories import SiteFactory, TrialFactory, load_ruleset


@pytest.fixture(autouse=True)
def _no_cache_outage():
    cache_outage.reset()
    yield
    cache_outage.reset()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def partner_key(db):
    partner = Partner.objects.create(name="Example MS Society")
    _, key = PartnerAPIKey.objects.create_key(name="test", partner=partner)
    return key


@pytest.fixture
def keyed_api(partner_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    return client


@pytest.fixture
def care_ms_ii(db):
    trial = TrialFactory(
        nct_id="NCT00548405",
        acronym="CARE-MS II",
        brief_title="Comparison of alemtuzumab and Rebif in relapsing MS (CARE-MS II)",
        conditions=["Multiple Sclerosis", "Relapsing-Remitting Multiple Sclerosis"],
        keywords=["alemtuzumab"],
        phases=["PHASE3"],
        enrollment=840,
        enrollment_type="ACTUAL",
        minimum_age_years=18,
        maximum_age_years=55,
        has_placebo_group=False,
        is_pivotal=True,
        travel_may_be_covered=True,
        sponsor="Genzyme, a Sanofi Company",
        start_date="2007-10",
        completion_date="2011-09",
    )
    criteria_replace(trial=trial, criteria=load_ruleset("NCT00548405"), source="curated")
    arm = Arm.objects.create(
        trial=trial,
        label="Alemtuzumab 12 mg",
        type="EXPERIMENTAL",
        description="12 mg a day IV for 5 days at month 0 and 3 days at month 12.",
    )
    drug = Intervention.objects.create(trial=trial, type="DRUG", name="Alemtuzumab")
    drug.arms.add(arm)
    SiteFactory(trial=trial, facility="Stanford Neurology", city="Palo Alto")
    SiteFactory(
        trial=trial,
        facility="Boston MS Center",
        city="Boston",
        state="Massachusetts",
        postal_code="02115",
        latitude=42.3371,
        longitude=-71.1027,
    )
    trial.refresh_from_db()
    return trial


@pytest.fixture
def care_ms_i(db):
    trial = TrialFactory(
        nct_id="NCT00530348",
        acronym="CARE-MS I",
        brief_title="Alemtuzumab versus Rebif in treatment-naive relapsing MS (CARE-MS I)",
        conditions=["Multiple Sclerosis"],
        phases=["PHASE3"],
        enrollment=581,
        minimum_age_years=18,
        maximum_age_years=50,
        sponsor="Genzyme, a Sanofi Company",
    )
    criteria_replace(trial=trial, criteria=load_ruleset("NCT00530348"), source="curated")
    SiteFactory(
        trial=trial,
        facility="Chicago Neurology",
        city="Chicago",
        state="Illinois",
        postal_code="60611",
        latitude=41.8947,
        longitude=-87.6210,
    )
    trial.refresh_from_db()
    return trial


@pytest.fixture
def catalog(care_ms_ii, care_ms_i):
    return [care_ms_ii, care_ms_i]


def assert_problem(response, status: int, *fields: str) -> dict:
    """The response is a problem-details error naming each of ``fields``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    named = {error["field"] for error in body.get("errors", [])}
    for field in fields:
        assert field in named, (field, body)
    return body
