"""Professional disagreements (inter-agency escalation): a referrer's or a practitioner's
disagreement with a decision, and the ladder it climbs until it is resolved. `stage` is the rung of
the local inter-agency escalation procedure's ladder (disagreements/choices.py) the disagreement
has reached; each stage runs on an escalation clock."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from config.models import HistoryEvent
from config.visibility import RestrictedQuerySet
from disagreements.choices import LADDER, DisagreementState


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

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        db_table = "escalation_disagreement"  # made in escalation, moved here (disagreements 0001)
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
        return reverse("disagreements:disagreement", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"D{self.pk:06d}"

    @property
    def stage_name(self) -> str:
        return LADDER[self.stage]


class LadderContact(models.Model):
    """Who answers at a rung of the ladder for an agency: the local authority's service manager,
    head of service and director, and a partner agency's safeguarding lead (stage 3)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="ladder_contacts")
    stage = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "escalation_laddercontact"  # made in escalation, moved here (disagreements 0001)
        ordering = ["agency", "stage"]
        constraints = [models.UniqueConstraint(fields=["agency", "stage"], name="ladder_contact_once")]

    def __str__(self) -> str:
        return f"{self.agency}: stage {self.stage}, {self.user}"


class DisagreementEvent(HistoryEvent):
    """The disagreement's history: raised, positions, meetings, stage changes, resolution."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.PROTECT, related_name="events")
    detail = models.TextField(blank=True)

    class Meta(HistoryEvent.Meta):
        db_table = "escalation_disagreementevent"  # made in escalation, moved here (disagreements 0001)
