"""Family group conferences: a referral from a case to the FGC service (with the family's consent),
the conference, the family's own plan (which joins the case's plan as its own actions) and its
review.

State machine: fgc.choices.FGC_TRANSITIONS (referred -> accepted -> conference held -> plan agreed
-> reviewed -> closed; referred -> declined; any open state -> withdrawn). A referral changes state
only in fgc/services.py, and each change writes an FgcEvent (and, where it matters to the family, a
chronology entry) in the same transaction.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from config.models import HistoryEvent
from config.visibility import RestrictedQuerySet
from fgc.choices import OPEN_STATES, FgcState, PlanWorking


class FgcReferral(models.Model):
    """One referral of a family, from one of its cases, to the family group conference service."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="fgc_referrals")
    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="fgc_referrals")
    children = models.ManyToManyField("cases.Person", related_name="fgc_referrals")
    consent = models.ForeignKey("stepdown.Consent", on_delete=models.PROTECT, related_name="fgc_referrals")
    service = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The family group conference service team the referral went to",
    )
    reason = models.TextField("what the family wants help with")
    state = models.CharField(max_length=20, choices=FgcState.choices, default=FgcState.REFERRED)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField()
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    involvement = models.ForeignKey(
        "cases.Involvement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The coordinator's involvement with the family, ended when the referral ends",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(blank=True)
    withdrawn_reason = models.TextField(blank=True)
    plan_agreed_on = models.DateField("the family's plan agreed on", null=True, blank=True)
    plan_actions = models.ManyToManyField(
        "pathways.PlanAction",
        blank=True,
        related_name="+",
        help_text="The family's own plan, as actions in the case's plan",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it closed, was declined or withdrawn"
    )
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_at", "-pk"]
        permissions = [("coordinate_fgc", "Can coordinate family group conferences")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state__in=OPEN_STATES), name="fgc_one_open_referral_per_case"
            ),
            models.CheckConstraint(
                condition=Q(state=FgcState.REFERRED)
                | Q(state__in=[FgcState.DECLINED, FgcState.WITHDRAWN])
                | Q(coordinator__isnull=False),
                name="fgc_taken_up_has_coordinator",
            ),
        ]
        triggers = [pgtrigger.Protect(name="fgc_referral_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"Family group conference referral {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("fgc:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"FG{self.pk:06d}" if self.pk else "FG(new)"

    @property
    def clock_label(self) -> str:
        return f"family group conference referral {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class FgcEvent(HistoryEvent):
    """History of a referral. Append-only."""

    referral = models.ForeignKey(FgcReferral, on_delete=models.PROTECT, related_name="events")
    state = models.CharField(max_length=20, choices=FgcState.choices)
    detail = models.TextField(blank=True)


class FgcConference(models.Model):
    """The conference: when, who came, and whether the family had its private time."""

    referral = models.ForeignKey(FgcReferral, on_delete=models.PROTECT, related_name="conferences")
    held_on = models.DateField()
    attendees = models.TextField("who came", help_text="Family members, friends and professionals who came")
    attendee_count = models.PositiveSmallIntegerField("how many came")
    family_private_time = models.BooleanField(
        "the family had private time",
        help_text="Time for the family alone, without professionals, to make its plan",
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "pk"]
        triggers = [pgtrigger.Protect(name="fgc_conference_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"Family group conference on {self.held_on:%d %b %Y}"


class FgcReview(models.Model):
    """The review of the family's plan: is it working?"""

    referral = models.ForeignKey(FgcReferral, on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    plan_working = models.CharField("is the family's plan working", max_length=8, choices=PlanWorking.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "pk"]
        triggers = [pgtrigger.Protect(name="fgc_review_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"Review of the family's plan on {self.held_on:%d %b %Y}"
