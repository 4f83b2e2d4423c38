"""Criteria (rules stored as JSON) and anonymous screenings.

Persistence only: evaluation lives in ``eligibility.engine`` (plain Python) and the
writes that keep ``Trial.criteria_version`` in step live in ``eligibility.services``.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class CriterionKind(models.TextChoices):
    INCLUSION = "inclusion", _("Inclusion")
    EXCLUSION = "exclusion", _("Exclusion")


class CriterionSource(models.TextChoices):
    CURATED = "curated", _("Written by a curator")
    REGISTRY = "registry", _("Derived from the registry's structured fields")
    LINE = "line", _("A line of the registered eligibility criteria")


class Criterion(models.Model):
    """One criterion of a trial: a registered line, a curated criterion, or a rule derived
    from the registry's structured fields that matches no line.

    ``rule`` is the live rule; without one the criterion is ``not_checked`` (the study
    team checks it). A registered line keeps its text as the registry wrote it in
    ``clinical_text`` and a hash of it in ``line_hash`` (how a re-import recognises an
    unchanged line); ``patient_text`` is empty until a reviewed rule brings plain words.
    """

    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    order = models.PositiveIntegerField(default=0)
    clinical_text = models.TextField(_("registered clinical text"), blank=True)
    patient_text = models.TextField(_("patient-facing text (English)"), blank=True)
    patient_text_es = models.TextField(_("patient-facing text (Spanish)"), blank=True)
    rule = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "The rule in the criteria language (see docs/rules.md); empty: the study team "
            "checks this criterion."
        ),
    )
    source = models.CharField(
        max_length=10, choices=CriterionSource.choices, default=CriterionSource.CURATED
    )
    line_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trial", "kind", "order", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "kind", "order"], name="criterion_unique_order_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order}: {self.text_for('en')[:60]}"

    def text_for(self, lang: str) -> str:
        """Plain words for patients in ``lang``; the registered text when there are none."""
        if lang.startswith("es") and self.patient_text_es:
            return self.patient_text_es
        return self.patient_text or self.clinical_text

    @property
    def is_checked(self) -> bool:
        return self.rule is not None


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    POSSIBLY_ELIGIBLE = "possibly_eligible", _("Possibly eligible")
    INELIGIBLE = "ineligible", _("Not eligible")


class Screening(models.Model):
    """One evaluation of one set of answers against one trial. No identity in it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="screenings")
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=list, help_text=_("Per-criterion status and facts used"))
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    criteria_version = models.PositiveIntegerField()
    evaluated_on = models.DateField(help_text=_("The date ages were computed for"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Screening {self.id} ({self.verdict})"


class ScreeningReevaluation(models.Model):
    """A re-run of a screening after its trial's criteria changed."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="reevaluations")
    criteria_version = models.PositiveIntegerField()
    previous_verdict = models.CharField(max_length=20, choices=Verdict.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    results = models.JSONField(default=list)
    changed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "criteria_version"], name="reevaluation_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.screening_id} v{self.criteria_version}: {self.verdict}"
