"""FHIR searchsets page (issue 21 item 6) and $match names, per trial, what it did not use
(item 5).

The ResearchStudy search and $match both page with ``_count`` and ``_offset``:
``Bundle.total`` is every trial found, ``Bundle.link`` has ``self``, ``first``,
``previous`` (not on the first page), ``next`` (not on the last) and ``last``. Each
$match entry repeats, in an ``unused-resource`` search extension, the OperationOutcome's
issues about the patient's resources it could not use.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle

from fhir_api.mapping import SNOMED, UNUSED_RESOURCE_EXTENSION
from tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/fhir/ResearchStudy"
MATCH = "/api/v1/fhir/match"
DOLLAR_MATCH = "/api/v1/fhir/ResearchStudy/$match"
FHIR_JSON = "application/fhir+json"


@pytest.fixture
def five_trials(catalog):
    """The two CARE-MS trials and three recruiting MS trials without curated criteria."""
    extra = [TrialFactory(nct_id=f"NCT0900000{n}") for n in range(3)]
    return [*catalog, *extra]


def patient_bundle(*extra: dict) -> dict:
    resources = [
        {"resourceType": "Patient", "id": "p1", "birthDate": "1990-03-14", "gender": "female"},
        {
            "resourceType": "Condition",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SNOMED, "code": "426373005"}]},
        },
        *extra,
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


#: An EDSS Observation that is not a final result: left out (a warning).
PRELIMINARY_EDSS = {
    "resourceType": "Observation",
    "status": "preliminary",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": SNOMED, "code": "273554001"}]},
    "valueQuantity": {"value": 3.5},
    "effectiveDateTime": "2026-01-10",
}
#: A resource type $match does not read: an information note.
PROCEDURE = {
    "resourceType": "Procedure",
    "status": "completed",
    "subject": {"reference": "Patient/p1"},
}


def links(body) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in body["link"]}


def offset_of(url: str) -> int:
    return int(parse_qs(urlsplit(url).query).get("_offset", ["0"])[0])


def valid(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body = response.json()
    Bundle.model_validate(body)  # R4 (R4B has the same Bundle and ResearchStudy)
    return body


def search(api, query: str) -> dict:
    return valid(api.get(f"{SEARCH}?{query}"))


def match(api, query: str = "", body=None, url: str = MATCH) -> dict:
    record = json.dumps(body or patient_bundle())
    return valid(api.post(f"{url}?{query}" if query else url, record, content_type=FHIR_JSON))


def studies(body) -> list[str]:
    return [e["resource"]["id"] for e in body.get("entry", []) if e["search"]["mode"] == "match"]


def outcome_issues(body) -> list[dict]:
    found = [e for e in body.get("entry", []) if e["search"]["mode"] == "outcome"]
    return found[0]["resource"]["issue"] if found else []


# --- the ResearchStudy search ------------------------------------------------------------


def test_the_search_links_first_previous_next_and_last(api, five_trials):
    first = search(api, "_count=2")
    assert first["total"] == 5 and len(studies(first)) == 2
    assert set(links(first)) == {"self", "first", "next", "last"}
    assert offset_of(links(first)["next"]) == 2
    assert offset_of(links(first)["last"]) == 4
    middle = search(api, "_count=2&_offset=2")
    assert set(links(middle)) == {"self", "first", "previous", "next", "last"}
    assert offset_of(links(middle)["previous"]) == 0
    assert offset_of(links(middle)["next"]) == 4
    last = search(api, "_count=2&_offset=4")
    assert set(links(last)) == {"self", "first", "previous", "last"}
    assert offset_of(links(last)["previous"]) == 2
    assert len(studies(last)) == 1
    assert [b["total"] for b in (first, middle, last)] == [5, 5, 5]


def test_the_search_links_keep_the_other_parameters(api, five_trials):
    body = search(api, "condition=sclerosis&_count=2&_offset=2")
    for relation in ("first", "previous", "next", "last"):
        query = parse_qs(urlsplit(links(body)[relation]).query)
        assert query["condition"] == ["sclerosis"] and query["_count"] == ["2"]
    assert links(body)["self"].endswith("condition=sclerosis&_count=2&_offset=2")


def test_following_next_walks_the_search_once(api, five_trials):
    url, seen = f"{SEARCH}?_count=2", []
    for _ in range(10):
        body = valid(api.get(url))
        seen += studies(body)
        if "next" not in links(body):
            break
        url = links(body)["next"]
    assert sorted(seen) == sorted(t.nct_id for t in five_trials)


def test_a_search_page_past_the_end_points_back_to_the_last(api, five_trials):
    body = search(api, "_count=2&_offset=10")
    assert studies(body) == [] and body["total"] == 5
    assert "next" not in links(body)
    assert offset_of(links(body)["previous"]) == 4


# --- $match ------------------------------------------------------------------------------


def test_match_total_is_every_match_not_the_page(api, five_trials):
    body = match(api, "_count=2")
    assert body["total"] == 5
    assert len(studies(body)) == 2


@pytest.mark.parametrize("url", [MATCH, DOLLAR_MATCH])
def test_match_pages_first_middle_and_last(api, five_trials, url):
    everything = studies(match(api, url=url))
    first = match(api, "_count=2", url=url)
    assert set(links(first)) == {"self", "first", "next", "last"}
    middle = match(api, "_count=2&_offset=2", url=url)
    assert set(links(middle)) == {"self", "first", "previous", "next", "last"}
    assert offset_of(links(middle)["previous"]) == 0
    assert offset_of(links(middle)["next"]) == 4
    last = match(api, "_count=2&_offset=4", url=url)
    assert set(links(last)) == {"self", "first", "previous", "last"}
    assert studies(first) + studies(middle) + studies(last) == everything
    assert len(everything) == 5
    assert urlsplit(links(middle)["next"]).path == url


def test_one_match_page_has_no_previous_or_next(api, five_trials):
    body = match(api)
    assert body["total"] == 5 and len(studies(body)) == 5
    assert set(links(body)) == {"self", "first", "last"}


def test_a_filter_counts_in_the_total(api, five_trials, care_ms_i):
    care_ms_i.phases = ["PHASE2"]
    care_ms_i.save()
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "subject", "resource": patient_bundle()},
            {"name": "phase", "valueString": "phase-3"},
        ],
    }
    found = match(api, "_count=2", body)
    assert found["total"] == 4 and len(studies(found)) == 2
    rest = match(api, "_count=2&_offset=2", body)
    assert "NCT00530348" not in studies(found) + studies(rest)
    assert "next" not in links(rest)


@pytest.mark.parametrize(
    "query, field",
    [
        ("_count=0", "_count"),
        ("_count=101", "_count"),
        ("_offset=-1", "_offset"),
        ("_offset=x", "_offset"),
        ("_offset=", "_offset"),
        ("_ofset=2", "_ofset"),
        ("page=2", "page"),
    ],
)
def test_a_bad_paging_parameter_is_an_operation_outcome_naming_it(api, five_trials, query, field):
    for response in (
        api.post(f"{MATCH}?{query}", json.dumps(patient_bundle()), content_type=FHIR_JSON),
        api.get(f"{SEARCH}?{query}"),
    ):
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert any(field in issue.get("expression", []) for issue in body["issue"]), body


# --- what $match did not use, per trial -------------------------------------------------


def unused_of(entry) -> list[dict]:
    found = []
    for extension in entry["search"].get("extension", []):
        if extension["url"] != UNUSED_RESOURCE_EXTENSION:
            continue
        parts: dict = {"expression": []}
        for part in extension["extension"]:
            if part["url"] == "expression":
                parts["expression"].append(part["valueString"])
            else:
                parts[part["url"]] = part.get("valueCode", part.get("valueString"))
        found.append(parts)
    return found


def test_each_trial_names_the_resources_it_could_not_use(api, five_trials):
    body = match(api, "_count=2", patient_bundle(PRELIMINARY_EDSS, PROCEDURE))
    issues = outcome_issues(body)
    edss = next(i for i in issues if "Bundle.entry[2].resource.status" in i["expression"])
    procedure = next(i for i in issues if "Procedure" in i["diagnostics"])
    entries = [e for e in body["entry"] if e["search"]["mode"] == "match"]
    assert len(entries) == 2
    for entry in entries:
        unused = unused_of(entry)
        texts = {u["diagnostics"] for u in unused}
        assert edss["diagnostics"] in texts and procedure["diagnostics"] in texts
        left_out = next(u for u in unused if u["diagnostics"] == edss["diagnostics"])
        assert left_out["severity"] == "warning"
        assert left_out["expression"] == ["Bundle.entry[2].resource.status"]


def test_a_record_used_in_full_has_no_unused_resource_note(api, five_trials):
    body = match(api)
    for entry in body["entry"]:
        if entry["search"]["mode"] == "match":
            assert unused_of(entry) == []


def test_notes_about_the_parameters_are_not_per_trial(api, five_trials):
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "subject", "resource": patient_bundle(PROCEDURE)},
            {"name": "colour", "valueString": "blue"},
        ],
    }
    found = match(api, "", body)
    assert any("colour" in i["diagnostics"] for i in outcome_issues(found))
    for entry in found["entry"]:
        if entry["search"]["mode"] == "match":
            texts = " ".join(u["diagnostics"] for u in unused_of(entry))
            assert "Procedure" in texts and "colour" not in texts
