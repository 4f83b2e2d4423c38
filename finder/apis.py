"""The partner API of the catalog: trial search, trial detail, catalog match, and FHIR R4.

One thin view per operation: an input serializer validates, one selector or service
does the work, an output serializer renders. Errors are raised, never returned: the
problem-details handler (``config.api``) renders them, or the OperationOutcome handler
below on the FHIR endpoints.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from config.api import ApiInputError, problem_exception_handler
from config.parsers import BoundedJSONParser, FhirJsonParser
from eligibility.apis import (
    CriterionResultSerializer,
    eligibility_output,
    invalid_answers_error,
    request_language,
)
from eligibility.engine.facts import FACTS, InvalidAnswers
from eligibility.schema import ANSWER_KEYS, answers_schema
from sites.apis import OriginSerializer, origin_dict

from . import fhir
from .models import ArmType, OverallStatus, Phase, Sex
from .selectors import (
    trial_badges,
    trial_for_detail,
    trials_locations_count,
    trials_nearest,
    trials_search,
    trials_sites,
)

LOCATION_FIELDS = ("postal_code", "country", "place", "lat", "lon")
MAX_PAGE_SIZE = 100
DEFAULT_CONDITION = "multiple sclerosis"
# Half the Earth's circumference: no two points are farther apart.
MAX_RADIUS_KM = 20_040.0


def origin_from(params: dict[str, Any], *, prefix: str = ""):
    """The search origin from validated location fields (``None`` without any).

    Geocoding errors name the field, under ``prefix`` when the location is nested.
    """
    from sites.geocoding import origin_from_params

    given = {name: params[name] for name in LOCATION_FIELDS if params.get(name) is not None}
    try:
        return origin_from_params(given)
    except exceptions.ValidationError as exc:
        if not prefix:
            raise
        detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        raise ApiInputError(
            {f"{prefix}.{key}" if key else prefix: _first(value) for key, value in detail.items()}
        ) from None


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, list) and value else str(value)


def nct_id_or_404(nct_id: str) -> str:
    """Normalised NCT id; anything that is not one cannot name a trial (404, not a 500)."""
    value = nct_id.strip().upper()
    if len(value) != 11 or not value.startswith("NCT") or not value[3:].isascii():
        raise Http404
    if not value[3:].isdigit():
        raise Http404
    return value


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, by name (a typo should not be silently ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, ["Unknown field."]))
        return super().to_internal_value(data)


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters where a blank value is an error, not "absent", unless allowed.

    DRF treats ``?limit=`` like a missing ``limit`` (handy for HTML forms); an API caller
    who sends it has made a mistake and is told so.
    """

    def to_internal_value(self, data):
        blank = [
            name
            for name, field in self.fields.items()
            if not getattr(field, "allow_blank", False)
            and hasattr(data, "getlist")
            and "" in data.getlist(name)
        ]
        if blank:
            raise serializers.ValidationError(dict.fromkeys(blank, ["May not be blank."]))
        return super().to_internal_value(data)


# --- shared pieces -------------------------------------------------------------------------


class LocationInputSerializer(StrictSerializer):
    postal_code = serializers.CharField(required=False, max_length=20, allow_blank=True)
    country = serializers.CharField(required=False, max_length=60, allow_blank=True)
    place = serializers.CharField(required=False, max_length=200, allow_blank=True)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)


class NearestSiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    country = serializers.CharField()
    status = serializers.CharField()
    distance_km = serializers.FloatField()
    distance_mi = serializers.FloatField()


def trial_links(request, nct_id: str) -> dict[str, str]:
    def url(path: str) -> str:
        return request.build_absolute_uri(f"/api/v1/{path}")

    return {
        "self": url(f"trials/{nct_id}/"),
        "questionnaire": url(f"trials/{nct_id}/questionnaire/"),
        "eligibility": url(f"trials/{nct_id}/eligibility/"),
        "sites": url(f"trials/{nct_id}/sites/"),
        "fhir": url(f"fhir/ResearchStudy/{nct_id}"),
    }


class TrialLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    questionnaire = serializers.URLField()
    eligibility = serializers.URLField()
    sites = serializers.URLField()
    fhir = serializers.URLField()


