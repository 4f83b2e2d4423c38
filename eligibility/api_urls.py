"""Eligibility API routes (mounted under /api/v1/)."""

from django.urls import path

from .apis import TrialEligibilityApi, TrialQuestionnaireApi

urlpatterns = [
    path(
        "trials/<nct:nct_id>/questionnaire/",
        TrialQuestionnaireApi.as_view(),
        name="api-trial-questionnaire",
    ),
    path(
        "trials/<nct:nct_id>/eligibility/",
        TrialEligibilityApi.as_view(),
        name="api-trial-eligibility",
    ),
]
