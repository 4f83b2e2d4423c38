"""Inbound FHIR checked, never trusted (issue 21): what of a request is usable, and why not.

A ``$match`` request is a patient Bundle, or a ``Parameters`` resource carrying one
(the CodeX IG's ``ResearchStudy/$match``), with the search parameters zipCode,
travelRadius, recruitmentStatus and phase (:func:`match_request`).

Real EHR exports are imperfect, so a resource that fails a check is left out and
reported (an OperationOutcome issue of severity ``warning`` naming the element), never a
reason to refuse the Bundle (:func:`check_bundle`). Only the request itself is refused,
with a 400: a body that is neither a Bundle nor a Parameters holding one, a
``Bundle.type`` outside R4's value set, more than :data:`MAX_ENTRIES` entries, an
unusable search parameter, and a Bundle without exactly one usable Patient.

Every entry of a type we read (Patient, Condition, MedicationStatement, Medication,
Observation) is checked in turn:

- its structure, with the ``fhir.resources`` R4B model of its type (an Observation with
  two ``value[x]``, an unknown element, a malformed date);
- its codes that have a required FHIR value set (``Patient.gender``, the statuses);
- its subject: the Bundle's Patient (by ``fullUrl``, ``Patient/<id>`` or identifier),
  or it is not applied;
- its dates: none after today, before the patient's birth or before 1900 (left out and
  reported, never clamped).

A Patient whose birth date is in the future or gives an age over 120 is not usable; one
whose gender is outside the value set keeps everything but its gender. Entries of other
types are listed, once per type, as not read. Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import terminology as codes
from .outcomes import FhirInputError, Issue

#: A Bundle may hold at most this many entries (each is validated; 256 KB bodies fit).
MAX_ENTRIES = 1000
#: The resource types whose content ``$match`` reads.
READ_TYPES = ("Patient", "Condition", "MedicationStatement", "Medication", "Observation")
#: Resources that must be about the Bundle's Patient, and the element that says so.
SUBJECT_ELEMENT = {
    "Condition": "subject",
    "MedicationStatement": "subject",
    "Observation": "subject",
}
#: The oldest date the contract accepts (spec section 6.1).
EARLIEST = date(1900, 1, 1)
#: The oldest age the contract accepts (spec section 1).
MAX_AGE = 120

#: Search parameters of the CodeX IG's ``ResearchStudy/$match`` (and of the mCODE
#: matching services, which read them from a Parameters entry of the Bundle).
SUBJECT_PARAMETERS = ("subject", "trialMatchClinicalData", "patientData")
SEARCH_PARAMETERS = ("zipCode", "travelRadius", "recruitmentStatus", "phase")
KM_PER_MILE = 1.609344
#: Half the Earth's circumference: no radius is larger.
MAX_RADIUS_KM = 20_040.0


# --- FHIR dates ------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")


@dataclass(frozen=True)
class DateSpan:
    """A FHIR date or dateTime as the days it may be: a day, a month or a year."""

    first: date
    last: date
    text: str  # as the contract writes it: "YYYY-MM-DD", "YYYY-MM" or "YYYY"

    @property
    def precision(self) -> str:
        return {10: "day", 7: "month"}.get(len(self.text), "year")


def date_span(value: Any) -> DateSpan | None:
    """The days a FHIR date or dateTime names (its date part as written), or ``None``."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None and month is not None:
            first = last = date(year, month, day)
            return DateSpan(first, last, first.isoformat())
        if month is not None:
            first = date(year, month, 1)
            last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
            return DateSpan(first, last, f"{year:04d}-{month:02d}")
        return DateSpan(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    except ValueError:
        return None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - int((today.month, today.day) < (born.month, born.day))


# --- what the checks give ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of the Bundle: its position, its resource and its ``fullUrl``."""

    index: int
    resource: Mapping[str, Any]
    full_url: str = ""

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType"))


@dataclass
class CheckedBundle:
    """The usable part of a patient Bundle, and the issues about the rest.

    ``usable`` holds, by type, the entries that passed every check (the Patient among
    them); ``dropped`` the Patient's elements left out (``gender``).
    """

    patient: Entry
    birth: DateSpan | None
    usable: dict[str, list[Entry]]
    issues: list[Issue] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)

    def of(self, resource_type: str) -> list[Entry]:
        return self.usable.get(resource_type, [])

    def medication(self, reference: Any, statement: Mapping[str, Any]) -> Mapping | None:
        """The Medication a ``medicationReference`` names: contained, by fullUrl or id."""
        if not isinstance(reference, str) or not reference:
            return None
        if reference.startswith("#"):
            for contained in statement.get("contained") or []:
                if isinstance(contained, Mapping) and f"#{contained.get('id')}" == reference:
                    return contained if contained.get("resourceType") == "Medication" else None
            return None
        for entry in self.of("Medication"):
            if reference in (entry.full_url, f"Medication/{entry.resource.get('id')}"):
                return entry.resource
        return None


