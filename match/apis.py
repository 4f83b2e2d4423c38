"""``POST /api/v1/match/``: one set of answers against every recruiting trial."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    LANG_PARAM,
    MAX_PAGE_SIZE,
    ApiInputError,
    LanguageParams,
    StrictSerializer,
    query_params,
    request_language,
)
from eligibility.apis import AnswersField, CriterionResultSerializer
from eligibility.schema import ANSWER_KEYS
from eligibility.services import answers_prepare
from finder.apis import TrialLinksField
from finder.models import OverallStatus
from finder.selectors import DEFAULT_CONDITION
from sites.apis import NearestSiteSerializer, OriginSerializer
from sites.location import (
    MAX_RADIUS_KM,
    LocationInputSerializer,
    origin_dict,
    origin_from_request_location,
)

from .services import trials_match


class OtherLocationsField(serializers.IntegerField):
    """How many other locations a matched trial has; null when it has no nearest site."""

    def get_attribute(self, instance):
        return instance.other_locations if instance.nearest_site is not None else None


class MatchSerializer(serializers.Serializer):
    nct_id = serializers.CharField(source="trial.nct_id")
    acronym = serializers.CharField(source="trial.acronym")
    title = serializers.CharField(source="trial.brief_title")
    overall_status = serializers.ChoiceField(
        source="trial.overall_status", choices=OverallStatus.values
    )
    phase_label = serializers.CharField(source="trial.phase_label")
    verdict = serializers.ChoiceField(
        source="outcome.verdict", choices=["eligible", "possibly_eligible", "ineligible"]
    )
    criteria = CriterionResultSerializer(
        source="outcome.criteria", many=True, help_text="Each criterion and why."
    )
    missing = serializers.ListField(
        source="outcome.missing", child=serializers.ChoiceField(choices=ANSWER_KEYS)
    )
    checked = serializers.IntegerField(
        source="outcome.checked",
        help_text="How many of the trial's criteria were checked against the answers.",
    )
    total = serializers.IntegerField(
        source="outcome.total",
        help_text="How many criteria the trial has; total - checked are left to the study team.",
    )
    criteria_version = serializers.IntegerField(source="outcome.criteria_version")
    nearest_site = NearestSiteSerializer(allow_null=True)
    other_locations = OtherLocationsField(allow_null=True)
    links = TrialLinksField(source="trial.nct_id")


class MatchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    origin = OriginSerializer(allow_null=True)
    results = MatchSerializer(many=True)


class MatchApi(APIView):
    """Check one set of answers against every recruiting trial for a condition.

    Ranked by verdict (eligible, possibly eligible, not eligible), then by how much of the
    trial the answers could check (the share of its criteria with a rule), then by the
    distance of the nearest recruiting site when a location is given, then NCT id.
    Nothing is stored.
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
        query_params(request, LanguageParams)
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        origin = origin_from_request_location(p.get("location"))
        if origin is None and p.get("radius_km") is not None:
            raise ApiInputError({"radius_km": "radius_km needs a location."})
        matches = trials_match(
            facts=answers_prepare(answers=p["answers"]),
            origin=origin,
            condition=p["condition"],
            radius_km=p.get("radius_km"),
            lang=request_language(request),
            limit=p["limit"],
        )
        body = {"count": len(matches), "origin": origin_dict(origin), "results": matches}
        return Response(MatchOutputSerializer(body, context={"request": request}).data)
