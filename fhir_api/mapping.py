"""FHIR R4 for partners: trials as ResearchStudy, patient Bundles as answers.

Outbound, a trial is a ``ResearchStudy`` with its sponsor (an ``Organization``), its
enrollment (a ``Group`` with ``quantity``) and its sites (``Location``\\s) contained in it;
searches and matches are ``searchset`` Bundles. Inbound, a Bundle with a ``Patient``,
``Condition``\\s and ``MedicationStatement``\\s becomes an ``answers`` object of the public
contract (``shared/clinical/ms-trials.md``). The mapping tables below are the
documentation of record (docs/api.md repeats them for partners).

Everything here works on plain JSON dicts; the structure of inbound Bundles is checked
with ``fhir.resources.R4B`` (ResearchStudy, Patient, Condition, MedicationStatement and
Bundle are identical in R4 and R4B). Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

FHIR_CONTENT_TYPE = "application/fhir+json"

SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
CTGOV_IDENTIFIER_SYSTEM = "https://clinicaltrials.gov"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
EXTENSION_BASE = "https://ms-trial-finder.example/fhir/StructureDefinition"
VERDICT_EXTENSION = f"{EXTENSION_BASE}/eligibility-verdict"
DISTANCE_EXTENSION = f"{EXTENSION_BASE}/nearest-site-distance"
REGISTRY_STATUS_EXTENSION = f"{EXTENSION_BASE}/registry-overall-status"

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
MS_SNOMED = "24700007"  # Multiple sclerosis (disorder)
MS_COURSE_SNOMED = {
    "426373005": "relapsing_remitting",  # Relapsing remitting multiple sclerosis
    "425688002": "secondary_progressive",  # Secondary progressive multiple sclerosis
    "425500002": "primary_progressive",  # Primary progressive multiple sclerosis
}
_COURSE_DISPLAY = {
    "426373005": "Relapsing remitting multiple sclerosis",
    "425688002": "Secondary progressive multiple sclerosis",
    "425500002": "Primary progressive multiple sclerosis",
}

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def research_study_status(overall_status: str) -> str:
    return RESEARCH_STUDY_STATUS.get(overall_status, "closed-to-accrual")


def research_study_phase(phases: Sequence[str]) -> str | None:
    """The phase code, or ``None`` for a combination the value set has no code for."""
    return RESEARCH_STUDY_PHASE.get(tuple(sorted(set(phases))))


def condition_concept(text: str) -> dict[str, Any]:
    """A trial's condition as a CodeableConcept: its text, with SNOMED CT when we know it."""
    lowered = " ".join(text.lower().replace("-", " ").split())
    coding = []
    if "relapsing remitting" in lowered:
        coding.append(_snomed("426373005", _COURSE_DISPLAY["426373005"]))
    elif "secondary progressive" in lowered:
        coding.append(_snomed("425688002", _COURSE_DISPLAY["425688002"]))
    elif "primary progressive" in lowered:
        coding.append(_snomed("425500002", _COURSE_DISPLAY["425500002"]))
    elif "multiple sclerosis" in lowered or lowered in ("ms", "relapsing ms"):
        coding.append(_snomed(MS_SNOMED, "Multiple sclerosis"))
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
) -> dict[str, Any]:
    """A searchset Bundle of ready-made entries (with an OperationOutcome entry for notes)."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
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


#: search.score for each verdict: the Bundle is ranked by verdict, then distance.
VERDICT_SCORE = {"eligible": 1.0, "possibly_eligible": 0.5, "ineligible": 0.0}


def match_entry(
    study: dict[str, Any], *, base_url: str, verdict: str, distance_km: float | None
) -> dict[str, Any]:
    """A match result: the study, its ``search.score`` and the verdict as an extension."""
    entry = study_entry(study, base_url=base_url)
    extensions: list[dict[str, Any]] = [{"url": VERDICT_EXTENSION, "valueCode": verdict}]
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
    entry["search"] = {"mode": "match", "score": VERDICT_SCORE[verdict], "extension": extensions}
    return entry


# --- errors and notes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue."""

    severity: str  # fatal | error | warning | information
    code: str  # invalid | structure | required | value | not-found | throttled | ...
    diagnostics: str
    expression: str | None = None

    def as_dict(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_dict() for i in issues]}


