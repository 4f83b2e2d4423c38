"""The partner API of the catalog: trial search and trial detail.

One thin view per operation: an input serializer validates, one selector does the work,
an output serializer renders the objects it returns. Errors are raised, never returned:
the problem-details handler (``config.api``) renders them. The match lives in
``match.apis``, FHIR in ``fhir_api``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import (
    CONDITIONAL_READ_PARAMETERS,
    LANG_PARAM,
    MAX_PAGE_SIZE,
    NOT_MODIFIED,
    LanguageParams,
    conditional_read,
    page_links,
    page_window,
    query_params,
    request_language,
)
from eligibility.engine.facts import FACTS
from sites.apis import NearestSiteSerializer, OriginSerializer
from sites.location import (
    MAX_RADIUS_KM,
    LocationFields,
    origin_dict,
    origin_for_radius,
    origin_from_params,
)
from sites.selectors import RankedSite

from .models import OverallStatus, Phase, Sex, Trial
from .selectors import (
    DEFAULT_CONDITION,
    spots_left_current,
    trial_badges,
    trial_criteria_ordered,
    trial_for_detail,
    trials_locations_count,
    trials_nearest,
    trials_search,
)


def nct_id_or_404(nct_id: str) -> str:
    """Normalised NCT id; anything that is not one cannot name a trial (404, not a 500)."""
    value = nct_id.strip().upper()
    if len(value) != 11 or not value.startswith("NCT") or not value[3:].isascii():
        raise Http404
    if not value[3:].isdigit():
        raise Http404
    return value


# --- shared pieces -------------------------------------------------------------------------


def trial_links(request, nct_id: str) -> dict[str, str]:
    """Where a client finds everything about one trial."""

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


@extend_schema_field(TrialLinksSerializer)
class TrialLinksField(serializers.Field):
    """The links of the trial whose NCT id is the field's source (needs the request)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return trial_links(self.context["request"], value)


# --- GET /api/v1/trials/ ------------------------------------------------------------------


@dataclass(frozen=True)
class TrialSummary:
    """One row of a trial search: the trial, and with a location its nearest site."""

    trial: Trial
    locations_count: int
    nearest_site: RankedSite | None = None
    other_locations: int | None = None


class TrialRowSerializer(serializers.Serializer):
    # What every list of trials shows of each row's ``trial`` (a search's summaries, a
    # match's results), with its links; no schema component of its own (a comment, not a
    # docstring, which the subclasses' components would inherit as their description).
    # A subclass adds its fields and names the order of all of them in ``field_order``:
    # the shared ones are not all first (a search shows ``phases`` before ``phase_label``).

    nct_id = serializers.CharField(source="trial.nct_id")
    acronym = serializers.CharField(source="trial.acronym")
    title = serializers.CharField(source="trial.brief_title")
    overall_status = serializers.ChoiceField(
        source="trial.overall_status", choices=OverallStatus.values
    )
    phase_label = serializers.CharField(source="trial.phase_label")
    links = TrialLinksField(source="trial.nct_id")

    #: Every field's name, in the order the row shows them.
    field_order: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        if set(self.field_order) != set(fields):
            raise AssertionError(
                f"{type(self).__name__}.field_order must name each of its fields once"
            )
        return {name: fields[name] for name in self.field_order}


class TrialSummarySerializer(TrialRowSerializer):
    field_order = (
        "nct_id",
        "acronym",
        "title",
        "overall_status",
        "phases",
        "phase_label",
        "conditions",
        "sponsor",
        "minimum_age_years",
        "maximum_age_years",
        "sex",
        "locations_count",
        "nearest_site",
        "other_locations",
        "links",
    )

    phases = serializers.ListField(source="trial.phases", child=serializers.CharField())
    conditions = serializers.ListField(source="trial.conditions", child=serializers.CharField())
    sponsor = serializers.CharField(source="trial.sponsor")
    minimum_age_years = serializers.FloatField(source="trial.minimum_age_years", allow_null=True)
    maximum_age_years = serializers.FloatField(source="trial.maximum_age_years", allow_null=True)
    sex = serializers.ChoiceField(source="trial.sex", choices=Sex.values)
    locations_count = serializers.IntegerField()
    nearest_site = NearestSiteSerializer(
        allow_null=True, help_text="With a location: the nearest recruiting site."
    )
    other_locations = serializers.IntegerField(
        allow_null=True, help_text="With a location: how many other locations it has."
    )


class TrialListOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    origin = OriginSerializer(allow_null=True)
    results = TrialSummarySerializer(many=True)


