"""Decision points, the pathway history of a case, and the referral packages decisions create.

Pathway state machine: pathways.choices.PATHWAY_TRANSITIONS. A case's `pathway` changes only in
pathways/services.py, by a recorded decision, and each change writes a PathwayTransition and a
chronology entry in the same transaction.
"""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cases.choices import ClosureReason
from config.models import HistoryEvent
from config.visibility import RestrictedQuerySet
from pathways.choices import (
    CLOSING_OUTCOMES,
    OUTCOME_PATHWAY,
    STATUTORY_REQUIREMENT,
    ActionSource,
    ActionStatus,
    DecisionState,
    Outcome,
    PlanKind,
)
from pathways.codes import AbuseCategory, PrimaryNeed, ReferralSource, S47Outcome


class Decision(models.Model):
    """A decision point on the family's assessment: which pathway the family needs now."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="decisions")
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    from_pathway = models.PositiveSmallIntegerField(
        help_text="The case's pathway when the decision was proposed"
    )
    state = models.CharField(max_length=16, choices=DecisionState.choices)
    rationale = models.TextField()
    indicators = models.ManyToManyField(
        "assessments.ThresholdIndicator", blank=True, related_name="decisions"
    )
    family_view = models.TextField("the family's view", blank=True)
    consulted = models.TextField("who was consulted", blank=True)
    closure_reason = models.CharField(max_length=3, choices=ClosureReason.choices, blank=True)
    family_consents_to_share = models.BooleanField(default=False)
    shared_with = models.ManyToManyField(
        "accounts.Agency",
        blank=True,
        related_name="+",
        help_text="Agencies the family agreed may see the referral",
    )
    lawful_basis = models.TextField(
        "lawful reason to share without consent",
        blank=True,
        help_text="Pathway 4 only: why sharing is lawful",
    )
    ecpp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="At pathway 4: the expert CP practitioner who comes alongside the key worker",
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    referral_source = models.CharField(max_length=2, choices=ReferralSource.choices, blank=True)
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        permissions = [
            ("decide_pathway_1", "Can decide for cases up to pathway 1"),
            ("decide_pathway_2", "Can decide for cases up to pathway 2"),
            ("decide_pathway_3", "Can decide for cases up to pathway 3"),
            ("decide_pathway_4", "Can decide for cases at or into pathway 4 (expert CP practitioners)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=DecisionState.PROPOSED, decided_at__isnull=True)
                | ~Q(state=DecisionState.PROPOSED),
                name="decision_proposed_is_undecided",
            ),
            models.CheckConstraint(
                condition=Q(state=DecisionState.RECORDED, decided_by__isnull=False, decided_at__isnull=False)
                | ~Q(state=DecisionState.RECORDED),
                name="decision_recorded_has_decider",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_has_rationale"),
            # Only one proposal waits on a case at a time.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state=DecisionState.PROPOSED),
                name="decision_one_pending_per_case",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="decision_never_deleted", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="decision_final_once_decided",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__state__in=[DecisionState.RECORDED, DecisionState.RETURNED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.get_state_display().lower()})"

    @property
    def to_pathway(self) -> int | None:
        return OUTCOME_PATHWAY.get(self.outcome)

    @property
    def is_closing(self) -> bool:
        return self.outcome in CLOSING_OUTCOMES

    @property
    def level(self) -> int:
        """The pathway level the decision is made at: where the case goes, or where it was when closing."""
        return self.to_pathway or self.from_pathway

    @property
    def statutory_requirement(self) -> str:
        return STATUTORY_REQUIREMENT[self.level]


class PathwayTransition(models.Model):
    """One move of a case along the pathway state machine. Append-only."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="pathway_history")
    from_pathway = models.PositiveSmallIntegerField(null=True, blank=True)
    to_pathway = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty when the case closed"
    )
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="transitions")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(name="transition_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.from_pathway} -> {self.to_pathway or 'closed'}"


class ReferralPackage(models.Model):
    """What travels with the family to the receiving pathway: a frozen, versioned snapshot of the
    assessment so far, shared only as the family agreed (or, at pathway 4, with a lawful reason)."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="referral_package")
    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="referral_packages")
    version = models.PositiveIntegerField()
    to_pathway = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    snapshot = models.JSONField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["family", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="referral_package_version_unique")
        ]
        triggers = [
            pgtrigger.Protect(name="referral_package_frozen", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"Referral package v{self.version} to pathway {self.to_pathway}"


class Plan(models.Model):
    """The support plan of a case. One per case episode: when the pathway changes it continues
    and is re-typed (family support -> child in need -> child protection and back), actions kept."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="plan")
    kind = models.CharField(max_length=24, choices=PlanKind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    children = models.ManyToManyField(
        "cases.Person",
        blank=True,
        related_name="support_plans",
        help_text="The children the plan is for (each child's statutory status is on their episode)",
    )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.case.reference}"

    def get_absolute_url(self) -> str:
        return reverse("pathways:plan", args=[self.case_id])

    @property
    def clock_label(self) -> str:
        return f"plan on case C{self.case_id:06d}"


class PlanChange(HistoryEvent):
    """History of a plan: started, re-typed by a pathway change, reviewed, ended. Append-only."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="changes")
    from_kind = models.CharField(max_length=24, choices=PlanKind.choices, blank=True)
    to_kind = models.CharField(max_length=24, choices=PlanKind.choices, blank=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class PlanOutcome(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="outcomes")
    text = models.TextField(help_text="What will be different for the child and family")
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class PlanAction(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="actions")
    outcome = models.ForeignKey(
        PlanOutcome, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    what = models.TextField()
    who = models.CharField(max_length=200, help_text="Who will do it: a practitioner, the family, an agency")
    by_when = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    source = models.CharField(
        max_length=16,
        choices=ActionSource.choices,
        default=ActionSource.PLAN,
        help_text="The family's own plan from a family group conference joins the plan as its own actions",
    )
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["by_when", "pk"]

    def __str__(self) -> str:
        return self.what[:80]


class PlanReview(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    due_on = models.DateField(null=True, blank=True)
    held_on = models.DateField()
    notes = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]
        triggers = [
            pgtrigger.Protect(name="plan_review_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"Review held {self.held_on:%d %b %Y}"


class CinEpisode(models.Model):
    """A child's episode of need (the CIN census's CINdetails): from the referral that brought the
    family into the pathways that count (settings.CIN_EPISODE_PATHWAYS) to the episode's closure.

    A statutory fact belongs to a child, so it is kept per child while the work is organised
    around the family's case: one family case can hold an episode for each of its children, and
    each closes with its own reason. A child has at most one open episode."""

    child = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="cin_episodes")
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="cin_episodes",
        help_text="The family case the episode is worked on",
    )
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral_date = models.DateField()
    referral_source = models.CharField(max_length=2, choices=ReferralSource.choices, blank=True)
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, blank=True)
    referral_nfa = models.BooleanField("referral closed with no further action", default=False)
    closure_date = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=3, choices=ClosureReason.choices, blank=True)

    class Meta:
        ordering = ["child", "referral_date", "pk"]
        permissions = [("authorise_assessment", "Can authorise a section 17 assessment (a manager)")]
        indexes = [
            models.Index(fields=["referral_date"]),
            models.Index(fields=["closure_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(closure_date__isnull=True),
                name="cin_episode_one_open_per_child",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True) | Q(closure_date__gte=models.F("referral_date")),
                name="cin_episode_closes_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True, closure_reason="")
                | (Q(closure_date__isnull=False) & ~Q(closure_reason="")),
                name="cin_episode_closure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"CIN episode from {self.referral_date:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.closure_date is None


class ChildAssessment(models.Model):
    """A child's section 17 (single) assessment within an episode."""

    episode = models.ForeignKey(CinEpisode, on_delete=models.PROTECT, related_name="assessments")
    started_on = models.DateField()
    authorised_on = models.DateField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factors = ArrayField(models.CharField(max_length=3), default=list, blank=True)

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True) | Q(authorised_on__gte=models.F("started_on")),
                name="child_assessment_authorised_after_start",
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(authorised_on__isnull=True),
                name="child_assessment_one_open_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment started {self.started_on:%d %b %Y}"