@dataclass(frozen=True)
class MatchParameters:
    """The CodeX ``$match`` search parameters, checked."""

    zip_code: str | None = None
    travel_radius_km: float | None = None
    recruitment_statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchRequest:
    """A ``$match`` body: the patient Bundle, the search parameters, notes about them."""

    bundle: Mapping[str, Any]
    parameters: MatchParameters
    issues: tuple[Issue, ...] = ()


def _refuse(code: str, diagnostics: str, expression: str) -> FhirInputError:
    return FhirInputError([Issue("error", code, diagnostics, expression)])


# --- the request: a Bundle, or Parameters with one -----------------------------------------


def match_request(data: Any) -> MatchRequest:
    """The patient Bundle and search parameters of a ``$match`` body (400 if unusable).

    The body is a Bundle (its ``Parameters`` entries, as the mCODE matching services
    send them, give the search parameters) or a Parameters resource whose ``subject``
    (or ``trialMatchClinicalData``) is the Bundle.
    """
    if not isinstance(data, Mapping) or data.get("resourceType") not in ("Bundle", "Parameters"):
        raise _refuse(
            "structure",
            "The body must be a FHIR Bundle, or a Parameters resource whose 'subject' is one.",
            "Bundle",
        )
    if data["resourceType"] == "Bundle":
        entries = data.get("entry") if isinstance(data.get("entry"), list) else []
        parameters = [
            (f"Bundle.entry[{i}].resource", e["resource"])
            for i, e in enumerate(entries)
            if isinstance(e, Mapping)
            and isinstance(e.get("resource"), Mapping)
            and e["resource"].get("resourceType") == "Parameters"
        ]
        bundle = data
    else:
        parameters = [("Parameters", data)]
        bundle = _subject_bundle(data)
    found: dict[str, Any] = {}
    issues: list[Issue] = []
    for where, resource in parameters:
        for index, parameter in enumerate(_parameter_list(resource, where)):
            name = parameter.get("name")
            here = f"{where}.parameter[{index}]"
            if name in SUBJECT_PARAMETERS:
                continue
            if name not in SEARCH_PARAMETERS:
                issues.append(
                    Issue(
                        "warning",
                        "not-supported",
                        f"'{name}' is not a parameter of $match (it takes "
                        f"{', '.join(SEARCH_PARAMETERS)}); ignored.",
                        here,
                    )
                )
                continue
            if name in found:
                issues.append(
                    Issue("warning", "duplicate", f"'{name}' given twice; the first counts.", here)
                )
                continue
            found[name] = (here, parameter)
    return MatchRequest(bundle, _search_parameters(found), tuple(issues))


