"""PDF chronology exports: an auditor's request, made by a Celery task. The access log and
restricted records it reads are the cases app's (cases/models.py)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.choices import ExportState


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
