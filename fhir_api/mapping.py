"""FHIR R4 for partners: trials as ResearchStudy, patient Bundles as answers.

Outbound, a trial is a ``ResearchStudy`` with its sponsor (an ``Organization``), its
enrollment (a ``Group`` with ``quantity``) and its sites (``Location``\\s) contained in it;
searches and matches are ``searchset`` Bundles, each match with its verdict, how many
criteria were checked, the facts still missing and every criterion's reason.

Inbound, a patient Bundle, checked entry by entry (:mod:`fhir_api.validation`), becomes
an ``answers`` object of the public contract (``shared/clinical/ms-trials.md``):
Patient, Conditions (MS and its course, other diagnoses, cancer), MedicationStatements
(the treatment history with last doses, systemic steroids) and Observations (EDSS,
pregnancy status), by the code tables of :mod:`fhir_api.terminology`. A record lists
what it knows, so its medications and diagnoses are read as partial: a treatment or a
diagnosis it does not list is unknown, never "no" (spec section 6.2). docs/api.md
documents every mapping for partners.

Everything here works on plain JSON dicts; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eligibility.engine.facts import (
    CONDITION_CODES,
    TREATMENT_CODES,
    InvalidAnswers,
)
from eligibility.services import Answers, answers_prepare

from . import terminology as codes
from .outcomes import MAX_ISSUES, FhirInputError, Issue, operation_outcome
from .terminology import ATC, ICD10_SYSTEMS, LOINC, RXNORM, SNOMED, treatment_for_concept
from .validation import CheckedBundle, DateSpan, Entry, check_bundle, date_span

__all__ = [
    "ATC",
    "ICD10_SYSTEMS",
    "LOINC",
    "RXNORM",
    "SNOMED",
    "FhirInputError",
    "Issue",
    "PatientAnswers",
    "answers_from_bundle",
    "match_entry",
    "operation_outcome",
    "research_study",
    "searchset",
    "treatment_for_concept",
]

FHIR_CONTENT_TYPE = "application/fhir+json"

CTGOV_IDENTIFIER_SYSTEM = "https://clinicaltrials.gov"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
EXTENSION_BASE = "https://ms-trial-finder.example/fhir/StructureDefinition"
VERDICT_EXTENSION = f"{EXTENSION_BASE}/eligibility-verdict"
DISTANCE_EXTENSION = f"{EXTENSION_BASE}/nearest-site-distance"
REGISTRY_STATUS_EXTENSION = f"{EXTENSION_BASE}/registry-overall-status"
CHECKED_EXTENSION = f"{EXTENSION_BASE}/criteria-checked"
MISSING_EXTENSION = f"{EXTENSION_BASE}/missing-fact"
CRITERION_EXTENSION = f"{EXTENSION_BASE}/eligibility-criterion"
UNUSED_RESOURCE_EXTENSION = f"{EXTENSION_BASE}/unused-resource"

# --- outbound: ResearchStudy -------------------------------------------------------------------

#: ClinicalTrials.gov overall status -> ResearchStudy.status (R4 value set). The registry
#: value itself rides along in the registry-overall-status extension.
RESEARCH_STUDY_STATUS = {
    "RECRUITING": "active",
    "ENROLLING_BY_INVITATION": "active",
    "AVAILABLE": "active",
    "NOT_YET_RECRUITING": "approved",
    "ACTIVE_NOT_RECRUITING": "closed-to-accrual",
    "NO_LONGER_AVAILABLE": "closed-to-accrual",
    "SUSPENDED": "temporarily-closed-to-accrual",
    "TEMPORARILY_NOT_AVAILABLE": "temporarily-closed-to-accrual",
    "TERMINATED": "administratively-completed",
    "COMPLETED": "completed",
    "APPROVED_FOR_MARKETING": "completed",
    "WITHDRAWN": "withdrawn",
    "WITHHELD": "in-review",
    # Not verified by the sponsor for two years: we cannot claim it is open.
    "UNKNOWN": "closed-to-accrual",
}

#: ClinicalTrials.gov phases (as a sorted tuple) -> research-study-phase code.
RESEARCH_STUDY_PHASE = {
    (): "n-a",
    ("NA",): "n-a",
    ("EARLY_PHASE1",): "early-phase-1",
    ("PHASE1",): "phase-1",
    ("PHASE1", "PHASE2"): "phase-1-phase-2",
    ("PHASE2",): "phase-2",
    ("PHASE2", "PHASE3"): "phase-2-phase-3",
    ("PHASE3",): "phase-3",
    ("PHASE4",): "phase-4",
}

#: Site recruitment status -> Location.status (active | suspended | inactive).
LOCATION_STATUS = {
    "RECRUITING": "active",
    "NOT_YET_RECRUITING": "active",
    "ENROLLING_BY_INVITATION": "active",
    "ACTIVE_NOT_RECRUITING": "active",
    "AVAILABLE": "active",
    "SUSPENDED": "suspended",
}

#: SNOMED CT codes for the conditions a trial lists (matched on the condition's text).
MS_CONCEPT = ("24700007", "Multiple sclerosis")
MS_COURSE_CONCEPTS = (
    ("relapsing remitting", "426373005", "Relapsing remitting multiple sclerosis"),
    ("secondary progressive", "425500002", "Secondary progressive multiple sclerosis"),
    ("primary progressive", "428700003", "Primary progressive multiple sclerosis"),
)

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def research_study_status(overall_status: str) -> str:
    return RESEARCH_STUDY_STATUS.get(overall_status, "closed-to-accrual")


def research_study_phase(phases: Sequence[str]) -> str | None:
    """The phase code, or ``None`` for a combination the value set has no code for."""
    return RESEARCH_STUDY_PHASE.get(tuple(sorted(set(phases))))


def condition_concept(text: str) -> dict[str, Any]:
    """A trial's condition as a CodeableConcept: its text, with SNOMED CT when we know it."""
    lowered = " ".join(text.lower().replace("-", " ").split())
    coding = [
        _snomed(code, display) for words, code, display in MS_COURSE_CONCEPTS if words in lowered
    ][:1]
    if not coding and ("multiple sclerosis" in lowered or lowered in ("ms", "relapsing ms")):
        coding.append(_snomed(*MS_CONCEPT))
    concept: dict[str, Any] = {"text": text}
    if coding:
        concept["coding"] = coding
    return concept


