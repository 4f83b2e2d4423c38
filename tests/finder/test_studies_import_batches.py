"""finder.importing.studies_import in batches: the same rows as study by study, nothing
written for an unchanged record, a changed one written as the per-study path would."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eligibility.models import Criterion, CriterionSource, ReviewStatus
from eligibility.review import Reviewer, criterion_proposal_accept
from eligibility.signals import criteria_changed
from finder.ctgov import RawStudy, iter_raw_studies, parse_raw_study
from finder.importing import studies_import, trial_upsert_from_study
from finder.models import Arm, Intervention, Trial
from sites.models import Site

pytestmark = pytest.mark.django_db

PAGE = (
    Path(__file__).resolve().parents[1] / "data" / "registry" / "ms-recruiting-portland-page.json"
)
NCT = "NCT06408259"
EDSS_LINE = "Has an Expanded Disability Status Scale (EDSS) score of 0 to 5.5, both inclusive."
WRITES = ("INSERT", "UPDATE", "DELETE")


def records() -> list[dict]:
    return copy.deepcopy(json.loads(PAGE.read_text(encoding="utf-8"))["studies"])


def raw(studies: list[dict]) -> list[RawStudy]:
    return [RawStudy(data=s, source="test", position=n) for n, s in enumerate(studies, 1)]


def of(studies: list[dict], nct_id: str) -> dict:
    [study] = [
        s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct_id
    ]
    return study


def rows(model, *order, exclude=("id", "trial", "record_hash")) -> list[dict]:
    """Every row of ``model`` without ids, its trial named by NCT id, timestamps as
    set or not (two imports never run at the same instant)."""
    names = [f.name for f in model._meta.concrete_fields if f.name not in exclude]
    if model is not Trial:
        names.append("trial__nct_id")
    return [
        {k: bool(v) if isinstance(v, datetime.datetime) else v for k, v in row.items()}
        for row in model.objects.order_by(*order).values(*names)
    ]


def catalog() -> dict[str, list]:
    interventions = [
        (i.trial.nct_id, i.type, i.name, i.description, i.other_names, i.order)
        + (sorted(arm.label for arm in i.arms.all()),)
        for i in Intervention.objects.select_related("trial").order_by("trial__nct_id", "order")
    ]
    return {
        "trials": rows(Trial, "nct_id"),
        "arms": rows(Arm, "trial__nct_id", "order"),
        "interventions": interventions,
        "sites": rows(Site, "trial__nct_id", "registry_key"),
        "criteria": rows(Criterion, "trial__nct_id", "source", "kind", "order"),
    }


def imported_study_by_study() -> dict[str, list]:
    for item in iter_raw_studies([PAGE]):
        trial_upsert_from_study(study=parse_raw_study(item))
    return catalog()


def test_a_batch_import_writes_the_rows_the_per_study_import_writes():
    per_study = imported_study_by_study()
    Trial.objects.all().delete()

    report = studies_import(raw_studies=iter_raw_studies([PAGE]), batch_size=2)

    assert report.created == len(per_study["trials"]) == 5 and not report.skipped
    assert catalog() == per_study
    assert Trial.objects.filter(criteria_version=2).count() == 5


def test_a_batch_read_in_worker_processes_writes_the_same_rows(monkeypatch):
    # A batch's lines are read at once, on every core when there are enough of them
    # (eligibility.reader.parallel): forced here for five studies.
    from eligibility.reader import parallel

    per_study = imported_study_by_study()
    Trial.objects.all().delete()
    monkeypatch.setenv("READER_PROCESSES", "2")
    monkeypatch.setattr(parallel, "MIN_LINES", 1)
    used = []
    workers = parallel._workers
    monkeypatch.setattr(parallel, "_workers", lambda n: used.append(n) or workers(n))

    report = studies_import(raw_studies=iter_raw_studies([PAGE]), batch_size=5)

    assert used == [2]
    assert report.created == 5 and not report.skipped
    assert catalog() == per_study


def test_a_batch_import_over_per_study_rows_changes_nothing_but_the_hash():
    per_study = imported_study_by_study()

    report = studies_import(raw_studies=iter_raw_studies([PAGE]))

    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert catalog() == per_study


def test_an_unchanged_reimport_writes_nothing_and_asks_once_a_batch():
    studies_import(raw_studies=raw(records()))

    with CaptureQueriesContext(connection) as queries:
        report = studies_import(raw_studies=raw(records()), batch_size=2)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert len(queries) == 3  # one SELECT for each batch of 2, 2 and 1


def test_an_unchanged_record_is_not_parsed(monkeypatch):
    studies_import(raw_studies=raw(records()))

    def no_parse(raw):
        raise AssertionError(f"{raw.label} was parsed")

    monkeypatch.setattr("finder.importing.parse_raw_study", no_parse)
    assert studies_import(raw_studies=raw(records())).unchanged == 5


def test_a_changed_study_in_a_batch_is_updated_and_only_it():
    studies_import(raw_studies=raw(records()))
    versions = dict(Trial.objects.values_list("nct_id", "criteria_version"))
    studies = records()
    module = of(studies, NCT)["protocolSection"]
    module["identificationModule"]["briefTitle"] = "Ozanimod in paediatric RRMS (amended)"
    module["eligibilityModule"]["eligibilityCriteria"] += "\n* Able to swallow capsules."

    report = studies_import(raw_studies=raw(studies))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    trial = Trial.objects.get(nct_id=NCT)
    assert trial.brief_title == "Ozanimod in paediatric RRMS (amended)"
    assert trial.criteria.filter(clinical_text="Able to swallow capsules.").exists()
    assert dict(Trial.objects.values_list("nct_id", "criteria_version")) == {
        **versions,
        NCT: versions[NCT] + 1,
    }


def test_a_changed_study_keeps_the_curators_decisions_on_its_unchanged_lines():
    studies_import(raw_studies=raw(records()))
    edss = Criterion.objects.get(trial__nct_id=NCT, clinical_text=EDSS_LINE)
    criterion_proposal_accept(criterion=edss, reviewer=Reviewer(label="curator"))
    studies = records()
    module = of(studies, NCT)["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] += "\n* Able to swallow capsules."

    assert studies_import(raw_studies=raw(studies)).updated == 1

    edss.refresh_from_db()
    assert edss.review_status == ReviewStatus.ACCEPTED and edss.rule is not None
    added = Criterion.objects.get(trial__nct_id=NCT, clinical_text="Able to swallow capsules.")
    assert added.review_status == ReviewStatus.PENDING and added.source == CriterionSource.LINE


def test_screenings_are_reevaluated_only_for_a_trial_whose_criteria_changed(
    django_capture_on_commit_callbacks,
):
    sent: list[int] = []

    def receiver(sender, *, trial_id, **kwargs):
        sent.append(trial_id)

    criteria_changed.connect(receiver, dispatch_uid="test-batches")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            studies_import(raw_studies=raw(records()))
        assert sent == []  # new trials have no screenings to re-evaluate

        studies = records()
        of(studies, NCT)["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] += (
            "\n* Able to swallow capsules."
        )
        first = of(studies, "NCT06441617")["protocolSection"]["identificationModule"]
        first["briefTitle"] = "A retitled study, same criteria"
        with django_capture_on_commit_callbacks(execute=True):
            report = studies_import(raw_studies=raw(studies))
    finally:
        criteria_changed.disconnect(dispatch_uid="test-batches")

    assert report.updated == 2
    assert sent == [Trial.objects.get(nct_id=NCT).pk]


def test_the_site_index_is_told_once_a_batch(monkeypatch, django_capture_on_commit_callbacks):
    told = []
    monkeypatch.setattr("finder.importing.site_index_invalidate", lambda: told.append(1))
    monkeypatch.setattr("sites.index.site_index_invalidate", lambda: told.append("per row"))
    # The geocoder, run in process here, saves the sites it places (and tells the index).
    monkeypatch.setattr("finder.importing.sites_geocode_later", lambda *, site_ids: None)

    with django_capture_on_commit_callbacks(execute=True):
        studies_import(raw_studies=raw(records()), batch_size=2)

    assert told == [1, 1, 1]


def test_a_record_listed_twice_is_written_twice_the_later_winning():
    first, second = records()[0], records()[0]
    second["protocolSection"]["identificationModule"]["briefTitle"] = "The later record"

    report = studies_import(raw_studies=raw([first, second]))

    assert (report.created, report.updated) == (1, 1)
    assert Trial.objects.get().brief_title == "The later record"


def test_a_batch_the_database_refuses_is_written_study_by_study():
    # A lower-case NCT id escapes the batch's duplicate check: both records would be
    # inserted, the unique constraint refuses the batch, and study by study the later
    # record updates the first.
    studies = records()
    twin = copy.deepcopy(studies[0])
    ident = twin["protocolSection"]["identificationModule"]
    ident["nctId"] = ident["nctId"].lower()
    ident["briefTitle"] = "The later record"

    report = studies_import(raw_studies=raw([*studies, twin]))

    assert (report.created, report.updated, report.skipped) == (5, 1, [])
    assert Trial.objects.get(nct_id=ident["nctId"].upper()).brief_title == "The later record"


def test_a_malformed_study_in_a_batch_is_skipped_and_the_rest_land():
    studies = records()
    del studies[1]["protocolSection"]["identificationModule"]["nctId"]

    report = studies_import(raw_studies=raw(studies))

    assert report.created == 4
    assert [s.reason for s in report.skipped] == [
        "protocolSection.identificationModule.nctId: missing"
    ]


def test_sites_the_database_refuses_undo_only_their_study(monkeypatch):
    """The sites of a batch go in with one COPY (PostgreSQL) or one executemany (SQLite);
    a row the database refuses there (a site twice: the unique registry key per trial)
    undoes the batch, which is then written study by study: only that study is skipped,
    with the database's reason, and nothing of it is left half-written."""
    import finder.importing as importing

    real = importing._site_rows
    studies = records()
    bad = studies[2]["protocolSection"]["identificationModule"]["nctId"]

    def site_rows(locations):
        rows = real(locations)
        if rows and studies_by_locations.get(id(locations)) == bad:
            return [*rows, rows[0]]
        return rows

    studies_by_locations: dict[int, str] = {}
    real_parse = importing.parse_raw_study

    def parse(raw):
        study = real_parse(raw)
        studies_by_locations[id(study.locations)] = study.nct_id
        return study

    monkeypatch.setattr(importing, "_site_rows", site_rows)
    monkeypatch.setattr(importing, "parse_raw_study", parse)

    report = studies_import(raw_studies=raw(studies))

    assert report.created == len(studies) - 1
    assert [s.label for s in report.skipped] == [raw(studies)[2].label]
    assert report.skipped[0].reason.startswith("the database refused it")
    assert not Trial.objects.filter(nct_id=bad).exists()
    assert not Site.objects.filter(trial__nct_id=bad).exists()
    with_sites = [s for n, s in enumerate(studies) if n != 2 and study_locations(s)]
    assert with_sites
    for study in with_sites:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
        assert Site.objects.filter(trial__nct_id=nct_id).count() == len(
            real(parse_raw_study(raw([study])[0]).locations)
        )


def study_locations(study: dict) -> list:
    return study["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
