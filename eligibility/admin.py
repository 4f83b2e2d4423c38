"""Curator admin for criteria: rules are validated on save and bump the criteria version."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Criterion, Screening, ScreeningReevaluation
from .services import criterion_rule_validate, trial_criteria_version_bump


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = [
            "trial",
            "kind",
            "order",
            "clinical_text",
            "patient_text",
            "patient_text_es",
            "rule",
            "source",
        ]
        widgets = {"rule": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def clean(self):
        cleaned = super().clean()
        rule = cleaned.get("rule")
        if rule is not None:
            label = f"{cleaned.get('kind', 'criterion')} criterion {cleaned.get('order', '?')}"
            try:
                criterion_rule_validate(rule=rule, label=label)
            except ValidationError as exc:
                self.add_error("rule", exc.message_dict["rule"])
        return cleaned


class CriterionInline(admin.StackedInline):
    model = Criterion
    form = CriterionForm
    extra = 0
    fields = ["kind", "order", "clinical_text", "patient_text", "patient_text_es", "rule", "source"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    form = CriterionForm
    list_display = ["trial", "kind", "order", "patient_text", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["trial__nct_id", "patient_text", "clinical_text"]
    raw_id_fields = ["trial"]
    list_select_related = ["trial"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.has_changed():
            trial_criteria_version_bump(trial=obj.trial)

    def delete_model(self, request, obj):
        trial = obj.trial
        super().delete_model(request, obj)
        trial_criteria_version_bump(trial=trial)

    def delete_queryset(self, request, queryset):
        trials = {c.trial for c in queryset.select_related("trial")}
        super().delete_queryset(request, queryset)
        for trial in trials:
            trial_criteria_version_bump(trial=trial)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Screenings are records of what happened: readable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ["id", "trial", "verdict", "criteria_version", "created_at"]
    list_filter = ["verdict"]
    search_fields = ["trial__nct_id"]
    readonly_fields = ["pretty_answers"]

    @admin.display(description="answers")
    def pretty_answers(self, obj):
        return json.dumps(obj.answers, indent=2)


@admin.register(ScreeningReevaluation)
class ScreeningReevaluationAdmin(ReadOnlyAdmin):
    list_display = ["screening", "criteria_version", "previous_verdict", "verdict", "changed"]
    list_filter = ["changed"]