def page_window(params: dict[str, Any]) -> tuple[int, int]:
    """(limit, offset) from ``limit`` with ``offset`` or ``page``."""
    limit = params["limit"]
    if params.get("page") is not None and params.get("offset") is not None:
        raise ApiInputError({"page": "Give offset or page, not both."})
    if params.get("page") is not None:
        return limit, (params["page"] - 1) * limit
    return limit, params.get("offset") or 0


def page_links(request, *, limit: int, offset: int, total: int) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    by_page = "page" in request.query_params

    def at(start: int) -> str:
        if by_page:
            return replace_query_param(url, "page", start // limit + 1)
        return replace_query_param(url, "offset", start)

    following = at(offset + limit) if offset + limit < total else None
    if offset <= 0:
        previous = None
    elif by_page or offset - limit > 0:
        previous = at(max(offset - limit, 0))
    else:
        previous = remove_query_param(url, "offset")
    return following, previous


LANG_PARAM = OpenApiParameter(
    "lang",
    str,
    required=False,
    description="Language of patient texts: en or es (es-MX and the like count as es). "
    "Anything else, or no value, gives English (then Accept-Language decides).",
)


# --- GET /api/v1/trials/ ------------------------------------------------------------------


class TrialSummarySerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    acronym = serializers.CharField()
    title = serializers.CharField()
    overall_status = serializers.ChoiceField(choices=OverallStatus.values)
    phases = serializers.ListField(child=serializers.CharField())
    phase_label = serializers.CharField()
    conditions = serializers.ListField(child=serializers.CharField())
    sponsor = serializers.CharField()
    minimum_age_years = serializers.FloatField(allow_null=True)
    maximum_age_years = serializers.FloatField(allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.values)
    locations_count = serializers.IntegerField()
    nearest_site = NearestSiteSerializer(
        allow_null=True, help_text="With a location: the nearest recruiting site."
    )
    other_locations = serializers.IntegerField(
        allow_null=True, help_text="With a location: how many other locations it has."
    )
    links = TrialLinksSerializer()


class TrialListOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    origin = OriginSerializer(allow_null=True)
    results = TrialSummarySerializer(many=True)


class TrialListApi(APIView):
    """Search the catalog; with a location, nearest recruiting site first."""

    class InputSerializer(QueryParamsSerializer):
        condition = serializers.CharField(
            required=False,
            max_length=200,
            allow_blank=True,
            help_text="Words in the trial's conditions or keywords (case-insensitive). With a "
            f"location it defaults to '{DEFAULT_CONDITION}'.",
        )
        status = serializers.ListField(
            child=serializers.ChoiceField(choices=OverallStatus.values),
            required=False,
            max_length=len(OverallStatus.values),
            help_text="Registry overall status (repeatable). Without a location: any status "
            "unless given; with a location: RECRUITING unless given.",
        )
        phase = serializers.ListField(
            child=serializers.ChoiceField(choices=Phase.values),
            required=False,
            max_length=len(Phase.values),
            help_text="Registry phase (repeatable): trials in any of them.",
        )
        age = serializers.IntegerField(
            required=False,
            min_value=0,
            max_value=FACTS["age"].max,
            help_text="Trials whose registered age range admits this age.",
        )
        sex = serializers.ChoiceField(
            required=False,
            choices=FACTS["sex"].choice_codes,
            help_text="Trials open to a patient of this sex.",
        )
        postal_code = serializers.CharField(required=False, max_length=20)
        country = serializers.CharField(required=False, max_length=60)
        place = serializers.CharField(required=False, max_length=200)
        lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
        lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
        radius_km = serializers.FloatField(
            required=False,
            min_value=0,
            max_value=MAX_RADIUS_KM,
            help_text="Only trials with a recruiting site this close (needs a location).",
        )
        limit = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20
        )
        offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
        page = serializers.IntegerField(required=False, min_value=1, max_value=100_000)

    @extend_schema(
        operation_id="trials_list",
        summary="Search trials",
        parameters=[InputSerializer, LANG_PARAM],
        responses={200: TrialListOutputSerializer},
        tags=["trials"],
    )
    def get(self, request):
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        limit, offset = page_window(p)
        origin = origin_from(p)
        if origin is None and p.get("radius_km") is not None:
            raise ApiInputError({"radius_km": "radius_km needs a location."})
        filters = {
            "phases": p.get("phase", []),
            "age": p.get("age"),
            "sex": p.get("sex"),
            "statuses": p.get("status", []),
        }
        if origin is not None:
            rows, total = trials_nearest(
                origin=origin,
                condition=p.get("condition") or DEFAULT_CONDITION,
                radius_km=p.get("radius_km"),
                limit=limit,
                offset=offset,
                **filters,
            )
            counts = trials_locations_count(trial_ids=[row.trial.pk for row in rows])
            results = [
                trial_summary(
                    request,
                    row.trial,
                    locations_count=counts.get(row.trial.pk, 0),
                    nearest_site=row.nearest_site,
                    other_locations=row.other_locations,
                )
                for row in rows
            ]
        else:
            trials = trials_search(condition=p.get("condition", ""), **filters)
            total = trials.count()
            results = [
                trial_summary(request, trial, locations_count=trial.locations_count)
                for trial in trials[offset : offset + limit]
            ]
        following, previous = page_links(request, limit=limit, offset=offset, total=total)
        body = {
            "count": total,
            "next": following,
            "previous": previous,
            "origin": origin_dict(origin),
            "results": results,
        }
        return Response(TrialListOutputSerializer(body).data)