def _snomed(code: str, display: str) -> dict[str, str]:
    return {"system": SNOMED, "code": code, "display": display}


@dataclass(frozen=True)
class StudySite:
    """What a Location needs of a site (plain data, so this module needs no models)."""

    id: int
    facility: str
    city: str
    state: str
    postal_code: str
    country: str
    status: str
    latitude: float | None
    longitude: float | None


def site_location(site: StudySite) -> dict[str, Any]:
    location: dict[str, Any] = {
        "resourceType": "Location",
        "id": f"site-{site.id}",
        "status": LOCATION_STATUS.get(site.status, "inactive"),
        "name": site.facility or site.city or f"Site {site.id}",
        "mode": "instance",
    }
    address = {
        key: value
        for key, value in (
            ("city", site.city),
            ("state", site.state),
            ("postalCode", site.postal_code),
            ("country", site.country),
        )
        if value
    }
    if address:
        location["address"] = address
    if site.latitude is not None and site.longitude is not None:
        location["position"] = {"latitude": site.latitude, "longitude": site.longitude}
    return location


def research_study(trial: Any, *, sites: Iterable[StudySite] = ()) -> dict[str, Any]:
    """A trial as an R4 ResearchStudy with its sponsor, enrollment and sites contained.

    ``trial`` is a ``finder.models.Trial`` (only its fields are read).
    """
    contained: list[dict[str, Any]] = []
    study: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": trial.nct_id,
        "identifier": [
            {"use": "official", "system": CTGOV_IDENTIFIER_SYSTEM, "value": trial.nct_id}
        ],
        "title": trial.brief_title,
        "status": research_study_status(trial.overall_status),
        "extension": [
            {"url": REGISTRY_STATUS_EXTENSION, "valueCode": trial.overall_status},
        ],
    }
    if getattr(trial, "updated_at", None):
        study["meta"] = {"lastUpdated": trial.updated_at.isoformat()}
    phase = research_study_phase(trial.phases or [])
    if phase:
        study["phase"] = {"coding": [{"system": PHASE_SYSTEM, "code": phase}]}
    if trial.conditions:
        study["condition"] = [condition_concept(str(c)) for c in trial.conditions]
    if trial.keywords:
        study["keyword"] = [{"text": str(k)} for k in trial.keywords]
    if trial.summary:
        study["description"] = trial.summary
    period = {
        key: value
        for key, value in (("start", trial.start_date), ("end", trial.completion_date))
        if value and _PARTIAL_DATE.match(value)
    }
    if period:
        study["period"] = period
    if trial.sponsor:
        contained.append({"resourceType": "Organization", "id": "sponsor", "name": trial.sponsor})
        study["sponsor"] = {"reference": "#sponsor", "display": trial.sponsor}
    if trial.enrollment is not None:
        kind = (trial.enrollment_type or "").lower() or "planned"
        contained.append(
            {
                "resourceType": "Group",
                "id": "enrollment",
                "type": "person",
                "actual": False,
                "name": f"Enrollment ({kind})",
                "quantity": trial.enrollment,
            }
        )
        study["enrollment"] = [{"reference": "#enrollment"}]
    arms = [
        {
            "name": arm.label,
            **({"type": {"text": arm.get_type_display()}} if arm.type else {}),
            **({"description": arm.description} if arm.description else {}),
        }
        for arm in trial.arms.all()
    ]
    if arms:
        study["arm"] = arms
    locations = [site_location(site) for site in sites]
    if locations:
        contained.extend(locations)
        study["site"] = [
            {"reference": f"#{loc['id']}", "display": loc["name"]} for loc in locations
        ]
    if contained:
        study["contained"] = contained
    return study


