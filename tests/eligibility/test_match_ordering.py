"""The one match service ranks by verdict, then by how much of each trial we could check,
then by the nearest recruiting site's distance, then NCT id: a fully checked trial far
away comes before a half-checked one next door with the same verdict."""

from __future__ import annotations

import pytest

from eligibility.services import answers_prepare
from match.services import trials_match
from sites.geocoding import coordinates_place
from sites.index import site_index_invalidate
from tests.factories import CriterionFactory, SiteFactory, TrialFactory

pytestmark = pytest.mark.django_db

PALO_ALTO = coordinates_place(37.4419, -122.143)
AGE = {"fact": "age", "op": "between", "value": [18, 55]}
EDSS = {"fact": "edss", "op": "between", "value": [0, 5]}


def trial(nct_id: str, *, rules: list[dict | None], latitude: float):
    made = TrialFactory(nct_id=nct_id)
    for rule in rules:
        CriterionFactory(trial=made, rule=rule, patient_text="" if rule is None else "A rule.")
    SiteFactory(trial=made, latitude=latitude, longitude=-122.143)
    return made


def test_verdict_then_share_checked_then_distance_then_nct_id():
    # All answered except EDSS: trials reading EDSS are possibly eligible.
    trial("NCT00000001", rules=[AGE], latitude=40.0)  # eligible, far
    trial("NCT00000002", rules=[AGE, None], latitude=37.45)  # possibly, half checked, near
    trial("NCT00000003", rules=[AGE, EDSS], latitude=39.0)  # possibly, all checked, far
    trial("NCT00000004", rules=[AGE, EDSS], latitude=38.0)  # possibly, all checked, nearer
    trial("NCT00000005", rules=[AGE, EDSS], latitude=38.0)  # same as 4: by NCT id
    trial("NCT00000006", rules=[{"fact": "age", "op": ">=", "value": 60}], latitude=37.44)
    site_index_invalidate()

    matches = trials_match(facts=answers_prepare(answers={"age": 35}), origin=PALO_ALTO)

    ranked = [(m.trial.nct_id, m.outcome.verdict) for m in matches]
    assert ranked == [
        ("NCT00000001", "eligible"),
        ("NCT00000004", "possibly_eligible"),
        ("NCT00000005", "possibly_eligible"),
        ("NCT00000003", "possibly_eligible"),
        ("NCT00000002", "possibly_eligible"),
        ("NCT00000006", "ineligible"),
    ]


def test_the_match_api_ranks_the_same_way_and_takes_contract_v2_answers(client):
    trial("NCT00000002", rules=[AGE, None], latitude=37.45)
    trial("NCT00000003", rules=[AGE, EDSS], latitude=39.0)
    relapse = {"fact": "days_since_last_relapse", "op": ">=", "value": 30}
    trial("NCT00000007", rules=[AGE, relapse], latitude=38.0)
    site_index_invalidate()
    body = {
        "answers": {"age": 35, "last_relapse": "2026-01", "treatment_history": {}},
        "location": {"lat": 37.4419, "lon": -122.143},
    }
    response = client.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    ranked = [(r["nct_id"], r["verdict"]) for r in response.json()["results"]]
    assert ranked == [
        ("NCT00000007", "eligible"),
        ("NCT00000003", "possibly_eligible"),
        ("NCT00000002", "possibly_eligible"),
    ]
    half = response.json()["results"][2]
    assert [c["status"] for c in half["criteria"]] == ["pass", "not_checked"]


def test_the_match_api_names_a_bad_v2_answer(client):
    trial("NCT00000003", rules=[AGE, EDSS], latitude=39.0)
    body = {"answers": {"age": 35, "last_relapse": "2026-13"}}
    response = client.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 400
    assert "last_relapse" in response.content.decode()
