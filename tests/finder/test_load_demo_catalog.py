"""manage.py load_demo_catalog: CARE-MS II and I (curated facts and criteria, 191 illustrative
sites) and four real recruiting MS trials with their real sites and a reviewed catalog."""

import csv
from datetime import date
from io import StringIO

import pytest
import zipcodes
from django.core.management import call_command
from geopy.distance import geodesic

from eligibility.models import CriterionSource
from finder.demo import DEMO_DIR, DemoDataError, demo_locations
from finder.models import Trial
from sites.geocoding import gazetteer
from sites.models import GeocodeStatus, Site

pytestmark = pytest.mark.django_db


def load() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_demo_catalog", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def care_ms_ii():
    load()
    return Trial.objects.get(nct_id="NCT00548405")


def test_loads_care_ms_ii_as_the_seed_page_shows_it(care_ms_ii):
    trial = care_ms_ii

    assert trial.acronym == "CARE-MS II"
    assert trial.brief_title.startswith("Comparison of Alemtuzumab and Rebif")
    assert trial.phases == ["PHASE3"]
    assert trial.sponsor == "Genzyme, a Sanofi Company"
    assert trial.collaborators == ["Bayer"]
    assert trial.enrollment == 840
    # The protocol's 18 to 55, not the seed header's 65.
    assert (trial.minimum_age_years, trial.maximum_age_years) == (18, 55)
    assert trial.sex == "ALL"
    assert trial.summary
    assert trial.has_placebo_group is False
    assert trial.is_pivotal and trial.travel_may_be_covered
    assert trial.time_reimbursement == "VARIES"
    assert trial.waitlist_available and trial.prior_safety_data
    assert (trial.spots_left, trial.spots_left_by) == (45, date(2026, 4, 30))
    assert trial.sites_are_illustrative is True


def test_loads_the_arms_with_dosing_and_the_interventions(care_ms_ii):
    arms = {arm.label: arm for arm in care_ms_ii.arms.all()}

    assert list(arms) == ["Alemtuzumab 24 mg", "Alemtuzumab 12 mg", "Interferon Beta-1a"]
    assert arms["Interferon Beta-1a"].type == "ACTIVE_COMPARATOR"
    assert "44 micrograms" in arms["Interferon Beta-1a"].description
    assert "Month 12" in arms["Alemtuzumab 12 mg"].description
    alemtuzumab = care_ms_ii.interventions.get(name="Alemtuzumab")
    assert {a.label for a in alemtuzumab.arms.all()} == {"Alemtuzumab 24 mg", "Alemtuzumab 12 mg"}


def test_loads_care_ms_i_as_the_contrast_trial():
    load()
    trial = Trial.objects.get(nct_id="NCT00530348")

    assert trial.acronym == "CARE-MS I"
    assert trial.enrollment == 581
    assert (trial.minimum_age_years, trial.maximum_age_years) == (18, 50)
    assert 0 < trial.sites.count() < 191
    assert trial.sites_are_illustrative


def test_loads_the_curated_criteria_and_no_duplicate_registry_ones(care_ms_ii):
    curated = care_ms_ii.criteria.filter(source=CriterionSource.CURATED)

    assert curated.filter(kind="inclusion").count() == 7
    assert curated.filter(kind="exclusion").count() == 5
    # Age and diagnosis are covered by the curated rules; the derived ones give way.
    assert not care_ms_ii.criteria.filter(source=CriterionSource.REGISTRY).exists()


def test_places_191_sites_from_the_gazetteers(care_ms_ii):
    sites = care_ms_ii.sites.all()

    assert sites.count() == 191
    assert not sites.filter(latitude__isnull=True).exists()
    assert set(sites.values_list("geocode_status", flat=True)) == {GeocodeStatus.GAZETTEER}
    assert sites.filter(country_code="US").count() > 50
    assert sites.exclude(country_code="US").values("country_code").distinct().count() > 10
    facilities = sites.values_list("facility", flat=True)
    assert all(facility.endswith("(illustrative)") for facility in facilities)


def test_the_nearest_site_to_palo_alto_is_palo_alto(care_ms_ii):
    [origin] = zipcodes.matching("94301")
    here = (float(origin["lat"]), float(origin["long"]))

    nearest = min(care_ms_ii.sites.all(), key=lambda s: geodesic(here, (s.latitude, s.longitude)))

    assert (nearest.city, nearest.postal_code) == ("Palo Alto", "94304")
    assert nearest.facility == "Palo Alto Neurology Research Center (illustrative)"
    assert geodesic(here, (nearest.latitude, nearest.longitude)).km < 10


