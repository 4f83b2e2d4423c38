import pytest

from eligibility.models import Screening

URL = "/api/v1/trials/{}/eligibility/"


def post(client, nct_id, body, **extra):
    return client.post(URL.format(nct_id), body, content_type="application/json", **extra)


@pytest.mark.django_db
class TestTrialEligibilityApi:
    def test_it_finds_the_typical_candidate_eligible(self, client, care_ms_ii, candidate_answers):
        response = post(client, "NCT00548405", {"answers": candidate_answers})
        assert response.status_code == 200
        body = response.json()
        assert body["nct_id"] == "NCT00548405"
        assert body["verdict"] == "eligible"
        assert body["missing"] == []
        assert body["criteria_version"] == care_ms_ii.criteria_version
        assert {c["status"] for c in body["criteria"]} == {"pass"}
        assert set(body["criteria"][0]) >= {"id", "kind", "text", "status", "explanation"}

    def test_it_explains_an_age_failure_with_the_actual_value(self, client, care_ms_ii):
        response = post(client, "NCT00548405", {"answers": {"age": 58}})
        body = response.json()
        assert body["verdict"] == "ineligible"
        age = next(c for c in body["criteria"] if c["status"] == "fail")
        assert "18 to 55" in age["explanation"] and "58" in age["explanation"]

    def test_empty_answers_are_possibly_eligible_with_everything_missing(self, client, care_ms_ii):
        body = post(client, "NCT00548405", {"answers": {}}).json()
        assert body["verdict"] == "possibly_eligible"
        assert "age" in body["missing"] and "edss" in body["missing"]

    def test_it_speaks_spanish_when_asked(self, client, care_ms_ii):
        body = post(
            client, "NCT00548405", {"answers": {"age": 58}}, HTTP_ACCEPT_LANGUAGE="es"
        ).json()
        failing = next(c for c in body["criteria"] if c["status"] == "fail")
        assert "Este estudio" in failing["explanation"]

    def test_it_keeps_an_anonymous_screening(self, client, care_ms_ii, candidate_answers):
        body = post(client, "NCT00548405", {"answers": candidate_answers}).json()
        screening = Screening.objects.get(pk=body["screening_id"])
        assert screening.verdict == "eligible"
        assert screening.criteria_version == care_ms_ii.criteria_version
        assert screening.answers["age"] == 34

    def test_unknown_trial_is_404_problem(self, client, db):
        response = post(client, "NCT99999999", {"answers": {}})
        assert response.status_code == 404
        assert response.json()["status"] == 404

    @pytest.mark.parametrize(
        ("answers", "field"),
        [
            ({"age": "34"}, "answers.age"),
            ({"age": 121}, "answers.age"),
            ({"age": True}, "answers.age"),
            ({"edss": 3.25}, "answers.edss"),
            ({"edss": 10.5}, "answers.edss"),
            ({"favourite_colour": "blue"}, "answers.favourite_colour"),
            ({"treatments_ever": ["aspirin"]}, "answers.treatments_ever"),
            ({"treatments_ever": "interferon_beta"}, "answers.treatments_ever"),
            ({"ms_course": "benign"}, "answers.ms_course"),
            ({"birth_date": "2999-01-01"}, "answers.birth_date"),
            ({"birth_date": "01/02/1990"}, "answers.birth_date"),
            (
                {"relapses_last_12_months": 3, "relapses_last_24_months": 2},
                "answers.relapses_last_24_months",
            ),
            ({"age": 30, "birth_date": "1960-01-01"}, "answers.age"),
        ],
    )
    def test_it_rejects_bad_answers_naming_the_key(self, client, care_ms_ii, answers, field):
        before = Screening.objects.count()
        response = post(client, "NCT00548405", {"answers": answers})
        assert response.status_code == 400
        body = response.json()
        assert field in [e["field"] for e in body["errors"]]
        assert Screening.objects.count() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"answers": []}, "answers"),
            ({"answers": "age=34"}, "answers"),
            ({}, "answers"),
            ([1, 2], "body"),
            ({"answers": {}, "extra": 1}, "extra"),
        ],
    )
    def test_it_rejects_a_malformed_body(self, client, care_ms_ii, body, field):
        response = post(client, "NCT00548405", body)
        assert response.status_code == 400
        assert field in [e["field"] for e in response.json()["errors"]]

    def test_it_rejects_a_body_that_is_not_json(self, client, care_ms_ii):
        response = client.post(
            URL.format("NCT00548405"), "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["title"] == "Malformed request body"
        assert Screening.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"age": 58},
        {"age": 34, "ms_course": "primary_progressive", "edss": 7.0},
        "candidate",
    ],
)
def test_the_response_is_what_its_documented_serializer_renders(answers, candidate_answers):
    """The view builds its body directly (for speed); it must stay what the schema's
    serializer says, on every trial of the demo catalog (curated and registry-read)."""
    import json

    from django.core.management import call_command
    from rest_framework.renderers import JSONRenderer

    from eligibility.apis import EligibilityOutputSerializer, eligibility_output
    from eligibility.services import screening_evaluate
    from finder.models import Trial

    call_command("load_demo_catalog", verbosity=0)
    answers = candidate_answers if answers == "candidate" else answers
    trials = list(Trial.objects.all())
    assert len(trials) >= 6
    for trial in trials:
        for lang in ("en", "es"):
            outcome = screening_evaluate(trial=trial, answers=answers, lang=lang)
            direct = eligibility_output(outcome)
            documented = EligibilityOutputSerializer(outcome).data
            assert list(direct) == list(documented)
            assert [list(c) for c in direct["criteria"]] == [
                list(c) for c in documented["criteria"]
            ]
            assert json.loads(JSONRenderer().render(direct)) == json.loads(
                JSONRenderer().render(documented)
            ), trial.nct_id
