"""API routes of the eligibility app (mounted under /api/v1/)."""

urlpatterns: list = []
