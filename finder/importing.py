"""Importing ClinicalTrials.gov records into the catalog.

* :func:`trial_upsert_from_study` writes one parsed study (trial, arms, interventions,
  sites, registry-derived criteria) idempotently, keyed by NCT id.
* :func:`studies_import` / :func:`import_paths` feed many studies through it, each in its
  own transaction, skipping and reporting the malformed ones.
* :func:`registry_sync` feeds it the live registry's pages (``finder.registry``).

What an import owns: the registry's fields, arms, interventions, sites and the criteria
derived from the structured eligibility fields. What it never touches: the curator's
patient-facing facts (pivotal, travel, reimbursement, waitlist, safety data, spots) and
curated criteria.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from eligibility.models import CriterionSource
from eligibility.reader import READER_VERSION
from eligibility.services import criteria_replace
from sites.countries import country_code_for
from sites.index import site_index_invalidate
from sites.models import GeocodeStatus, Site, SiteStatus, site_registry_key

from .ctgov import (
    RawStudy,
    Study,
    StudyArm,
    StudyIntervention,
    StudyLocation,
    StudyParseError,
    iter_raw_studies,
    parse_raw_study,
)
from .models import Arm, ArmType, Intervention, OverallStatus, StudyType, Trial
from .registry import RegistryError, registry_raw_studies
from .registry_criteria import registry_trial_criteria

logger = logging.getLogger(__name__)

#: The curator's patient-facing facts: never written by an import.
CURATED_TRIAL_FIELDS = (
    "is_pivotal",
    "travel_may_be_covered",
    "time_reimbursement",
    "waitlist_available",
    "prior_safety_data",
    "spots_left",
    "spots_left_by",
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclasses.dataclass(frozen=True)
class TrialUpsertResult:
    trial: Trial
    outcome: Outcome


@dataclasses.dataclass(frozen=True)
class SkippedStudy:
    """A study that was not imported: its NCT id (or place in the source) and why."""

    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


@dataclasses.dataclass
class ImportReport:
    """What an import did, study by study."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedStudy] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [str(s) for s in self.skipped],
            "warnings": list(self.warnings),
        }


# --- one study ---------------------------------------------------------------------------------


@transaction.atomic
def trial_upsert_from_study(
    *, study: Study, sites_are_illustrative: bool = False
) -> TrialUpsertResult:
    """Create or update the trial for ``study``; a repeated call changes nothing.

    Arms are matched by label, interventions by (type, name), sites by
    ``site_registry_key``; rows no longer in the record are removed. The registered
    criterion lines and the rules derived from the structured fields
    (:func:`~finder.registry_criteria.registry_trial_criteria`) replace the previous
    ones with ``criteria_replace(source="registry")``. Curated fields
    (:data:`CURATED_TRIAL_FIELDS`) are left alone; ``has_placebo_group`` is set from the
    arm types when the record lists arms. Sites without coordinates are queued for
    geocoding once the transaction commits.
    """
    digest = study_record_hash(study, sites_are_illustrative=sites_are_illustrative)
    trial = Trial.objects.select_for_update().filter(nct_id=study.nct_id).first()
    if trial is not None and trial.record_hash == digest:
        # The same record, read by the same import and criteria reader: nothing to write.
        return TrialUpsertResult(trial=trial, outcome=Outcome.UNCHANGED)
    values = _trial_values(study, sites_are_illustrative=sites_are_illustrative)
    if trial is None:
        trial = Trial.objects.create(nct_id=study.nct_id, **values)
        outcome = Outcome.CREATED
    else:
        changed = assign_changes(trial, values)
        if changed:
            trial.save(update_fields=[*changed, "condition_search", "updated_at"])
        outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED

    arms_changed, arms = _arms_sync(trial, study.arms)
    interventions_changed = _interventions_sync(trial, study.interventions, arms, study.arms)
    sites_changed = _sites_sync(trial, study.locations)
    criteria_changed = criteria_replace(
        trial=trial,
        criteria=registry_trial_criteria(
            eligibility_text=study.eligibility_text,
            minimum_age_years=study.minimum_age_years,
            maximum_age_years=study.maximum_age_years,
            minimum_age_text=study.minimum_age_text,
            maximum_age_text=study.maximum_age_text,
            sex=study.sex,
            healthy_volunteers=study.healthy_volunteers,
            conditions=study.conditions,
        ),
        source=CriterionSource.REGISTRY,
    )
    if outcome is Outcome.UNCHANGED and (
        arms_changed or interventions_changed or sites_changed or criteria_changed
    ):
        outcome = Outcome.UPDATED

    trial.record_hash = digest
    trial.save(update_fields=["record_hash"])
    pending = list(
        trial.sites.filter(geocode_status=GeocodeStatus.PENDING).values_list("pk", flat=True)
    )
    if pending:
        transaction.on_commit(lambda: sites_geocode_later(site_ids=pending))
    return TrialUpsertResult(trial=trial, outcome=outcome)


