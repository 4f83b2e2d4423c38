"""finder.ctgov: reading v2 study JSON into dataclasses (no database)."""

import json
from decimal import Decimal

import pytest

from finder.ctgov import (
    StudyParseError,
    iter_document_studies,
    iter_raw_studies,
    parse_age,
    parse_raw_study,
    parse_study,
)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", Decimal("18")),
        ("1 Year", Decimal("1")),
        ("6 Months", Decimal("0.5")),
        ("18 Months", Decimal("1.5")),
        ("2 Weeks", Decimal("0.04")),
        ("30 Days", Decimal("0.08")),
        ("  65 years ", Decimal("65")),
        ("N/A", None),
        ("", None),
        (None, None),
    ],
)
def test_parses_ages_into_years(text, years):
    assert parse_age(text) == years


@pytest.mark.parametrize("text", ["eighteen", "18", "18 Decades", "-3 Years", "Years 18"])
def test_rejects_unreadable_ages(text):
    with pytest.raises(ValueError, match="is not an age"):
        parse_age(text)


def test_reads_every_module_of_a_full_record(full_study):
    study = parse_study(full_study)

    assert study.nct_id == "NCT04000001"
    assert study.acronym == "EXAMPLE-RMS"
    assert study.official_title.startswith("A Phase 3, Randomized")
    assert study.overall_status == "RECRUITING"
    assert study.start_date == "2024-03-15"
    assert study.completion_date == "2028-01"
    assert str(study.last_update_posted) == "2025-02-10"
    assert study.sponsor == "Example Pharma Inc."
    assert study.collaborators == ("Example CRO GmbH",)
    assert study.conditions == ("Relapsing Multiple Sclerosis",)
    assert study.keywords == ("RMS", "monoclonal antibody")
    assert study.phases == ("PHASE3",)
    assert (study.enrollment, study.enrollment_type) == (600, "ESTIMATED")
    assert study.masking == "QUADRUPLE"
    assert [a.label for a in study.arms] == ["Examplimab", "Placebo"]
    assert study.interventions[0].arm_labels == ("Examplimab",)
    assert study.interventions[0].other_names == ("EXM-101",)
    assert (study.minimum_age_years, study.maximum_age_years) == (18, 55)
    assert study.healthy_volunteers is False
    palo_alto = study.locations[0]
    assert (palo_alto.latitude, palo_alto.longitude) == (37.44188, -122.14302)
    assert palo_alto.contact_name == "Study Coordinator"
    assert palo_alto.contact_phone == "650-555-0101 ext. 12"
    assert not study.locations[2].has_coordinates


def test_tolerates_every_optional_module_missing(data_dir):
    study = parse_study(json.loads((data_dir / "NCT04000002_sparse.json").read_text()))

    assert study.nct_id == "NCT04000002"
    assert study.arms == () and study.locations == () and study.phases == ()
    assert study.sex == "ALL"
    assert study.minimum_age_years is None and study.enrollment is None
    assert study.has_placebo_group is None


def test_derives_placebo_group_from_arm_types(full_study, data_dir):
    studies = json.loads((data_dir / "studies_list.json").read_text())

    assert parse_study(full_study).has_placebo_group is True
    assert parse_study(studies[0]).has_placebo_group is False


@pytest.mark.parametrize(
    ("phases", "expected"),
    [(["NA"], ("NA",)), (["Phase 2", "Phase 3"], ("PHASE2", "PHASE3")), (["N/A"], ("NA",))],
)
def test_maps_phases_to_registry_vocabulary(full_study, phases, expected):
    full_study["protocolSection"]["designModule"]["phases"] = phases
    assert parse_study(full_study).phases == expected


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["identificationModule"].pop("nctId"), "nctId: missing"),
        (lambda p: p["identificationModule"].update(nctId="NCT123"), "is not an NCT id"),
        (lambda p: p["identificationModule"].update(nctId=4000001), "must be a string"),
        (lambda p: p["designModule"]["enrollmentInfo"].update(count="600"), "whole number"),
        (lambda p: p["eligibilityModule"].update(healthyVolunteers="No"), "true or false"),
        (lambda p: p["eligibilityModule"].update(minimumAge="eighteen"), "is not an age"),
        (lambda p: p["eligibilityModule"].update(minimumAge="60 Years"), "above maximumAge"),
        (lambda p: p["eligibilityModule"].update(sex="BOTH"), "is not ALL, FEMALE or MALE"),
        (lambda p: p["conditionsModule"].update(conditions="MS"), "must be a list"),
        (lambda p: p["armsInterventionsModule"]["armGroups"].append("Arm C"), "must be an object"),
        (lambda p: p.update(designModule=[]), "designModule: must be an object"),
        (
            lambda p: p["contactsLocationsModule"]["locations"][0]["geoPoint"].update(lat=137.0),
            "is not on Earth",
        ),
    ],
)
def test_refuses_wrong_types_and_bad_values_naming_the_field(full_study, mutate, message):
    mutate(full_study["protocolSection"])
    with pytest.raises(StudyParseError, match=message):
        parse_study(full_study)


@pytest.mark.parametrize("document", [42, "NCT04000001", None, [], {"hasResults": False}])
def test_refuses_a_study_that_is_not_a_record(document):
    with pytest.raises(StudyParseError):
        parse_study(document)


def test_finds_studies_in_every_document_shape(full_study):
    page = {"studies": [full_study, full_study], "nextPageToken": "x"}

    assert len(list(iter_document_studies(full_study, source="one"))) == 1
    assert len(list(iter_document_studies([full_study] * 3, source="list"))) == 3
    assert len(list(iter_document_studies(page, source="page"))) == 2
    assert list(iter_document_studies({"studies": []}, source="empty")) == []


def test_labels_a_bad_study_by_nct_id_or_position(data_dir):
    raws = list(iter_raw_studies([data_dir / "malformed.json"]))

    assert raws[2].label == "NCT04000012"
    assert raws[1].label.endswith("malformed.json #2")
    assert raws[4].label.endswith("malformed.json #5")


def test_reads_a_bulk_zip_member_by_member_skipping_non_json(bulk_zip):
    raws = list(iter_raw_studies([bulk_zip]))

    assert [r.label for r in raws] == ["NCT04000001", "NCT04000002", "NCT04000005", "NCT04000006"]
    assert raws[1].source.endswith("ctg-studies/sub/NCT04000002.json")


def test_reports_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"protocolSection": ', encoding="utf-8")
    [raw] = iter_raw_studies([path])

    with pytest.raises(StudyParseError, match="not readable as JSON"):
        parse_raw_study(raw)
