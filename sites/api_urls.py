"""API routes of the sites app (mounted under /api/v1/)."""

from django.urls import path

from sites.apis import TrialSitesApi

urlpatterns = [
    path("trials/<nct:nct_id>/sites/", TrialSitesApi.as_view(), name="api-trial-sites"),
]
