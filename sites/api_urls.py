"""API routes of the sites app (mounted under /api/v1/)."""

urlpatterns: list = []
