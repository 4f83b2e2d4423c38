"""Curator admin for criteria: rules are validated on save and bump the criteria version.

Registered lines are read-only everywhere but the review queue (:class:`LineReviewAdmin`),
whose decisions go through ``eligibility.review`` and its append-only audit.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from finder.models import Trial

from .models import (
    Criterion,
    CriterionReview,
    CriterionSource,
    LineReview,
    ReviewStatus,
    Screening,
    ScreeningReevaluation,
)
from .review import (
    SPANISH_TEXT_MISSING,
    Reviewer,
    ReviewRefused,
    criterion_proposal_accept,
    criterion_proposal_reject,
    criterion_rule_edit,
    trial_proposals_accept_all,
)
from .services import criterion_rule_validate, trial_criteria_version_bump


def _is_line(criterion) -> bool:
    """A registered line: its rule and words change only through the review service
    (``eligibility.review``), which audits every decision."""
    return (
        criterion is not None
        and criterion.pk is not None
        and criterion.source == CriterionSource.LINE
    )


def _review_link(criterion):
    url = reverse("admin:eligibility_linereview_change", args=[criterion.pk])
    return format_html(
        '<a href="{}">{}</a>', url, _("Review this line (accept, edit or reject, audited)")
    )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if _is_line(self.instance):
            # The admins show lines read-only; should this form be posted for one anyway,
            # every field keeps the value stored (disabled fields ignore what is posted).
            for field in self.fields.values():
                field.disabled = True
        elif "source" in self.fields:
            # Lines come from the registry's import, waiting for review: none is made here.
            source = self.fields["source"]
            source.choices = [c for c in source.choices if c[0] != CriterionSource.LINE]

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
    """The trial's criteria that are not registered lines (curated, derived), editable."""

    model = Criterion
    form = CriterionForm
    extra = 0
    fields = ["kind", "order", "clinical_text", "patient_text", "patient_text_es", "rule", "source"]
    verbose_name_plural = _("curated and derived criteria")

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(source=CriterionSource.LINE)


