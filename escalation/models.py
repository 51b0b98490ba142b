"""The clock engine's rows: clocks on anything (a contact, a case, a plan, a disagreement's stage),
their history, and the notifications they and other apps send.

The engine knows nothing of what it times: owners start and meet clocks through
escalation/services.py, and are told of breaches through the registry in escalation/registry.py."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from config.models import HistoryEvent
from escalation.choices import ClockKind, ClockState, TaskKind, TaskState


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


class ClockEvent(HistoryEvent):
    """A clock's history: started, paused, resumed, due time moved, warned, breached, met, cancelled."""

    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="events")
    detail = models.TextField(blank=True)


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


class Task(models.Model):
    """Something waiting on someone: one row in a work tray. It is for a person (`user`) or for a
    whole team (`team`, when anyone in it may do the work), is about one record (`target`), links to
    the page where the work is done, and takes its due time from the clock timing the wait, when
    there is one. Opened and closed only by the services that start and end the wait."""

    kind = models.CharField(max_length=32, choices=TaskKind.choices)
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    summary = models.CharField(max_length=300, help_text="What to do, naming the record by its reference")
    why = models.CharField(max_length=300, blank=True, help_text="Why it is in this tray")
    url = models.CharField(max_length=300, help_text="The page where the work is done")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clock = models.ForeignKey(Clock, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    due_at = models.DateTimeField(null=True, blank=True, help_text="When there is no clock")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "pk"]
        indexes = [
            models.Index(fields=["user", "state"], name="task_user_state"),
            models.Index(fields=["team", "state"], name="task_team_state"),
            models.Index(fields=["content_type", "object_id", "state"], name="task_target_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) ^ Q(team__isnull=False), name="task_for_a_user_or_a_team"
            ),
            # One open task of a kind per record per person or team: opening it again is a no-op.
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "user"],
                condition=Q(state="open", user__isnull=False),
                name="task_open_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "team"],
                condition=Q(state="open", team__isnull=False),
                name="task_open_once_per_team",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def due(self):
        """The clock's due time while it runs, else the task's own (tray() reads it in its query)."""
        if hasattr(self, "due_by"):
            return self.due_by
        return self.clock.due_at if self.clock_id and self.clock.ended_at is None else self.due_at

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.due is not None and self.due < timezone.now()


class TaskEvent(HistoryEvent):
    """A task's history: opened, done, cancelled."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
