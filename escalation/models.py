"""Professional disagreements (inter-agency escalation).

Recorded here from the front door's feedback letter, so that a referrer's disagreement is never
lost. The clock engine and the escalation ladder (issue 5) build on these rows: `stage` is the
rung of the ladder of seeds/002_e74bac9fb9e25764.txt the disagreement has reached.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from escalation.choices import DisagreementState


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

    @property
    def reference(self) -> str:
        return f"D{self.pk:06d}"


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