def nearest_site_dict(site) -> dict[str, Any] | None:
    if site is None:
        return None
    return {name: getattr(site, name, None) or "" for name in NearestSiteSerializer().fields} | {
        "id": site.id,
        "distance_km": round(site.distance_km, 3),
        "distance_mi": round(site.distance_mi, 3),
    }


def trial_summary(
    request,
    trial,
    *,
    locations_count: int,
    nearest_site=None,
    other_locations: int | None = None,
) -> dict[str, Any]:
    return {
        "nct_id": trial.nct_id,
        "acronym": trial.acronym,
        "title": trial.brief_title,
        "overall_status": trial.overall_status,
        "phases": trial.phases or [],
        "phase_label": trial.phase_label,
        "conditions": trial.conditions or [],
        "sponsor": trial.sponsor,
        "minimum_age_years": trial.minimum_age_years,
        "maximum_age_years": trial.maximum_age_years,
        "sex": trial.sex,
        "locations_count": locations_count,
        "nearest_site": nearest_site_dict(nearest_site),
        "other_locations": other_locations if nearest_site is not None else None,
        "links": trial_links(request, trial.nct_id),
    }


# --- GET /api/v1/trials/<nct_id>/ ----------------------------------------------------------


class TrialCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["inclusion", "exclusion"])
    order = serializers.IntegerField()
    text = serializers.CharField(help_text="Plain-language text for patients.")
    clinical_text = serializers.CharField(help_text="The registered clinical wording.")


class InterventionSerializer(serializers.Serializer):
    type = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())


class ArmSerializer(serializers.Serializer):
    label = serializers.CharField()
    type = serializers.CharField()
    type_label = serializers.CharField()
    description = serializers.CharField(help_text="Dosing: what the group receives.")
    interventions = serializers.ListField(child=serializers.CharField())


class BadgeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class TrialDetailSerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    acronym = serializers.CharField()
    title = serializers.CharField()
    official_title = serializers.CharField()
    summary = serializers.CharField()
    conditions = serializers.ListField(child=serializers.CharField())
    keywords = serializers.ListField(child=serializers.CharField())
    overall_status = serializers.ChoiceField(choices=OverallStatus.values)
    phases = serializers.ListField(child=serializers.CharField())
    phase_label = serializers.CharField()
    study_type = serializers.CharField()
    sponsor = serializers.CharField()
    collaborators = serializers.ListField(child=serializers.CharField())
    enrollment = serializers.IntegerField(allow_null=True)
    enrollment_type = serializers.CharField()
    minimum_age_years = serializers.FloatField(allow_null=True)
    maximum_age_years = serializers.FloatField(allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.values)
    healthy_volunteers = serializers.BooleanField(allow_null=True)
    start_date = serializers.CharField()
    completion_date = serializers.CharField()
    spots_left = serializers.IntegerField(allow_null=True)
    spots_left_by = serializers.DateField(allow_null=True)
    sites_are_illustrative = serializers.BooleanField()
    locations_count = serializers.IntegerField()
    recruiting_locations_count = serializers.IntegerField()
    criteria_version = serializers.IntegerField()
    badges = BadgeSerializer(many=True)
    criteria = TrialCriterionSerializer(many=True)
    arms = ArmSerializer(many=True)
    interventions = InterventionSerializer(many=True)
    links = TrialLinksSerializer()