class TrialListApi(APIView):
    """Search the catalog; with a location, nearest recruiting site first."""

    class InputSerializer(LanguageParams, LocationFields):
        condition = serializers.CharField(
            required=False,
            max_length=200,
            help_text="Words in the trial's conditions or keywords (case-insensitive); not "
            f"blank. With a location it defaults to '{DEFAULT_CONDITION}'.",
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
        origin = origin_for_radius(origin_from_params(p), radius_km=p.get("radius_km"))
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
                TrialSummary(
                    trial=row.trial,
                    locations_count=counts.get(row.trial.pk, 0),
                    nearest_site=row.nearest_site,
                    other_locations=row.other_locations if row.nearest_site else None,
                )
                for row in rows
            ]
        else:
            trials = trials_search(condition=p.get("condition", ""), **filters)
            total = trials.count()
            results = [
                TrialSummary(trial=trial, locations_count=trial.locations_count)
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
        return Response(TrialListOutputSerializer(body, context={"request": request}).data)


# --- GET /api/v1/trials/<nct_id>/ ----------------------------------------------------------


class TrialCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=["inclusion", "exclusion"])
    order = serializers.IntegerField()
    text = serializers.SerializerMethodField(help_text="Plain-language text for patients.")
    clinical_text = serializers.CharField(help_text="The registered clinical wording.")

    def get_text(self, criterion) -> str:
        return criterion.text_for(self.context["lang"])


class InterventionSerializer(serializers.Serializer):
    type = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())


class NamesField(serializers.ListField):
    """The names of a to-many relation's objects (``arm.interventions`` -> ``["..."]``)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, manager):
        return [str(item.name) for item in manager.all()]


class ArmSerializer(serializers.Serializer):
    label = serializers.CharField()
    type = serializers.CharField()
    type_label = serializers.CharField(source="get_type_display")
    description = serializers.CharField(help_text="Dosing: what the group receives.")
    interventions = NamesField()


class BadgeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class CurrentSpotsLeftMixin:
    """A trial field read only while the trial's "spots left" figure is current
    (``finder.selectors.spots_left_current``): null once its date has passed."""

    def get_attribute(self, trial):
        return super().get_attribute(trial) if spots_left_current(trial=trial) else None


class CurrentSpotsLeftField(CurrentSpotsLeftMixin, serializers.IntegerField):
    pass


class CurrentSpotsLeftByField(CurrentSpotsLeftMixin, serializers.DateField):
    pass


class TrialDetailSerializer(serializers.Serializer):
    # Renders a Trial from trial_for_detail; the context carries the request, the
    # language and the trial's badges.

    nct_id = serializers.CharField()
    acronym = serializers.CharField()
    title = serializers.CharField(source="brief_title")
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
    spots_left = CurrentSpotsLeftField(
        allow_null=True,
        help_text="About how many volunteers the study still takes, as curated; null when "
        "there is no figure or when its spots_left_by date has passed (a stale figure is "
        "never returned).",
    )
    spots_left_by = CurrentSpotsLeftByField(
        allow_null=True,
        help_text="The date spots_left was given for; null without a current figure.",
    )
    sites_are_illustrative = serializers.BooleanField()
    locations_count = serializers.IntegerField()
    recruiting_locations_count = serializers.IntegerField()
    criteria_version = serializers.IntegerField()
    badges = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    arms = ArmSerializer(many=True, source="arms.all")
    interventions = InterventionSerializer(many=True, source="interventions.all")
    links = TrialLinksField(source="nct_id")

    @extend_schema_field(BadgeSerializer(many=True))
    def get_badges(self, trial) -> list[dict[str, Any]]:
        return BadgeSerializer(self.context["badges"], many=True).data

    @extend_schema_field(TrialCriterionSerializer(many=True))
    def get_criteria(self, trial) -> list[dict[str, Any]]:
        criteria = trial_criteria_ordered(trial=trial)
        return TrialCriterionSerializer(criteria, many=True, context=self.context).data


class TrialDetailApi(APIView):
    """One trial: what a patient reads before checking eligibility."""

    @extend_schema(
        operation_id="trials_detail",
        summary="One trial",
        parameters=[LANG_PARAM, *CONDITIONAL_READ_PARAMETERS],
        responses={200: TrialDetailSerializer, 304: NOT_MODIFIED},
        tags=["trials"],
    )
    def get(self, request, nct_id: str):
        query_params(request, LanguageParams)
        trial = trial_for_detail(nct_id=nct_id_or_404(nct_id))
        if trial is None:
            raise Http404
        context = {
            "request": request,
            "lang": request_language(request),
            "badges": trial_badges(trial=trial),
        }
        data = TrialDetailSerializer(trial, context=context).data
        return conditional_read(request, data, changed_at=trial.updated_at)