#: Bump when the import writes a record differently: every record is written again once.
IMPORT_VERSION = "2"


def study_record_hash(study: Study, *, sites_are_illustrative: bool = False) -> str:
    """The content of a study as the import reads it, with the versions of the import and
    of the criteria reader: equal hashes, nothing to write (the one change detection the
    import, the sync and the watchlist share)."""
    content = repr((IMPORT_VERSION, READER_VERSION, sites_are_illustrative, study))
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


def sites_geocode_later(*, site_ids: list[int]) -> None:
    """Queue geocoding of the sites the registry gave no coordinates."""
    from sites.tasks import geocode_sites

    try:
        geocode_sites.delay(site_ids)
    except Exception:
        # A broker outage must not undo an import that has already committed; the sites
        # stay pending and the next import queues them again.
        logger.warning("could not queue geocoding of %d sites", len(site_ids), exc_info=True)


def _clip(model: type[models.Model], name: str, value: str) -> str:
    # The registry has no length limits of its own; a DataError on PostgreSQL would
    # lose the whole study over one long facility name.
    limit = model._meta.get_field(name).max_length
    return value[:limit] if limit and value else value


def _trial_values(study: Study, *, sites_are_illustrative: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "acronym": _clip(Trial, "acronym", study.acronym),
        "brief_title": _clip(Trial, "brief_title", study.brief_title),
        "official_title": study.official_title,
        "summary": study.summary,
        "description": study.description,
        "conditions": list(study.conditions),
        "keywords": list(study.keywords),
        "mesh_conditions": [{"id": m.id, "term": m.term} for m in study.mesh_conditions],
        "mesh_ancestors": [{"id": m.id, "term": m.term} for m in study.mesh_ancestors],
        "phases": list(study.phases),
        "overall_status": study.overall_status
        if study.overall_status in OverallStatus.values
        else OverallStatus.UNKNOWN,
        "study_type": study.study_type if study.study_type in StudyType.values else "",
        "sponsor": _clip(Trial, "sponsor", study.sponsor),
        "collaborators": list(study.collaborators),
        "enrollment": study.enrollment,
        "enrollment_type": _clip(Trial, "enrollment_type", study.enrollment_type),
        "minimum_age_years": study.minimum_age_years,
        "maximum_age_years": study.maximum_age_years,
        "sex": study.sex,
        "healthy_volunteers": study.healthy_volunteers,
        "eligibility_text": study.eligibility_text,
        "start_date": _clip(Trial, "start_date", study.start_date),
        "completion_date": _clip(Trial, "completion_date", study.completion_date),
        "last_update_posted": study.last_update_posted,
        "sites_are_illustrative": sites_are_illustrative,
    }
    # Without arms the record cannot say; a curator's answer is kept.
    if study.has_placebo_group is not None:
        values["has_placebo_group"] = study.has_placebo_group
    return values


