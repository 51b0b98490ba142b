"""The access log: every read of a child's or family's record. Append-only, refused at the
database level (a trigger), written with one INSERT per request however many records it read."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.choices import ExportState, RecordType, Via


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
