"""finder.importing.trial_upsert_from_study: one study, written idempotently."""

import pytest

from eligibility.models import CriterionSource
from finder.ctgov import parse_study
from finder.importing import Outcome, sites_geocode_later, trial_upsert_from_study
from finder.models import Trial
from sites.models import GeocodeStatus, Site
from tests.finder.conftest import with_changes

pytestmark = pytest.mark.django_db


def upsert(document, **kwargs):
    return trial_upsert_from_study(study=parse_study(document), **kwargs)


def test_creates_the_trial_with_arms_interventions_and_sites(full_study):
    result = upsert(full_study)
    trial = result.trial

    assert result.outcome is Outcome.CREATED
    assert trial.brief_title == "A Study of Examplimab in Relapsing Multiple Sclerosis"
    assert trial.phases == ["PHASE3"] and trial.enrollment == 600
    assert trial.minimum_age_years == 18 and trial.maximum_age_years == 55
    assert trial.has_placebo_group is True
    assert "relapsing multiple sclerosis" in trial.condition_search
    assert [a.label for a in trial.arms.all()] == ["Examplimab", "Placebo"]
    examplimab = trial.interventions.get(name="Examplimab")
    assert [a.label for a in examplimab.arms.all()] == ["Examplimab"]
    assert trial.sites.count() == 3


def test_takes_coordinates_from_geopoint_and_queues_the_rest(full_study):
    trial = upsert(full_study).trial

    palo_alto = trial.sites.get(city="Palo Alto")
    assert (palo_alto.latitude, palo_alto.longitude) == (37.44188, -122.14302)
    assert palo_alto.geocode_status == GeocodeStatus.REGISTRY
    seoul = trial.sites.get(city="Seoul")
    assert seoul.latitude is None and seoul.geocode_status == GeocodeStatus.PENDING
    assert seoul.country_code == "KR"


def test_queues_geocoding_of_pending_sites_after_commit(
    full_study, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "finder.importing.sites_geocode_later", lambda *, site_ids: queued.append(site_ids)
    )
    monkeypatch.setattr("eligibility.tasks.screenings_reevaluate.delay", lambda *a: None)

    with django_capture_on_commit_callbacks(execute=True):
        trial = upsert(full_study).trial

    assert queued == [[trial.sites.get(city="Seoul").pk]]


def test_a_repeated_upsert_changes_and_duplicates_nothing(full_study):
    first = upsert(full_study).trial
    version, updated_at = first.criteria_version, first.updated_at
    site_rows = list(Site.objects.order_by("pk").values())

    second = upsert(full_study)

    assert second.outcome is Outcome.UNCHANGED
    second.trial.refresh_from_db()
    assert second.trial.criteria_version == version
    assert second.trial.updated_at == updated_at
    assert list(Site.objects.order_by("pk").values()) == site_rows
    assert Trial.objects.count() == 1
    assert first.arms.count() == 2 and first.interventions.count() == 2


def test_removes_sites_arms_and_interventions_no_longer_in_the_record(full_study):
    upsert(full_study)
    protocol = full_study["protocolSection"]
    locations = protocol["contactsLocationsModule"]["locations"][:1]
    arms = {
        "armGroups": protocol["armsInterventionsModule"]["armGroups"][:1],
        "interventions": protocol["armsInterventionsModule"]["interventions"][:1],
    }

    result = upsert(
        with_changes(
            full_study,
            contactsLocationsModule={"locations": locations},
            armsInterventionsModule=arms,
        )
    )

    assert result.outcome is Outcome.UPDATED
    assert [s.city for s in result.trial.sites.all()] == ["Palo Alto"]
    assert [a.label for a in result.trial.arms.all()] == ["Examplimab"]
    assert result.trial.has_placebo_group is False
    assert result.trial.interventions.count() == 1