def test_loading_again_changes_nothing():
    load()
    snapshot = {
        "trials": list(Trial.objects.order_by("pk").values()),
        "sites": list(Site.objects.order_by("pk").values()),
    }

    out, err = load()

    assert out.strip() == "created 0, updated 0, unchanged 6, skipped 0"
    assert err == ""
    assert list(Trial.objects.order_by("pk").values()) == snapshot["trials"]
    assert list(Site.objects.order_by("pk").values()) == snapshot["sites"]


def test_restores_a_curated_fact_a_demo_user_changed():
    load()
    Trial.objects.filter(nct_id="NCT00548405").update(spots_left=3)

    out, _ = load()

    assert "updated 1," in out
    assert Trial.objects.get(nct_id="NCT00548405").spots_left == 45


def test_the_site_lists_name_places_only():
    # Coordinates come from the gazetteers at load time, never from the data file.
    for path in DEMO_DIR.glob("sites_*.csv"):
        with path.open(encoding="utf-8") as handle:
            assert csv.DictReader(handle).fieldnames == ["city", "state", "postal_code", "country"]


def test_a_place_the_gazetteer_does_not_know_is_a_data_error(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("city,state,postal_code,country\nAtlantis,,,Greece\n", encoding="utf-8")

    with pytest.raises(DemoDataError, match="line 2: cannot place Atlantis"):
        demo_locations(path=path, places=gazetteer())


# --- the four real recruiting trials -------------------------------------------------------

REAL = ("NCT06441617", "NCT06408259", "NCT06433752", "NCT04047628")


def test_loads_the_four_real_trials_with_their_real_sites():
    load()

    for nct_id in REAL:
        trial = Trial.objects.get(nct_id=nct_id)
        assert trial.sites_are_illustrative is False
        assert trial.overall_status == "RECRUITING"
        assert trial.sites.exists()
        assert not trial.sites.filter(facility__contains="(illustrative)").exists()
    # The registry's own statuses, including the sites that do not recruit.
    beat_ms = Trial.objects.get(nct_id="NCT04047628")
    assert beat_ms.sites.values("status").distinct().count() > 1
    assert not Trial.objects.filter(nct_id="NCT06655896").exists()  # the scleroderma study


def test_every_registered_line_of_the_real_trials_is_reviewed():
    load()

    for nct_id in REAL:
        lines = Trial.objects.get(nct_id=nct_id).criteria.filter(source=CriterionSource.LINE)
        assert lines.exists()
        assert not lines.filter(review_status="pending").exists(), nct_id
        # Every line either has a live rule or is left to the study team on purpose.
        for line in lines:
            assert (line.rule is not None) == (line.review_status != "rejected"), line


def test_the_reviewed_rules_are_the_ones_in_the_repository():
    import json

    load()
    reviews = json.loads((DEMO_DIR / "registry" / "reviews.json").read_text(encoding="utf-8"))
    for nct_id, decisions in reviews["trials"].items():
        lines = Trial.objects.get(nct_id=nct_id).criteria.filter(source=CriterionSource.LINE)
        by_text = {(c.kind, c.clinical_text): c for c in lines}
        for decision in decisions:
            criterion = by_text[(decision["kind"], decision["line"])]
            if decision["decision"] == "reject":
                assert criterion.rule is None
            else:
                assert criterion.rule == decision["rule"], (nct_id, decision["line"])


def test_a_changed_proposal_is_not_accepted_unread(monkeypatch):
    import finder.registry_criteria as registry_criteria

    real_read = registry_criteria.read

    def misreading(text, **kwargs):
        reading = real_read(text, **kwargs)
        if reading.proposal and reading.proposal.rule.get("fact") == "edss":
            from dataclasses import replace

            wrong = {"fact": "edss", "op": "<=", "value": 1.0}
            return replace(reading, proposal=replace(reading.proposal, rule=wrong))
        return reading

    monkeypatch.setattr(registry_criteria, "read", misreading)
    out, err = load()

    assert "the proposal is not the one reviewed; left waiting" in out + err
    waiting = Trial.objects.get(nct_id="NCT04047628").criteria.filter(review_status="pending")
    assert [c.clinical_text for c in waiting] == [
        "EDSS ≤ 6.0 at the time of randomization (Day 0)."
    ]
    assert waiting.get().rule is None
