"""FHIR R4 routes (mounted under /api/v1/)."""

from django.urls import path

from .apis import (
    FhirMatchApi,
    FhirMetadataApi,
    ResearchStudyMatchApi,
    ResearchStudyReadApi,
    ResearchStudySearchApi,
)

urlpatterns = [
    path("fhir/metadata", FhirMetadataApi.as_view(), name="fhir-metadata"),
    path("fhir/ResearchStudy", ResearchStudySearchApi.as_view(), name="fhir-research-study-search"),
    # The CodeX IG's address for $match; before the read route, whose id it would match.
    path(
        "fhir/ResearchStudy/$match",
        ResearchStudyMatchApi.as_view(),
        name="fhir-research-study-match",
    ),
    path(
        "fhir/ResearchStudy/<str:nct_id>",
        ResearchStudyReadApi.as_view(),
        name="fhir-research-study-read",
    ),
    path("fhir/match", FhirMatchApi.as_view(), name="fhir-match"),
]