class FhirInputError(Exception):
    """An inbound resource we cannot use; ``issues`` say where and why."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.diagnostics for i in issues))


# --- inbound: a patient Bundle -> answers -------------------------------------------------

#: Condition codes -> what they tell us. ``True`` means multiple sclerosis without a course.
CONDITION_CODES: dict[tuple[str, str], str | bool] = {
    (SNOMED, MS_SNOMED): True,
    **{(SNOMED, code): course for code, course in MS_COURSE_SNOMED.items()},
    **{(system, "G35"): True for system in ICD10_SYSTEMS},
}

#: Words in a Condition's text when it has no code we know.
CONDITION_TEXTS: tuple[tuple[str, str | bool], ...] = (
    ("relapsing remitting", "relapsing_remitting"),
    ("secondary progressive", "secondary_progressive"),
    ("primary progressive", "primary_progressive"),
    ("clinically isolated syndrome", "clinically_isolated_syndrome"),
    ("multiple sclerosis", True),
)

#: Treatment code -> RxNorm ingredient codes, ATC codes (old and 2024 ones), and names
#: (generic and brand) matched as whole words in a medication's text or display.
TREATMENT_MAP: dict[str, dict[str, tuple[str, ...]]] = {
    "interferon_beta": {
        "rxnorm": ("75917", "72257", "1546168"),  # beta-1a, beta-1b, peginterferon
        "atc": ("L03AB07", "L03AB08", "L03AB13"),
        "names": (
            "interferon beta",
            "interferon beta-1a",
            "interferon beta-1b",
            "peginterferon beta-1a",
            "avonex",
            "rebif",
            "plegridy",
            "betaseron",
            "betaferon",
            "extavia",
        ),
    },
    "glatiramer_acetate": {
        "rxnorm": ("214582",),
        "atc": ("L03AX13",),
        "names": ("glatiramer", "glatiramer acetate", "copaxone", "glatopa"),
    },
    "natalizumab": {
        "rxnorm": ("354770",),
        "atc": ("L04AA23", "L04AG03"),
        "names": ("natalizumab", "tysabri", "tyruko"),
    },
    "fingolimod": {
        "rxnorm": ("1012892",),
        "atc": ("L04AA27", "L04AE01"),
        "names": ("fingolimod", "gilenya", "tascenso"),
    },
    "dimethyl_fumarate": {
        "rxnorm": ("1373478",),
        "atc": ("L04AX07",),
        "names": ("dimethyl fumarate", "tecfidera"),
    },
    "teriflunomide": {
        "rxnorm": ("1310520",),
        "atc": ("L04AA31", "L04AK02"),
        "names": ("teriflunomide", "aubagio"),
    },
    "alemtuzumab": {
        "rxnorm": ("117055",),
        "atc": ("L04AA34", "L01XC04", "L04AG06", "L01FX02"),
        "names": ("alemtuzumab", "lemtrada", "campath", "mabcampath"),
    },
    "ocrelizumab": {
        "rxnorm": ("1876366",),
        "atc": ("L04AA36", "L04AG08"),
        "names": ("ocrelizumab", "ocrevus"),
    },
    "rituximab": {
        "rxnorm": ("121191",),
        "atc": ("L01XC02", "L01FA01"),
        "names": ("rituximab", "rituxan", "mabthera", "truxima", "ruxience"),
    },
    "mitoxantrone": {
        "rxnorm": ("7005",),
        "atc": ("L01DB07",),
        "names": ("mitoxantrone", "novantrone"),
    },
    "cyclophosphamide": {
        "rxnorm": ("3002",),
        "atc": ("L01AA01",),
        "names": ("cyclophosphamide", "cytoxan", "endoxan"),
    },
    "cladribine": {
        "rxnorm": ("44157",),
        "atc": ("L01BB04", "L04AA40"),
        "names": ("cladribine", "mavenclad", "leustatin"),
    },
    "methotrexate": {
        "rxnorm": ("6851",),
        "atc": ("L01BA01", "L04AX03"),
        "names": ("methotrexate", "trexall", "otrexup", "rasuvo"),
    },
    "azathioprine": {
        "rxnorm": ("1256",),
        "atc": ("L04AX01",),
        "names": ("azathioprine", "imuran", "azasan"),
    },
    "cyclosporine": {
        "rxnorm": ("3008",),
        "atc": ("L04AD01",),
        "names": ("cyclosporine", "ciclosporin", "sandimmune", "neoral", "gengraf"),
    },
    "ivig": {
        "rxnorm": (),
        "atc": ("J06BA02",),
        "names": (
            "ivig",
            "intravenous immunoglobulin",
            "immune globulin",
            "immunoglobulin g",
            "gamunex",
            "privigen",
            "octagam",
        ),
    },
    "corticosteroids": {
        "rxnorm": ("8640", "6902", "3264", "8638", "5492"),
        "atc": ("H02AB",),  # every systemic glucocorticoid (a prefix)
        "names": (
            "corticosteroid",
            "corticosteroids",
            "steroids",
            "prednisone",
            "prednisolone",
            "methylprednisolone",
            "solu-medrol",
            "medrol",
            "dexamethasone",
            "hydrocortisone",
        ),
    },
}

_RXNORM_INDEX = {code: t for t, m in TREATMENT_MAP.items() for code in m["rxnorm"]}
_ATC_INDEX = {code: t for t, m in TREATMENT_MAP.items() for code in m["atc"]}
_NAME_INDEX = sorted(
    ((name, t) for t, m in TREATMENT_MAP.items() for name in m["names"]),
    key=lambda item: -len(item[0]),
)

#: MedicationStatement statuses that do not mean the patient took the medication.
NOT_TAKEN_STATUSES = {"not-taken", "entered-in-error", "intended"}
#: How far back "in the past 6 months" reaches.
RECENT_DAYS = 183


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w\-]+", " ", text.lower()).split()) + " "


def treatment_for_concept(concept: dict[str, Any] | None) -> str | None:
    """Our treatment code for a medication CodeableConcept: RxNorm, then ATC, then names."""
    if not isinstance(concept, dict):
        return None
    codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    for coding in codings:
        if coding.get("system") == RXNORM and coding.get("code") in _RXNORM_INDEX:
            return _RXNORM_INDEX[coding["code"]]
    for coding in codings:
        code = str(coding.get("code") or "").upper()
        if coding.get("system") == ATC and code:
            for atc, treatment in _ATC_INDEX.items():
                if code == atc or (len(atc) == 5 and code.startswith(atc)):
                    return treatment
    texts = [concept.get("text")] + [c.get("display") for c in codings]
    for text in texts:
        if isinstance(text, str) and text.strip():
            words = _words(text)
            for name, treatment in _NAME_INDEX:
                if f" {name} " in words:
                    return treatment
    return None


def _condition_meaning(concept: dict[str, Any] | None) -> str | bool | None:
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict):
            meaning = CONDITION_CODES.get((coding.get("system"), coding.get("code")))
            if meaning is not None:
                return meaning
    texts = [concept.get("text")] + [
        c.get("display") for c in concept.get("coding") or [] if isinstance(c, dict)
    ]
    for text in texts:
        if isinstance(text, str):
            lowered = _words(text.replace("-", " "))
            for words, meaning in CONDITION_TEXTS:
                if f" {words} " in lowered:
                    return meaning
    return None


def _full_date(value: Any) -> date | None:
    """A FHIR date or dateTime's calendar date, when it names a whole day."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _years_between(start: date, end: date) -> float:
    return round(max((end - start).days, 0) / 365.25, 1)