def _arms_sync(trial: Trial, arms: Sequence[StudyArm]) -> tuple[bool, dict[str, Arm]]:
    existing = {arm.label: arm for arm in trial.arms.all()}
    by_label: dict[str, Arm] = {}
    changed = False
    for order, arm in enumerate(arms):
        label = _clip(Arm, "label", arm.label)
        if label in by_label:  # a repeated label in the record: the first one wins
            continue
        values = {
            "type": arm.type if arm.type in ArmType.values else (ArmType.OTHER if arm.type else ""),
            "description": arm.description,
            "order": order,
        }
        current = existing.pop(label, None)
        if current is None:
            current = Arm.objects.create(trial=trial, label=label, **values)
            changed = True
        elif fields := assign_changes(current, values):
            current.save(update_fields=fields)
            changed = True
        by_label[label] = current
    if existing:
        Arm.objects.filter(pk__in=[arm.pk for arm in existing.values()]).delete()
        changed = True
    return changed, by_label


def _interventions_sync(
    trial: Trial,
    interventions: Sequence[StudyIntervention],
    arms: dict[str, Arm],
    study_arms: Sequence[StudyArm],
) -> bool:
    existing = {(i.type, i.name): i for i in trial.interventions.prefetch_related("arms")}
    seen: set[tuple[str, str]] = set()
    changed = False
    for order, item in enumerate(interventions):
        key = (_clip(Intervention, "type", item.type), _clip(Intervention, "name", item.name))
        if key in seen:
            continue
        seen.add(key)
        values = {"description": item.description, "other_names": list(item.other_names)}
        values["order"] = order
        arm_ids = {arms[label].pk for label in _arm_labels_for(item, study_arms) if label in arms}
        current = existing.pop(key, None)
        if current is None:
            current = Intervention.objects.create(trial=trial, type=key[0], name=key[1], **values)
            current.arms.set(arm_ids)
            changed = True
            continue
        if fields := assign_changes(current, values):
            current.save(update_fields=fields)
            changed = True
        if {arm.pk for arm in current.arms.all()} != arm_ids:
            current.arms.set(arm_ids)
            changed = True
    if existing:
        Intervention.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()
        changed = True
    return changed


def _arm_labels_for(item: StudyIntervention, study_arms: Sequence[StudyArm]) -> set[str]:
    # Records link both ways: interventions[].armGroupLabels and armGroups[].interventionNames
    # ("Drug: Alemtuzumab"); either may be missing, so both are read.
    labels = set(item.arm_labels)
    reference = f"{item.type}: {item.name}".casefold()
    for arm in study_arms:
        if any(
            name.casefold() in (reference, item.name.casefold()) for name in arm.intervention_names
        ):
            labels.add(arm.label)
    return labels


def _sites_sync(trial: Trial, locations: Sequence[StudyLocation]) -> bool:
    existing = {site.registry_key: site for site in trial.sites.all()}
    to_create: list[Site] = []
    to_update: list[Site] = []
    updated_fields: set[str] = set()
    seen: set[str] = set()
    for location in locations:
        values = _site_values(location)
        key = site_registry_key(
            facility=values["facility"],
            city=values["city"],
            state=values["state"],
            postal_code=values["postal_code"],
            country=values["country"],
        )
        if key in seen:  # the registry lists some sites twice
            continue
        seen.add(key)
        current = existing.pop(key, None)
        if current is None:
            to_create.append(
                Site(trial=trial, registry_key=key, **values, **_new_site_coordinates(location))
            )
            continue
        changed = assign_changes(current, {**values, **_site_coordinate_changes(current, location)})
        if changed:
            to_update.append(current)
            updated_fields.update(changed)
    if to_create:
        Site.objects.bulk_create(to_create)
    if to_update:
        now = timezone.now()
        for site in to_update:
            site.updated_at = now  # bulk_update skips auto_now
        Site.objects.bulk_update(to_update, fields=[*sorted(updated_fields), "updated_at"])
    if existing:
        Site.objects.filter(pk__in=[site.pk for site in existing.values()]).delete()
    changed = bool(to_create or to_update or existing)
    if changed:
        # Bulk writes send no signals: tell the per-process distance index after commit.
        transaction.on_commit(site_index_invalidate)
    return changed


