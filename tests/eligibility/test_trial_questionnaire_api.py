import pytest

URL = "/api/v1/trials/{}/questionnaire/"


@pytest.mark.django_db
class TestTrialQuestionnaireApi:
    def test_it_lists_the_questions_the_criteria_need(self, client, care_ms_ii):
        body = client.get(URL.format("NCT00548405")).json()
        keys = [q["key"] for q in body["questions"]]
        assert "birth_date" in keys and "age" not in keys
        assert {"edss", "ms_diagnosis", "treatments_ever", "relapses_last_24_months"} <= set(keys)
        assert "sex" not in keys  # CARE-MS II is open to every sex

    def test_each_question_carries_type_choices_and_range(self, client, care_ms_ii):
        body = client.get(URL.format("NCT00548405")).json()
        edss = next(q for q in body["questions"] if q["key"] == "edss")
        assert (edss["type"], edss["min"], edss["max"], edss["step"]) == ("number", 0, 10, 0.5)
        course = next(q for q in body["questions"] if q["key"] == "ms_course")
        assert "relapsing_remitting" in [c["value"] for c in course["choices"]]
        assert body["criteria_version"] == care_ms_ii.criteria_version

    def test_it_speaks_spanish(self, client, care_ms_ii):
        english = client.get(URL.format("NCT00548405")).json()
        spanish = client.get(URL.format("NCT00548405") + "?lang=es").json()
        assert spanish["language"] == "es"
        assert spanish["questions"][0]["text"] != english["questions"][0]["text"]

    def test_unknown_trial_is_404(self, client, db):
        assert client.get(URL.format("NCT00000000")).status_code == 404
