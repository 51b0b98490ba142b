"""A statutory return asked for from a page or the API, made by a Celery task with its progress
recorded (the same shape as the auditors' PDF chronologies). One file per build, kept for
CHRONOLOGY_EXPORT_HOURS; the same request while one is being made gets that one back."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from returns.choices import BuildState, ReturnKind


class ReturnBuild(models.Model):
    kind = models.CharField(max_length=16, choices=ReturnKind.choices)
    year = models.PositiveSmallIntegerField(help_text="The census year's end: 2026 is 2025 to 2026")
    end_on = models.DateField(null=True, blank=True, help_text="Annex A: the last day of the window")
    months = models.PositiveSmallIntegerField(default=6, help_text="Annex A: the window's length")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=BuildState.choices, default=BuildState.QUEUED)
    children_done = models.PositiveIntegerField(default=0)
    children = models.PositiveIntegerField(default=0)
    children_with_errors = models.PositiveIntegerField(default=0)
    children_with_queries = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [
            ("make_returns", "Can make the statutory returns (census, Annex A)"),
            ("view_dashboard", "Can see the managers' dashboards (returns/dashboards.py)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "end_on", "months", "requested_by"],
                condition=Q(state__in=[BuildState.QUEUED, BuildState.RUNNING]),
                name="return_build_one_at_a_time",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} ({self.get_state_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("returns:build", args=[self.pk])

    @property
    def period(self) -> str:
        if self.kind == ReturnKind.ANNEX_A:
            return f"{self.months} months to {self.end_on:%d %B %Y}"
        return f"{self.year - 1} to {self.year}"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def file_name(self) -> str:
        if self.kind == ReturnKind.ANNEX_A:
            return f"annex-a-{self.end_on:%Y-%m-%d}-{self.months}m-{settings.LEA_CODE}.xlsx"
        return f"cin-census-{self.year - 1}-{self.year % 100:02d}-{settings.LEA_CODE}.xml"

    @property
    def content_type(self) -> str:
        if self.kind == ReturnKind.ANNEX_A:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "application/xml"
