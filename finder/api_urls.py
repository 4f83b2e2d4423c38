"""API routes of the finder app (mounted under /api/v1/): the trial catalog."""

from django.urls import path

from .apis import TrialDetailApi, TrialListApi

urlpatterns = [
    path("trials/", TrialListApi.as_view(), name="api-trials"),
    path("trials/<nct:nct_id>/", TrialDetailApi.as_view(), name="api-trial-detail"),
]
