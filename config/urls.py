"""Root URL configuration: each app owns its routes."""

from django.contrib import admin
from django.urls import include, path, register_converter

from config import health
from config.converters import NctIdConverter, ReferralReferenceConverter

# Before the apps' URL modules are imported (they are included by name below).
register_converter(NctIdConverter, "nct")
register_converter(ReferralReferenceConverter, "reference")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("", include("referrals.urls")),
    path("", include("finder.urls")),
    path("", include("eligibility.urls")),
    path("", include("match.urls")),
    path("", include("watches.urls")),
]

# Under /api/ the errors Django answers itself are problem details too (config.api).
handler400 = "config.api.bad_request"
handler403 = "config.api.permission_denied"
handler404 = "config.api.page_not_found"
handler500 = "config.api.server_error"