def searchset(
    entries: list[dict[str, Any]],
    *,
    total: int,
    self_url: str,
    next_url: str | None = None,
    outcome: dict[str, Any] | None = None,
    first_url: str | None = None,
    previous_url: str | None = None,
    last_url: str | None = None,
) -> dict[str, Any]:
    """A searchset Bundle of ready-made entries (with an OperationOutcome entry for notes).

    ``Bundle.link``: ``self``, then the paging links given (``first``, ``previous``,
    ``next``, ``last``: FHIR's relation names, in that order)."""
    links = [{"relation": "self", "url": self_url}]
    for relation, url in (
        ("first", first_url),
        ("previous", previous_url),
        ("next", next_url),
        ("last", last_url),
    ):
        if url:
            links.append({"relation": relation, "url": url})
    all_entries = list(entries)
    if outcome is not None:
        all_entries.append({"resource": outcome, "search": {"mode": "outcome"}})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
    }
    if all_entries:
        bundle["entry"] = all_entries
    return bundle


def study_entry(study: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    return {
        "fullUrl": f"{base_url}ResearchStudy/{study['id']}",
        "resource": study,
        "search": {"mode": "match"},
    }


#: search.score for each verdict: the Bundle is ranked by verdict, share checked, distance.
VERDICT_SCORE = {"eligible": 1.0, "possibly_eligible": 0.5, "ineligible": 0.0}


def match_entry(
    study: dict[str, Any],
    *,
    base_url: str,
    outcome: Any,
    distance_km: float | None,
    unused: Sequence[Issue] = (),
) -> dict[str, Any]:
    """A match result: the study, its ``search.score``, and in ``search.extension`` the
    verdict, how many criteria were checked, the answer keys still missing, every
    criterion with its status and reason, and each of the patient's resources (or
    elements) the match could not use.

    ``outcome`` is a screening outcome (``verdict``, ``checked``, ``total``, ``missing``,
    ``criteria``: the eligibility API's criterion objects); ``unused`` the issues of
    :attr:`PatientAnswers.unused`, shown as in the Bundle's OperationOutcome.
    """
    entry = study_entry(study, base_url=base_url)
    extensions: list[dict[str, Any]] = [{"url": VERDICT_EXTENSION, "valueCode": outcome.verdict}]
    if distance_km is not None:
        extensions.append(
            {
                "url": DISTANCE_EXTENSION,
                "valueQuantity": {
                    "value": round(distance_km, 3),
                    "unit": "km",
                    "system": "http://unitsofmeasure.org",
                    "code": "km",
                },
            }
        )
    extensions += [
        {
            "url": CHECKED_EXTENSION,
            "extension": [
                {"url": "checked", "valueUnsignedInt": outcome.checked},
                {"url": "total", "valueUnsignedInt": outcome.total},
            ],
        },
        *({"url": MISSING_EXTENSION, "valueCode": key} for key in outcome.missing),
        *(_criterion_extension(criterion) for criterion in outcome.criteria),
        *unused_resource_extensions(unused),
    ]
    entry["search"] = {
        "mode": "match",
        "score": VERDICT_SCORE[outcome.verdict],
        "extension": extensions,
    }
    return entry


def _criterion_extension(criterion: Mapping[str, Any]) -> dict[str, Any]:
    parts = [
        {"url": "id", "valueString": str(criterion["id"])},
        {"url": "kind", "valueCode": criterion["kind"]},
        {"url": "status", "valueCode": criterion["status"]},
        {"url": "text", "valueString": criterion["text"] or "-"},
        {"url": "explanation", "valueString": criterion["explanation"] or "-"},
    ]
    if criterion.get("clinical_text"):
        parts.append({"url": "clinicalText", "valueString": criterion["clinical_text"]})
    return {"url": CRITERION_EXTENSION, "extension": parts}


def unused_resource_extensions(issues: Sequence[Issue]) -> list[dict[str, Any]]:
    """One ``unused-resource`` extension per issue: sub-extensions ``severity``, ``code``,
    ``diagnostics`` and one ``expression`` per element named, the texts of the
    OperationOutcome's issue (at most :data:`~fhir_api.outcomes.MAX_ISSUES`, then one
    more counting the rest)."""
    listed = list(issues)
    shown = [issue.as_dict() for issue in listed[:MAX_ISSUES]]
    if len(listed) > MAX_ISSUES:
        more = len(listed) - MAX_ISSUES
        shown.append(Issue("information", "too-costly", f"{more} more are not listed.").as_dict())
    return [
        {
            "url": UNUSED_RESOURCE_EXTENSION,
            "extension": [
                {"url": "severity", "valueCode": issue["severity"]},
                {"url": "code", "valueCode": issue["code"]},
                {"url": "diagnostics", "valueString": issue["diagnostics"]},
                *({"url": "expression", "valueString": e} for e in issue.get("expression", ())),
            ],
        }
        for issue in shown
    ]


# --- inbound: a patient Bundle -> answers -------------------------------------------------

#: How far back "in the past year" reaches, and how recent a pregnancy status must be
#: to say the patient is pregnant now (40 weeks).
PAST_YEAR_DAYS = 365
PREGNANCY_DAYS = 280
#: A taken medication still going on, or of unknown date (values of ``treatment_history``).
CURRENT, UNSURE = "current", "unsure"
#: At most this many elements are named in one summary note.
MAX_NAMED = 10


@dataclass
class PatientAnswers:
    """What a patient Bundle tells us: answers, a location, and notes for the caller.

    ``partial`` names the answer keys read from the record's lists (its medications,
    its diagnoses), which cannot say "never" (``answers_prepare(partial=...)``).
    ``unused`` are the notes (among ``notes``) on the resources or elements not used:
    left out by a check, of a type not read, naming nothing the trials ask about, not
    confirmed, not current; each match repeats them (:func:`match_entry`).
    ``prepared`` is :attr:`answers` validated, with their facts derived
    (:func:`~eligibility.services.answers_prepare`, called once, by the mapping's last
    guard): what ``$match`` evaluates.
    """

    answers: dict[str, Any] = field(default_factory=dict)
    location: dict[str, str] | None = None
    notes: list[Issue] = field(default_factory=list)
    partial: tuple[str, ...] = ()
    unused: list[Issue] = field(default_factory=list)
    prepared: Answers | None = None

    def note(self, diagnostics: str, expression: str | tuple[str, ...]) -> None:
        self.notes.append(Issue("information", "informational", diagnostics, expression))

    def not_read(self, diagnostics: str, expression: str | tuple[str, ...]) -> None:
        """A note on resources the match does not use (also in :attr:`unused`)."""
        issue = Issue("information", "informational", diagnostics, expression)
        self.notes.append(issue)
        self.unused.append(issue)

    def left_out(self, diagnostics: str, expression: str | tuple[str, ...]) -> None:
        issue = Issue("warning", "value", diagnostics, expression)
        self.notes.append(issue)
        self.unused.append(issue)


def answers_from_bundle(
    data: Any, *, today: date, edss_codes: Iterable[str] = ()
) -> PatientAnswers:
    """Read a patient Bundle into answer keys (see docs/api.md for every mapping).

    The Bundle is checked first (:func:`~fhir_api.validation.check_bundle`): a resource
    that fails a check is left out and reported among the notes, and a Bundle without
    exactly one usable Patient raises :class:`FhirInputError`. Facts the Bundle does not
    state stay missing (never "no"): a Bundle without an MS Condition leaves
    ``ms_diagnosis`` unknown, one without a natalizumab MedicationStatement leaves
    natalizumab open. ``edss_codes`` are a site's own EDSS codes (``system|code``).
    The answers returned always validate (``prepared`` holds them validated, with their
    facts, as of ``today``); one that would not is left out with a note.
    """
    checked = check_bundle(data, today=today)
    result = PatientAnswers(notes=list(checked.issues), unused=list(checked.issues))
    _read_patient(result, checked)
    _read_conditions(result, checked, today=today)
    _read_medications(result, checked, today=today)
    _read_observations(result, checked, today=today, edss_codes=tuple(edss_codes))
    _keep_valid_answers(result, today=today)
    return result


def _named(entries: Sequence[Entry]) -> tuple[str, ...]:
    return tuple(entry.where for entry in entries[:MAX_NAMED])


def _read_patient(result: PatientAnswers, checked: CheckedBundle) -> None:
    patient = checked.patient
    where = patient.where
    birth = checked.birth
    if birth is not None:
        if birth.precision != "day":
            result.note(
                "birthDate gives no full day, so age is left unknown.", f"{where}.birthDate"
            )
        else:
            result.answers["birth_date"] = birth.text
    gender = patient.resource.get("gender")
    if gender in ("female", "male", "other") and "gender" not in checked.dropped:
        result.answers["sex"] = gender
    for address in patient.resource.get("address") or []:
        if not isinstance(address, Mapping):
            continue
        country = address.get("country") if isinstance(address.get("country"), str) else ""
        postal_code, city = address.get("postalCode"), address.get("city")
        if isinstance(postal_code, str) and postal_code.strip():
            result.location = {"postal_code": postal_code, "country": country}
        elif isinstance(city, str) and city.strip():
            state = address.get("state") if isinstance(address.get("state"), str) else ""
            result.location = {"place": ", ".join(p for p in (city, state, country) if p)}
        if result.location:
            break


def _status(concept: Any, system: str) -> str | None:
    for coding in codes.codings(concept):
        if coding.system in (system, "") and coding.code:
            return coding.code
    return None


def _years_between(start: date, end: date) -> float:
    return round(max((end - start).days, 0) / 365.25, 1)


def _read_conditions(result: PatientAnswers, checked: CheckedBundle, *, today: date) -> None:
    courses: set[str] = set()
    onsets: list[date] = []
    has_ms = False
    others: set[str] = set()
    cancer_years: list[float | str] = []
    unread: list[Entry] = []
    for entry in checked.of("Condition"):
        condition = entry.resource
        verification = _status(condition.get("verificationStatus"), codes.CONDITION_VERIFICATION)
        if verification in ("refuted", "entered-in-error"):
            continue
        clinical = _status(condition.get("clinicalStatus"), codes.CONDITION_CLINICAL)
        meaning = codes.ms_meaning(condition.get("code"))
        found = codes.other_conditions_of(condition.get("code")) if meaning is None else []
        cancer = meaning is None and codes.is_cancer(condition.get("code"))
        if meaning is None and not found and not cancer:
            unread.append(entry)
            continue
        if verification in ("unconfirmed", "provisional", "differential"):
            result.not_read(
                f"The Condition is not confirmed (verificationStatus {verification}), so it is "
                "not applied.",
                f"{entry.where}.verificationStatus",
            )
            continue
        if meaning is not None:
            if meaning is True or meaning != "clinically_isolated_syndrome":
                has_ms = True
            if isinstance(meaning, str):
                courses.add(meaning)
            onset = _onset_day(result, entry)
            if onset is not None:
                onsets.append(onset)
            continue
        for other in found:
            if _counts_now(other, clinical, condition, today):
                others.add(other.code)
            else:
                result.not_read(
                    f"The Condition does not say {other.code} is current "
                    f"({'now' if other.when == 'now' else 'in the past year'}), so "
                    "other_conditions does not list it.",
                    f"{entry.where}.clinicalStatus",
                )
        if cancer:
            cancer_years.append(_years_since_cancer(result, entry, clinical, today))
    if has_ms:
        result.answers["ms_diagnosis"] = "yes"
    ms_courses = courses - {"clinically_isolated_syndrome"} if has_ms else courses
    if len(ms_courses) == 1:
        result.answers["ms_course"] = next(iter(ms_courses))
    elif len(ms_courses) > 1:
        result.answers["ms_course"] = "unsure"
        result.note(
            "The Conditions name more than one course of MS; the course is taken as unsure.",
            "Bundle.entry",
        )
    if onsets:
        result.answers["years_since_first_symptoms"] = min(_years_between(min(onsets), today), 80.0)
    if others:
        result.answers["other_conditions"] = [code for code in CONDITION_CODES if code in others]
        result.partial += ("other_conditions",)
    if cancer_years:
        if 0.0 in cancer_years or UNSURE not in cancer_years:
            years = min(y for y in cancer_years if isinstance(y, float))
            result.answers["years_since_cancer"] = min(years, 100.0)
        else:
            result.answers["years_since_cancer"] = UNSURE
    if unread:
        result.not_read(
            f"{len(unread)} Condition{'s name' if len(unread) > 1 else ' names'} nothing the "
            "trials ask about (not read).",
            _named(unread),
        )


def _onset_day(result: PatientAnswers, entry: Entry) -> date | None:
    onset = date_span(entry.resource.get("onsetDateTime"))
    if onset is None:
        return None
    if onset.precision != "day":
        result.note(
            "onsetDateTime gives no full day, so years since first symptoms is left unknown.",
            f"{entry.where}.onsetDateTime",
        )
        return None
    return onset.first


def _counts_now(
    other: codes.ConditionCodes, clinical: str | None, condition: Mapping[str, Any], today: date
) -> bool:
    """Whether a diagnosis counts for ``other_conditions`` (some count only when recent)."""
    active = clinical in codes.ACTIVE_CLINICAL_STATUSES
    if other.when == "ever" or active:
        return True
    if other.when == "now":
        return False
    for path in ("abatementDateTime", "onsetDateTime"):
        span = date_span(condition.get(path))
        if span is not None and (today - span.last).days <= PAST_YEAR_DAYS:
            return True
    return False


def _years_since_cancer(
    result: PatientAnswers, entry: Entry, clinical: str | None, today: date
) -> float | str:
    """Years since the cancer was last present: 0 while active, else since abatement."""
    if clinical in codes.ACTIVE_CLINICAL_STATUSES:
        return 0.0
    abatement = entry.resource.get("abatementDateTime")
    if abatement is None and isinstance(entry.resource.get("abatementPeriod"), Mapping):
        abatement = entry.resource["abatementPeriod"].get("end")
    span = date_span(abatement)
    if span is not None and span.precision != "year":
        return _years_between(span.last, today)
    result.note(
        "A cancer Condition is neither active nor dated to the month of its abatement, so "
        "years since cancer is unsure.",
        f"{entry.where}.abatementDateTime",
    )
    return UNSURE


# --- medications --------------------------------------------------------------------------

Dose = DateSpan | str  # a last dose: its day, month or year, CURRENT or UNSURE


def _read_medications(result: PatientAnswers, checked: CheckedBundle, *, today: date) -> None:
    doses: dict[str, list[Dose]] = {}
    steroids: list[Dose] = []
    unread: list[Entry] = []
    not_taken: list[Entry] = []
    local: list[Entry] = []
    for entry in checked.of("MedicationStatement"):
        statement = entry.resource
        if statement["status"] in codes.NOT_TAKEN_STATUSES:
            not_taken.append(entry)
            continue
        concept = statement.get("medicationCodeableConcept")
        if concept is None:
            reference = statement.get("medicationReference")
            target = reference.get("reference") if isinstance(reference, Mapping) else None
            medication = checked.medication(target, statement)
            if medication is None:
                result.not_read(
                    "medicationReference names no Medication in the Bundle; not read.",
                    f"{entry.where}.medicationReference",
                )
                continue
            concept = medication.get("code")
        routes = [d.get("route") for d in statement.get("dosage") or [] if isinstance(d, Mapping)]
        treatment = treatment_for_concept(concept)
        acth = treatment is None and codes.is_acth(concept)
        if (treatment == "corticosteroids" or acth) and codes.is_local(concept, routes):
            local.append(entry)
            continue
        if treatment is None and not acth:
            unread.append(entry)
            continue
        dose = _last_dose(statement, today)
        if treatment is not None:
            doses.setdefault(treatment, []).append(dose)
        if treatment == "corticosteroids" or acth:
            steroids.append(dose)
    history = {
        code: _dose_answer(result, code, doses[code]) for code in TREATMENT_CODES if code in doses
    }
    if history:
        result.answers["treatment_history"] = history
        result.partial += ("treatment_history",)
    if steroids:
        last = _dose_answer(result, "last_systemic_steroids", steroids)
        result.answers["last_systemic_steroids"] = today.isoformat() if last == CURRENT else last
    if unread:
        result.not_read(
            f"{len(unread)} MedicationStatement{'s name' if len(unread) > 1 else ' names'} no "
            "treatment the trials ask about (not read).",
            _named(unread),
        )
    if local:
        result.not_read(
            "A corticosteroid used on the skin, eye, ear, nose or airways is not a systemic "
            "steroid (not read).",
            _named(local),
        )
    if not_taken:
        result.not_read(
            "not-taken, entered-in-error and intended MedicationStatements are not counted as "
            "taken; a record cannot say a treatment was never taken.",
            _named(not_taken),
        )


def _last_dose(statement: Mapping[str, Any], today: date) -> Dose:
    """A statement's last dose: ``current`` while active, else the end of its period, its
    date, or ``unsure`` (taken, date not known)."""
    period = statement.get("effectivePeriod")
    period = period if isinstance(period, Mapping) else {}
    end = date_span(period.get("end"))
    if statement["status"] == "active":
        return end if end is not None and end.last < today else CURRENT
    return end or date_span(statement.get("effectiveDateTime")) or UNSURE


def _dose_answer(result: PatientAnswers, key: str, doses: list[Dose]) -> str:
    """Several statements' doses as one last dose: current wins, then an undated one (its
    date could be the latest), then the latest date (a month rather than a day in it)."""
    if CURRENT in doses:
        return CURRENT
    dated = [dose for dose in doses if isinstance(dose, DateSpan)]
    if UNSURE in doses or not dated:
        return UNSURE
    latest = max(dated, key=lambda span: (span.last, span.precision != "day"))
    if latest.precision == "year":
        result.note(
            f"The last dose for {key} is dated to the year only ({latest.text}), so it is "
            "taken as unsure.",
            "Bundle.entry",
        )
        return UNSURE
    return latest.text


# --- observations -------------------------------------------------------------------------


def _effective(observation: Mapping[str, Any]) -> DateSpan | None:
    for path in ("effectiveDateTime", "effectiveInstant"):
        span = date_span(observation.get(path))
        if span is not None:
            return span
    period = observation.get("effectivePeriod")
    if isinstance(period, Mapping):
        return date_span(period.get("end")) or date_span(period.get("start"))
    return None


def _latest(found: list[tuple[Entry, Any]]) -> tuple[Entry, Any] | None:
    dated = [(entry, value) for entry, value in found if _effective(entry.resource)]
    if not dated:
        return None
    return max(dated, key=lambda item: _effective(item[0].resource).last)  # type: ignore[union-attr]


def _read_observations(
    result: PatientAnswers, checked: CheckedBundle, *, today: date, edss_codes: tuple[str, ...]
) -> None:
    edss: list[tuple[Entry, float]] = []
    pregnancy: list[tuple[Entry, str]] = []
    unread: list[Entry] = []
    for entry in checked.of("Observation"):
        observation = entry.resource
        concept = observation.get("code")
        is_edss = codes.is_edss(concept, edss_codes)
        is_pregnancy = codes.has_code(concept, [codes.PREGNANCY_STATUS])
        if not (is_edss or is_pregnancy):
            unread.append(entry)
            continue
        if observation.get("status") not in codes.RESULT_STATUSES:
            result.left_out(
                f"The Observation's status is {observation.get('status')}, not a final "
                "result; not read.",
                f"{entry.where}.status",
            )
            continue
        if is_edss:
            score = _edss_score(result, entry)
            if score is not None:
                edss.append((entry, score))
        else:
            answer = _pregnancy_answer(observation.get("valueCodeableConcept"))
            if answer is not None:
                pregnancy.append((entry, answer))
    _answer_edss(result, edss)
    _answer_pregnancy(result, pregnancy, today)
    if unread:
        result.not_read(
            f"{len(unread)} Observation{'s are' if len(unread) > 1 else ' is'} neither an EDSS "
            "score nor a pregnancy status (not read).",
            _named(unread),
        )


def _edss_score(result: PatientAnswers, entry: Entry) -> float | None:
    observation = entry.resource
    value: Any = None
    if isinstance(observation.get("valueQuantity"), Mapping):
        value = observation["valueQuantity"].get("value")
    elif "valueInteger" in observation:
        value = observation["valueInteger"]
    elif isinstance(observation.get("valueString"), str):
        try:
            value = float(observation["valueString"].replace(",", "."))
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float):
        result.left_out(
            "The EDSS Observation has no numeric value (valueQuantity, valueInteger or "
            "valueString); left out.",
            f"{entry.where}.value[x]",
        )
        return None
    score = float(value)
    if not (0.0 <= score <= 10.0 and (score * 2).is_integer()):
        result.left_out(
            f"EDSS {score:g} is not on the 0 to 10 scale in half steps; left out.",
            f"{entry.where}.value[x]",
        )
        return None
    return score


