"""Routes under /api/v1/: every app contributes its own API routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("finder.api_urls")),
    path("", include("sites.api_urls")),
    path("", include("eligibility.api_urls")),
    path("", include("referrals.api_urls")),
]