def _parameter_list(resource: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    listed = resource.get("parameter", [])
    if not isinstance(listed, list) or not all(
        isinstance(p, Mapping) and isinstance(p.get("name"), str) for p in listed
    ):
        raise _refuse(
            "structure", "Parameters.parameter must be a list of named parameters.", where
        )
    return listed


def _subject_bundle(parameters: Mapping[str, Any]) -> Mapping[str, Any]:
    for index, parameter in enumerate(_parameter_list(parameters, "Parameters")):
        if parameter.get("name") in SUBJECT_PARAMETERS:
            resource = parameter.get("resource")
            if not isinstance(resource, Mapping) or resource.get("resourceType") != "Bundle":
                raise _refuse(
                    "structure",
                    f"Parameter '{parameter['name']}' must carry the patient Bundle as its "
                    "resource.",
                    f"Parameters.parameter[{index}].resource",
                )
            return resource
    raise _refuse(
        "required",
        "The Parameters must carry the patient Bundle as 'subject' (or 'trialMatchClinicalData').",
        "Parameters.parameter",
    )


def _text_value(parameter: Mapping[str, Any]) -> Any:
    for key in ("valueString", "valueCode", "valueUri"):
        if key in parameter:
            return parameter[key]
    return None


_STATUS_CODES = frozenset(
    (
        "active",
        "administratively-completed",
        "approved",
        "closed-to-accrual",
        "closed-to-accrual-and-intervention",
        "completed",
        "disapproved",
        "in-review",
        "temporarily-closed-to-accrual",
        "temporarily-closed-to-accrual-and-intervention",
        "withdrawn",
    )
)
_PHASE_CODES = (
    "n-a",
    "early-phase-1",
    "phase-1",
    "phase-1-phase-2",
    "phase-2",
    "phase-2-phase-3",
    "phase-3",
    "phase-4",
)


def _search_parameters(found: Mapping[str, tuple[str, Mapping[str, Any]]]) -> MatchParameters:
    from .mapping import RESEARCH_STUDY_PHASE, RESEARCH_STUDY_STATUS

    values: dict[str, Any] = {}
    if "zipCode" in found:
        where, parameter = found["zipCode"]
        zip_code = _text_value(parameter)
        if not isinstance(zip_code, str) or not 0 < len(zip_code.strip()) <= 20:
            raise _refuse("value", "zipCode must be a postal code (valueString).", where)
        values["zip_code"] = zip_code.strip()
    if "travelRadius" in found:
        values["travel_radius_km"] = _radius_km(*found["travelRadius"])
    if "recruitmentStatus" in found:
        where, parameter = found["recruitmentStatus"]
        wanted = []
        for word in _words_of(parameter, where, "recruitmentStatus"):
            status = RESEARCH_STUDY_STATUS.get(word.upper().replace("-", "_"), word.lower())
            if status not in _STATUS_CODES:
                raise _refuse(
                    "code-invalid",
                    f"recruitmentStatus '{word}' is neither a ResearchStudy.status code nor a "
                    "ClinicalTrials.gov overall status.",
                    where,
                )
            wanted.append(status)
        values["recruitment_statuses"] = tuple(dict.fromkeys(wanted))
    if "phase" in found:
        where, parameter = found["phase"]
        registry = {
            phases[0]: code for phases, code in RESEARCH_STUDY_PHASE.items() if len(phases) == 1
        }
        wanted = []
        for word in _words_of(parameter, where, "phase"):
            phase = word.lower() if word.lower() in _PHASE_CODES else registry.get(word.upper())
            if phase is None:
                raise _refuse(
                    "code-invalid",
                    f"phase '{word}' is neither a research-study-phase code "
                    f"({', '.join(_PHASE_CODES)}) nor a ClinicalTrials.gov phase.",
                    where,
                )
            wanted.append(phase)
        values["phases"] = tuple(dict.fromkeys(wanted))
    return MatchParameters(**values)


def _words_of(parameter: Mapping[str, Any], where: str, name: str) -> list[str]:
    """A parameter's comma-separated codes (valueString, valueCode, or a coding)."""
    value = _text_value(parameter)
    if value is None and isinstance(parameter.get("valueCoding"), Mapping):
        value = parameter["valueCoding"].get("code")
    if value is None and isinstance(parameter.get("valueCodeableConcept"), Mapping):
        value = ",".join(c.code for c in codes.codings(parameter["valueCodeableConcept"]))
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise _refuse("value", f"{name} must be a code or a comma-separated list of codes.", where)
    return [word.strip() for word in value.split(",") if word.strip()]


def _radius_km(where: str, parameter: Mapping[str, Any]) -> float:
    unit, number = "mi", None
    for key in ("valueDecimal", "valueInteger", "valuePositiveInt", "valueUnsignedInt"):
        if key in parameter:
            number = parameter[key]
    if isinstance(parameter.get("valueString"), str):
        try:
            number = float(parameter["valueString"])
        except ValueError:
            number = None
    quantity = parameter.get("valueQuantity")
    if isinstance(quantity, Mapping):
        number = quantity.get("value")
        unit = str(quantity.get("code") or quantity.get("unit") or "mi").lower()
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or unit
        not in (
            "mi",
            "[mi_i]",
            "km",
        )
    ):
        raise _refuse(
            "value",
            "travelRadius must be a number of miles (valueString, valueDecimal or a "
            "valueQuantity in km or mi).",
            where,
        )
    km = float(number) * (1.0 if unit == "km" else KM_PER_MILE)
    if not 0 < km <= MAX_RADIUS_KM:
        raise _refuse("value", "travelRadius must be above 0 and at most 12,450 miles.", where)
    return km


# --- the Bundle ----------------------------------------------------------------------------