def test_updates_a_changed_site_in_place(full_study):
    site = upsert(full_study).trial.sites.get(city="Paris")
    location = full_study["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["status"] = "RECRUITING"

    assert upsert(full_study).outcome is Outcome.UPDATED
    updated = Site.objects.get(pk=site.pk)
    assert updated.status == "RECRUITING"
    assert updated.updated_at > site.updated_at


def test_never_overwrites_the_curators_patient_facing_facts(full_study):
    trial = upsert(full_study).trial
    Trial.objects.filter(pk=trial.pk).update(
        is_pivotal=True, travel_may_be_covered=True, time_reimbursement="PAID", spots_left=12
    )
    full_study["protocolSection"]["descriptionModule"]["briefSummary"] = "New summary."

    trial = upsert(full_study).trial
    trial.refresh_from_db()

    assert trial.summary == "New summary."
    assert (trial.is_pivotal, trial.travel_may_be_covered) == (True, True)
    assert (trial.time_reimbursement, trial.spots_left) == ("PAID", 12)


def test_keeps_a_curators_manual_site_placement(full_study):
    site = upsert(full_study).trial.sites.get(city="Palo Alto")
    Site.objects.filter(pk=site.pk).update(
        latitude=37.4, longitude=-122.1, geocode_status=GeocodeStatus.MANUAL
    )

    upsert(full_study)

    site.refresh_from_db()
    assert (site.latitude, site.geocode_status) == (37.4, GeocodeStatus.MANUAL)


def test_keeps_the_geocoders_coordinates_when_the_record_has_none(full_study):
    site = upsert(full_study).trial.sites.get(city="Seoul")
    Site.objects.filter(pk=site.pk).update(
        latitude=37.56, longitude=126.97, geocode_status=GeocodeStatus.GAZETTEER
    )

    assert upsert(full_study).outcome is Outcome.UNCHANGED
    site.refresh_from_db()
    assert site.latitude == 37.56


def test_saves_registry_derived_criteria(full_study):
    trial = upsert(full_study).trial

    rules = [c.rule for c in trial.criteria.filter(source=CriterionSource.REGISTRY)]
    assert {"fact": "age", "op": "between", "value": [18, 55]} in rules
    assert {"fact": "ms_diagnosis", "op": "==", "value": "yes"} in rules


def test_replaces_derived_criteria_when_the_age_limits_change(full_study):
    trial = upsert(full_study).trial
    version = trial.criteria_version
    full_study["protocolSection"]["eligibilityModule"]["maximumAge"] = "60 Years"

    trial = upsert(full_study).trial

    assert trial.criteria_version == version + 1
    assert trial.criteria.filter(rule__value=[18, 60]).exists()


def test_marks_the_site_list_as_illustrative_only_when_asked(full_study):
    assert upsert(full_study).trial.sites_are_illustrative is False
    assert upsert(full_study, sites_are_illustrative=True).trial.sites_are_illustrative is True


def test_stores_an_unknown_status_as_unknown(full_study):
    full_study["protocolSection"]["statusModule"]["overallStatus"] = "SOMETHING_NEW"
    assert upsert(full_study).trial.overall_status == "UNKNOWN"


def test_geocoding_is_handed_to_the_sites_task(monkeypatch):
    import sites.tasks

    calls = []
    monkeypatch.setattr(sites.tasks.geocode_sites, "delay", lambda ids: calls.append(ids))

    sites_geocode_later(site_ids=[3, 4])

    assert calls == [[3, 4]]


def test_a_broker_outage_while_queueing_geocoding_is_logged_not_raised(monkeypatch, caplog):
    import sites.tasks

    def broker_down(ids):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(sites.tasks.geocode_sites, "delay", broker_down)

    with caplog.at_level("WARNING", logger="finder.importing"):
        sites_geocode_later(site_ids=[3])  # the import has committed: it must not fail now

    assert [r.getMessage() for r in caplog.records] == ["could not queue geocoding of 1 sites"]