@dataclass
class PatientAnswers:
    """What a patient Bundle tells us: answers, a location, and notes for the caller."""

    answers: dict[str, Any] = field(default_factory=dict)
    location: dict[str, str] | None = None
    notes: list[Issue] = field(default_factory=list)

    def note(self, diagnostics: str, expression: str) -> None:
        self.notes.append(Issue("information", "informational", diagnostics, expression))


def validate_bundle(data: Any) -> None:
    """Check an inbound Bundle's structure with the R4B models; ``FhirInputError`` if bad."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirInputError(
            [Issue("error", "structure", "The body must be a FHIR Bundle resource.", "Bundle")]
        )
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        raise FhirInputError(
            [
                Issue("error", "structure", error["msg"], _expression(error["loc"]))
                for error in exc.errors()[:20]
            ]
        ) from None
    except RecursionError:
        # The parser bounds nesting depth; this is the last line of defence.
        raise FhirInputError(
            [Issue("error", "too-costly", "The Bundle is nested too deeply.", "Bundle")]
        ) from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        # fhir.resources raises KeyError for an unknown resourceType inside the Bundle.
        raise FhirInputError(
            [Issue("error", "structure", f"Not a valid FHIR R4 Bundle ({exc}).", "Bundle")]
        ) from None


def _expression(loc: Sequence[Any]) -> str:
    path = "Bundle"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def answers_from_bundle(data: dict[str, Any], *, today: date) -> PatientAnswers:
    """Read a validated patient Bundle into answer keys (see docs/api.md for the mapping).

    Exactly one Patient is required; every Condition and MedicationStatement in the
    Bundle is taken to be about it. Facts the Bundle does not state stay missing (never
    "no"): a Bundle without an MS Condition leaves ``ms_diagnosis`` unknown. When the
    Bundle has MedicationStatements they are taken as the full treatment history, so a
    treatment-naive patient is one ``not-taken`` statement and ``treatments_ever`` ``[]``.
    """
    resources = [
        (index, entry.get("resource"))
        for index, entry in enumerate(data.get("entry") or [])
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]
    by_type: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, resource in resources:
        by_type.setdefault(resource.get("resourceType", ""), []).append((index, resource))

    patients = by_type.get("Patient", [])
    if len(patients) != 1:
        raise FhirInputError(
            [
                Issue(
                    "error",
                    "required" if not patients else "invalid",
                    f"The Bundle must hold exactly one Patient (it holds {len(patients)}).",
                    "Bundle.entry",
                )
            ]
        )
    result = PatientAnswers()
    _read_patient(result, *patients[0], today=today)
    _read_conditions(result, by_type.get("Condition", []), today=today)
    medications = {
        _resource_key(entry_index, resource, data): resource
        for entry_index, resource in by_type.get("Medication", [])
    }
    _read_medications(result, by_type.get("MedicationStatement", []), medications, today=today)
    return result


def _resource_key(index: int, resource: dict[str, Any], bundle: dict[str, Any]) -> str:
    full_url = (bundle.get("entry") or [])[index].get("fullUrl")
    return full_url or f"{resource.get('resourceType')}/{resource.get('id')}"


def _read_patient(result: PatientAnswers, index: int, patient: dict[str, Any], *, today) -> None:
    where = f"Bundle.entry[{index}].resource"
    birth = patient.get("birthDate")
    if birth:
        born = _full_date(birth)
        if born is None:
            result.note(
                "birthDate gives no full day, so age is left unknown.", f"{where}.birthDate"
            )
        else:
            result.answers["birth_date"] = born.isoformat()
    gender = patient.get("gender")
    if gender in ("female", "male", "other"):
        result.answers["sex"] = gender
    for address in patient.get("address") or []:
        if not isinstance(address, dict):
            continue
        country = address.get("country") or ""
        if address.get("postalCode"):
            result.location = {"postal_code": address["postalCode"], "country": country}
        elif address.get("city"):
            parts = [address["city"], address.get("state") or "", country]
            result.location = {"place": ", ".join(p for p in parts if p)}
        if result.location:
            break


def _read_conditions(
    result: PatientAnswers, conditions: list[tuple[int, dict[str, Any]]], *, today: date
) -> None:
    courses: set[str] = set()
    onsets: list[date] = []
    has_ms = False
    for index, condition in conditions:
        verification = (condition.get("verificationStatus") or {}).get("coding") or []
        if any(c.get("code") in ("refuted", "entered-in-error") for c in verification):
            continue
        meaning = _condition_meaning(condition.get("code"))
        if meaning is None:
            continue
        if meaning is True or meaning != "clinically_isolated_syndrome":
            has_ms = True
        if isinstance(meaning, str):
            courses.add(meaning)
        onset = condition.get("onsetDateTime")
        if onset and meaning is not None:
            onset_day = _full_date(onset)
            if onset_day is None:
                result.note(
                    "onsetDateTime gives no full day, so years since first symptoms is "
                    "left unknown.",
                    f"Bundle.entry[{index}].resource.onsetDateTime",
                )
            else:
                onsets.append(onset_day)
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
        first = min(onsets)
        if first <= today:
            result.answers["years_since_first_symptoms"] = min(_years_between(first, today), 80.0)


def _read_medications(
    result: PatientAnswers,
    statements: list[tuple[int, dict[str, Any]]],
    medications: dict[str, dict[str, Any]],
    *,
    today: date,
) -> None:
    if not statements:
        return
    ever: set[str] = set()
    recent: set[str] = set()
    recency_unknown = False
    since = today - timedelta(days=RECENT_DAYS)
    for index, statement in statements:
        where = f"Bundle.entry[{index}].resource"
        if statement.get("status") in NOT_TAKEN_STATUSES:
            continue
        concept = statement.get("medicationCodeableConcept")
        reference = (statement.get("medicationReference") or {}).get("reference")
        if concept is None and reference:
            concept = (medications.get(reference) or {}).get("code")
        treatment = treatment_for_concept(concept)
        if treatment is None:
            result.note(
                "Not a treatment the trials ask about (or not recognised); ignored.",
                f"{where}.medication",
            )
            continue
        ever.add(treatment)
        taken_recently = _taken_since(statement, since)
        if taken_recently is None:
            recency_unknown = True
        elif taken_recently:
            recent.add(treatment)
    from eligibility.engine.facts import TREATMENT_CODES

    result.answers["treatments_ever"] = [code for code in TREATMENT_CODES if code in ever]
    if recency_unknown and not recent:
        result.answers["treatments_last_6_months"] = "unsure"
        result.note(
            "A MedicationStatement has no effective date, so treatments in the past 6 months "
            "are taken as unsure.",
            "Bundle.entry",
        )
    else:
        result.answers["treatments_last_6_months"] = [
            code for code in TREATMENT_CODES if code in recent
        ]


def _taken_since(statement: dict[str, Any], since: date) -> bool | None:
    """Whether a statement's medication was taken on or after ``since``; None if unknown."""
    if statement.get("status") == "active":
        return True
    period = statement.get("effectivePeriod")
    if isinstance(period, dict):
        end = _period_bound(period.get("end"), last=True)
        if end is not None:
            return end >= since
        if period.get("start") and not period.get("end"):
            return True  # an open period is still going on
    when = _period_bound(statement.get("effectiveDateTime"), last=True)
    if when is not None:
        return when >= since
    return None


def _period_bound(value: Any, *, last: bool) -> date | None:
    """A (possibly partial) FHIR date as its first or last day."""
    if not isinstance(value, str) or not _PARTIAL_DATE.match(value[:10]):
        return _full_date(value)
    parts = value[:10].split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if last else 1)
    if len(parts) > 2:
        return _full_date(value)
    if not 1 <= month <= 12:
        return None
    if not last:
        return date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)
