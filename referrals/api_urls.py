"""API routes of the referrals app (mounted under /api/v1/)."""

urlpatterns: list = []
