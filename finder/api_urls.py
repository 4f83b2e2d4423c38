"""API routes of the finder app (mounted under /api/v1/)."""

urlpatterns: list = []