#: Detail fields read straight off the trial (the rest are built in the view).
TRIAL_DETAIL_ATTRIBUTES = [
    name
    for name in TrialDetailSerializer().fields
    if name not in ("title", "badges", "criteria", "arms", "interventions", "links")
]


class TrialDetailApi(APIView):
    """One trial: what a patient reads before checking eligibility."""

    @extend_schema(
        operation_id="trials_detail",
        summary="One trial",
        parameters=[LANG_PARAM],
        responses={200: TrialDetailSerializer},
        tags=["trials"],
    )
    def get(self, request, nct_id: str):
        trial = trial_for_detail(nct_id=nct_id_or_404(nct_id))
        if trial is None:
            raise Http404
        lang = request_language(request)
        arm_types = dict(ArmType.choices)
        body = {
            **{name: getattr(trial, name) for name in TRIAL_DETAIL_ATTRIBUTES},
            "title": trial.brief_title,
            "badges": [{"code": b.code, "label": str(b.label)} for b in trial_badges(trial=trial)],
            "criteria": [
                {
                    "id": c.pk,
                    "kind": c.kind,
                    "order": c.order,
                    "text": c.text_for(lang),
                    "clinical_text": c.clinical_text,
                }
                for c in sorted(
                    trial.criteria.all(), key=lambda c: (c.kind != "inclusion", c.order, c.pk)
                )
            ],
            "arms": [
                {
                    "label": arm.label,
                    "type": arm.type,
                    "type_label": str(arm_types.get(arm.type, "")),
                    "description": arm.description,
                    "interventions": [i.name for i in arm.interventions.all()],
                }
                for arm in trial.arms.all()
            ],
            "interventions": [
                {
                    "type": i.type,
                    "name": i.name,
                    "description": i.description,
                    "other_names": [str(n) for n in i.other_names or []],
                }
                for i in trial.interventions.all()
            ],
            "links": trial_links(request, trial.nct_id),
        }
        return Response(TrialDetailSerializer(body).data)


# --- POST /api/v1/match/ ------------------------------------------------------------------


