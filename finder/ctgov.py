"""ClinicalTrials.gov API v2 study JSON, read into plain dataclasses.

This module knows the registry's shapes and nothing about our database:

* :func:`parse_study` turns one v2 study object (``{"protocolSection": {...}}``) into a
  :class:`Study`, tolerating any optional module or field being absent and refusing,
  with :class:`StudyParseError`, anything of the wrong type or a value we cannot read
  (an age such as ``"eighteen"``), so that a bad record is skipped rather than imported
  half-right.
* :func:`iter_raw_studies` walks files in every shape the registry hands out (one
  study, a list of studies, a search page ``{"studies": [...], "nextPageToken": ...}``
  and a ``.zip`` of such files, the bulk download) and yields each study object
  unparsed, one at a time, with where it came from.
* :func:`parse_age` reads ``"18 Years"``, ``"6 Months"``, ``"N/A"`` as years.

Only the modules the catalog uses are read (identification, status, sponsors,
description, conditions, design, arms/interventions, eligibility, contacts/locations) and,
from the registry's derived section, the MeSH terms it gave the conditions
(``derivedSection.conditionBrowseModule``: ``meshes`` and their ``ancestors``), which the
condition search reads too; everything else (results, other derived modules) is ignored.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

NCT_ID_RE = re.compile(r"^NCT\d{8}$")

#: Units the registry writes ages in, as a fraction of a year. ClinicalTrials.gov
#: allows Years, Months, Weeks, Days, Hours and Minutes (the last two for neonates).
AGE_UNITS: dict[str, Decimal] = {
    "year": Decimal(1),
    "month": Decimal(1) / Decimal(12),
    "week": Decimal(7) / Decimal("365.25"),
    "day": Decimal(1) / Decimal("365.25"),
    "hour": Decimal(1) / Decimal("8766"),
    "minute": Decimal(1) / Decimal("525960"),
}
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Za-z]+?)s?\s*$")
_NO_AGE_LIMIT = {"", "n/a", "na", "none", "no limit"}
_AGE_PLACES = Decimal("0.01")  # Trial.minimum_age_years has two decimal places.

# Older (API v1 / classic site) spellings of phases, so files from either parse alike.
_PHASE_ALIASES = {
    "N/A": "NA",
    "NOT APPLICABLE": "NA",
    "EARLY PHASE 1": "EARLY_PHASE1",
    "PHASE 0": "EARLY_PHASE1",
    "PHASE 1": "PHASE1",
    "PHASE 2": "PHASE2",
    "PHASE 3": "PHASE3",
    "PHASE 4": "PHASE4",
}
_SEX_VALUES = {"ALL", "FEMALE", "MALE"}


class StudyParseError(ValueError):
    """A study record we refuse to import; ``path`` names the field at fault."""

    def __init__(self, message: str, *, path: str = ""):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class StudyLocation:
    """One site as the registry lists it (``contactsLocationsModule.locations[]``).

    ``coordinates_source`` says where ``latitude``/``longitude`` came from: the registry's
    ``geoPoint`` for imported records; the demo loader sets ``"gazetteer"``.
    """

    facility: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    status: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    latitude: float | None = None
    longitude: float | None = None
    coordinates_source: str = "registry"

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class StudyArm:
    """A treatment group (``armGroups[]``)."""

    label: str
    type: str = ""
    description: str = ""
    intervention_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudyIntervention:
    """An intervention (``interventions[]``) and the arm labels that receive it."""

    type: str
    name: str
    description: str = ""
    arm_labels: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeshTerm:
    """A MeSH heading the registry matched to a study's conditions (``D009103``)."""

    id: str
    term: str


@dataclass(frozen=True)
class Study:
    """The parts of a ClinicalTrials.gov v2 study record the catalog keeps."""

    nct_id: str
    brief_title: str
    acronym: str = ""
    official_title: str = ""
    overall_status: str = ""
    start_date: str = ""
    completion_date: str = ""
    last_update_posted: date | None = None
    sponsor: str = ""
    collaborators: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    #: The registry's MeSH terms for the conditions, and their broader headings.
    mesh_conditions: tuple[MeshTerm, ...] = ()
    mesh_ancestors: tuple[MeshTerm, ...] = ()
    study_type: str = ""
    phases: tuple[str, ...] = ()
    enrollment: int | None = None
    enrollment_type: str = ""
    masking: str = ""
    who_masked: tuple[str, ...] = ()
    arms: tuple[StudyArm, ...] = ()
    interventions: tuple[StudyIntervention, ...] = ()
    eligibility_text: str = ""
    healthy_volunteers: bool | None = None
    sex: str = "ALL"
    minimum_age_text: str = ""
    maximum_age_text: str = ""
    minimum_age_years: Decimal | None = None
    maximum_age_years: Decimal | None = None
    std_ages: tuple[str, ...] = ()
    locations: tuple[StudyLocation, ...] = field(default_factory=tuple)

    @property
    def has_placebo_group(self) -> bool | None:
        """True with a placebo arm, False when arms are listed and none is placebo.

        ``None`` when the record lists no arms (observational studies, sparse records):
        we cannot tell, and say so rather than claim "no placebo".
        """
        if not self.arms:
            return None
        return any(arm.type == "PLACEBO_COMPARATOR" for arm in self.arms)


