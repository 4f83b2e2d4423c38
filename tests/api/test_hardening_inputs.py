"""Issue 21, partner API hardening: bad input is a 4xx naming the field, and an error
never repeats what was sent.

- ``POST /api/v1/referrals/``: a bad ``language`` is a 400 naming the field and the
  allowed values, never the value sent (it could be patient data or hostile text);
- the referral endpoints and the FHIR ResearchStudy read take no query parameters: an
  unknown one is a 400 naming it (``config.api.NoParams``, as everywhere else);
- the FHIR ResearchStudy search refuses a blank ``condition=`` (an OperationOutcome
  naming ``condition``) instead of searching every trial.
"""

import pytest

from referrals.models import Referral
from tests.api.conftest import assert_problem
from tests.factories import ELIGIBLE_ANSWERS
from tests.referrals.factories import SiteMembershipFactory, referral_for

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"
FHIR_READ = "/api/v1/fhir/ResearchStudy/NCT00548405"
FHIR_SEARCH = "/api/v1/fhir/ResearchStudy"
#: A value a caller should never see again in an error (patient text, markup).
HOSTILE = "Alice Zebrowski <script>alert(1)</script>"


@pytest.fixture
def site(care_ms_ii):
    """A site of CARE-MS II with a study team, so a good referral is a 201."""
    site = care_ms_ii.sites.get(facility="Stanford Neurology")
    SiteMembershipFactory(site=site)
    return site


def referral_body(target, **overrides):
    body = {
        "trial": target.trial.nct_id,
        "site": target.pk,
        "answers": ELIGIBLE_ANSWERS,
        "contact": {"name": "Alice Zebrowski", "email": "alice@example.org"},
        "consent": True,
    }
    body.update(overrides)
    return body


def refer(client, body, query=""):
    return client.post(f"{REFERRALS}{query}", body, format="json")


def problem_text(response) -> str:
    return response.content.decode()


# --- the referral's language ---------------------------------------------------------------


@pytest.mark.parametrize(
    "language", [HOSTILE, "xx", "fr", "EN-gb", 3, ["es"], {"es": HOSTILE}, [HOSTILE]]
)
def test_a_bad_language_names_the_field_and_the_allowed_values_only(keyed_api, site, language):
    response = refer(keyed_api, referral_body(site, language=language))
    body = assert_problem(response, 400, "language")
    [error] = body["errors"]
    assert error == {"field": "language", "message": "must be one of: en, es"}
    assert body["detail"] == "language: must be one of: en, es"
    text = problem_text(response)
    for sent in ("Alice", "script", "xx", '"fr"', "EN-gb", '"3"', "['es']", "not a valid choice"):
        assert sent not in text, sent
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"trial": HOSTILE}, "trial"),
        ({"trial": [HOSTILE]}, "trial"),
        ({"site": HOSTILE}, "site"),
        ({"site": [HOSTILE]}, "site"),
        ({"answers": HOSTILE}, "answers"),
        ({"answers": {"age": HOSTILE}}, "answers.age"),
        ({"contact": HOSTILE}, "contact"),
        ({"contact": {"name": "A", "email": HOSTILE}}, "contact.email"),
        ({"contact": {"name": "A", "phone": HOSTILE}}, "contact.phone"),
        ({"contact": {"name": [HOSTILE], "email": {"x": HOSTILE}}}, "contact.name"),
        ({"consent": HOSTILE}, "consent"),
    ],
)
def test_no_field_error_of_a_referral_repeats_the_value_sent(keyed_api, site, overrides, field):
    response = refer(keyed_api, referral_body(site, **overrides))
    assert_problem(response, 400, field)
    assert "Alice" not in problem_text(response)
    assert "script" not in problem_text(response)


def test_the_good_languages_still_work(keyed_api, site):
    assert refer(keyed_api, referral_body(site, language="es")).status_code == 201
    assert Referral.objects.get().language == "es"


# --- unknown query parameters --------------------------------------------------------------


@pytest.mark.parametrize("query", ["?debug=1", "?lang=es", "?language=es", "?debug="])
def test_a_referral_post_refuses_an_unknown_query_parameter(keyed_api, site, query):
    name = query[1:].split("=")[0]
    body = assert_problem(refer(keyed_api, referral_body(site), query), 400, name)
    assert "Unknown parameter" in body["detail"]
    assert not Referral.objects.exists()


def test_a_referral_post_names_each_unknown_query_parameter(keyed_api, site):
    body = assert_problem(refer(keyed_api, referral_body(site), "?a=1&b=2"), 400, "a", "b")
    assert {e["field"] for e in body["errors"]} == {"a", "b"}


def test_a_long_unknown_name_is_cut_short(keyed_api, site):
    body = assert_problem(refer(keyed_api, referral_body(site), f"?{'x' * 500}=1"), 400)
    assert all(len(e["field"]) <= 64 for e in body["errors"])


@pytest.fixture
def referral(keyed_api, site):
    response = refer(keyed_api, referral_body(site))
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def test_a_referral_status_read_refuses_an_unknown_query_parameter(keyed_api, referral):
    url = f"{REFERRALS}{referral}/"
    assert keyed_api.get(url).status_code == 200
    body = assert_problem(keyed_api.get(url, {"fields": "contact"}), 400, "fields")
    assert "Unknown parameter" in body["detail"]


def test_an_unknown_parameter_on_a_referral_read_is_audited_as_nothing(keyed_api, referral):
    from referrals.models import AuditAction, AuditEvent

    views = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    keyed_api.get(f"{REFERRALS}{referral}/", {"debug": "1"})
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == views


def test_an_other_partners_referral_is_still_a_404_without_parameters(keyed_api, site):
    reference = referral_for(site=site).reference
    assert_problem(keyed_api.get(f"{REFERRALS}{reference}/"), 404)


def test_a_referral_endpoint_without_a_key_is_still_a_401(api, site):
    assert api.post(f"{REFERRALS}?debug=1", {}, format="json").status_code == 401


def outcome_expressions(response) -> set[str]:
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return {e for issue in body["issue"] for e in issue.get("expression", [])}


@pytest.mark.parametrize("query", [{"conditon": "ms"}, {"_elements": "id"}, {"lang": "es"}])
def test_the_fhir_read_refuses_an_unknown_parameter(api, care_ms_ii, query):
    response = api.get(FHIR_READ, query)
    assert response.status_code == 400
    assert outcome_expressions(response) == set(query)


def test_the_fhir_read_without_parameters_still_works(api, care_ms_ii):
    response = api.get(FHIR_READ)
    assert response.status_code == 200
    assert response.json()["id"] == "NCT00548405"


def test_an_unknown_fhir_read_is_still_a_404(api, care_ms_ii):
    assert api.get("/api/v1/fhir/ResearchStudy/NCT99999999").status_code == 404


# --- a blank FHIR condition ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["?condition=", "?condition=%20%20", "?_count=5&condition=", "?condition=ms&condition="],
)
def test_a_blank_fhir_condition_is_a_400_naming_it(api, catalog, query):
    response = api.get(f"{FHIR_SEARCH}{query}")
    assert response.status_code == 400, response.content
    assert outcome_expressions(response) == {"condition"}


def test_a_fhir_search_without_a_condition_still_finds_every_trial(api, catalog):
    response = api.get(FHIR_SEARCH)
    assert response.status_code == 200
    assert response.json()["total"] == 2
