"""Match API routes (mounted under /api/v1/)."""

from django.urls import path

from .apis import MatchApi

urlpatterns = [
    path("match/", MatchApi.as_view(), name="api-match"),
]
