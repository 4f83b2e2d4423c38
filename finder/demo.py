"""The demo catalog: CARE-MS II and CARE-MS I with illustrative sites, and their curated
patient-facing facts and criteria (``finder/demo/``, ``eligibility/rulesets/``); and four
real recruiting MS trials as the registry serves them, with their real sites and a
curator's review of every registered line (``finder/demo/registry/``)."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from eligibility.models import CriterionSource
from eligibility.review import RecordedDecision, Reviewer, trial_decisions_apply
from eligibility.services import criteria_replace
from sites.countries import country_code_for
from sites.geocoding import Gazetteer, gazetteer
from sites.models import GeocodeStatus, SiteStatus

from .ctgov import StudyLocation, parse_study
from .importing import (
    CURATED_TRIAL_FIELDS,
    ImportReport,
    Outcome,
    assign_changes,
    trial_upsert_from_study,
)
from .models import Trial

DEMO_DIR = Path(__file__).resolve().parent / "demo"
RULESETS_DIR = Path(settings.BASE_DIR) / "eligibility" / "rulesets"


#: Who the audit says decided the demo's lines: no person at load time, but the demo
#: catalog's recorded review (``finder/demo/registry/reviews.json``), said plainly.
DEMO_REVIEWER_LABEL = "the demo catalog's recorded review (load_demo_catalog, reviews.json)"


class DemoDataError(Exception):
    """The demo catalog's own data files are inconsistent (a bug in ``finder/demo/``)."""


def demo_locations(
    *, path: Path, places: Gazetteer, status: str = SiteStatus.RECRUITING
) -> tuple[StudyLocation, ...]:
    """The demo sites listed in a CSV (city, state, postal_code, country), placed offline.

    US rows are placed by ZIP centroid, the others by city, with the offline gazetteer of
    ``sites.geocoding``. Facility names are made up from the city and say
    "(illustrative)". A row the gazetteer cannot place is a bug in the data file and
    raises :class:`DemoDataError`.
    """
    locations = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            city, country = row["city"].strip(), row["country"].strip()
            code = country_code_for(country) or ""
            zip_code = row.get("postal_code", "").strip()
            point = (
                places.zip_point(zip_code)
                if code == "US" and zip_code
                else places.city_point(city, code)
            )
            if point is None:
                raise DemoDataError(f"{path.name} line {line}: cannot place {city}, {country}")
            locations.append(
                StudyLocation(
                    facility=f"{city} Neurology Research Center (illustrative)",
                    city=city,
                    state=row.get("state", "").strip(),
                    postal_code=zip_code,
                    country=country,
                    status=status,
                    latitude=point[0],
                    longitude=point[1],
                    coordinates_source=GeocodeStatus.GAZETTEER,
                )
            )
    return tuple(locations)


@transaction.atomic
def demo_catalog_load(
    *, directory: Path = DEMO_DIR, rulesets: Path = RULESETS_DIR, registry: bool = True
) -> ImportReport:
    """Load the demo catalog (``directory/catalog.json``); running it again changes nothing.

    ``registry=False`` leaves out the real registry trials and loads only the CARE-MS
    demonstration (what tests of the demonstration's flows want).

    Each trial's registry-shaped record goes through :func:`trial_upsert_from_study` with
    its illustrative sites, then the curated patient-facing facts are set and the curated
    criteria (``rulesets/<NCT id>.json``) replace any curated ones. A missing ruleset is
    reported in ``warnings`` but does not stop the load.
    """
    manifest = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
    places = gazetteer()
    report = ImportReport()
    for entry in manifest.get("registry", []) if registry else []:
        registry_page_load(
            page=directory / entry["page"], reviews=directory / entry["reviews"], report=report
        )
    for entry in manifest["trials"]:
        study = parse_study(json.loads((directory / entry["study"]).read_text(encoding="utf-8")))
        if entry.get("sites"):
            locations = demo_locations(path=directory / entry["sites"], places=places)
            study = dataclasses.replace(study, locations=locations)
        result = trial_upsert_from_study(study=study, sites_are_illustrative=True)
        changed = _curated_fields_set(result.trial, entry.get("curated", {}))
        ruleset = rulesets / f"{study.nct_id}.json"
        if ruleset.exists():
            criteria = json.loads(ruleset.read_text(encoding="utf-8"))
            changed |= criteria_replace(
                trial=result.trial, criteria=criteria, source=CriterionSource.CURATED
            )
        else:
            report.warnings.append(
                f"{study.nct_id}: no curated criteria at {ruleset}; only the registry's rules"
            )
        if result.outcome is Outcome.UNCHANGED and changed:
            report.count(Outcome.UPDATED)
        else:
            report.count(result.outcome)
    return report


def registry_page_load(*, page: Path, reviews: Path, report: ImportReport) -> None:
    """Import real registry records as they are, then apply a curator's recorded review of
    their lines (``reviews``) to the lines still waiting. Idempotent: a second load finds
    the records unchanged and nothing waiting. A recorded decision that cannot be applied
    (its line is no longer registered, its proposal is not the one reviewed) is reported
    in ``report.warnings``, which ``load_demo_catalog`` prints."""
    studies = json.loads(page.read_text(encoding="utf-8"))["studies"]
    decided = json.loads(reviews.read_text(encoding="utf-8"))["trials"]
    reviewer = Reviewer(label=DEMO_REVIEWER_LABEL)
    registered = {raw["protocolSection"]["identificationModule"]["nctId"] for raw in studies}
    for nct_id in sorted(set(decided) - registered):
        report.warnings.append(
            f"{nct_id}: {reviews.name} records {len(decided[nct_id])} decision(s) for a trial "
            f"that {page.name} does not have; not applied"
        )
    for raw in studies:
        result = trial_upsert_from_study(study=parse_study(raw))
        decisions = [
            RecordedDecision(**{k: v for k, v in d.items() if k != "note"})
            for d in decided.get(result.trial.nct_id, [])
        ]
        report.warnings += trial_decisions_apply(
            trial=result.trial, decisions=decisions, reviewer=reviewer
        )
        report.count(result.outcome)


def _curated_fields_set(trial: Trial, curated: dict[str, Any]) -> bool:
    unknown = set(curated) - set(CURATED_TRIAL_FIELDS)
    if unknown:
        raise DemoDataError(f"{trial.nct_id}: not curated fields: {', '.join(sorted(unknown))}")
    values = dict(curated)
    if values.get("spots_left_by"):
        values["spots_left_by"] = date.fromisoformat(values["spots_left_by"])
    changed = assign_changes(trial, values)
    if changed:
        trial.save(update_fields=[*changed, "condition_search", "updated_at"])
    return bool(changed)
