import datetime

import pytest

from eligibility.services import questionnaire_next, screening_evaluate

TODAY = datetime.date(2026, 11, 25)


def walk(trials, profile):
    """Answer whatever the questionnaire asks from ``profile``; return the keys asked."""
    answers, asked = {}, []
    while (key := questionnaire_next(trials=trials, answers=answers, today=TODAY)) is not None:
        assert key not in asked, f"{key} asked twice"
        asked.append(key)
        answers[key] = profile.get(key, "unsure")
    return asked, answers


@pytest.mark.django_db
class TestQuestionnaireNext:
    @pytest.mark.parametrize(
        "failing",
        [
            {"birth_date": "1950-01-01"},
            {"ms_diagnosis": "no"},
            {"edss": 8.0},
            {"ms_course": "primary_progressive"},
            {"treatments_ever": ["alemtuzumab"]},
        ],
    )
    def test_a_single_failing_answer_ends_the_questionnaire(self, care_ms_ii, failing):
        assert questionnaire_next(trials=[care_ms_ii], answers={}, today=TODAY) is not None
        assert questionnaire_next(trials=[care_ms_ii], answers=failing, today=TODAY) is None

    def test_the_candidate_walk_ends_eligible(self, care_ms_ii, candidate_answers):
        profile = {**candidate_answers, "birth_date": "1992-03-01"}
        profile.pop("age")
        asked, answers = walk([care_ms_ii], profile)
        outcome = screening_evaluate(trial=care_ms_ii, answers=answers, today=TODAY, save=False)
        assert outcome.verdict == "eligible"
        assert "sex" not in asked

    def test_an_older_patient_is_asked_one_question_only(self, care_ms_ii):
        # Every question could settle this one trial; the registry's order puts age first,
        # and a 76-year-old's answer rules them out at once.
        asked, answers = walk([care_ms_ii], {"birth_date": "1950-06-01"})
        assert asked == ["birth_date"]
        outcome = screening_evaluate(trial=care_ms_ii, answers=answers, today=TODAY, save=False)
        assert outcome.verdict == "ineligible"

    def test_across_two_trials_it_asks_until_both_are_settled(
        self, care_ms_ii, care_ms_i, candidate_answers
    ):
        profile = {**candidate_answers, "birth_date": "1992-03-01"}
        profile.pop("age")
        asked, answers = walk([care_ms_ii, care_ms_i], profile)
        two = screening_evaluate(trial=care_ms_ii, answers=answers, today=TODAY, save=False)
        one = screening_evaluate(trial=care_ms_i, answers=answers, today=TODAY, save=False)
        assert (two.verdict, one.verdict) == ("eligible", "ineligible")

    def test_it_rejects_invalid_answers(self, care_ms_ii):
        from eligibility.engine.facts import InvalidAnswers

        with pytest.raises(InvalidAnswers):
            questionnaire_next(trials=[care_ms_ii], answers={"edss": 11}, today=TODAY)