def check_bundle(bundle: Any, *, today: date) -> CheckedBundle:
    """Check a patient Bundle entry by entry; ``FhirInputError`` unless exactly one
    Patient is usable. See the module docstring for what is checked."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise _refuse("structure", "The patient record must be a FHIR Bundle.", "Bundle")
    bundle_type = bundle.get("type")
    if bundle_type not in codes.BUNDLE_TYPES:
        given = "has no type" if bundle_type is None else f"type {bundle_type!r} is not a FHIR type"
        raise _refuse(
            "code-invalid" if bundle_type is not None else "required",
            f"The Bundle {given} (one of {', '.join(codes.BUNDLE_TYPES)}; 'collection' fits a "
            "patient record).",
            "Bundle.type",
        )
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise _refuse("structure", "Bundle.entry must be a list.", "Bundle.entry")
    if len(raw_entries) > MAX_ENTRIES:
        raise _refuse(
            "too-costly",
            f"The Bundle holds {len(raw_entries)} entries; $match reads at most {MAX_ENTRIES}.",
            "Bundle.entry",
        )
    issues: list[Issue] = []
    candidates: list[Entry] = []
    patient_issues: list[Issue] = []
    unread: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for index, raw in enumerate(raw_entries):
        entry = _entry(index, raw, issues)
        if entry is None or entry.type == "Parameters":
            continue  # Parameters are the request's, read by match_request
        if entry.full_url:
            if entry.full_url in seen_urls:
                issues.append(
                    _left_out(
                        entry,
                        "duplicate",
                        f"its fullUrl repeats entry[{seen_urls[entry.full_url]}]'s",
                        entry.where.removesuffix(".resource") + ".fullUrl",
                    )
                )
                continue
            seen_urls[entry.full_url] = index
        if entry.type not in READ_TYPES:
            unread[entry.type] = unread.get(entry.type, 0) + 1
            continue
        problems = _structure_problems(entry)
        if problems:
            (patient_issues if entry.type == "Patient" else issues).extend(problems)
            continue
        candidates.append(entry)
    patient, birth, dropped = _the_patient(candidates, patient_issues, today)
    issues.extend(Issue("warning", i.code, i.diagnostics, i.expression) for i in dropped)
    usable: dict[str, list[Entry]] = {"Patient": [patient]}
    for entry in candidates:
        if entry.type == "Patient":
            continue
        problems = _subject_problems(entry, patient) or _content_problems(entry, birth, today)
        if problems:
            issues.extend(problems)
            continue
        usable.setdefault(entry.type, []).append(entry)
    issues.sort(key=_position)  # in entry order, whichever check found them
    for resource_type, count in sorted(unread.items()):
        issues.append(
            Issue(
                "information",
                "not-supported",
                f"{count} {resource_type} resource{'s' if count > 1 else ''} not read: $match "
                f"reads {', '.join(READ_TYPES)}.",
                "Bundle.entry",
            )
        )
    return CheckedBundle(
        patient, birth, usable, issues, {i.expression.rsplit(".", 1)[-1] for i in dropped}
    )


_POSITION = re.compile(r"^Bundle\.entry\[(\d+)\]")


def _position(issue: Issue) -> int:
    expression = issue.expression
    first = expression if isinstance(expression, str) else (expression or ("",))[0]
    match = _POSITION.match(first)
    return int(match.group(1)) if match else -1


def _left_out(entry: Entry, code: str, why: str, expression: str | None = None) -> Issue:
    return Issue("warning", code, f"{entry.type} left out: {why}.", expression or entry.where)


def _entry(index: int, raw: Any, issues: list[Issue]) -> Entry | None:
    where = f"Bundle.entry[{index}]"
    if not isinstance(raw, Mapping):
        issues.append(Issue("warning", "structure", "Entry left out: not an object.", where))
        return None
    resource = raw.get("resource")
    if not isinstance(resource, Mapping):
        issues.append(Issue("warning", "structure", "Entry left out: it has no resource.", where))
        return None
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not _is_resource_type(resource_type):
        shown = repr(resource_type)[:60] if resource_type is not None else "none"
        issues.append(
            Issue(
                "warning",
                "structure",
                f"Entry left out: resourceType {shown} is not a FHIR R4 resource type.",
                f"{where}.resource.resourceType",
            )
        )
        return None
    full_url = raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else ""
    return Entry(index, resource, full_url)


def _is_resource_type(name: str) -> bool:
    from fhir.resources.R4B import get_fhir_model_class

    if not re.fullmatch(r"[A-Z][A-Za-z]{1,63}", name):
        return False
    try:
        model = get_fhir_model_class(name)
    except (ValueError, KeyError, ImportError, AttributeError):
        return False
    return getattr(model, "get_resource_type", lambda: None)() == name


def _structure_problems(entry: Entry) -> list[Issue]:
    """The R4 model's complaints about an entry's resource (at most three)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class(entry.type).model_validate(dict(entry.resource))
    except ValidationError as exc:
        return [
            _left_out(
                entry, "structure", _message(error, entry.resource), _path(entry, error["loc"])
            )
            for error in exc.errors()[:3]
        ]
    except RecursionError:
        # The parser bounds nesting depth; this is the last line of defence.
        return [_left_out(entry, "too-costly", "it is nested too deeply")]
    except Exception as exc:  # noqa: BLE001 - untrusted input must never become a 500
        return [
            _left_out(entry, "structure", f"not a valid R4 {entry.type} ({type(exc).__name__})")
        ]
    return []