@dataclass(frozen=True)
class RawStudy:
    """One unparsed study object and where it was found, for error reports."""

    data: Any
    source: str
    position: int

    @property
    def label(self) -> str:
        """The NCT id when the record has a readable one, else its place in the source."""
        nct_id = nct_id_of(self.data)
        return nct_id or f"{self.source} #{self.position}"


# --- ages --------------------------------------------------------------------------------------


def split_age(text: str) -> tuple[Decimal, str] | None:
    """``"6 Months"`` -> ``(Decimal(6), "month")``; ``None`` for "N/A" or empty.

    Raises :class:`ValueError` for text that is neither an age nor "no limit".
    """
    if text is None or text.strip().lower() in _NO_AGE_LIMIT:
        return None
    match = _AGE_RE.match(text)
    if not match or match.group(2).lower() not in AGE_UNITS:
        raise ValueError(f"{text!r} is not an age such as '18 Years' or '6 Months'")
    return Decimal(match.group(1)), match.group(2).lower()


def parse_age(text: str | None) -> Decimal | None:
    """An age as the registry writes it, in years rounded to 0.01; ``None`` for no limit.

    ``"18 Years"`` -> 18, ``"6 Months"`` -> 0.5, ``"2 Weeks"`` -> 0.04, ``"30 Days"`` ->
    0.08, ``"N/A"``/``None``/``""`` -> None. Anything else raises :class:`ValueError`.
    """
    parts = split_age(text) if text is not None else None
    if parts is None:
        return None
    number, unit = parts
    return (number * AGE_UNITS[unit]).quantize(_AGE_PLACES, rounding=ROUND_HALF_UP)


# --- one study ---------------------------------------------------------------------------------


