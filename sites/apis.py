"""Sites API: a trial's sites, nearest first."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    QueryParamsSerializer,
    page_links,
    page_window,
    problem_response,
    render,
)
from finder.models import Trial

from .location import LocationFields, origin_dict, origin_for_radius, origin_from_params
from .models import SiteStatus
from .selectors import trial_sites_page

MAX_LIMIT = 500

PROBLEM_400 = problem_response(
    "Invalid request; `errors` names each offending parameter (a place that "
    "cannot be found or is ambiguous, coordinates out of range, a negative radius...)."
)
PROBLEM_404 = problem_response("No trial with this NCT id.")


class OriginSerializer(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    label = serializers.CharField()


class MetresField(serializers.FloatField):
    """A distance in km or miles, rounded to the metre."""

    def to_representation(self, value):
        return round(float(value), 3)


class OriginAlternativeSerializer(OriginSerializer):
    place = serializers.CharField(help_text="The place text that asks for this place alone.")


class PlacedOriginSerializer(OriginSerializer):
    # The schema of PlacedOriginField (origin_dict): an origin, and when the text could be
    # read another way, how it was read and the other places. (A comment: a docstring
    # would become the component's description.)

    note = serializers.CharField(required=False, help_text="How the text was read, if ambiguous.")
    alternatives = OriginAlternativeSerializer(
        many=True, required=False, help_text="The other places the text could mean."
    )


@extend_schema_field(PlacedOriginSerializer)
class PlacedOriginField(serializers.Field):
    """A placed origin (a ``sites.geocoding.Place``) as :func:`~sites.location.origin_dict`
    shows it: with ``note`` and ``alternatives`` when the text could be read another way."""

    def to_representation(self, origin):
        return origin_dict(origin)


class NearestSiteSerializer(serializers.Serializer):
    """A trial's nearest recruiting site, as trial searches and matches show it."""

    id = serializers.IntegerField()
    facility = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    country = serializers.CharField()
    status = serializers.CharField()
    distance_km = MetresField()
    distance_mi = MetresField()


class RankedSiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    status = serializers.ChoiceField(choices=SiteStatus.values)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    distance_km = MetresField(allow_null=True, help_text="rounded to the metre")
    distance_mi = MetresField(allow_null=True, help_text="rounded to the metre")


class TrialSitesOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many sites match, on every page.")
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page; null on the first."
    )
    origin = PlacedOriginField(allow_null=True, help_text="null without a location")
    results = RankedSiteSerializer(many=True, source="sites")


class TrialSitesApi(APIView):
    """A trial's sites nearest the patient first.

    Give one location: ``postal_code`` (with ``country``), ``place`` (free text, e.g.
    "Palo Alto, CA" or "Madrid, Spain") or ``lat`` and ``lon``. Sites are ordered by
    exact WGS-84 geodesic distance, ties by site id; sites without coordinates come last
    with null distances (left out when ``radius_km`` is given). Without a location the
    sites come unranked, ordered by country and city, with null distances. Distances
    are rounded to the metre.

    Paged like every list: ``limit`` sites from ``offset`` (or ``page``, which needs
    ``limit``), with ``count`` and ``next``/``previous`` links; without ``limit``, every
    site from ``offset`` on.
    """

    class InputSerializer(QueryParamsSerializer, LocationFields):
        radius_km = serializers.FloatField(
            required=False,
            min_value=0,
            help_text="Only sites this close, in km (needs a location).",
        )
        status = serializers.ChoiceField(
            required=False, choices=SiteStatus.values, help_text="Only sites with this status."
        )
        limit = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_LIMIT,
            help_text="Sites per page; without it, every site (from offset).",
        )
        offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
        page = serializers.IntegerField(
            required=False, min_value=1, max_value=100_000, help_text="Needs limit."
        )

    @extend_schema(
        operation_id="trial_sites_list",
        summary="A trial's sites, nearest first",
        parameters=[InputSerializer],
        responses={
            200: TrialSitesOutputSerializer,
            400: PROBLEM_400,
            404: PROBLEM_404,
        },
        tags=["sites"],
    )
    def get(self, request, nct_id: str):
        trial = get_object_or_404(Trial.objects.only("id"), nct_id=nct_id.strip().upper())
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        p = params.validated_data
        limit, offset = page_window(p)
        origin = origin_for_radius(origin_from_params(p), radius_km=p.get("radius_km"))
        page = trial_sites_page(
            trial=trial,
            origin=origin,
            radius_km=p.get("radius_km"),
            statuses=[p["status"]] if p.get("status") else (),
            offset=offset,
            limit=limit,
        )
        following, previous = page_links(request, limit=limit, offset=offset, total=page.count)
        return Response(
            render(
                TrialSitesOutputSerializer,
                {
                    "count": page.count,
                    "next": following,
                    "previous": previous,
                    "origin": origin,
                    "sites": page.sites,
                },
            )
        )
