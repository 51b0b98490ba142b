"""The access log: every read of a child's or family's record. Append-only, refused at the
database level (a trigger), written with one INSERT per request however many records it read."""

import pgtrigger
from django.conf import settings
from django.db import models

from audit.choices import RecordType, Via


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