def nct_id_of(data: Any) -> str:
    """The NCT id of a raw study object if it has a well-formed one, else ``""``."""
    try:
        nct_id = data["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError, IndexError):
        return ""
    return nct_id.strip() if isinstance(nct_id, str) and NCT_ID_RE.match(nct_id.strip()) else ""


class _Reader:
    """Typed access to one module of a record, naming the path on a type error."""

    def __init__(self, data: Any, path: str):
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise StudyParseError("must be an object", path=path)
        self.data = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def module(self, key: str) -> _Reader:
        return _Reader(self.data.get(key), self._at(key))

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise StudyParseError(
                f"must be a string, not {type(value).__name__}", path=self._at(key)
            )
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.objects_or_values(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise StudyParseError("must be a string", path=f"{self._at(key)}[{index}]")
        return tuple(v.strip() for v in values if v.strip())

    def objects(self, key: str) -> list[_Reader]:
        return [
            _Reader(item, f"{self._at(key)}[{index}]")
            for index, item in enumerate(self.objects_or_values(key))
        ]

    def objects_or_values(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise StudyParseError(f"must be a list, not {type(value).__name__}", path=self._at(key))
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise StudyParseError(f"must be true or false, not {value!r}", path=self._at(key))

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise StudyParseError(f"must be a whole number >= 0, not {value!r}", path=self._at(key))
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StudyParseError(f"must be a number, not {value!r}", path=self._at(key))
        return float(value)

    def age(self, key: str) -> tuple[str, Decimal | None]:
        text = self.text(key)
        try:
            return text, parse_age(text)
        except ValueError as exc:
            raise StudyParseError(str(exc), path=self._at(key)) from None

    def date_text(self, key: str) -> str:
        """A ``*DateStruct``'s ``date`` ("2007-10" or "2007-10-01"), checked for shape."""
        text = self.module(key).text("date")
        if text and not re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
            raise StudyParseError(f"{text!r} is not a date", path=f"{self._at(key)}.date")
        return text


def parse_study(data: Any) -> Study:
    """Read one v2 study object into a :class:`Study`, or raise :class:`StudyParseError`.

    Optional modules and fields may be missing; required are an object at the top, an
    ``identificationModule.nctId`` of the form NCT + 8 digits, and a brief or official
    title. Values of the wrong type, unreadable ages, a minimum age above the maximum,
    an unknown ``sex`` and coordinates out of range are refused.
    """
    if not isinstance(data, Mapping):
        raise StudyParseError(f"a study must be a JSON object, not {type(data).__name__}")
    if "protocolSection" not in data:
        raise StudyParseError("missing", path="protocolSection")
    protocol = _Reader(data["protocolSection"], "protocolSection")

    ident = protocol.module("identificationModule")
    nct_id = ident.text("nctId").upper()
    if not nct_id:
        raise StudyParseError("missing", path=ident._at("nctId"))
    if not NCT_ID_RE.match(nct_id):
        raise StudyParseError(f"{nct_id!r} is not an NCT id", path=ident._at("nctId"))
    brief_title = ident.text("briefTitle") or ident.text("officialTitle")
    if not brief_title:
        raise StudyParseError("missing (and no officialTitle)", path=ident._at("briefTitle"))

    status = protocol.module("statusModule")
    sponsors = protocol.module("sponsorCollaboratorsModule")
    description = protocol.module("descriptionModule")
    conditions = protocol.module("conditionsModule")
    design = protocol.module("designModule")
    enrollment = design.module("enrollmentInfo")
    masking = design.module("designInfo").module("maskingInfo")
    eligibility = protocol.module("eligibilityModule")
    browse = _Reader(data.get("derivedSection"), "derivedSection").module("conditionBrowseModule")

    sex = eligibility.text("sex").upper() or "ALL"
    if sex not in _SEX_VALUES:
        raise StudyParseError(f"{sex!r} is not ALL, FEMALE or MALE", path=eligibility._at("sex"))
    min_text, min_years = eligibility.age("minimumAge")
    max_text, max_years = eligibility.age("maximumAge")
    if min_years is not None and max_years is not None and min_years > max_years:
        raise StudyParseError(
            f"minimumAge {min_text!r} is above maximumAge {max_text!r}", path=eligibility.path
        )

    return Study(
        nct_id=nct_id,
        brief_title=brief_title,
        acronym=ident.text("acronym"),
        official_title=ident.text("officialTitle"),
        overall_status=status.text("overallStatus").upper(),
        start_date=status.date_text("startDateStruct"),
        completion_date=status.date_text("completionDateStruct"),
        last_update_posted=_full_date(status, "lastUpdatePostDateStruct"),
        sponsor=sponsors.module("leadSponsor").text("name"),
        collaborators=tuple(
            name for c in sponsors.objects("collaborators") if (name := c.text("name"))
        ),
        summary=description.text("briefSummary"),
        description=description.text("detailedDescription"),
        conditions=conditions.texts("conditions"),
        keywords=conditions.texts("keywords"),
        mesh_conditions=_mesh_terms(browse, "meshes"),
        mesh_ancestors=_mesh_terms(browse, "ancestors"),
        study_type=design.text("studyType").upper(),
        phases=tuple(_phase(p) for p in design.texts("phases")),
        enrollment=enrollment.integer("count"),
        enrollment_type=enrollment.text("type").upper(),
        masking=masking.text("masking").upper(),
        who_masked=masking.texts("whoMasked"),
        arms=_arms(protocol.module("armsInterventionsModule")),
        interventions=_interventions(protocol.module("armsInterventionsModule")),
        eligibility_text=eligibility.text("eligibilityCriteria"),
        healthy_volunteers=eligibility.boolean("healthyVolunteers"),
        sex=sex,
        minimum_age_text=min_text,
        maximum_age_text=max_text,
        minimum_age_years=min_years,
        maximum_age_years=max_years,
        std_ages=eligibility.texts("stdAges"),
        locations=_locations(protocol.module("contactsLocationsModule")),
    )


def _full_date(module: _Reader, key: str) -> date | None:
    # Only a full date fits a DateField; the registry always posts full update dates.
    text = module.date_text(key)
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise StudyParseError(str(exc), path=f"{module._at(key)}.date") from None


def _mesh_terms(module: _Reader, key: str) -> tuple[MeshTerm, ...]:
    terms: dict[str, MeshTerm] = {}
    for item in module.objects(key):
        term = item.text("term")
        if term:
            terms.setdefault(term.casefold(), MeshTerm(id=item.text("id"), term=term))
    return tuple(terms.values())


def _phase(value: str) -> str:
    upper = " ".join(value.upper().split())
    return _PHASE_ALIASES.get(upper, upper.replace(" ", "_"))


def _arms(module: _Reader) -> tuple[StudyArm, ...]:
    arms = []
    for arm in module.objects("armGroups"):
        label = arm.text("label")
        if not label:
            raise StudyParseError("missing", path=arm._at("label"))
        arms.append(
            StudyArm(
                label=label,
                type=arm.text("type").upper(),
                description=arm.text("description"),
                intervention_names=arm.texts("interventionNames"),
            )
        )
    return tuple(arms)


def _interventions(module: _Reader) -> tuple[StudyIntervention, ...]:
    interventions = []
    for item in module.objects("interventions"):
        name = item.text("name")
        if not name:
            raise StudyParseError("missing", path=item._at("name"))
        interventions.append(
            StudyIntervention(
                type=item.text("type").upper(),
                name=name,
                description=item.text("description"),
                arm_labels=item.texts("armGroupLabels"),
                other_names=item.texts("otherNames"),
            )
        )
    return tuple(interventions)


def _locations(module: _Reader) -> tuple[StudyLocation, ...]:
    locations = []
    for loc in module.objects("locations"):
        geo = loc.module("geoPoint")
        lat, lon = geo.number("lat"), geo.number("lon")
        if (lat is None) != (lon is None):
            raise StudyParseError("needs both lat and lon", path=geo.path)
        if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise StudyParseError(f"({lat}, {lon}) is not on Earth", path=geo.path)
        contact = _site_contact(loc.objects("contacts"))
        locations.append(
            StudyLocation(
                facility=loc.text("facility"),
                city=loc.text("city"),
                state=loc.text("state"),
                postal_code=loc.text("zip"),
                country=loc.text("country"),
                status=loc.text("status").upper(),
                contact_name=contact.text("name"),
                contact_phone=" ext. ".join(
                    p for p in (contact.text("phone"), contact.text("phoneExt")) if p
                ),
                contact_email=contact.text("email"),
                latitude=lat,
                longitude=lon,
            )
        )
    return tuple(locations)


def _site_contact(contacts: list[_Reader]) -> _Reader:
    # The site's own contact (role CONTACT) is the one a patient should call; the
    # principal investigator is listed too but is rarely the person who answers.
    for contact in contacts:
        if contact.text("role").upper() == "CONTACT":
            return contact
    return contacts[0] if contacts else _Reader({}, "")


# --- documents and files -----------------------------------------------------------------------


def iter_document_studies(document: Any, *, source: str) -> Iterator[RawStudy]:
    """The study objects in one parsed JSON document, whatever its shape.

    A search page (``{"studies": [...]}``), a list of studies, or a single study. Any
    other top-level value is yielded as-is so that :func:`parse_study` reports it.
    """
    if (
        isinstance(document, Mapping)
        and "studies" in document
        and "protocolSection" not in document
    ):
        items = document["studies"]
        if not isinstance(items, list):
            yield RawStudy(data=items, source=f"{source} studies", position=1)
            return
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    for position, item in enumerate(items, start=1):
        yield RawStudy(data=item, source=source, position=position)


def iter_raw_studies(paths: Iterable[str | Path]) -> Iterator[RawStudy]:
    """Every study object in ``paths`` (JSON files and ``.zip`` bulk downloads), lazily.

    A zip is read one member at a time, so a multi-gigabyte bulk download never sits in
    memory whole; each member is one JSON document of any shape. A file or member that
    is not valid JSON is yielded as a :class:`RawStudy` whose ``data`` is an
    :class:`UnreadableDocument`, so the importer reports and skips it like any bad study.
    """
    for path in map(Path, paths):
        if zipfile.is_zipfile(path):
            yield from _iter_zip(path)
        else:
            yield from _iter_json_bytes(lambda p=path: p.read_bytes(), source=str(path))


def _iter_zip(path: Path) -> Iterator[RawStudy]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            # Skip folders and macOS resource forks ("__MACOSX/._NCT...json").
            if info.is_dir() or not name.lower().endswith(".json") or "__MACOSX/" in name:
                continue
            yield from _iter_json_bytes(
                lambda i=info: archive.read(i), source=f"{path.name}:{name}"
            )


class UnreadableDocument:
    """Stands in for a document that could not be read; ``reason`` says why."""

    def __init__(self, reason: str):
        self.reason = reason


def _iter_json_bytes(read, *, source: str) -> Iterator[RawStudy]:
    try:
        document = json.loads(read())
    except (OSError, UnicodeDecodeError, ValueError, zipfile.BadZipFile) as exc:
        reason = f"not readable as JSON ({exc.__class__.__name__}: {exc})"
        yield RawStudy(data=UnreadableDocument(reason), source=source, position=1)
        return
    yield from iter_document_studies(document, source=source)


def parse_raw_study(raw: RawStudy) -> Study:
    """:func:`parse_study` for a :class:`RawStudy`, reporting unreadable documents too."""
    if isinstance(raw.data, UnreadableDocument):
        raise StudyParseError(raw.data.reason)
    return parse_study(raw.data)
