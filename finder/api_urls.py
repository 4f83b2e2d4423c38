"""API routes of the finder app (mounted under /api/v1/): trials, match, FHIR R4."""

from django.urls import path

from .apis import (
    FhirMatchApi,
    MatchApi,
    ResearchStudyReadApi,
    ResearchStudySearchApi,
    TrialDetailApi,
    TrialListApi,
)

urlpatterns = [
    path("trials/", TrialListApi.as_view(), name="api-trials"),
    path("trials/<nct:nct_id>/", TrialDetailApi.as_view(), name="api-trial-detail"),
    path("match/", MatchApi.as_view(), name="api-match"),
    path("fhir/ResearchStudy", ResearchStudySearchApi.as_view(), name="fhir-research-study-search"),
    path(
        "fhir/ResearchStudy/<str:nct_id>",
        ResearchStudyReadApi.as_view(),
        name="fhir-research-study-read",
    ),
    path("fhir/match", FhirMatchApi.as_view(), name="fhir-match"),
]
