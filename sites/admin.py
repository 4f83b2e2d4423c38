"""Curator admin for sites, with the geocoding state visible."""

from django.contrib import admin

from .models import Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["facility", "city", "country", "status", "geocode_status", "trial"]
    list_filter = ["status", "geocode_status", "country"]
    search_fields = ["facility", "city", "postal_code", "trial__nct_id"]
    list_select_related = ["trial"]
    raw_id_fields = ["trial"]
    readonly_fields = ["registry_key", "geocode_attempts", "created_at", "updated_at"]
