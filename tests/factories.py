"""factory_boy factories for the catalog, sites and criteria."""

import json
from pathlib import Path

import factory

from eligibility.models import Criterion, CriterionKind
from finder.models import Arm, OverallStatus, Trial
from sites.models import GeocodeStatus, Site, SiteStatus


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial
        django_get_or_create = ("nct_id",)

    nct_id = factory.Sequence(lambda n: f"NCT9{n:07d}")
    brief_title = factory.Sequence(lambda n: f"A study of treatment {n} in relapsing MS")
    official_title = factory.LazyAttribute(lambda o: f"Official: {o.brief_title}")
    summary = "A study for people with relapsing multiple sclerosis."
    conditions = factory.LazyFunction(lambda: ["Multiple Sclerosis"])
    phases = factory.LazyFunction(lambda: ["PHASE3"])
    overall_status = OverallStatus.RECRUITING
    study_type = "INTERVENTIONAL"
    sponsor = "Example Sponsor"


class ArmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arm

    trial = factory.SubFactory(TrialFactory)
    label = factory.Sequence(lambda n: f"Group {n}")
    type = "EXPERIMENTAL"
    description = "12 mg a day by infusion."


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    trial = factory.SubFactory(TrialFactory)
    facility = factory.Sequence(lambda n: f"Neurology Clinic {n}")
    city = "Palo Alto"
    state = "California"
    postal_code = "94301"
    country = "United States"
    country_code = "US"
    latitude = 37.4443
    longitude = -122.1598
    status = SiteStatus.RECRUITING
    geocode_status = GeocodeStatus.REGISTRY


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    trial = factory.SubFactory(TrialFactory)
    kind = CriterionKind.INCLUSION
    order = factory.Sequence(lambda n: n + 1)
    clinical_text = "Age 18 to 55 years"
    patient_text = "You are 18 to 55 years old."
    patient_text_es = "Tiene entre 18 y 55 años."
    rule = factory.LazyFunction(lambda: {"fact": "age", "op": "between", "value": [18, 55]})


RULESETS = Path(__file__).resolve().parents[1] / "eligibility" / "rulesets"


def load_ruleset(nct_id: str) -> list[dict]:
    """The curated criteria of a demo trial, as ``criteria_replace`` takes them."""
    return json.loads((RULESETS / f"{nct_id}.json").read_text())


#: A CARE-MS II candidate who meets every criterion, as the API takes the answers.
ELIGIBLE_ANSWERS = {
    "age": 34,
    "ms_diagnosis": "yes",
    "ms_course": "relapsing_remitting",
    "years_since_first_symptoms": 4,
    "edss": 2.5,
    "relapses_last_12_months": 1,
    "relapses_last_24_months": 2,
    "relapse_on_interferon_or_glatiramer": "yes",
    "mri_lesions_confirmed": "yes",
    "treatments_ever": ["interferon_beta"],
    "treatments_last_6_months": ["interferon_beta"],
    "investigational_drug_ever": "no",
}


def as_form(answers: dict) -> dict[str, list[str]]:
    """Answers as the questionnaire form posts them: every value a list of strings."""
    return {
        key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for key, value in answers.items()
    }