def _answer_edss(result: PatientAnswers, found: list[tuple[Entry, float]]) -> None:
    if not found:
        return
    latest = _latest(found)
    if latest is None:
        scores = {score for _, score in found}
        if len(scores) > 1:
            result.note(
                "Undated EDSS Observations disagree; EDSS is taken as unsure.",
                _named([entry for entry, _ in found]),
            )
            result.answers["edss"] = UNSURE
            return
        latest = found[0]
    day = _effective(latest[0].resource)
    same_day = {score for entry, score in found if day and _effective(entry.resource) == day}
    if len(same_day) > 1:
        result.note(
            "The latest EDSS Observations disagree; EDSS is taken as unsure.", latest[0].where
        )
        result.answers["edss"] = UNSURE
        return
    result.answers["edss"] = latest[1]


def _pregnancy_answer(value: Any) -> str | None:
    if codes.has_code(value, codes.PREGNANT):
        return "pregnant"
    if codes.has_code(value, codes.NOT_PREGNANT):
        return "not_pregnant"
    return None


def _answer_pregnancy(result: PatientAnswers, found: list[tuple[Entry, str]], today: date) -> None:
    if not found:
        return
    latest = _latest(found)
    if latest is None:
        result.not_read(
            "A pregnancy status without a date does not say the patient is pregnant now; not read.",
            _named([entry for entry, _ in found]),
        )
        return
    entry, status = latest
    when = _effective(entry.resource)
    if status == "pregnant" and when is not None and (today - when.last).days <= PREGNANCY_DAYS:
        result.answers["pregnancy_or_breastfeeding"] = "yes"
    elif status == "pregnant":
        result.note(
            f"The latest pregnancy status (pregnant, {when.text if when else 'undated'}) is "
            f"older than {PREGNANCY_DAYS} days, so it does not say the patient is pregnant now.",
            entry.where,
        )
    else:
        result.note(
            "A 'not pregnant' status does not say whether the patient is breastfeeding, so "
            "pregnancy_or_breastfeeding is left unknown.",
            entry.where,
        )


def _keep_valid_answers(result: PatientAnswers, *, today: date) -> None:
    """Leave out, with a note, any answer the contract refuses (a mapping's last guard),
    and keep the answers left as :attr:`PatientAnswers.prepared`.

    They are validated by :func:`~eligibility.services.answers_prepare`, the validator
    every request uses, so ``$match`` does not validate them again. Three rounds leave
    answers out; answers still refused after them raise :class:`InvalidAnswers`.
    """
    for attempt in range(4):
        try:
            result.prepared = answers_prepare(
                answers=result.answers, today=today, partial=result.partial
            )
        except InvalidAnswers as exc:
            if attempt == 3:
                raise
            for key, message in exc.errors.items():
                if result.answers.pop(key, None) is not None:
                    result.left_out(f"{key} left out: {message}.", "Bundle")
            continue
        return
