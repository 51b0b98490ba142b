"""Requests for support arriving at the front door, as the referrer made them.

Contact state machine (referrals.choices.CONTACT_TRANSITIONS): received -> triaged. Only
referrals/services.py changes it, writing a ContactEvent row each time.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.urls import reverse

from config.models import HistoryEvent
from config.visibility import RestrictedQuerySet
from escalation.choices import ClockKind
from escalation.models import Clock
from referrals.choices import (
    Channel,
    ContactState,
    FamilyConsent,
    FeedbackMethod,
    SubjectRole,
    TriageOutcome,
    Urgency,
)


def _due_at(kind: str) -> Subquery:
    """The due time of the contact's clock of this kind: the one truth about when it is due."""
    clocks = Clock.objects.filter(
        content_type__app_label="referrals",
        content_type__model="contact",
        object_id=OuterRef("pk"),
        kind=kind,
    )
    return Subquery(clocks.order_by("-started_at", "-pk").values("due_at")[:1])


class ContactQuerySet(RestrictedQuerySet):
    def with_due_times(self) -> "ContactQuerySet":
        """Each contact with when it is due to be decided and its referrer told, read from its clocks
        (a manager who moves a clock moves the contact's due time with it)."""
        return self.annotate(
            decision_due_at=_due_at(ClockKind.CONTACT_DECISION),
            feedback_due_at=_due_at(ClockKind.FEEDBACK_TO_REFERRER),
        )


class Contact(models.Model):
    reference = models.CharField(max_length=20, unique=True, help_text="What the referrer quotes")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    state = models.CharField(max_length=16, choices=ContactState.choices, default=ContactState.RECEIVED)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    received_at = models.DateTimeField()
    # Who is asking
    referrer_name = models.CharField(max_length=200)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_email = models.EmailField(blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts_submitted",
        help_text="The referrer's own account, when they made the request themselves",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who entered it (front-door staff for a phone call)",
    )
    # What they told us, in their words
    address_line_1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    concerns = models.TextField()
    what_tried = models.TextField(blank=True)
    family_aware = models.BooleanField(default=False)
    family_consents = models.CharField(max_length=16, choices=FamilyConsent.choices)
    consent_notes = models.TextField(blank=True)
    indicators = models.ManyToManyField("assessments.ThresholdIndicator", blank=True, related_name="contacts")
    idempotency_key = models.CharField(
        max_length=100, null=True, blank=True, unique=True, help_text="Scoped to who sent it"
    )
    # Triage
    family = models.ForeignKey(
        "cases.Family", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    outcome = models.CharField(max_length=16, choices=TriageOutcome.choices, blank=True)
    rationale = models.TextField(blank=True, help_text="Why: the front door's own record")
    advice = models.TextField(blank=True, help_text="The advice given, or where the family was signposted")
    feedback_text = models.TextField(
        blank=True, help_text="The reasons as the referrer will read them, in plain words"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    decision = models.ForeignKey(
        "pathways.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    # Feedback to the referrer
    feedback_sent_at = models.DateTimeField(null=True, blank=True)
    feedback_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback_method = models.CharField(max_length=16, choices=FeedbackMethod.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "urgency", "received_at"]),
            # The dashboard's contacts by decision over a period: read from the index alone
            # (returns/dashboards.py front_door; a million contacts were otherwise all read).
            models.Index(fields=["received_at"], include=["outcome", "id"], name="contact_received_outcome"),
        ]
        permissions = [("triage_contact", "Can triage contacts at the front door")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("referrals:contact", args=[self.pk])

    @property
    def cites_immediate_referral(self) -> bool:
        return any(indicator.immediate_referral for indicator in self.indicators.all())

    @property
    def feedback_sent(self) -> bool:
        return self.feedback_sent_at is not None

    def _due(self, annotated: str, kind: str):
        if annotated not in self.__dict__:
            self.__dict__[annotated] = (
                Contact.objects.filter(pk=self.pk)
                .annotate(due=_due_at(kind))
                .values_list("due", flat=True)
                .first()
            )
        return self.__dict__[annotated]

    @property
    def decision_due(self):
        """When the front door is due to decide: its CONTACT_DECISION clock's due time."""
        return self._due("decision_due_at", ClockKind.CONTACT_DECISION)

    @property
    def feedback_due(self):
        """When the referrer is due to hear: its FEEDBACK_TO_REFERRER clock's due time."""
        return self._due("feedback_due_at", ClockKind.FEEDBACK_TO_REFERRER)

    @property
    def feedback_late(self) -> bool:
        due = self.feedback_due
        return self.feedback_sent_at is not None and due is not None and self.feedback_sent_at > due


class ContactSubject(models.Model):
    """A child or adult the contact is about, as the referrer described them; linked to a
    Person once the triager has matched (or created) them."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="subjects")
    role = models.CharField(max_length=16, choices=SubjectRole.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    relationship = models.CharField(max_length=100, blank=True, help_text="e.g. mother, older brother")
    nhs_number = models.CharField(max_length=12, blank=True)
    person = models.ForeignKey(
        "cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contact", "pk"]
        indexes = [
            # Earlier contacts about a child by birth date and surname, as typed (iexact:
            # UPPER(last_name)): referrals.selectors.repeat_contacts.
            models.Index(F("date_of_birth"), Upper("last_name"), name="contact_subject_born_surname"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="")
                | ~Q(last_name="")
                | Q(date_of_birth__isnull=False)
                | Q(expected_date_of_birth__isnull=False),
                name="contact_subject_identifiable",
            )
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or "Name not known"


class ContactEvent(HistoryEvent):
    """The contact's history: received, subjects linked, triaged, feedback sent, disagreement."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="events")
    shown_to_referrer = models.BooleanField(
        default=False, help_text="Part of the referrer's own timeline (received, letter sent, disagreement)"
    )
