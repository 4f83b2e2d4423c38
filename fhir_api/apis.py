"""FHIR R4 endpoints: ResearchStudy read and search, the patient ``$match`` and metadata.

FHIR JSON in and out (``application/fhir+json``), an ``OperationOutcome`` for every
error. The mapping between our data and FHIR resources is :mod:`fhir_api.mapping`; what
of an inbound request is usable, :mod:`fhir_api.validation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from config.api import (
    CONDITIONAL_READ_PARAMETERS,
    MAX_PAGE_SIZE,
    NOT_MODIFIED,
    NoParams,
    QueryParamsSerializer,
    conditional_read,
    invalid_answers_errors,
    problem_exception_handler,
    query_params,
)
from config.parsers import BoundedJSONParser, FhirJsonParser
from eligibility.engine.facts import InvalidAnswers
from finder.apis import nct_id_or_404
from finder.models import Trial
from finder.selectors import DEFAULT_CONDITION, trial_for_detail, trials_search, trials_sites
from match.services import trials_match_page
from sites.geocoding import Place
from sites.location import LocationInputError, origin_from_params

from . import mapping as fhir
from .capability import capability_statement
from .validation import MatchParameters, match_request


class FhirJsonRenderer(JSONRenderer):
    media_type = fhir.FHIR_CONTENT_TYPE
    format = "fhir"


class FhirContentNegotiation(BaseContentNegotiation):
    """FHIR endpoints answer ``application/fhir+json`` whatever the Accept header says."""

    def select_parser(self, request, parsers):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_ISSUE_CODES = {
    400: "invalid",
    401: "security",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-long",
    415: "not-supported",
    429: "throttled",
}


def fhir_exception_handler(exc, context):
    """Errors on the FHIR endpoints: the problem's status and headers, an OperationOutcome."""
    if isinstance(exc, InvalidAnswers):
        # The answers came from the Bundle, not from fields the client named.
        exc = fhir.FhirInputError(
            [
                fhir.Issue("error", "value", f"{key}: {message}", "Bundle")
                for key, message in invalid_answers_errors(exc, prefix="").items()
            ]
        )
    if isinstance(exc, fhir.FhirInputError):
        response = Response(fhir.operation_outcome(exc.issues), status=400)
        response.content_type = fhir.FHIR_CONTENT_TYPE
        return response
    problem = problem_exception_handler(exc, context)
    if problem is None:
        return None
    data = problem.data
    code = _ISSUE_CODES.get(problem.status_code, "exception")
    issues = [
        fhir.Issue("error", code, e["message"], e["field"] or None) for e in data.get("errors", [])
    ] or [fhir.Issue("error", code, data.get("detail") or data.get("title", ""))]
    response = Response(fhir.operation_outcome(issues), status=problem.status_code)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in problem:
            response[header] = problem[header]
    response.content_type = fhir.FHIR_CONTENT_TYPE
    return response


class FhirApiView(APIView):
    """Base of the FHIR endpoints: FHIR JSON in and out, OperationOutcome for errors."""

    renderer_classes = [FhirJsonRenderer]
    parser_classes = [FhirJsonParser, BoundedJSONParser]
    content_negotiation_class = FhirContentNegotiation

    def get_exception_handler(self):
        return fhir_exception_handler

    def fhir_base(self, request) -> str:
        return request.build_absolute_uri("/api/v1/fhir/")


def study_sites(trial_ids: list[int]) -> dict[int, list[fhir.StudySite]]:
    """Each trial's sites as the plain data a FHIR Location is made from."""
    rows = trials_sites(trial_ids=trial_ids, fields=fhir.StudySite.__dataclass_fields__)
    return {pk: [fhir.StudySite(**row) for row in sites] for pk, sites in rows.items()}


def _resource_schema(resource_type: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
        "required": ["resourceType"],
        "additionalProperties": True,
    }


RESEARCH_STUDY_SCHEMA = _resource_schema(
    "ResearchStudy",
    "A FHIR R4 ResearchStudy with its sponsor (Organization), enrollment (Group) and sites "
    "(Location) contained.",
)
BUNDLE_SCHEMA = _resource_schema("Bundle", "A FHIR R4 Bundle (type searchset).")
CAPABILITY_STATEMENT_SCHEMA = _resource_schema(
    "CapabilityStatement", "What this FHIR server does (R4 CapabilityStatement)."
)
PATIENT_BUNDLE_SCHEMA = {
    "type": "object",
    "description": (
        "A FHIR R4 Bundle holding one Patient (birthDate, gender, address), Conditions (MS "
        "and its course by SNOMED CT or ICD-10 G35.x, other diagnoses, cancer), "
        "MedicationStatements (RxNorm, ATC or names) and Observations (EDSS, pregnancy "
        "status); or a Parameters resource whose 'subject' is that Bundle, with zipCode, "
        "travelRadius, recruitmentStatus and phase (the CodeX IG's ResearchStudy/$match). "
        "See docs/api.md."
    ),
    "properties": {"resourceType": {"type": "string", "enum": ["Bundle", "Parameters"]}},
    "required": ["resourceType"],
    "additionalProperties": True,
    "example": {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "1",
                    "birthDate": "1985-04-02",
                    "gender": "female",
                }
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "Patient/1"},
                    "code": {"coding": [{"system": fhir.SNOMED, "code": "426373005"}]},
                }
            },
        ],
    },
}


