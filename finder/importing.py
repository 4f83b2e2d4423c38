"""Importing ClinicalTrials.gov records into the catalog.

* :func:`trial_upsert_from_study` writes one parsed study (trial, arms, interventions,
  sites, registry-derived criteria) idempotently, keyed by NCT id.
* :func:`studies_import` / :func:`import_paths` import many studies in batches
  (:data:`IMPORT_BATCH_SIZE` a transaction): each raw record's content hash is compared
  with the stored one in one query per batch, before anything is parsed, so an unchanged
  record costs its hash; the new and changed ones are written with bulk inserts, one
  transaction per batch, skipping and reporting the malformed ones.
* :func:`registry_sync` feeds it the live registry's pages (``finder.registry``).

What an import owns: the registry's fields, arms, interventions, sites and the criteria
derived from the structured eligibility fields. What it never touches: the curator's
patient-facing facts (pivotal, travel, reimbursement, waitlist, safety data, spots) and
curated criteria.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import marshal
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from eligibility.models import Criterion, CriterionKind, CriterionSource
from eligibility.reader import READER_VERSION, Reading
from eligibility.reader.parallel import read_many
from eligibility.services import (
    CRITERION_FIELDS,
    PROPOSAL_FIELDS,
    REGISTRY_ORDER_OFFSET,
    CriterionInput,
    criteria_replace,
    criterion_rule_validate,
)
from sites.countries import country_code_for
from sites.index import connect_invalidation_signals, site_index_invalidate
from sites.models import GeocodeStatus, Site, SiteStatus, site_registry_key
from sites.signals import sites_need_geocoding

from .ctgov import (
    RawStudy,
    Study,
    StudyArm,
    StudyIntervention,
    StudyLocation,
    StudyParseError,
    iter_raw_studies,
    nct_id_of,
    parse_raw_study,
)
from .models import (
    Arm,
    ArmType,
    Intervention,
    OverallStatus,
    StudyType,
    Trial,
    build_condition_search,
)
from .registry import RegistryError, registry_raw_studies
from .registry_criteria import line_requests, registry_trial_criteria

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
    *, study: Study, sites_are_illustrative: bool = False, record_hash: str = ""
) -> TrialUpsertResult:
    """Create or update the trial for ``study``; a repeated call changes nothing.

    Arms are matched by label, interventions by (type, name), sites by
    ``site_registry_key``; rows no longer in the record are removed. The registered
    criterion lines and the rules derived from the structured fields
    (:func:`~finder.registry_criteria.registry_trial_criteria`) replace the previous
    ones with ``criteria_replace(source="registry")``. Curated fields
    (:data:`CURATED_TRIAL_FIELDS`) are left alone; ``has_placebo_group`` is set from the
    arm types when the record lists arms. Sites without coordinates are queued for
    geocoding once the transaction commits. ``record_hash`` is the raw record's
    (:func:`raw_record_hash`) when the caller has it, else the study's is taken.
    """
    digest = record_hash or study_record_hash(study, sites_are_illustrative=sites_are_illustrative)
    trial = Trial.objects.select_for_update().filter(nct_id=study.nct_id).first()
    if trial is not None and trial.record_hash == digest:
        # The same record, read by the same import and criteria reader: nothing to write.
        return TrialUpsertResult(trial=trial, outcome=Outcome.UNCHANGED)
    result, sites_changed = _trial_write(
        trial,
        study,
        digest=digest,
        criteria=study_criteria(study),
        sites_are_illustrative=sites_are_illustrative,
    )
    if sites_changed:
        # Bulk writes send no signals: tell the per-process distance index after commit.
        transaction.on_commit(site_index_invalidate)
    _geocoding_queue(trial_ids=[result.trial.pk])
    return result


def _trial_write(
    trial: Trial | None,
    study: Study,
    *,
    digest: str,
    criteria: list[CriterionInput],
    sites_are_illustrative: bool,
) -> tuple[TrialUpsertResult, bool]:
    """Write ``study`` over ``trial`` (``None``: a new one), row by row; also returns
    whether its sites changed."""
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
        trial=trial, criteria=criteria, source=CriterionSource.REGISTRY
    )
    if outcome is Outcome.UNCHANGED and (
        arms_changed or interventions_changed or sites_changed or criteria_changed
    ):
        outcome = Outcome.UPDATED

    trial.record_hash = digest
    Trial.objects.filter(pk=trial.pk).update(record_hash=digest)
    return TrialUpsertResult(trial=trial, outcome=outcome), sites_changed


def study_criteria(
    study: Study, *, readings: Mapping[tuple, Reading] | None = None
) -> list[CriterionInput]:
    """The registry criteria of ``study`` (its registered lines, read, and the rules
    derived from its structured fields), validated: a :class:`ValidationError` names the
    criterion a rule of which the engine could not evaluate. ``readings`` are lines the
    import read already (:func:`batch_readings`)."""
    criteria = registry_trial_criteria(
        readings=readings,
        eligibility_text=study.eligibility_text,
        minimum_age_years=study.minimum_age_years,
        maximum_age_years=study.maximum_age_years,
        minimum_age_text=study.minimum_age_text,
        maximum_age_text=study.maximum_age_text,
        sex=study.sex,
        healthy_volunteers=study.healthy_volunteers,
        conditions=study.conditions,
    )
    items = [CriterionInput.from_dict(c, source=CriterionSource.REGISTRY) for c in criteria]
    for item in items:
        # The checks criteria_replace makes, made before any write so that a batch
        # never starts a transaction it would have to undo.
        if item.kind not in _CRITERION_KINDS:
            raise ValidationError({"kind": f"{item.kind!r} is not inclusion or exclusion"})
        label = f"{item.kind} criterion {item.order}"
        criterion_rule_validate(rule=item.rule, label=label)
        criterion_rule_validate(rule=item.proposal_rule, label=f"{label} (proposal)")
    return items


def batch_readings(studies: Sequence[Study]) -> dict[tuple, Reading]:
    """Every registered line of ``studies`` read at once (on every core when there are
    enough: :func:`eligibility.reader.parallel.read_many`), by reader request."""
    requests = [
        request
        for study in studies
        for request in line_requests(
            eligibility_text=study.eligibility_text, conditions=study.conditions
        )
    ]
    return dict(zip(requests, read_many(requests), strict=True))


def _geocoding_queue(*, trial_ids: Sequence[int]) -> None:
    """Once the transaction commits, queue geocoding of these trials' pending sites."""
    pending = list(
        Site.objects.filter(trial_id__in=trial_ids, geocode_status=GeocodeStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if pending:
        transaction.on_commit(lambda: sites_geocode_later(site_ids=pending))


#: Bump when the import writes a record differently: every record is written again once.
#: 3: the record hash is taken from the raw record (:func:`raw_record_hash`).
IMPORT_VERSION = "3"


def study_record_hash(study: Study, *, sites_are_illustrative: bool = False) -> str:
    """The content of a parsed study with the versions of the import and of the criteria
    reader, for the callers that build a :class:`Study` themselves (the demo catalog).

    Records read from the registry are hashed raw, before parsing
    (:func:`raw_record_hash`); either hash is the one change detection the import, the
    sync and the watchlist share (``Trial.record_hash``).
    """
    content = repr((IMPORT_VERSION, READER_VERSION, sites_are_illustrative, study))
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


def raw_record_hash(data: Any, *, sites_are_illustrative: bool = False) -> str:
    """The content of a raw study object as the import reads it (``protocolSection`` and
    the MeSH terms of ``derivedSection.conditionBrowseModule``), with the versions of the
    import and of the criteria reader; ``""`` for something that is not a study object.

    Taken before parsing, so an unchanged record costs its hash and nothing else. The
    bytes hashed are ``marshal`` format 2, three to five times cheaper than
    ``json.dumps``: format 2 writes no back-references and no interning flags, so equal
    values (in the same key order, as the registry sends them) give equal bytes however
    the objects share memory. A changed layout (a Python upgrade) could only make every
    record look changed once, never a change look unchanged.
    """
    if not isinstance(data, Mapping):
        return ""
    derived = data.get("derivedSection")
    browse = derived.get("conditionBrowseModule") if isinstance(derived, Mapping) else None
    content = (
        IMPORT_VERSION,
        READER_VERSION,
        sites_are_illustrative,
        data.get("protocolSection"),
        browse,
    )
    try:
        encoded = marshal.dumps(content, 2)
    except ValueError:  # not JSON data (a Mapping that is not a dict): no fast path
        return ""
    return hashlib.sha256(encoded).hexdigest()


def sites_geocode_later(*, site_ids: list[int]) -> None:
    """Queue geocoding of the sites the registry gave no coordinates.

    Sends :data:`sites.signals.sites_need_geocoding`; the sites app's receiver (connected
    in ``SitesConfig.ready()``) queues its task, so the import never imports a task.
    """
    try:
        sites_need_geocoding.send(sender=Site, site_ids=site_ids)
    except Exception:
        # A broker outage must not undo an import that has already committed; the sites
        # stay pending and the next import queues them again.
        logger.warning("could not queue geocoding of %d sites", len(site_ids), exc_info=True)


def _clip(model: type[models.Model], name: str, value: str) -> str:
    # The registry has no length limits of its own; a DataError on PostgreSQL would
    # lose the whole study over one long facility name.
    limit = _max_length(model, name)
    return value[:limit] if limit and value else value


@functools.cache
def _max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


# The vocabularies as sets, built once (``TextChoices.values`` builds a list each time).
_OVERALL_STATUSES = frozenset(OverallStatus.values)
_STUDY_TYPES = frozenset(StudyType.values)
_ARM_TYPES = frozenset(ArmType.values)
_SITE_STATUSES = frozenset(SiteStatus.values)
_CRITERION_KINDS = frozenset(CriterionKind.values)


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
        if study.overall_status in _OVERALL_STATUSES
        else OverallStatus.UNKNOWN,
        "study_type": study.study_type if study.study_type in _STUDY_TYPES else "",
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


def _arm_rows(arms: Sequence[StudyArm]) -> list[tuple[str, dict[str, Any]]]:
    """(label, values) of each arm to store; a repeated label: the first one wins."""
    rows: dict[str, dict[str, Any]] = {}
    for order, arm in enumerate(arms):
        label = _clip(Arm, "label", arm.label)
        if label not in rows:
            rows[label] = {
                "type": arm.type if arm.type in _ARM_TYPES else (ArmType.OTHER if arm.type else ""),
                "description": arm.description,
                "order": order,
            }
    return list(rows.items())


def _arms_sync(trial: Trial, arms: Sequence[StudyArm]) -> tuple[bool, dict[str, Arm]]:
    existing = {arm.label: arm for arm in trial.arms.all()}
    by_label: dict[str, Arm] = {}
    changed = False
    for label, values in _arm_rows(arms):
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


def _intervention_rows(
    interventions: Sequence[StudyIntervention], study_arms: Sequence[StudyArm]
) -> list[tuple[tuple[str, str], dict[str, Any], set[str]]]:
    """((type, name), values, arm labels) of each intervention to store, first one wins."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for order, item in enumerate(interventions):
        key = (_clip(Intervention, "type", item.type), _clip(Intervention, "name", item.name))
        if key in seen:
            continue
        seen.add(key)
        values = {
            "description": item.description,
            "other_names": list(item.other_names),
            "order": order,
        }
        rows.append((key, values, _arm_labels_for(item, study_arms)))
    return rows


def _interventions_sync(
    trial: Trial,
    interventions: Sequence[StudyIntervention],
    arms: dict[str, Arm],
    study_arms: Sequence[StudyArm],
) -> bool:
    existing = {(i.type, i.name): i for i in trial.interventions.prefetch_related("arms")}
    changed = False
    for key, values, labels in _intervention_rows(interventions, study_arms):
        arm_ids = {arms[label].pk for label in labels if label in arms}
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


def _site_rows(
    locations: Sequence[StudyLocation],
) -> list[tuple[str, dict[str, Any], StudyLocation]]:
    """(registry key, values, location) of each site to store; the registry lists some
    sites twice, and the first one wins."""
    rows = {}
    for location in locations:
        values = _site_values(location)
        key = site_registry_key(
            facility=values["facility"],
            city=values["city"],
            state=values["state"],
            postal_code=values["postal_code"],
            country=values["country"],
        )
        if key not in rows:
            rows[key] = (key, values, location)
    return list(rows.values())


def _sites_sync(trial: Trial, locations: Sequence[StudyLocation]) -> bool:
    """Bring the trial's sites in step with ``locations`` in bulk (no signals: the caller
    tells the site index); returns whether anything changed."""
    existing = {site.registry_key: site for site in trial.sites.all()}
    to_create: list[Site] = []
    to_update: list[Site] = []
    updated_fields: set[str] = set()
    for key, values, location in _site_rows(locations):
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
    return bool(to_create or to_update or existing)


def _site_values(location: StudyLocation) -> dict[str, Any]:
    return {
        "facility": _clip(Site, "facility", location.facility),
        "city": _clip(Site, "city", location.city),
        "state": _clip(Site, "state", location.state),
        "postal_code": _clip(Site, "postal_code", location.postal_code),
        "country": _clip(Site, "country", location.country),
        "country_code": country_code_for(location.country) or "",
        "status": location.status if location.status in _SITE_STATUSES else SiteStatus.UNKNOWN,
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


#: Studies read, compared and written together: one query tells which of them changed,
#: one transaction writes those. Large enough to amortise the round trips, small enough
#: that a batch refused by the database is quickly written again study by study.
IMPORT_BATCH_SIZE = 200


@dataclasses.dataclass(frozen=True)
class _PreparedStudy:
    """A changed or new study, parsed and with its criteria read, ready to be written."""

    raw: RawStudy
    study: Study
    digest: str
    criteria: list[CriterionInput]


def studies_import(
    *, raw_studies: Iterable[RawStudy], batch_size: int = IMPORT_BATCH_SIZE
) -> ImportReport:
    """Import every study in ``raw_studies``, ``batch_size`` at a time.

    For each batch, the raw records' content hashes (:func:`raw_record_hash`) are
    compared with the stored ones in one query, and an unchanged record is counted and
    left alone before it is parsed. The others are parsed and their criteria read, then
    written in one transaction (:func:`_batch_write`): new trials with bulk inserts,
    changed ones as :func:`trial_upsert_from_study` writes them, the site index told
    once per batch.

    A study that does not parse, whose derived rules do not validate, or that the
    database refuses (a value too long, a constraint) is recorded in the report's
    ``skipped`` with its NCT id (or its place in the source) and the reason; the others
    still land (a batch the database refuses is written again study by study, so that
    only the study at fault is skipped). A lost database connection is not a property
    of one study and stops the import. A :class:`RegistryError` raised while fetching
    carries the partial report.
    """
    report = ImportReport()
    try:
        for batch in _batches(raw_studies, batch_size):
            _batch_import(batch, report)
    except RegistryError as exc:
        exc.report = report
        raise
    return report


def _batches(raw_studies: Iterable[RawStudy], size: int) -> Iterator[list[RawStudy]]:
    """``raw_studies`` in lists of up to ``size``; an NCT id seen twice starts a new list,
    so that a batch holds each trial once and the later record still wins. A fetch that
    fails hands over what it had read first: the pages fetched stay imported."""
    batch: list[RawStudy] = []
    ids: set[str] = set()
    try:
        for raw in raw_studies:
            nct_id = nct_id_of(raw.data)
            if len(batch) >= size or (nct_id and nct_id in ids):
                yield batch
                batch, ids = [], set()
            batch.append(raw)
            ids.add(nct_id)
    except RegistryError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _batch_import(batch: list[RawStudy], report: ImportReport) -> None:
    digests = [raw_record_hash(raw.data) for raw in batch]
    ids = [nct_id for raw in batch if (nct_id := nct_id_of(raw.data))]
    stored = dict(Trial.objects.filter(nct_id__in=ids).values_list("nct_id", "record_hash"))
    parsed: list[tuple[RawStudy, str, Study]] = []
    for raw, digest in zip(batch, digests, strict=True):
        if digest and stored.get(nct_id_of(raw.data)) == digest:
            report.count(Outcome.UNCHANGED)
            continue
        try:
            parsed.append((raw, digest, parse_raw_study(raw)))
        except StudyParseError as exc:
            report.skipped.append(SkippedStudy(raw.label, str(exc)))
    readings = batch_readings([study for _, _, study in parsed])
    prepared: list[_PreparedStudy] = []
    for raw, digest, study in parsed:
        try:
            criteria = study_criteria(study, readings=readings)
        except StudyParseError as exc:
            report.skipped.append(SkippedStudy(raw.label, str(exc)))
            continue
        except ValidationError as exc:
            report.skipped.append(SkippedStudy(raw.label, "; ".join(exc.messages)))
            continue
        prepared.append(_PreparedStudy(raw, study, digest or study_record_hash(study), criteria))
    if not prepared:
        return
    try:
        outcomes = _batch_write(prepared)
    except (DataError, IntegrityError, ValidationError):
        # One study the database refuses undoes its whole batch; study by study, only
        # that one is skipped (with the database's reason).
        _studies_write_one_by_one(prepared, report)
        return
    for outcome in outcomes:
        report.count(outcome)


def _studies_write_one_by_one(prepared: list[_PreparedStudy], report: ImportReport) -> None:
    for item in prepared:
        try:
            result = trial_upsert_from_study(study=item.study, record_hash=item.digest)
        except ValidationError as exc:
            report.skipped.append(SkippedStudy(item.raw.label, "; ".join(exc.messages)))
        except (DataError, IntegrityError) as exc:
            reason = f"the database refused it: {str(exc).strip().splitlines()[0]}"
            report.skipped.append(SkippedStudy(item.raw.label, reason))
        else:
            report.count(result.outcome)


@transaction.atomic
def _batch_write(prepared: list[_PreparedStudy]) -> list[Outcome]:
    """Write a batch of parsed studies (distinct NCT ids) in one transaction.

    New trials go in with one bulk insert per table (trials, arms, interventions and
    their arms, sites, criteria), as :func:`trial_upsert_from_study` would have written
    them: the same rows, the criteria at their first version. A new trial has no
    screenings, so no re-evaluation is queued for it. Changed trials are written one by
    one as :func:`trial_upsert_from_study` writes them (their criteria merged line by
    line, review decisions kept, the criteria version bumped, and their screenings
    re-evaluated, only when what is evaluated changed). The site index's per-row
    receivers are suspended meanwhile and the index is told once, after the commit.
    """
    existing = {
        trial.nct_id: trial
        for trial in Trial.objects.select_for_update().filter(
            nct_id__in=[item.study.nct_id for item in prepared]
        )
    }
    outcomes: list[Outcome] = []
    created: list[_PreparedStudy] = []
    written: list[int] = []
    with _site_index_receivers_suspended():
        for item in prepared:
            trial = existing.get(item.study.nct_id)
            if trial is None:
                created.append(item)
                continue
            if trial.record_hash == item.digest:  # written meanwhile by another import
                outcomes.append(Outcome.UNCHANGED)
                continue
            result, _ = _trial_write(
                trial,
                item.study,
                digest=item.digest,
                criteria=item.criteria,
                sites_are_illustrative=False,
            )
            outcomes.append(result.outcome)
            written.append(trial.pk)
        if created:
            written.extend(_trials_create(created))
            outcomes.extend(Outcome.CREATED for _ in created)
    if written:
        _geocoding_queue(trial_ids=written)
        transaction.on_commit(site_index_invalidate)
    return outcomes


@contextlib.contextmanager
def _site_index_receivers_suspended() -> Iterator[None]:
    """Disconnect the site index's ``post_save``/``post_delete`` receivers meanwhile:
    each would bump the index version in the cache, once per saved trial and deleted
    site. Process-wide, which suits the import's process (a command or a worker task);
    the caller tells the index once instead, and the index's fingerprint check catches
    any other process's writes in between."""
    for model in (Site, Trial):
        for signal in (post_save, post_delete):
            signal.disconnect(sender=model, dispatch_uid=f"site-index-{model}")
    try:
        yield
    finally:
        connect_invalidation_signals()


def _trials_create(prepared: list[_PreparedStudy]) -> list[int]:
    """Insert new trials and all their rows, one bulk insert per table; their ids."""
    trials = []
    for item in prepared:
        values = _trial_values(item.study, sites_are_illustrative=False)
        trial = Trial(nct_id=item.study.nct_id, record_hash=item.digest, **values)
        trial.condition_search = build_condition_search(
            trial.conditions, trial.keywords, mesh=[*trial.mesh_conditions, *trial.mesh_ancestors]
        )
        if item.criteria:
            # criteria_replace bumps a new trial's version when it stores its first criteria.
            trial.criteria_version += 1
        trials.append(trial)
    Trial.objects.bulk_create(trials)

    arms: dict[tuple[int, str], Arm] = {}
    for trial, item in zip(trials, prepared, strict=True):
        for label, values in _arm_rows(item.study.arms):
            arms[trial.pk, label] = Arm(trial=trial, label=label, **values)
    Arm.objects.bulk_create(arms.values())

    interventions: list[tuple[Intervention, list[Arm]]] = []
    for trial, item in zip(trials, prepared, strict=True):
        for key, values, labels in _intervention_rows(item.study.interventions, item.study.arms):
            intervention = Intervention(trial=trial, type=key[0], name=key[1], **values)
            linked = [arms[trial.pk, label] for label in labels if (trial.pk, label) in arms]
            interventions.append((intervention, linked))
    Intervention.objects.bulk_create(i for i, _ in interventions)
    _rows_insert(
        Intervention.arms.through,
        [
            {"intervention_id": intervention.pk, "arm_id": arm.pk}
            for intervention, linked in interventions
            for arm in sorted(linked, key=lambda a: a.pk)
        ],
    )
    _rows_insert(
        Site,
        [
            {
                "trial_id": trial.pk,
                "registry_key": key,
                **values,
                **_new_site_coordinates(location),
            }
            for trial, item in zip(trials, prepared, strict=True)
            for key, values, location in _site_rows(item.study.locations)
        ],
    )
    now = timezone.now()
    _rows_insert(
        Criterion,
        [
            row
            for trial, item in zip(trials, prepared, strict=True)
            for row in _new_trial_criteria(trial, item.criteria, added_at=now)
        ],
    )
    return [trial.pk for trial in trials]


def _new_trial_criteria(
    trial: Trial, criteria: list[CriterionInput], *, added_at
) -> list[dict[str, Any]]:
    """A new trial's registry criteria as ``criteria_replace(source="registry")`` stores
    them on a trial that has none (and, being new, no curated ones): the lines first,
    dated, then the derived rules, numbered after the curated range."""
    rows = []
    for source in (CriterionSource.LINE, CriterionSource.REGISTRY):
        for item in criteria:
            if item.source != source:
                continue
            row = {f: getattr(item, f) for f in (*CRITERION_FIELDS, *PROPOSAL_FIELDS)}
            if source == CriterionSource.REGISTRY and item.order < REGISTRY_ORDER_OFFSET:
                row["order"] = item.order + REGISTRY_ORDER_OFFSET
            row.update(
                trial_id=trial.pk,
                source=source,
                line_added_at=added_at if source == CriterionSource.LINE else None,
            )
            rows.append(row)
    return rows


#: Fields whose Python values the database driver cannot take as they are.
_CONVERTED_FIELDS = (models.JSONField, models.DateTimeField, models.DateField, models.DecimalField)


def _rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (field attnames to values; the others take their defaults, the
    automatic timestamps now) with one ``COPY`` on PostgreSQL, one ``executemany``
    elsewhere.

    ``bulk_create`` builds a model instance and prepares every value of every row through
    its SQL compiler, which for the sites and criteria of a batch (tens of thousands of
    rows) costs more than the database does; here only the values that need it (JSON,
    dates, decimals) are converted. For rows whose ids nobody reads back. On SQLite, one
    statement a row through ``executemany``; on PostgreSQL ``executemany`` (pipelined)
    was measured faster than many rows a statement, and ``COPY`` faster than both.
    """
    if not rows:
        return
    db = transaction.get_connection()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None if field.null else ""
    columns = [f.attname for f in fields]
    converted = [
        (index, field) for index, field in enumerate(fields) if isinstance(field, _CONVERTED_FIELDS)
    ]
    # The batch's timestamps are one or two values: each converted once.
    memo: dict[tuple[int, Any], Any] = {}
    params = []
    for row in rows:
        values = [row[name] if name in row else defaults[name] for name in columns]
        for index, field in converted:
            value = values[index]
            if isinstance(value, dict | list):
                values[index] = field.get_db_prep_save(value, db)
                continue
            key = (index, value)
            if key not in memo:
                memo[key] = field.get_db_prep_save(value, db)
            values[index] = memo[key]
        params.append(values)
    quote = db.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    if db.vendor == "postgresql":
        # COPY streams the rows in one statement (bench/bench_import.py: the first import
        # went from 185 to about 400 studies/s). Errors map to Django's (DataError,
        # IntegrityError), as for any query.
        copy_sql = f"COPY {table} ({names}) FROM STDIN"
        with db.cursor() as cursor, db.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
            for values in params:
                copy.write_row(values)
        return
    # Names from the model's own meta, quoted; every value goes as a parameter.
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with db.cursor() as cursor:
        cursor.executemany(sql, params)


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
