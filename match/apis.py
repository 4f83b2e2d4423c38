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
    page_links,
    page_window,
    query_params,
    request_language,
)
from eligibility.apis import AnswersField, CriterionResultSerializer
from eligibility.schema import ANSWER_KEYS
from eligibility.services import answers_prepare
from finder.apis import TrialRowSerializer
from finder.selectors import DEFAULT_CONDITION
from sites.apis import NearestSiteSerializer, OriginSerializer
from sites.location import (
    MAX_RADIUS_KM,
    LocationInputSerializer,
    origin_dict,
    origin_for_radius,
    origin_from_request_location,
)

from .services import trials_match_page


class OtherLocationsField(serializers.IntegerField):
    """How many other locations a matched trial has; null when it has no nearest site."""

    def get_attribute(self, instance):
        return instance.other_locations if instance.nearest_site is not None else None


class MatchSerializer(TrialRowSerializer):
    field_order = (
        "nct_id",
        "acronym",
        "title",
        "overall_status",
        "phase_label",
        "verdict",
        "criteria",
        "missing",
        "checked",
        "total",
        "criteria_version",
        "nearest_site",
        "other_locations",
        "links",
    )

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


class MatchOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many trials match in all, on every page.")
    next = serializers.URLField(
        allow_null=True, help_text="The next page: POST the same body to it; null at the end."
    )
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page (the same body); null on the first."
    )
    origin = OriginSerializer(allow_null=True)
    results = MatchSerializer(many=True)


#: The page size of a match without ``limit``.
MATCH_PAGE_SIZE = 50


class MatchQueryParams(LanguageParams):
    """The match's query: ``lang`` and the paging of every list."""

    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"Matches per page (default {MATCH_PAGE_SIZE}). The body's limit, if "
        "given instead, counts the same; not both.",
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, help_text="1-based; not with offset."
    )


class MatchApi(APIView):
    """Check one set of answers against every recruiting trial for a condition.

    Ranked by verdict (eligible, possibly eligible, not eligible), then by how much of the
    trial the answers could check (the share of its criteria with a rule), then by the
    distance of the nearest recruiting site when a location is given, then NCT id.
    Paged like every list: ``limit`` matches from ``offset`` (or ``page``) in the query,
    with ``count`` (every match) and ``next``/``previous`` links, to POST the same body
    to. Nothing is stored.
    """

    class InputSerializer(StrictSerializer):
        answers = AnswersField()
        location = LocationInputSerializer(required=False, allow_null=True)
        radius_km = serializers.FloatField(
            required=False, allow_null=True, min_value=0, max_value=MAX_RADIUS_KM
        )
        condition = serializers.CharField(required=False, max_length=200, default=DEFAULT_CONDITION)
        limit = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_PAGE_SIZE,
            help_text="The page size, as the query's limit (kept from v1.0; give one or the "
            "other).",
        )

    @extend_schema(
        operation_id="match",
        summary="Match answers against the catalog",
        parameters=[MatchQueryParams, LANG_PARAM],
        request=InputSerializer,
        responses={200: MatchOutputSerializer},
        tags=["eligibility"],
    )
    def post(self, request):
        query = query_params(request, MatchQueryParams)
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        if query.get("limit") is not None and p.get("limit") is not None:
            raise ApiInputError({"limit": "Give limit in the query or in the body, not both."})
        size = query.get("limit") or p.get("limit") or MATCH_PAGE_SIZE
        limit, offset = page_window({**query, "limit": size})
        origin = origin_for_radius(
            origin_from_request_location(p.get("location")), radius_km=p.get("radius_km")
        )
        found = trials_match_page(
            facts=answers_prepare(answers=p["answers"]),
            origin=origin,
            condition=p["condition"],
            radius_km=p.get("radius_km"),
            lang=query.get("lang") or request_language(request),
            limit=limit,
            offset=offset,
        )
        following, previous = page_links(request, limit=limit, offset=offset, total=found.total)
        body = {
            "count": found.total,
            "next": following,
            "previous": previous,
            "origin": origin_dict(origin),
            "results": found.matches,
        }
        return Response(MatchOutputSerializer(body, context={"request": request}).data)
