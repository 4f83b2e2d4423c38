"""Admin: memberships, invitations and clinicians are managed here; the audit trail is
read-only.

Referrals are not edited in the admin (the site team works them in their pages, where
every change is audited); the admin shows no contact details at all. Invitations are
made, approved, sent again and withdrawn through the services (audited), never edited.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import actor_from_request
from .models import (
    AuditEvent,
    ClinicianProfile,
    Referral,
    SiteInvitation,
    SiteMembership,
    SiteRole,
)
from .selectors import site_ids_with_team
from .services import (
    InvitationRejected,
    site_invitation_approve,
    site_invitation_check,
    site_invitation_create,
    site_invitation_resend,
    site_invitation_revoke,
)


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


class SiteInvitationForm(forms.ModelForm):
    """The operator's invitation: site, address, role; the service's checks as form errors."""

    email = forms.EmailField(label=gettext_lazy("Email address"))
    approve = forms.BooleanField(
        label=gettext_lazy("Approve now (needed for the site's registry contact address)"),
        required=False,
    )

    class Meta:
        model = SiteInvitation
        fields = ("site", "email", "role")

    request = None  # set by the admin

    def clean(self):
        cleaned = super().clean()
        site, email, role = cleaned.get("site"), cleaned.get("email"), cleaned.get("role")
        if site and email and role:
            try:
                cleaned["email"] = site_invitation_check(
                    site=site, email=email, role=role, actor=actor_from_request(self.request)
                )
            except InvitationRejected as exc:
                for key, message in exc.errors.items():
                    self.add_error(key if key in self.fields else None, message)
        return cleaned


def _invitation_action(service, done: str):
    def action(modeladmin, request, queryset):
        count = 0
        for invitation in queryset.select_related("site", "site__trial"):
            try:
                service(invitation=invitation, actor=actor_from_request(request))
            except InvitationRejected as exc:
                messages.error(request, f"{invitation}: {' '.join(exc.errors.values())}")
            else:
                count += 1
        if count:
            messages.success(request, done % {"count": count})

    return action


@admin.register(SiteInvitation)
class SiteInvitationAdmin(admin.ModelAdmin):
    """Invitations to a site's team. Adding one sends it (or, for the registry contact
    address, waits for an approval); the actions approve, send again and withdraw."""

    form = SiteInvitationForm
    list_display = (
        "id", "site", "role", "status", "to_registry_contact", "sent_at", "expires_at",
        "accepted_at", "created_at",
    )  # fmt: skip
    list_filter = ("status", "role", "to_registry_contact")
    list_select_related = ("site",)
    search_fields = ("site__facility", "site__city", "site__trial__nct_id")
    raw_id_fields = ("site",)
    readonly_fields = (
        "site", "email", "role", "status", "to_registry_contact", "invited_by", "approved_by",
        "approved_at", "sent_at", "expires_at", "accepted_at", "accepted_by", "created_at",
    )  # fmt: skip
    actions = ("approve", "send_again", "withdraw")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("site", "email", "role", "approve")
        return self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("role", SiteRole.COORDINATOR)
        return initial

    def has_view_permission(self, request, obj=None):
        # Whoever may invite may see the invitations (and act on them with the actions).
        return self.has_add_permission(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = site_invitation_create(
            site=form.cleaned_data["site"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=actor_from_request(request),
            approve=form.cleaned_data.get("approve", False),
        )
        obj.pk, obj.status = created.pk, created.status

    approve = admin.action(description=gettext_lazy("Approve and send"))(
        _invitation_action(site_invitation_approve, gettext_lazy("%(count)s approved and sent."))
    )
    send_again = admin.action(description=gettext_lazy("Send again, with a new link"))(
        _invitation_action(site_invitation_resend, gettext_lazy("%(count)s sent again."))
    )
    withdraw = admin.action(description=gettext_lazy("Withdraw"))(
        _invitation_action(site_invitation_revoke, gettext_lazy("%(count)s withdrawn."))
    )


class SiteTeamFilter(admin.SimpleListFilter):
    """Referrals whose site has nobody who can be told of them (the operators' queue)."""

    title = gettext_lazy("site team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return (("none", _("No team yet")), ("yes", _("Has a team")))

    def queryset(self, request, queryset):
        if self.value() not in ("none", "yes"):
            return queryset
        with_team = site_ids_with_team(site_ids=queryset.values_list("site_id", flat=True))
        if self.value() == "none":
            return queryset.exclude(site_id__in=with_team)
        return queryset.filter(site_id__in=with_team)


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    """Status and routing only: contact details are on the site team's page, audited."""

    list_display = ("reference", "trial", "site", "channel", "status", "verdict", "created_at")
    list_filter = (SiteTeamFilter, "status", "channel", "verdict")
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
