"""Curator admin: trials with their arms, interventions and sites inline."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from eligibility.admin import CriterionInline, LineCriterionInline
from eligibility.services import trial_criteria_version_bump
from sites.models import Site

from .models import Arm, Intervention, Phase, Trial

admin.site.site_header = "MS Trial Finder: curation and site teams"
admin.site.site_title = "MS Trial Finder admin"


class PhaseFilter(admin.SimpleListFilter):
    title = "phase"
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return Phase.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(phases__icontains=f'"{self.value()}"')
        return queryset


class ArmInline(admin.StackedInline):
    model = Arm
    extra = 0
    fields = ["order", "label", "type", "description"]


class InterventionInline(admin.TabularInline):
    model = Intervention
    extra = 0
    fields = ["order", "type", "name", "description", "arms"]
    filter_horizontal = ["arms"]


#: Above this many sites a trial's sites are edited in the Site admin, not inline.
SITE_INLINE_MAX = 15


class SiteInline(admin.TabularInline):
    model = Site
    extra = 1
    fields = [
        "facility",
        "city",
        "state",
        "postal_code",
        "country",
        "country_code",
        "latitude",
        "longitude",
        "status",
        "geocode_status",
    ]
    show_change_link = True


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    list_display = ["nct_id", "acronym", "brief_title", "overall_status", "phase_label", "sponsor"]
    list_filter = [
        "overall_status",
        PhaseFilter,
        "study_type",
        "is_pivotal",
        "sites_are_illustrative",
    ]
    search_fields = ["nct_id", "acronym", "brief_title", "official_title", "condition_search"]
    readonly_fields = ["criteria_version", "created_at", "updated_at", "site_list"]
    inlines = [ArmInline, InterventionInline, CriterionInline, LineCriterionInline, SiteInline]

    def get_inlines(self, request, obj):
        """Sites inline while a trial has few (a curated trial is typed in with them); a
        registry trial's hundreds of sites would be a form over Django's field limit
        (``DATA_UPLOAD_MAX_NUMBER_FIELDS``), so they are linked to, in the Site admin."""
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and obj.sites.count() > SITE_INLINE_MAX:
            inlines.remove(SiteInline)
        return inlines

    @admin.display(description="sites")
    def site_list(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        count = obj.sites.count()
        if count <= SITE_INLINE_MAX:
            return f"{count}, edited below"
        url = reverse("admin:sites_site_changelist") + f"?trial__id__exact={obj.pk}"
        return format_html(
            '{} sites, too many to edit on this page: <a href="{}">edit them in the site list</a>',
            count,
            url,
        )

    fieldsets = [
        (None, {"fields": ["nct_id", "acronym", "brief_title", "official_title"]}),
        (
            "Registry record",
            {
                "fields": [
                    "overall_status",
                    "study_type",
                    "phases",
                    "conditions",
                    "keywords",
                    "sponsor",
                    "collaborators",
                    "enrollment",
                    "enrollment_type",
                    "start_date",
                    "completion_date",
                    "last_update_posted",
                    "summary",
                    "description",
                ]
            },
        ),
        ("Sites", {"fields": ["site_list"]}),
        (
            "Eligibility as registered",
            {
                "fields": [
                    "minimum_age_years",
                    "maximum_age_years",
                    "sex",
                    "healthy_volunteers",
                    "eligibility_text",
                    "criteria_version",
                ]
            },
        ),
        (
            "What patients see",
            {
                "fields": [
                    "has_placebo_group",
                    "is_pivotal",
                    "travel_may_be_covered",
                    "time_reimbursement",
                    "waitlist_available",
                    "prior_safety_data",
                    "spots_left",
                    "spots_left_by",
                    "sites_are_illustrative",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is CriterionInline.model and formset.has_changed():
            trial_criteria_version_bump(trial=form.instance)