class CinPlanPeriod(models.Model):
    """A period in which the child was on a child in need plan."""

    episode = models.ForeignKey(CinEpisode, on_delete=models.PROTECT, related_name="cin_plans")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"], condition=Q(ended_on__isnull=True), name="cin_plan_one_open_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="cin_plan_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Child in need plan from {self.started_on:%d %b %Y}"


class Section47(models.Model):
    """One section 47 enquiry about a child: an episode can hold several, each with its own
    initial child protection conference target, and a conference date or 'not required'."""

    episode = models.ForeignKey(CinEpisode, on_delete=models.PROTECT, related_name="section47s")
    started_on = models.DateField("strategy discussion / s47 start")
    icpc_target = models.DateField()
    outcome = models.CharField(max_length=16, choices=S47Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    icpc_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"
        constraints = [
            models.UniqueConstraint(
                fields=["episode"], condition=Q(outcome=""), name="section47_one_open_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(icpc_date__isnull=True) | Q(outcome=S47Outcome.HOLD_ICPC),
                name="section47_icpc_follows_decision_to_hold",
            ),
            models.CheckConstraint(
                condition=Q(icpc_date__isnull=True) | Q(icpc_date__gte=models.F("started_on")),
                name="section47_icpc_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Section 47 enquiry from {self.started_on:%d %b %Y}"

    @property
    def icpc_not_required(self) -> bool:
        """The census's ICPCnotRequired: the enquiry ended without deciding to hold a conference."""
        return bool(self.outcome) and self.outcome != S47Outcome.HOLD_ICPC


class CpPlan(models.Model):
    """A child's child protection plan: it starts on the day of the conference that decided it."""

    episode = models.ForeignKey(CinEpisode, on_delete=models.PROTECT, related_name="cp_plans")
    section47 = models.OneToOneField(
        Section47, null=True, blank=True, on_delete=models.PROTECT, related_name="cp_plan"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    initial_category = models.CharField(max_length=3, choices=AbuseCategory.choices)
    latest_category = models.CharField(max_length=3, choices=AbuseCategory.choices)
    previous_plans = models.PositiveSmallIntegerField(
        "number of previous child protection plans",
        default=0,
        help_text="Plans the child was subject to before this one, here or in another authority",
    )

    class Meta:
        ordering = ["episode", "started_on", "pk"]
        verbose_name = "child protection plan"
        constraints = [
            models.UniqueConstraint(
                fields=["episode"], condition=Q(ended_on__isnull=True), name="cp_plan_one_open_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="cp_plan_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Child protection plan from {self.started_on:%d %b %Y}"


class CpCategoryChange(models.Model):
    """The history of a child protection plan's category of abuse. Append-only."""

    cp_plan = models.ForeignKey(CpPlan, on_delete=models.PROTECT, related_name="category_changes")
    from_category = models.CharField(max_length=3, choices=AbuseCategory.choices, blank=True)
    to_category = models.CharField(max_length=3, choices=AbuseCategory.choices)
    on = models.DateField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "pk"]
        triggers = [
            pgtrigger.Protect(name="cp_category_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.from_category or 'start'} -> {self.to_category}"


class CpReview(models.Model):
    """A review conference of a child's child protection plan (the census's CPPreviewDate)."""

    cp_plan = models.ForeignKey(CpPlan, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    plan_review = models.ForeignKey(
        PlanReview, null=True, blank=True, on_delete=models.PROTECT, related_name="cp_reviews"
    )

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["cp_plan", "held_on"], name="cp_review_once_a_day")]
        triggers = [
            pgtrigger.Protect(name="cp_review_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"Review conference {self.held_on:%d %b %Y}"


class Supervision(models.Model):
    """A manager's case supervision with a practitioner: what was discussed and the management
    direction. Append-only: the manager's words are never edited (the practitioner answers with a
    reflection of their own). Recorded only by pathways/services.py supervision_record."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="supervisions")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervisions_received",
        help_text="The worker supervised",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervisions_given",
        help_text="The manager who supervised and recorded it",
    )
    held_on = models.DateField()
    children = models.ManyToManyField(
        "cases.Person", related_name="supervisions", help_text="The children discussed"
    )
    what_changed = models.TextField("what has changed", blank=True)
    child_voice = models.TextField("the child's voice and direct work seen", blank=True)
    plan_progress = models.TextField("the plan's progress", blank=True)
    discussion = models.TextField()
    direction = models.TextField("management direction")
    recorded_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        permissions = [("record_supervision", "Can record case supervision (a manager of the case's team)")]
        indexes = [models.Index(fields=["case", "-held_on"])]
        constraints = [
            models.CheckConstraint(condition=~Q(discussion=""), name="supervision_has_discussion"),
            models.CheckConstraint(condition=~Q(direction=""), name="supervision_has_direction"),
            models.CheckConstraint(
                condition=~Q(practitioner=models.F("manager")), name="supervision_not_of_oneself"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="supervision_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pathways:supervision", args=[self.pk])


class SupervisionAction(models.Model):
    """An action set in supervision: what, who owns it, by when. A task in the owner's tray until
    it is marked done (supervision_action_done)."""

    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT, related_name="actions")
    what = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_when = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["by_when", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(what=""), name="supervision_action_says_what"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="supervision_action_done_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.what[:80]

    def get_absolute_url(self) -> str:
        return reverse("pathways:supervision", args=[self.supervision_id])

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class SupervisionReflection(models.Model):
    """The supervised practitioner's own reflection on a supervision. Append-only."""

    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT, related_name="reflections")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="supervision_reflection_has_text")]
        triggers = [
            pgtrigger.Protect(
                name="supervision_reflection_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"Reflection of {self.recorded_at:%d %b %Y}"
