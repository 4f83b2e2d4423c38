"""The trial catalog: trials, their treatment groups (arms) and interventions.

Vocabularies follow ClinicalTrials.gov's API v2 enums so imported records need no
translation table. Sites live in the ``sites`` app; criteria in ``eligibility``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from finder.conditions import condition_search_text


class OverallStatus(models.TextChoices):
    RECRUITING = "RECRUITING", _("Recruiting")
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", _("Not yet recruiting")
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", _("Enrolling by invitation")
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", _("Active, not recruiting")
    SUSPENDED = "SUSPENDED", _("Suspended")
    TERMINATED = "TERMINATED", _("Terminated")
    COMPLETED = "COMPLETED", _("Completed")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    AVAILABLE = "AVAILABLE", _("Available")
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE", _("No longer available")
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE", _("Temporarily not available")
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING", _("Approved for marketing")
    WITHHELD = "WITHHELD", _("Withheld")
    UNKNOWN = "UNKNOWN", _("Unknown status")


class Phase(models.TextChoices):
    NA = "NA", _("Not applicable")
    EARLY_PHASE1 = "EARLY_PHASE1", _("Early phase 1")
    PHASE1 = "PHASE1", _("Phase 1")
    PHASE2 = "PHASE2", _("Phase 2")
    PHASE3 = "PHASE3", _("Phase 3")
    PHASE4 = "PHASE4", _("Phase 4")


class StudyType(models.TextChoices):
    INTERVENTIONAL = "INTERVENTIONAL", _("Interventional")
    OBSERVATIONAL = "OBSERVATIONAL", _("Observational")
    EXPANDED_ACCESS = "EXPANDED_ACCESS", _("Expanded access")


class Sex(models.TextChoices):
    ALL = "ALL", _("Any")
    FEMALE = "FEMALE", _("Female")
    MALE = "MALE", _("Male")


class TimeReimbursement(models.TextChoices):
    NONE = "", _("Not stated")
    VARIES = "VARIES", _("Varies")
    PAID = "PAID", _("Paid")
    UNPAID = "UNPAID", _("Not paid")


class Trial(models.Model):
    nct_id = models.CharField(_("NCT id"), max_length=11, unique=True)
    acronym = models.CharField(max_length=64, blank=True)
    brief_title = models.CharField(max_length=500)
    official_title = models.TextField(blank=True)
    summary = models.TextField(_("brief summary"), blank=True)
    description = models.TextField(_("detailed description"), blank=True)
    conditions = models.JSONField(default=list, blank=True)
    # Conditions, keywords and MeSH terms normalised, then the concepts they name
    # (finder.conditions); what every condition search matches against.
    condition_search = models.TextField(blank=True, editable=False)
    keywords = models.JSONField(default=list, blank=True)
    mesh_conditions = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The registry's MeSH terms for the conditions ([{id, term}])"),
    )
    mesh_ancestors = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The broader MeSH headings of those terms ([{id, term}])"),
    )
    phases = models.JSONField(default=list, blank=True, help_text=_("ClinicalTrials.gov phases"))
    overall_status = models.CharField(
        max_length=32, choices=OverallStatus.choices, default=OverallStatus.UNKNOWN, db_index=True
    )
    study_type = models.CharField(max_length=32, choices=StudyType.choices, blank=True)
    sponsor = models.CharField(_("lead sponsor"), max_length=300, blank=True)
    collaborators = models.JSONField(default=list, blank=True)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    enrollment_type = models.CharField(max_length=16, blank=True)
    minimum_age_years = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    maximum_age_years = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.ALL)
    healthy_volunteers = models.BooleanField(null=True, blank=True)
    eligibility_text = models.TextField(_("eligibility criteria as registered"), blank=True)
    start_date = models.CharField(max_length=10, blank=True)
    completion_date = models.CharField(max_length=10, blank=True)
    last_update_posted = models.DateField(null=True, blank=True)
    registry_checked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        # Indexed: every search page shows the latest one (MAX reads the index's end).
        db_index=True,
        help_text=_(
            "When a sync last confirmed this record against ClinicalTrials.gov (fetched, or "
            "not changed there since the sync before)"
        ),
    )
    record_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "What the last import wrote, by content: the same record (and the same criteria "
            "reader) again changes nothing"
        ),
    )

    # Patient-facing facts (seed 000 shows them; curators set them).
    has_placebo_group = models.BooleanField(null=True, blank=True)
    is_pivotal = models.BooleanField(_("pivotal trial"), default=False)
    travel_may_be_covered = models.BooleanField(default=False)
    time_reimbursement = models.CharField(
        max_length=8, choices=TimeReimbursement.choices, blank=True, default=""
    )
    waitlist_available = models.BooleanField(default=False)
    prior_safety_data = models.BooleanField(default=False)
    spots_left = models.PositiveIntegerField(null=True, blank=True)
    spots_left_by = models.DateField(null=True, blank=True)
    sites_are_illustrative = models.BooleanField(
        default=False, help_text=_("The site list is a demonstration, not the real one.")
    )

    # Bumped by eligibility.services on every change to this trial's criteria.
    criteria_version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["nct_id"]
        indexes = [models.Index(fields=["overall_status", "nct_id"])]

    def __str__(self) -> str:
        return f"{self.nct_id} {self.acronym or self.brief_title[:60]}"

    def save(self, *args, **kwargs):
        self.condition_search = build_condition_search(
            self.conditions, self.keywords, mesh=[*self.mesh_conditions, *self.mesh_ancestors]
        )
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return self.brief_title

    @property
    def phase_label(self) -> str:
        labels = dict(Phase.choices)
        return " / ".join(str(labels.get(p, p)) for p in self.phases if p != Phase.NA)

    @property
    def is_recruiting(self) -> bool:
        return self.overall_status == OverallStatus.RECRUITING


def build_condition_search(conditions, keywords, *, mesh=()) -> str:
    """The text condition searches match against (``finder.conditions``): the terms
    normalised, then the concept tags they name. ``mesh`` holds ``{"id", "term"}`` dicts."""
    mesh_terms = [m.get("term", "") for m in mesh or () if isinstance(m, dict)]
    terms = [str(t) for t in [*(conditions or []), *(keywords or []), *mesh_terms]]
    return condition_search_text(terms)


class ArmType(models.TextChoices):
    EXPERIMENTAL = "EXPERIMENTAL", _("Experimental treatment")
    ACTIVE_COMPARATOR = "ACTIVE_COMPARATOR", _("Active control")
    PLACEBO_COMPARATOR = "PLACEBO_COMPARATOR", _("Placebo")
    SHAM_COMPARATOR = "SHAM_COMPARATOR", _("Sham")
    NO_INTERVENTION = "NO_INTERVENTION", _("No intervention")
    OTHER = "OTHER", _("Other")


class Arm(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms")
    label = models.CharField(max_length=300)
    type = models.CharField(max_length=32, choices=ArmType.choices, blank=True)
    description = models.TextField(_("dosing description"), blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["trial", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "label"], name="arm_unique_label_per_trial")
        ]

    def __str__(self) -> str:
        return self.label


class Intervention(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="interventions")
    type = models.CharField(max_length=32, blank=True)  # DRUG, BIOLOGICAL, DEVICE, ...
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    other_names = models.JSONField(default=list, blank=True)
    arms = models.ManyToManyField(Arm, related_name="interventions", blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["trial", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "type", "name"], name="intervention_unique_per_trial"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RegistrySyncState(models.Model):
    """When the last complete sync of a condition ran: one row per condition synced.

    A sync is complete when it fetched every study the registry changed for the condition
    since the complete sync before (no status filter, no page limit, no failure, starting
    no later than that one's day). The next changed-since fetch starts from here, never
    from a partial run's per-trial ``Trial.registry_checked_at``: a partial run does not
    show a trial that left the statuses it asked for.
    """

    #: The condition as synced, lower-cased with single spaces ("multiple sclerosis").
    condition = models.CharField(max_length=200, unique=True)
    #: When the complete sync started (its fetch saw everything posted before then).
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.condition}: complete sync at {self.completed_at:%Y-%m-%d %H:%M}"
