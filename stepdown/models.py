"""Consent, step-downs with their history, the monthly audit sample, and drift review sets.

State machine: stepdown.choices.STEPDOWN_TRANSITIONS. A step-down changes state only in
stepdown/services.py, and each change writes a StepDownEvent (and, where it matters to the family,
a chronology entry) in the same transaction.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from config.models import HistoryEvent
from config.visibility import RestrictedQuerySet
from stepdown.choices import (
    OPEN_STATES,
    AuditRating,
    ConsentCapacity,
    ConsentMethod,
    HubAction,
    ReviewOutcome,
    Route,
    SampleKind,
    StepDownState,
)


class Consent(models.Model):
    """A family's consent, as given: who, to what, how, when; and its withdrawal. Never deleted;
    once withdrawn, final."""

    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="consents")
    given_by = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="consents_given")
    capacity = models.CharField(max_length=16, choices=ConsentCapacity.choices)
    early_help = models.BooleanField(
        "to step down to early help", default=False, help_text="Support continues from early help"
    )
    share_with = models.ManyToManyField(
        "accounts.Agency",
        blank=True,
        related_name="+",
        verbose_name="share the assessment with",
        help_text="Agencies that may see the assessment (for a team around the family or the MASG)",
    )
    referral_agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="referral to a single agency",
    )
    family_group_conference = models.BooleanField(
        "to a family group conference",
        default=False,
        help_text="The family agrees to be referred to the family group conference service",
    )
    method = models.CharField("how it was given", max_length=16, choices=ConsentMethod.choices)
    recorded_where = models.CharField(
        max_length=300, help_text="Where the consent is recorded: e.g. signed form on file, CIN meeting notes"
    )
    given_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_note = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_on__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_on__isnull=False),
                name="consent_withdrawal_complete",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="consent_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="consent_final_once_withdrawn",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__withdrawn_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.reference} from {self.given_by}"

    @property
    def reference(self) -> str:
        return f"CN{self.pk:06d}" if self.pk else "CN(new)"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    def purposes(self) -> list[str]:
        """What it covers, in words (uses prefetched agencies where given)."""
        said = []
        if self.early_help:
            said.append("step-down to early help")
        agencies = [agency.name for agency in self.share_with.all()]
        if agencies:
            said.append("sharing the assessment with " + ", ".join(sorted(agencies)))
        if self.referral_agency_id:
            said.append(f"a referral to {self.referral_agency}")
        if self.family_group_conference:
            said.append("a family group conference")
        return said


class StepDown(models.Model):
    """One step-down of a family from social care to early help, along one of the routes of 004."""

    route = models.CharField(max_length=16, choices=Route.choices)
    state = models.CharField(max_length=20, choices=StepDownState.choices)
    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="step_downs")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="step_downs"
    )
    contact = models.ForeignKey(
        "referrals.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="step_downs"
    )
    rationale = models.TextField(help_text="Why early help, not social care, is right for the family now")
    needs = models.TextField("needs identified for early help")
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="step_downs"
    )
    receiving_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cin_meeting_on = models.DateField("CIN meeting held on", null=True, blank=True)
    agreement = models.TextField("agreement recorded at the CIN meeting", blank=True)
    panel_on = models.DateField("MASG panel held on", null=True, blank=True)
    panel_resources = models.TextField("resources the panel agreed", blank=True)
    hub_action = models.CharField(max_length=16, choices=HubAction.choices, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    decision = models.ForeignKey(
        "pathways.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="step_downs"
    )
    shared_at = models.DateTimeField(
        null=True, blank=True, help_text="When the referral package travelled to the receiving team or agency"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    taken_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When the lead professional said they had taken the family up"
    )
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        permissions = [
            ("approve_stepdown", "Can approve or return step-downs (team managers)"),
            ("view_stepdown_audit", "Can read the monthly step-down and step-up audit"),
            ("record_audit_finding", "Can record case audit findings"),
        ]
        indexes = [models.Index(fields=["state", "completed_at"])]
        constraints = [
            # "Twice at once": one step-down in progress per case and per contact.
            models.UniqueConstraint(
                fields=["case"], condition=Q(state__in=OPEN_STATES), name="stepdown_one_open_per_case"
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(state__in=OPEN_STATES), name="stepdown_one_open_per_contact"
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(contact__isnull=False), name="stepdown_has_a_source"
            ),
            models.CheckConstraint(
                condition=~Q(state=StepDownState.COMPLETED) | Q(completed_at__isnull=False),
                name="stepdown_completed_has_time",
            ),
        ]
        triggers = [pgtrigger.Protect(name="stepdown_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"Step-down {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("stepdown:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"SD{self.pk:06d}" if self.pk else "SD(new)"

    @property
    def clock_label(self) -> str:
        return f"step-down {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def outcome_wording(self) -> str:
        return Route(self.route).outcome_wording


class StepDownEvent(HistoryEvent):
    """History of a step-down. Append-only."""

    step_down = models.ForeignKey(StepDown, on_delete=models.PROTECT, related_name="events")
    state = models.CharField(max_length=20, choices=StepDownState.choices)
    detail = models.TextField(blank=True)


class AuditSample(models.Model):
    """The month's random sample of step-downs and step-ups for case audit (seeds/003_…, 5.8)."""

    month = models.DateField(unique=True, help_text="The first day of the month audited")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField()
    population = models.PositiveIntegerField(help_text="How many step-downs and step-ups it was drawn from")

    class Meta:
        ordering = ["-month"]
        triggers = [
            pgtrigger.Protect(name="audit_sample_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"Audit sample for {self.month:%B %Y}"


class AuditSampleItem(models.Model):
    """One case in the sample, and the auditor's findings once recorded (then final)."""

    sample = models.ForeignKey(AuditSample, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=16, choices=SampleKind.choices)
    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="+")
    step_down = models.ForeignKey(StepDown, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    transition = models.ForeignKey(
        "pathways.PathwayTransition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=24, choices=AuditRating.choices, blank=True)
    findings = models.TextField(blank=True)
    learning = models.TextField("learning for the workforce", blank=True)
    audited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=SampleKind.STEP_DOWN, step_down__isnull=False)
                | Q(kind=SampleKind.STEP_UP, transition__isnull=False),
                name="audit_item_points_at_its_kind",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="audit_item_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="audit_item_final_once_audited",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__audited_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of family F{self.family_id}"


class ReviewSet(models.Model):
    """A set of drifting cases a manager reviews together, as Stockton audited every open CIN case:
    each gets an outcome (ReviewItem). It closes when the last outcome is recorded."""

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("review_drift", "Can review drifting cases and keep review sets")]
        triggers = [pgtrigger.Protect(name="review_set_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("stepdown:review-set", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"RS{self.pk:05d}" if self.pk else "RS(new)"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ReviewItem(models.Model):
    """One case in a review set: why it was drifting when it was added, and its outcome once decided
    (then final). Waiting (no outcome) -> continued | stepped down | closed | escalated; history in
    ReviewItemEvent. A step-down outcome points at the step-down it proposed."""

    review_set = models.ForeignKey(ReviewSet, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_items")
    reasons = models.JSONField(default=list, help_text="The drift reasons when added: [{code, text}]")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    step_down = models.ForeignKey(
        StepDown, null=True, blank=True, on_delete=models.PROTECT, related_name="review_items"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["review_set", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review_set", "case"], name="review_item_case_once_per_set"),
            models.CheckConstraint(
                condition=Q(outcome="", decided_at__isnull=True)
                | (~Q(outcome="") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="review_item_outcome_complete",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ReviewOutcome.STEP_DOWN) | Q(step_down__isnull=False),
                name="review_item_step_down_linked",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="review_item_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="review_item_final_once_decided",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__decided_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Case C{self.case_id:06d} in {self.review_set}"

    @property
    def is_waiting(self) -> bool:
        return not self.outcome


class ReviewItemEvent(HistoryEvent):
    """History of a review item: added to the set, its outcome recorded. Append-only."""

    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="events")
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    detail = models.TextField(blank=True)
