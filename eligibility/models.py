"""Criteria (rules stored as JSON) and anonymous screenings.

Persistence only: evaluation lives in ``eligibility.engine`` (plain Python) and the
writes that keep ``Trial.criteria_version`` in step live in ``eligibility.services``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedJSONField

from .engine.rules import is_partial


class CriterionKind(models.TextChoices):
    INCLUSION = "inclusion", _("Inclusion")
    EXCLUSION = "exclusion", _("Exclusion")


class CriterionSource(models.TextChoices):
    CURATED = "curated", _("Written by a curator")
    REGISTRY = "registry", _("Derived from the registry's structured fields")
    LINE = "line", _("A line of the registered eligibility criteria")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Proposal accepted")
    EDITED = "edited", _("Rule written or edited by a curator")
    REJECTED = "rejected", _("No rule: the study team checks it")
    DERIVED = "derived", _("Rule from the registry's structured fields")


class Criterion(models.Model):
    """One criterion of a trial: a registered line, a curated criterion, or a rule derived
    from the registry's structured fields that matches no line.

    ``rule`` is the live rule; without one the criterion is ``not_checked`` (the study
    team checks it). A registered line keeps its text as the registry wrote it in
    ``clinical_text`` and a hash of it in ``line_hash`` (how a re-import recognises an
    unchanged line); ``patient_text`` is empty until a reviewed rule brings plain words.

    The criteria reader's proposal for a line is kept beside it (``proposal_*``, with the
    pattern, the reader's reason and its version) and is not live until a curator accepts
    it (``review_status``); every decision is recorded in :class:`CriterionReview`.
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
    line_added_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When this registered wording first came in")
    )
    proposal_rule = models.JSONField(null=True, blank=True)
    proposal_patient_text = models.TextField(blank=True)
    proposal_patient_text_es = models.TextField(blank=True)
    proposal_pattern = models.CharField(max_length=120, blank=True)
    proposal_reason = models.TextField(
        blank=True, help_text=_("Why the reader proposed this rule, or why it proposed none")
    )
    reader_version = models.CharField(max_length=20, blank=True)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
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

    @property
    def is_partly_checked(self) -> bool:
        """A live rule that reads only part of the line (``{"partial": ...}``)."""
        return is_partial(self.rule)

    @property
    def has_proposal(self) -> bool:
        return self.proposal_rule is not None


class LineReview(Criterion):
    """The registered lines, as the curators' review queue shows them (a proxy)."""

    class Meta:
        proxy = True
        verbose_name = "registered line to review"
        verbose_name_plural = "registered lines to review"


class ReviewAction(models.TextChoices):
    ACCEPT = "accept", _("Accepted the proposal")
    ACCEPT_ALL = "accept_all", _("Accepted with every pending proposal of the trial")
    EDIT = "edit", _("Wrote or edited the rule")
    REJECT = "reject", _("Rejected: no rule")


class CriterionReviewQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The review audit is append-only.")

    def delete(self):
        raise PermissionError("The review audit is append-only.")


class CriterionReview(models.Model):
    """One curator decision on one registered line: who, when, the line, the rule before and
    after. Append-only, like the referral audit; it outlives the criterion (a line that
    leaves the registry keeps its history here)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text=_("user name or command"))
    trial = models.ForeignKey("finder.Trial", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    line = models.TextField(help_text=_("The registered line as it read when decided"))
    line_hash = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=10, choices=ReviewAction.choices)
    rule_before = models.JSONField(null=True, blank=True)
    rule_after = models.JSONField(null=True, blank=True)
    patient_text_after = models.TextField(blank=True)
    patient_text_es_after = models.TextField(blank=True)
    proposal_pattern = models.CharField(max_length=120, blank=True)
    reader_version = models.CharField(max_length=20, blank=True)
    criteria_version = models.PositiveIntegerField(
        help_text=_("The trial's criteria version the decision made")
    )

    objects = CriterionReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.trial_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The review audit is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The review audit is append-only.")


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    POSSIBLY_ELIGIBLE = "possibly_eligible", _("Possibly eligible")
    INELIGIBLE = "ineligible", _("Not eligible")


class Screening(models.Model):
    """One evaluation of one set of answers against one trial. No name or contact in it.

    The answers are health data (a diagnosis, an EDSS, treatments, the full birth date,
    which re-evaluation on a later day needs), and the results quote them (facts used,
    explanations), so both are encrypted at rest (:class:`~privacy.fields.EncryptedJSONField`,
    the keys and rotation of the contact details) and can be neither filtered nor ordered
    on. A screening no referral points at is erased once the patient's session cannot need
    it any more (``services.screenings_erase_expired``); a referred one stays, and loses
    its answers (and its results' outcomes) when its referral is erased after the
    retention period (``referrals.services.referral_contacts_erase``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trial = models.ForeignKey("finder.Trial", on_delete=models.CASCADE, related_name="screenings")
    answers = EncryptedJSONField(default=dict)
    results = EncryptedJSONField(default=list, help_text=_("Per-criterion status and facts used"))
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
    results = EncryptedJSONField(default=list)  # quotes the answers, like the screening's
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