def _message(error: Mapping[str, Any], resource: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    if "but got multiple" in message:
        given = sorted(key for key in resource if key.startswith("value") and key in message)
        return f"it carries more than one value[x] ({', '.join(given)})"
    if message == "Extra inputs are not permitted":
        return "it has an element R4 does not define"
    return message.removeprefix("Value error, ").rstrip(".")


def _path(entry: Entry, loc: Any) -> str:
    path = entry.where
    for part in loc or ():
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _the_patient(
    candidates: list[Entry], issues: list[Issue], today: date
) -> tuple[Entry, DateSpan | None, list[Issue]]:
    """The one usable Patient, its birth date, and its elements left out."""
    usable = []
    for entry in candidates:
        if entry.type != "Patient":
            continue
        problem = _birth_problem(entry, today)
        if problem is not None:
            issues.append(problem)
        else:
            usable.append(entry)
    if len(usable) != 1:
        errors = [Issue("error", i.code, i.diagnostics, i.expression) for i in issues]
        errors.append(
            Issue(
                "error",
                "required" if not usable else "invalid",
                f"The Bundle must hold exactly one usable Patient (it holds {len(usable)}).",
                "Bundle.entry",
            )
        )
        raise FhirInputError(errors)
    patient = usable[0]
    dropped = []
    gender = patient.resource.get("gender")
    if gender is not None and gender not in codes.GENDERS:
        dropped.append(
            Issue(
                "warning",
                "code-invalid",
                f"Patient.gender {str(gender)[:40]!r} is not a FHIR gender "
                f"({', '.join(codes.GENDERS)}); sex is left unknown.",
                f"{patient.where}.gender",
            )
        )
    return patient, date_span(patient.resource.get("birthDate")), dropped


def _birth_problem(entry: Entry, today: date) -> Issue | None:
    span = date_span(entry.resource.get("birthDate"))
    if span is None:
        return None
    where = f"{entry.where}.birthDate"
    if span.first > today:
        return _left_out(
            entry, "value", f"birthDate {span.text} is in the future (birth_date)", where
        )
    if span.last < EARLIEST or age_on(span.last, today) > MAX_AGE:
        return _left_out(
            entry, "value", f"birthDate {span.text} gives an age over {MAX_AGE} (birth_date)", where
        )
    return None


# --- references and content ------------------------------------------------------------------

_PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def _subject_problems(entry: Entry, patient: Entry) -> list[Issue]:
    element = SUBJECT_ELEMENT.get(entry.type)
    if element is None:
        return []
    subject = entry.resource.get(element)
    where = f"{entry.where}.{element}"
    if not isinstance(subject, Mapping):
        return [
            _left_out(
                entry, "required", "it has no subject, so it cannot be tied to the Patient", where
            )
        ]
    if _is_the_patient(subject, patient):
        return []
    shown = subject.get("reference") or subject.get("display") or "an identifier"
    return [
        _left_out(
            entry,
            "not-found",
            f"its subject ({str(shown)[:80]}) is not the Bundle's Patient, so it is not applied",
            where,
        )
    ]


def _is_the_patient(subject: Mapping[str, Any], patient: Entry) -> bool:
    reference = subject.get("reference")
    if isinstance(reference, str) and reference:
        if patient.full_url and reference == patient.full_url:
            return True
        match = _PATIENT_REFERENCE.search(reference)
        return match is not None and match.group(1) == patient.resource.get("id")
    identifier = subject.get("identifier")
    if isinstance(identifier, Mapping) and identifier.get("value"):
        key = (identifier.get("system"), identifier.get("value"))
        return any(
            isinstance(own, Mapping) and (own.get("system"), own.get("value")) == key
            for own in patient.resource.get("identifier") or []
        )
    return False


def _coded_status(concept: Any, system: str, allowed: tuple[str, ...]) -> str | None:
    """The code of ``system`` in a status CodeableConcept if it is outside ``allowed``."""
    for coding in codes.codings(concept):
        if coding.system == system and coding.code not in allowed:
            return coding.code or "(empty)"
    return None


def _content_problems(entry: Entry, birth: DateSpan | None, today: date) -> list[Issue]:
    resource = entry.resource
    problems: list[Issue] = []
    if entry.type == "Condition":
        for element, system, allowed in (
            ("clinicalStatus", codes.CONDITION_CLINICAL, codes.CLINICAL_STATUSES),
            ("verificationStatus", codes.CONDITION_VERIFICATION, codes.VERIFICATION_STATUSES),
        ):
            bad = _coded_status(resource.get(element), system, allowed)
            if bad is not None:
                problems.append(
                    _left_out(
                        entry,
                        "code-invalid",
                        f"{element} {bad[:40]!r} is not a FHIR {element} code",
                        f"{entry.where}.{element}",
                    )
                )
        problems += _date_problems(
            entry,
            birth,
            today,
            (
                "onsetDateTime",
                "onsetPeriod.start",
                "onsetPeriod.end",
                "abatementDateTime",
                "abatementPeriod.start",
                "abatementPeriod.end",
                "recordedDate",
            ),
        )
        problems += _order_problem(entry, "onsetDateTime", "abatementDateTime")
    elif entry.type == "MedicationStatement":
        status = resource.get("status")
        if status not in codes.MEDICATION_STATEMENT_STATUSES:
            problems.append(
                _left_out(
                    entry,
                    "code-invalid",
                    f"status {str(status)[:40]!r} is not a MedicationStatement status, so it is "
                    "not counted as taken",
                    f"{entry.where}.status",
                )
            )
        elif status not in codes.NOT_TAKEN_STATUSES:
            # An active statement's period may end in the future (a planned end).
            later = ("effectivePeriod.end",) if status != "active" else ()
            problems += _date_problems(
                entry, birth, today, ("effectiveDateTime", "effectivePeriod.start", *later)
            )
            problems += _date_problems(
                entry, birth, None, () if later else ("effectivePeriod.end",)
            )
            problems += _order_problem(entry, "effectivePeriod.start", "effectivePeriod.end")
    elif entry.type == "Observation":
        status = resource.get("status")
        if status not in codes.OBSERVATION_STATUSES:
            problems.append(
                _left_out(
                    entry,
                    "code-invalid",
                    f"status {str(status)[:40]!r} is not an Observation status",
                    f"{entry.where}.status",
                )
            )
        problems += _date_problems(
            entry,
            birth,
            today,
            (
                "effectiveDateTime",
                "effectiveInstant",
                "effectivePeriod.start",
                "effectivePeriod.end",
            ),
        )
    return problems


def _element(resource: Mapping[str, Any], path: str) -> Any:
    value: Any = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _date_problems(
    entry: Entry, birth: DateSpan | None, today: date | None, paths: tuple[str, ...]
) -> list[Issue]:
    """Dates after ``today`` (unless ``None``), before birth or before 1900: left out."""
    problems = []
    for path in paths:
        span = date_span(_element(entry.resource, path))
        if span is None:
            continue
        where = f"{entry.where}.{path}"
        if today is not None and span.first > today:
            problems.append(
                _left_out(entry, "value", f"{path} {span.text} is in the future", where)
            )
        elif birth is not None and span.last < birth.first:
            problems.append(
                _left_out(
                    entry,
                    "value",
                    f"{path} {span.text} is before the patient's birth ({birth.text})",
                    where,
                )
            )
        elif span.last < EARLIEST:
            problems.append(_left_out(entry, "value", f"{path} {span.text} is before 1900", where))
    return problems


def _order_problem(entry: Entry, start_path: str, end_path: str) -> list[Issue]:
    start = date_span(_element(entry.resource, start_path))
    end = date_span(_element(entry.resource, end_path))
    if start is not None and end is not None and end.last < start.first:
        return [
            _left_out(
                entry,
                "value",
                f"{end_path} {end.text} is before {start_path} {start.text}",
                f"{entry.where}.{end_path}",
            )
        ]
    return []