@extend_schema_field(answers_schema())
class AnswersField(serializers.JSONField):
    """An ``answers`` object; its keys and values are checked by the eligibility service."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("must be an object mapping answer keys to values")
        return data


class MatchSerializer(serializers.Serializer):
    nct_id = serializers.CharField()
    acronym = serializers.CharField()
    title = serializers.CharField()
    overall_status = serializers.ChoiceField(choices=OverallStatus.values)
    phase_label = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["eligible", "possibly_eligible", "ineligible"])
    criteria = CriterionResultSerializer(many=True, help_text="Each criterion and why.")
    missing = serializers.ListField(child=serializers.ChoiceField(choices=ANSWER_KEYS))
    criteria_version = serializers.IntegerField()
    nearest_site = NearestSiteSerializer(allow_null=True)
    other_locations = serializers.IntegerField(allow_null=True)
    links = TrialLinksSerializer()


class MatchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    origin = OriginSerializer(allow_null=True)
    results = MatchSerializer(many=True)


class MatchApi(APIView):
    """Check one set of answers against every recruiting trial for a condition.

    Ranked by verdict (eligible, possibly eligible, not eligible), then by the distance
    of the nearest recruiting site when a location is given. Nothing is stored.
    """

    class InputSerializer(StrictSerializer):
        answers = AnswersField()
        location = LocationInputSerializer(required=False, allow_null=True)
        radius_km = serializers.FloatField(
            required=False, allow_null=True, min_value=0, max_value=MAX_RADIUS_KM
        )
        condition = serializers.CharField(required=False, max_length=200, default=DEFAULT_CONDITION)
        limit = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=50
        )

    @extend_schema(
        operation_id="match",
        summary="Match answers against the catalog",
        parameters=[LANG_PARAM],
        request=InputSerializer,
        responses={200: MatchOutputSerializer},
        tags=["eligibility"],
    )
    def post(self, request):
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        origin = origin_from(p.get("location") or {}, prefix="location")
        if origin is None and p.get("radius_km") is not None:
            raise ApiInputError({"radius_km": "radius_km needs a location."})
        from eligibility.services import trials_match

        try:
            matches = trials_match(
                answers=p["answers"],
                origin=origin,
                condition=p["condition"],
                radius_km=p.get("radius_km"),
                lang=request_language(request),
                limit=p["limit"],
            )
        except InvalidAnswers as exc:
            raise invalid_answers_error(exc) from None
        results = [
            {
                **eligibility_output(m.outcome),
                "acronym": m.trial.acronym,
                "title": m.trial.brief_title,
                "overall_status": m.trial.overall_status,
                "phase_label": m.trial.phase_label,
                "nearest_site": nearest_site_dict(m.nearest_site),
                "other_locations": m.other_locations if m.nearest_site is not None else None,
                "links": trial_links(request, m.trial.nct_id),
            }
            for m in matches
        ]
        body = {"count": len(results), "origin": origin_dict(origin), "results": results}
        return Response(MatchOutputSerializer(body).data)


# --- FHIR R4 ---------------------------------------------------------------------------------


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
PATIENT_BUNDLE_SCHEMA = {
    **_resource_schema(
        "Bundle",
        "A FHIR R4 Bundle holding one Patient (birthDate, gender, address), Conditions "
        "(SNOMED CT 24700007 multiple sclerosis, 426373005 relapsing-remitting, 425688002 "
        "secondary progressive, 425500002 primary progressive; ICD-10 G35) and "
        "MedicationStatements (RxNorm, ATC or names; see docs/api.md).",
    ),
    "example": {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
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
    """One trial as a FHIR R4 ResearchStudy."""

    @extend_schema(
        operation_id="fhir_research_study_read",
        summary="FHIR ResearchStudy by NCT id",
        responses={(200, fhir.FHIR_CONTENT_TYPE): RESEARCH_STUDY_SCHEMA},
        tags=["fhir"],
    )
    def get(self, request, nct_id: str):
        trial = trial_for_detail(nct_id=nct_id_or_404(nct_id))
        if trial is None:
            raise Http404
        sites = study_sites([trial.pk])[trial.pk]
        return Response(fhir.research_study(trial, sites=sites))


class ResearchStudySearchApi(FhirApiView):
    """Search trials as a FHIR searchset Bundle of ResearchStudy."""

    class InputSerializer(QueryParamsSerializer):
        condition = serializers.CharField(
            required=False,
            max_length=200,
            allow_blank=True,
            help_text="Words in the trial's conditions (case-insensitive).",
        )
        _count = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20
        )
        _offset = serializers.IntegerField(
            required=False, min_value=0, max_value=1_000_000, default=0
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
        url = request.build_absolute_uri()
        following = replace_query_param(url, "_offset", offset + count)
        return Response(
            fhir.searchset(
                entries,
                total=total,
                self_url=url,
                next_url=following if offset + count < total else None,
            )
        )


class FhirMatchApi(FhirApiView):
    """Match a patient Bundle against the catalog: a searchset ranked by verdict, then distance."""

    class InputSerializer(QueryParamsSerializer):
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
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        today = timezone.localdate()
        fhir.validate_bundle(request.data)
        patient = fhir.answers_from_bundle(request.data, today=today)
        notes = list(patient.notes)
        origin = None
        if patient.location:
            try:
                origin = origin_from(patient.location)
            except exceptions.ValidationError as exc:
                notes.append(
                    fhir.Issue(
                        "warning",
                        "value",
                        f"The Patient's address could not be placed ({_first_message(exc)}); "
                        "trials are not ranked by distance.",
                        "Patient.address",
                    )
                )
        from eligibility.services import trials_match

        try:
            matches = trials_match(
                answers=patient.answers,
                origin=origin,
                condition=p["condition"],
                limit=p["_count"],
                today=today,
            )
        except InvalidAnswers as exc:
            raise fhir.FhirInputError(
                [
                    fhir.Issue("error", "value", f"{key}: {message}", "Bundle")
                    for key, message in exc.errors.items()
                ]
            ) from None
        base = self.fhir_base(request)
        sites = study_sites([m.trial.pk for m in matches])
        entries = [
            fhir.match_entry(
                fhir.research_study(m.trial, sites=sites[m.trial.pk]),
                base_url=base,
                verdict=m.outcome.verdict,
                distance_km=m.nearest_site.distance_km if m.nearest_site is not None else None,
            )
            for m in matches
        ]
        return Response(
            fhir.searchset(
                entries,
                total=len(entries),
                self_url=request.build_absolute_uri(),
                outcome=fhir.operation_outcome(notes) if notes else None,
            )
        )


def _first_message(exc: exceptions.ValidationError) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(_first(v) for v in detail.values())
    return _first(detail)
