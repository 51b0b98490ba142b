"""The access log: every read of a child's or family's record. Append-only, refused at the
database level (a trigger), written with one INSERT per request however many records it read."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.choices import ExportState, RecordType, RestrictionCategory, RestrictionEventKind, Via


class AccessLogEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    record_id = models.PositiveBigIntegerField()
    family_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The family the record belongs to"
    )
    route = models.CharField(max_length=200, help_text="The page or API route, not the full URL")
    method = models.CharField(max_length=8)
    via = models.CharField(max_length=8, choices=Via.choices)
    reason = models.TextField(blank=True, help_text="Why, where a reason was asked for")
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Of an exported file, to verify a printed copy"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "access log entries"
        indexes = [
            models.Index(fields=["family_id", "at"]),
            models.Index(fields=["record_type", "record_id", "at"]),
            models.Index(fields=["user", "at"]),
        ]
        permissions = [("view_access_log", "Can search and export the access log")]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.record_type} {self.record_id} at {self.at:%Y-%m-%d %H:%M}"


class ChronologyExport(models.Model):
    """An auditor's PDF chronology of a family (or one child in it), made by a Celery task.

    `key` identifies the request (who, what, which range, which kinds): an identical request while
    one is queued or running gets that one back instead of starting another."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey("cases.Family", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date_from = models.DateField()
    date_to = models.DateField()
    kinds = ArrayField(
        models.CharField(max_length=32), blank=True, default=list, help_text="Empty: every kind"
    )
    key = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent")
    entries = models.PositiveIntegerField(default=0)
    left_out = models.PositiveIntegerField(default=0, help_text="Entries the requester may not see")
    file_path = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [("export_chronology", "Can export PDF chronologies")]

    def __str__(self) -> str:
        return f"Chronology export {self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("audit:export", args=[self.pk])

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at


class Restriction(models.Model):
    """A person's or family's record that only named users open (high-profile, a member of staff's
    family, adoption). It passes down to everything that hangs off the record: the family's cases,
    assessment, notes, plans and chronology; a restricted person restricts every family they are
    in. Anyone else who could otherwise see the record sees only that a restricted record exists,
    and may break glass with a reason (`BreakGlass`)."""

    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    category = models.CharField(max_length=16, choices=RestrictionCategory.choices)
    reason = models.TextField(help_text="Why the record is restricted, for the people named on it")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-marked_at", "-pk"]
        permissions = [("restrict_record", "Can restrict a person's or family's record")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(family__isnull=False, person__isnull=True)
                | models.Q(family__isnull=True, person__isnull=False),
                name="restriction_family_or_person",
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(lifted_at__isnull=True, family__isnull=False),
                name="one_live_restriction_per_family",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True, person__isnull=False),
                name="one_live_restriction_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Restriction R-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("audit:restriction", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.lifted_at is None

    @property
    def record_type(self) -> str:
        return RecordType.FAMILY if self.family_id else RecordType.PERSON

    @property
    def record_id(self) -> int:
        return self.family_id or self.person_id


class RestrictionAccess(models.Model):
    """A user named on a restriction: they open the record as if it were not restricted."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="named")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "user"],
                condition=models.Q(removed_at__isnull=True),
                name="named_once_per_restriction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} named on R-{self.restriction_id}"


class RestrictionEvent(models.Model):
    """The history of a restriction: marked, who was named or taken off, lifted. Append-only."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=RestrictionEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The user named or taken off",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="restriction_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"R-{self.restriction_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class BreakGlass(models.Model):
    """Someone not named on a restriction opened the record anyway, saying why. Their access lasts
    BREAK_GLASS_HOURS; the record's managers are told and the weekly report lists it. Append-only."""

    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="break_glasses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    record_type = models.CharField(
        max_length=16, choices=RecordType.choices, help_text="What they were opening"
    )
    record_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "break-glass openings"
        indexes = [models.Index(fields=["user", "expires_at"])]
        triggers = [
            pgtrigger.Protect(name="break_glass_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.user_id} broke glass on R-{self.restriction_id} at {self.at:%Y-%m-%d %H:%M}"
