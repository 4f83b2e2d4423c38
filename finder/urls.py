"""Patient-facing pages."""

urlpatterns: list = []
