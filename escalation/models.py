"""Professional disagreements (inter-agency escalation).

Recorded here from the front door's feedback letter, so that a referrer's disagreement is never
lost. The clock engine and the escalation ladder (issue 5) build on these rows: `stage` is the
rung of the ladder of seeds/002_e74bac9fb9e25764.txt the disagreement has reached.
"""

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse

from escalation.choices import ClockKind, ClockState, DisagreementState


class Disagreement(models.Model):
    contact = models.ForeignKey(
        "referrals.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="disagreements"
    )
    decision = models.ForeignKey(
        "pathways.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="disagreements"
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_by_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_for = models.CharField(
        max_length=200, blank=True, help_text="The referrer, when front-door staff record it for them"
    )
    raised_at = models.DateTimeField()
    position = models.TextField(help_text="Why the decision is thought to be wrong")
    wanted = models.TextField(blank=True, help_text="What the raiser thinks should happen")
    state = models.CharField(max_length=16, choices=DisagreementState.choices, default=DisagreementState.OPEN)
    stage = models.PositiveSmallIntegerField(default=1)
    high_risk = models.BooleanField(default=False, help_text="Resolve within hours, not days")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disagreements_owned",
        help_text="Who answers at the current stage",
    )
    resolution = models.TextField(blank=True)
    decision_changed = models.BooleanField(
        null=True, blank=True, help_text="Whether the original decision changed"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(decision__isnull=False),
                name="disagreement_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"Disagreement D{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("escalation:disagreement", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"D{self.pk:06d}"

    @property
    def stage_name(self) -> str:
        from escalation.choices import LADDER

        return LADDER[self.stage]


class LadderContact(models.Model):
    """Who answers at a rung of the ladder for an agency: the local authority's service manager,
    head of service and director, and a partner agency's safeguarding lead (stage 3)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="ladder_contacts")
    stage = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["agency", "stage"]
        constraints = [models.UniqueConstraint(fields=["agency", "stage"], name="ladder_contact_once")]

    def __str__(self) -> str:
        return f"{self.agency}: stage {self.stage}, {self.user}"


class DisagreementEvent(models.Model):
    """The disagreement's history: raised, positions, meetings, stage changes, resolution."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.PROTECT, related_name="events")
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="disagreement_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return self.summary


class Clock(models.Model):
    """A timescale running on something (a contact, a case, a disagreement stage...).

    Only escalation/services.py changes a clock's state, each time with a ClockEvent; the sweep
    (escalation/tasks.py) finds running clocks due soon or overdue through the partial indexes
    below, so its cost follows the clocks that are due, not all clocks.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=32, choices=ClockKind.choices)
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    pathway = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the holder was told it is due soon"
    )
    breached_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Met or cancelled")
    paused_at = models.DateTimeField(null=True, blank=True)
    late_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["due_at"], name="clock_running_due", condition=Q(state=ClockState.RUNNING)),
            models.Index(
                fields=["due_at"],
                name="clock_running_unwarned_due",
                condition=Q(state=ClockState.RUNNING, warned_at__isnull=True),
            ),
            models.Index(fields=["team", "state", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(state__in=[ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED]),
                name="clock_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("started_at")), name="clock_due_after_start"
            ),
        ]
        permissions = [("change_clock_due", "Can move a clock's due time (with a reason)")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M}"


class ClockEvent(models.Model):
    """A clock's history: started, paused, resumed, due time moved, warned, breached, met, cancelled."""

    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="events")
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(name="clock_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return self.summary


class Notification(models.Model):
    """An in-app notification (and email): what, why, by when, and a link to the thing.

    `key` makes each notification happen once: a second sweep racing the first, or a sweep
    re-run after a crash, tries to insert the same key and is ignored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120, unique=True)
    what = models.CharField(max_length=300)
    why = models.CharField(max_length=300)
    due_at = models.DateTimeField(null=True, blank=True)
    url = models.CharField(max_length=300, blank=True)
    statutory = models.BooleanField(default=True, help_text="Statutory notifications cannot be turned off")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["created_at"], name="notification_unemailed", condition=Q(emailed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.what