class ResearchStudyReadApi(FhirApiView):
    """One trial as a FHIR R4 ResearchStudy: no query parameters (any is a 400), and a
    conditional read like the trial detail's (ETag, Last-Modified, 304)."""

    @extend_schema(
        operation_id="fhir_research_study_read",
        summary="FHIR ResearchStudy by NCT id",
        parameters=CONDITIONAL_READ_PARAMETERS,
        responses={(200, fhir.FHIR_CONTENT_TYPE): RESEARCH_STUDY_SCHEMA, 304: NOT_MODIFIED},
        tags=["fhir"],
    )
    def get(self, request, nct_id: str):
        query_params(request, NoParams)
        trial = trial_for_detail(nct_id=nct_id_or_404(nct_id))
        if trial is None:
            raise Http404
        sites = study_sites([trial.pk])[trial.pk]
        data = fhir.research_study(trial, sites=sites)
        return conditional_read(request, data, changed_at=trial.updated_at)


class FhirPagingParams(QueryParamsSerializer):
    """A searchset's paging, as the search and $match take it: ``_count`` entries from
    ``_offset`` (a subclass may give ``_count`` another default)."""

    _count = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20
    )
    _offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000, default=0)


class ResearchStudySearchApi(FhirApiView):
    """Search trials as a FHIR searchset Bundle of ResearchStudy."""

    class InputSerializer(FhirPagingParams):
        condition = serializers.CharField(
            required=False,
            max_length=200,
            help_text="Words in the trial's conditions (case-insensitive); not blank (leave "
            "it out to search every trial).",
        )

    @extend_schema(
        operation_id="fhir_research_study_search",
        summary="FHIR ResearchStudy search",
        parameters=[InputSerializer],
        responses={(200, fhir.FHIR_CONTENT_TYPE): BUNDLE_SCHEMA},
        tags=["fhir"],
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        trials = trials_search(condition=p.get("condition", "")).prefetch_related("arms")
        total = trials.count()
        count, offset = p["_count"], p["_offset"]
        base = self.fhir_base(request)
        page = list(trials[offset : offset + count])
        sites = study_sites([t.pk for t in page])
        entries = [
            fhir.study_entry(fhir.research_study(t, sites=sites[t.pk]), base_url=base) for t in page
        ]
        return Response(
            fhir.searchset(
                entries,
                total=total,
                self_url=request.build_absolute_uri(),
                **page_links(request, offset=offset, count=count, total=total),
            )
        )


def page_links(request, *, offset: int, count: int, total: int) -> dict[str, str | None]:
    """A searchset's paging links (``searchset``'s keywords): the request's URL with
    another ``_offset``; ``first`` and ``last`` always, ``previous`` from ``_offset`` 1 on
    (never past the last page), ``next`` while matches remain."""
    url = request.build_absolute_uri()
    last = max(total - 1, 0) // count * count

    def at(start: int) -> str:
        return replace_query_param(url, "_offset", start)

    return {
        "first_url": at(0),
        "previous_url": at(min(max(offset - count, 0), last)) if offset > 0 else None,
        "next_url": at(offset + count) if offset + count < total else None,
        "last_url": at(last),
    }


class FhirMatchApi(FhirApiView):
    """Match a patient Bundle against the catalog: a searchset ranked by verdict, then distance.

    Paged as the search: ``_count`` matches from ``_offset``, ``total`` every match, and
    ``self``, ``first``, ``previous``, ``next`` and ``last`` links to POST the same body to.
    """

    class InputSerializer(FhirPagingParams):
        condition = serializers.CharField(required=False, max_length=200, default=DEFAULT_CONDITION)
        _count = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=50
        )

    @extend_schema(
        operation_id="fhir_match",
        summary="FHIR patient match",
        parameters=[InputSerializer],
        request={
            fhir.FHIR_CONTENT_TYPE: PATIENT_BUNDLE_SCHEMA,
            "application/json": PATIENT_BUNDLE_SCHEMA,
        },
        responses={(200, fhir.FHIR_CONTENT_TYPE): BUNDLE_SCHEMA},
        tags=["fhir"],
    )
    def post(self, request):
        return self.match(request)

    def match(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        today = timezone.localdate()
        wanted = match_request(request.data)
        patient = fhir.answers_from_bundle(
            wanted.bundle, today=today, edss_codes=getattr(settings, "FHIR_EDSS_CODES", ())
        )
        notes = [*wanted.issues, *patient.notes]
        origin = _origin(wanted.parameters, patient, notes)
        radius_km = wanted.parameters.travel_radius_km if origin is not None else None
        if wanted.parameters.travel_radius_km is not None and origin is None:
            notes.append(
                fhir.Issue(
                    "warning",
                    "value",
                    "travelRadius needs a place (zipCode or the Patient's address); ignored.",
                    "Parameters.parameter",
                )
            )
        count, offset = p["_count"], p["_offset"]
        found = trials_match_page(
            facts=patient.prepared,  # validated once, by the mapping
            origin=origin,
            condition=p["condition"],
            radius_km=radius_km,
            limit=count,
            offset=offset,
            keep=_wanted(wanted.parameters, notes),
        )
        base = self.fhir_base(request)
        sites = study_sites([m.trial.pk for m in found.matches])
        entries = [
            fhir.match_entry(
                fhir.research_study(m.trial, sites=sites[m.trial.pk]),
                base_url=base,
                outcome=m.outcome,
                distance_km=m.nearest_site.distance_km if m.nearest_site is not None else None,
                unused=patient.unused,
            )
            for m in found.matches
        ]
        return Response(
            fhir.searchset(
                entries,
                total=found.total,
                self_url=request.build_absolute_uri(),
                outcome=fhir.operation_outcome(notes) if notes else None,
                **page_links(request, offset=offset, count=count, total=found.total),
            )
        )


class ResearchStudyMatchApi(FhirMatchApi):
    """The CodeX IG's ``ResearchStudy/$match``: the same match at the IG's address.

    drf-spectacular cannot write a path with ``$`` (it reads it as a regular-expression
    anchor), so the view is left out of the generated paths and
    :func:`fhir_api.schema.add_research_study_match_path` adds it as a copy of
    ``fhir/match``.
    """

    @extend_schema(exclude=True)
    def post(self, request):
        return self.match(request)


def _origin(parameters: MatchParameters, patient: fhir.PatientAnswers, notes: list) -> Place | None:
    """Where to rank sites from: the zipCode parameter, else the Patient's address."""
    if parameters.zip_code:
        country = (patient.location or {}).get("country") or "US"
        location = {"postal_code": parameters.zip_code, "country": country}
        what, where = "The zipCode", "zipCode"
    else:
        location, what, where = patient.location, "The Patient's address", "Patient.address"
    if not location:
        return None
    try:
        return origin_from_params(location)
    except LocationInputError as exc:
        notes.append(
            fhir.Issue(
                "warning",
                "value",
                f"{what} could not be placed ({'; '.join(exc.errors.values())}); trials are "
                "not ranked by distance.",
                where,
            )
        )
        return None


_SINGLE_PHASES = {
    code: phases[0] for phases, code in fhir.RESEARCH_STUDY_PHASE.items() if len(phases) == 1
}


def _wanted(parameters: MatchParameters, notes: list) -> Callable[[Trial], bool] | None:
    """Which trials the CodeX phase and recruitmentStatus parameters keep (``None``: all).

    A phase code keeps the trials of exactly that phase code, and a single phase also
    the combined ones that include it (``phase-3`` keeps phase 2/3 trials). Only
    recruiting trials are matched (ResearchStudy.status ``active``), so a status filter
    without ``active`` keeps none, with a note saying so. The filter applies before the
    page is cut, so ``total`` counts the trials it keeps.
    """
    if parameters.recruitment_statuses and "active" not in parameters.recruitment_statuses:
        notes.append(
            fhir.Issue(
                "information",
                "informational",
                "$match checks recruiting trials only (ResearchStudy.status active); none has "
                f"the status asked for ({', '.join(parameters.recruitment_statuses)}).",
                "Parameters.parameter",
            )
        )
    if not (parameters.recruitment_statuses or parameters.phases):
        return None

    def keep(trial: Trial) -> bool:
        status = fhir.research_study_status(trial.overall_status)
        if parameters.recruitment_statuses and status not in parameters.recruitment_statuses:
            return False
        return not parameters.phases or _phase_wanted(trial.phases or [], parameters.phases)

    return keep


def _phase_wanted(phases: list[str], wanted: tuple[str, ...]) -> bool:
    if fhir.research_study_phase(phases) in wanted:
        return True
    return any(_SINGLE_PHASES.get(code) in phases for code in wanted)


class FhirMetadataApi(FhirApiView):
    """What this server does: an R4 CapabilityStatement."""

    class InputSerializer(QueryParamsSerializer):
        """No parameters: an unknown one is a 400, as everywhere else."""

    @extend_schema(
        operation_id="fhir_metadata",
        summary="FHIR CapabilityStatement",
        responses={(200, fhir.FHIR_CONTENT_TYPE): CAPABILITY_STATEMENT_SCHEMA},
        tags=["fhir"],
    )
    def get(self, request):
        self.InputSerializer(data=request.query_params).is_valid(raise_exception=True)
        return Response(
            capability_statement(base_url=self.fhir_base(request), today=timezone.localdate())
        )