class LineCriterionInline(admin.TabularInline):
    """The trial's registered lines, read-only: each is decided in the review queue, whose
    service audits the decision (``eligibility.review``)."""

    model = Criterion
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "order",
        "clinical_text",
        "rule",
        "patient_text",
        "patient_text_es",
        "review_status",
        "reviewed_by",
        "reviewed_at",
        "review",
    ]
    readonly_fields = fields
    verbose_name = _("registered line")
    verbose_name_plural = _("registered lines (read-only here: each is reviewed in the queue)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(source=CriterionSource.LINE)

    def has_add_permission(self, request, obj=None):
        return False  # lines come from the registry

    def has_change_permission(self, request, obj=None):
        return False  # through the review queue only

    def has_delete_permission(self, request, obj=None):
        return False  # a line leaves when the registry drops it

    @admin.display(description=_("review"))
    def review(self, obj):
        return _review_link(obj)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    form = CriterionForm
    list_display = ["trial", "kind", "order", "patient_text", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["trial__nct_id", "patient_text", "clinical_text"]
    raw_id_fields = ["trial"]
    list_select_related = ["trial"]
    # A registered line is shown read-only, the link to its review first.
    line_fields = [
        "review",
        "trial",
        "kind",
        "order",
        "clinical_text",
        "rule",
        "patient_text",
        "patient_text_es",
        "source",
        "review_status",
        "reviewed_by",
        "reviewed_at",
    ]

    def get_fields(self, request, obj=None):
        if _is_line(obj):
            return self.line_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if _is_line(obj):
            return self.line_fields
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        if _is_line(obj):
            return False  # through the review queue, audited (a POST here answers 403)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if _is_line(obj):
            return False  # a line leaves when the registry drops it
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """A "delete selected" with a registered line among them is refused (403 on confirm)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(_is_line(obj) for obj in objs):
            perms_needed = {*perms_needed, str(_("registered lines (review them instead)"))}
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("review"))
    def review(self, obj):
        return _review_link(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.has_changed():
            trial_criteria_version_bump(trial=obj.trial)

    def delete_model(self, request, obj):
        trial = obj.trial
        super().delete_model(request, obj)
        trial_criteria_version_bump(trial=trial)

    def delete_queryset(self, request, queryset):
        if queryset.filter(source=CriterionSource.LINE).exists():
            raise PermissionDenied  # get_deleted_objects refuses them first
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


# --- the curators' review queue -----------------------------------------------------------------


class WaitingTrialFilter(admin.SimpleListFilter):
    """Trials with registered lines still waiting for a decision."""

    title = "trial with lines waiting"
    parameter_name = "waiting_trial"

    def lookups(self, request, model_admin):
        trials = (
            Trial.objects.filter(
                criteria__source=CriterionSource.LINE,
                criteria__review_status=ReviewStatus.PENDING,
            )
            .annotate(waiting=Count("criteria"))
            .order_by("nct_id")
        )
        return [(t.pk, f"{t.nct_id} ({t.waiting} waiting)") for t in trials]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(trial_id=self.value())
        return queryset


class ChangedSinceReviewFilter(admin.SimpleListFilter):
    """Lines still waiting whose wording came in after a curator had decided on that trial
    (a re-import that reworded or added a line).

    Each line is compared with the trial's reviews made before its wording came in, not
    with the trial's latest review: deciding one reworded line must not drop the others
    still waiting from the list.
    """

    title = "changed since last review"
    parameter_name = "changed"

    def lookups(self, request, model_admin):
        return [("yes", "Changed since the trial's last review")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        reviewed_before = CriterionReview.objects.filter(
            trial_id=OuterRef("trial_id"), at__lt=OuterRef("line_added_at")
        )
        return queryset.filter(Exists(reviewed_before), review_status=ReviewStatus.PENDING)


class LineReviewForm(forms.ModelForm):
    """A curator's decision on one line: accept the proposal, write a rule, or reject."""

    DECISIONS = [
        ("accept", "Accept the proposal as it is"),
        ("edit", "Use the rule and plain words below"),
        ("reject", "No rule: the study team checks this line"),
    ]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)

    class Meta:
        model = LineReview
        fields = ["rule", "patient_text", "patient_text_es"]
        widgets = {"rule": forms.Textarea(attrs={"rows": 6, "cols": 80})}
        help_texts = {
            "rule": "For 'use the rule below': the rule in the criteria language (docs/rules.md).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if not self.is_bound and instance.pk and instance.rule is None:
            # Start an edit from the proposal: most edits are a small correction of it.
            self.initial["rule"] = instance.proposal_rule
            self.initial["patient_text"] = instance.proposal_patient_text
            self.initial["patient_text_es"] = instance.proposal_patient_text_es
        if not instance.has_proposal:
            self.fields["decision"].choices = self.DECISIONS[1:]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") != "edit":
            return cleaned
        label = f"{self.instance.kind} criterion {self.instance.order}"
        rule = cleaned.get("rule")
        if rule is None:
            self.add_error("rule", "Write the rule, or choose another decision.")
        else:
            try:
                criterion_rule_validate(rule=rule, label=label)
            except ValidationError as exc:
                self.add_error("rule", exc.message_dict["rule"])
        if not (cleaned.get("patient_text") or "").strip():
            self.add_error("patient_text", "Say in plain words whom the rule is about.")
        elif not (cleaned.get("patient_text_es") or "").strip():
            self.add_error("patient_text_es", SPANISH_TEXT_MISSING)
        return cleaned


@admin.register(LineReview)
class LineReviewAdmin(admin.ModelAdmin):
    """Each registered line beside the reader's proposal, its pattern and its reason."""

    form = LineReviewForm
    # One narrow column for where the line is, so the line and its proposal fit beside
    # the admin's sidebar at 1280 px (the two are the point of the page).
    list_display = ["where", "line_short", "proposal", "review_status"]
    list_display_links = ["line_short"]
    list_filter = ["review_status", WaitingTrialFilter, ChangedSinceReviewFilter, "kind"]
    search_fields = ["trial__nct_id", "clinical_text"]
    list_select_related = ["trial"]
    ordering = ["trial__nct_id", "kind", "order"]
    readonly_fields = [
        "trial",
        "kind",
        "order",
        "line",
        "proposal_pattern",
        "proposal_reason",
        "proposed_rule",
        "proposal_patient_text",
        "proposal_patient_text_es",
        "reader_version",
        "review_status",
        "reviewed_by",
        "reviewed_at",
    ]
    fieldsets = [
        ("The registered line", {"fields": ["trial", "kind", "order", "line"]}),
        (
            "The reader's proposal",
            {
                "fields": [
                    "proposal_pattern",
                    "proposal_reason",
                    "proposed_rule",
                    "proposal_patient_text",
                    "proposal_patient_text_es",
                    "reader_version",
                ]
            },
        ),
        ("Decision", {"fields": ["decision", "rule", "patient_text", "patient_text_es"]}),
        ("Review", {"fields": ["review_status", "reviewed_by", "reviewed_at"]}),
    ]
    actions = ["accept_selected", "reject_selected", "accept_all_of_trials"]

    class Media:
        css = {"all": ["eligibility/admin_review.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(source=CriterionSource.LINE)

    def has_add_permission(self, request):
        return False  # lines come from the registry

    def has_delete_permission(self, request, obj=None):
        return False  # a line leaves when the registry drops it

    @admin.display(description="registered line")
    def line(self, obj):
        return obj.clinical_text

    @admin.display(description="trial", ordering="trial__nct_id")
    def nct_id(self, obj):
        return obj.trial.nct_id

    @admin.display(description="trial, line", ordering="trial__nct_id")
    def where(self, obj):
        return format_html("{}<br>{} {}", obj.trial.nct_id, obj.get_kind_display(), obj.order)

    @admin.display(description="registered line")
    def line_short(self, obj):
        return Truncator(obj.clinical_text).chars(160)

    @admin.display(description="proposal")
    def proposal(self, obj):
        if obj.proposal_rule is None:
            reason = Truncator(obj.proposal_reason).chars(120)
            return f"none: {reason}" if reason else "none"
        rule = Truncator(json.dumps(obj.proposal_rule)).chars(160)
        return f"{obj.proposal_pattern}: {rule}"

    @admin.display(description="proposed rule")
    def proposed_rule(self, obj):
        if obj.proposal_rule is None:
            return "none"
        return format_html("<pre>{}</pre>", json.dumps(obj.proposal_rule, indent=2))

    def save_model(self, request, obj, form, change):
        reviewer = Reviewer(user=request.user)
        decision = form.cleaned_data["decision"]
        # The form has written the curator's fields onto obj; the services save them.
        criterion = Criterion.objects.get(pk=obj.pk)
        if decision == "accept":
            criterion_proposal_accept(criterion=criterion, reviewer=reviewer)
        elif decision == "reject":
            criterion_proposal_reject(criterion=criterion, reviewer=reviewer)
        else:
            criterion_rule_edit(
                criterion=criterion,
                rule=form.cleaned_data["rule"],
                patient_text=form.cleaned_data["patient_text"],
                patient_text_es=form.cleaned_data["patient_text_es"],
                reviewer=reviewer,
            )

    def _each(self, request, queryset, decide, verb: str) -> None:
        reviewer = Reviewer(user=request.user)
        done, refused = 0, 0
        for criterion in queryset:
            try:
                decide(criterion=criterion, reviewer=reviewer)
            except ReviewRefused:
                refused += 1
            else:
                done += 1
        message = f"{verb} {done} line(s)."
        if refused:
            message += f" {refused} had no proposal to accept and were left as they were."
        self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Accept the proposals of the selected lines", permissions=["change"])
    def accept_selected(self, request, queryset):
        self._each(request, queryset, criterion_proposal_accept, "Accepted")

    @admin.action(description="Reject the selected lines (no rule)", permissions=["change"])
    def reject_selected(self, request, queryset):
        self._each(request, queryset, criterion_proposal_reject, "Rejected")

    @admin.action(
        description="Accept every pending proposal of the selected lines' trials",
        permissions=["change"],
    )
    def accept_all_of_trials(self, request, queryset):
        reviewer = Reviewer(user=request.user)
        trials = Trial.objects.filter(pk__in=queryset.values("trial_id"))
        count = sum(trial_proposals_accept_all(trial=t, reviewer=reviewer) for t in trials)
        self.message_user(request, f"Accepted {count} proposal(s).", messages.SUCCESS)


@admin.register(CriterionReview)
class CriterionReviewAdmin(ReadOnlyAdmin):
    """The review audit, for operators: who decided what on which line, and when.

    Append-only (the model refuses updates and deletes): nobody, superusers included, is
    offered a change or a delete here, so a delete URL answers 403 and the list has no
    "delete selected" action. (No change and no add: :class:`ReadOnlyAdmin`.)
    """

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = [
        "at",
        "actor_label",
        "nct_id",
        "kind",
        "action",
        "line_short",
        "rule_after",
        "criteria_version",
    ]
    list_filter = ["action", "kind"]
    search_fields = ["trial__nct_id", "line", "actor_label"]
    list_select_related = ["trial"]

    class Media:
        css = {"all": ["eligibility/admin_review.css"]}

    @admin.display(description="trial", ordering="trial__nct_id")
    def nct_id(self, obj):
        return obj.trial.nct_id

    @admin.display(description="line")
    def line_short(self, obj):
        return Truncator(obj.line).chars(120)