def _site_values(location: StudyLocation) -> dict[str, Any]:
    return {
        "facility": _clip(Site, "facility", location.facility),
        "city": _clip(Site, "city", location.city),
        "state": _clip(Site, "state", location.state),
        "postal_code": _clip(Site, "postal_code", location.postal_code),
        "country": _clip(Site, "country", location.country),
        "country_code": country_code_for(location.country) or "",
        "status": location.status if location.status in SiteStatus.values else SiteStatus.UNKNOWN,
        "contact_name": _clip(Site, "contact_name", location.contact_name),
        "contact_phone": _clip(Site, "contact_phone", location.contact_phone),
        "contact_email": _clip(Site, "contact_email", location.contact_email),
    }


def _new_site_coordinates(location: StudyLocation) -> dict[str, Any]:
    if location.has_coordinates:
        return {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "geocode_status": location.coordinates_source,
        }
    return {"latitude": None, "longitude": None, "geocode_status": GeocodeStatus.PENDING}


def _site_coordinate_changes(site: Site, location: StudyLocation) -> dict[str, Any]:
    """Coordinates for an existing site: the record's when it has them, else keep ours.

    A curator's manual placement always wins. A site placed by the geocoder keeps its
    coordinates while the record has none; a site whose registry coordinates vanished
    goes back to ``pending``.
    """
    if site.geocode_status == GeocodeStatus.MANUAL:
        return {}
    if location.has_coordinates:
        return {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "geocode_status": location.coordinates_source,
            "geocode_error": "",
        }
    if site.geocode_status == GeocodeStatus.REGISTRY:
        return {"latitude": None, "longitude": None, "geocode_status": GeocodeStatus.PENDING}
    return {}


def assign_changes(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the attributes of ``obj`` that differ from ``values``; returns their names."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# --- many studies ------------------------------------------------------------------------------


def studies_import(*, raw_studies: Iterable[RawStudy]) -> ImportReport:
    """Import every study in ``raw_studies``, each in its own transaction.

    A study that does not parse, whose derived rules do not validate, or that the
    database refuses (a value too long, a constraint) is recorded in the report's
    ``skipped`` with its NCT id (or its place in the source) and the reason; the others
    still land. A lost database connection is not a property of one study and stops the
    import. A :class:`RegistryError` raised while fetching carries the partial report.
    """
    report = ImportReport()
    try:
        for raw in raw_studies:
            try:
                result = trial_upsert_from_study(study=parse_raw_study(raw))
            except StudyParseError as exc:
                report.skipped.append(SkippedStudy(raw.label, str(exc)))
            except ValidationError as exc:
                report.skipped.append(SkippedStudy(raw.label, "; ".join(exc.messages)))
            except (DataError, IntegrityError) as exc:
                reason = f"the database refused it: {str(exc).strip().splitlines()[0]}"
                report.skipped.append(SkippedStudy(raw.label, reason))
            else:
                report.count(result.outcome)
    except RegistryError as exc:
        exc.report = report
        raise
    return report


def import_paths(*, paths: Iterable[str | Path]) -> ImportReport:
    """Import the JSON files and zips at ``paths`` (see :func:`finder.ctgov.iter_raw_studies`)."""
    return studies_import(raw_studies=iter_raw_studies(paths))


def registry_sync(
    *,
    condition: str,
    statuses: Sequence[str] = (),
    page_size: int = 100,
    max_pages: int | None = None,
) -> ImportReport:
    """Import every study the registry lists for ``condition`` (and ``statuses``)."""
    return studies_import(
        raw_studies=registry_raw_studies(
            condition=condition, statuses=statuses, page_size=page_size, max_pages=max_pages
        )
    )
