"""FHIR R4 routes (mounted under /api/v1/)."""

from django.urls import path

from .apis import FhirMatchApi, ResearchStudyReadApi, ResearchStudySearchApi

urlpatterns = [
    path("fhir/ResearchStudy", ResearchStudySearchApi.as_view(), name="fhir-research-study-search"),
    path(
        "fhir/ResearchStudy/<str:nct_id>",
        ResearchStudyReadApi.as_view(),
        name="fhir-research-study-read",
    ),
    path("fhir/match", FhirMatchApi.as_view(), name="fhir-match"),
]
