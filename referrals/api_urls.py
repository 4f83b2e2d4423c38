"""API routes of the referrals app (mounted under /api/v1/)."""

from django.urls import path

from .apis import ReferralCreateApi, ReferralDetailApi

urlpatterns = [
    path("referrals/", ReferralCreateApi.as_view(), name="api-referral-create"),
    path(
        "referrals/<reference:reference>/", ReferralDetailApi.as_view(), name="api-referral-detail"
    ),
]
