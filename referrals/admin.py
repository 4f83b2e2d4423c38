"""Admin: memberships and clinicians are managed here; the audit trail is read-only.

Referrals are not edited in the admin (the site team works them in their pages, where
every change is audited); the admin shows no contact details at all.
"""

from django.contrib import admin

from .models import AuditEvent, ClinicianProfile, Referral, SiteMembership


@admin.register(SiteMembership)
class SiteMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "site__facility", "site__trial__nct_id")
    autocomplete_fields = ("user",)
    raw_id_fields = ("site",)


@admin.register(ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__email", "organisation")
    autocomplete_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    """Status and routing only: contact details are on the site team's page, audited."""

    list_display = ("reference", "trial", "site", "channel", "status", "verdict", "created_at")
    list_filter = ("status", "channel", "verdict")
    search_fields = ("reference", "trial__nct_id")
    fields = (
        "reference", "trial", "site", "channel", "partner", "referred_by", "status",
        "verdict", "criteria_version", "created_at", "status_changed_at", "closed_at",
        "contact_erased_at",
    )  # fmt: skip
    readonly_fields = fields


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail: admins read it; nobody adds, changes or deletes events."""

    list_display = ("at", "actor_label", "action", "referral", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "referral__reference", "ip_address")
    date_hierarchy = "at"
    readonly_fields = (
        "at", "actor", "partner", "actor_label", "action", "referral", "ip_address", "detail",
    )  # fmt: skip

    def get_actions(self, request):
        # No bulk "delete selected" either.
        return {}
