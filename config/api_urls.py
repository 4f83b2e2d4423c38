"""Routes under /api/v1/: every app contributes its own API routes.

The OpenAPI schema and its Swagger UI are served from here with no external assets
(the UI's files come from drf-spectacular-sidecar, its start-up script from the same
view, so the page works under the site's Content-Security-Policy). Anything else under
/api/v1/ that no route matches is a problem-details 404.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import api_not_found

urlpatterns = [
    path("", include("finder.api_urls")),
    path("", include("match.api_urls")),
    path("", include("fhir_api.api_urls")),
    path("", include("sites.api_urls")),
    path("", include("eligibility.api_urls")),
    path("", include("referrals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]
