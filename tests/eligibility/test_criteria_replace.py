import pytest
from django.core.exceptions import ValidationError

from eligibility.models import CriterionSource
from eligibility.services import criteria_replace
from tests.factories import TrialFactory

AGE = {
    "kind": "inclusion",
    "order": 1,
    "patient_text": "People aged 18 to 55",
    "rule": {"fact": "age", "op": "between", "value": [18, 55]},
}
SEX = {
    "kind": "inclusion",
    "order": 2,
    "patient_text": "Women",
    "rule": {"fact": "sex", "op": "in", "value": ["female"]},
}


@pytest.mark.django_db
class TestCriteriaReplace:
    def test_it_bumps_the_version_when_criteria_change(self):
        trial = TrialFactory()
        assert criteria_replace(trial=trial, criteria=[AGE], source="curated") is True
        trial.refresh_from_db()
        assert trial.criteria_version == 2

    def test_it_is_idempotent(self):
        trial = TrialFactory()
        criteria_replace(trial=trial, criteria=[AGE, SEX], source="curated")
        assert criteria_replace(trial=trial, criteria=[SEX, AGE], source="curated") is False
        trial.refresh_from_db()
        assert trial.criteria_version == 2
        assert trial.criteria.count() == 2

    def test_it_refuses_an_invalid_rule_naming_the_criterion_and_part(self):
        trial = TrialFactory()
        bad = {**SEX, "rule": {"fact": "sex", "op": "in", "value": ["martian"]}}
        with pytest.raises(ValidationError) as error:
            criteria_replace(trial=trial, criteria=[AGE, bad], source="curated")
        message = str(error.value)
        assert "inclusion criterion 2" in message and "value" in message
        assert trial.criteria.count() == 0  # nothing half-written

    def test_it_refuses_an_unknown_fact(self):
        trial = TrialFactory()
        bad = {**AGE, "rule": {"fact": "shoe_size", "op": ">", "value": 3}}
        with pytest.raises(ValidationError, match="shoe_size"):
            criteria_replace(trial=trial, criteria=[bad], source="curated")

    def test_curated_criteria_supersede_registry_ones_on_the_same_facts(self):
        trial = TrialFactory()
        criteria_replace(trial=trial, criteria=[AGE], source="registry")
        criteria_replace(trial=trial, criteria=[{**AGE, "order": 5}], source="curated")
        assert list(trial.criteria.values_list("source", flat=True)) == [CriterionSource.CURATED]
        # and a re-import does not bring the registry duplicate back
        criteria_replace(trial=trial, criteria=[AGE], source="registry")
        assert trial.criteria.count() == 1


@pytest.mark.django_db
def test_registry_and_curated_orders_never_collide():
    trial = TrialFactory()
    criteria_replace(trial=trial, criteria=[AGE], source="curated")
    assert criteria_replace(trial=trial, criteria=[{**SEX, "order": 1}], source="registry")
    assert criteria_replace(trial=trial, criteria=[{**SEX, "order": 1}], source="registry") is False
    assert trial.criteria.count() == 2
