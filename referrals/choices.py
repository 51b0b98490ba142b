from django.db import models


class Channel(models.TextChoices):
    PROFESSIONAL = "professional", "Request from a professional (multi-agency request form)"
    FAMILY = "family", "A family asking for help"
    PHONE = "phone", "Phone call to the front door"
    API = "api", "Sent by another system"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent: today"
    IMMEDIATE = "immediate", "A child may be at risk of significant harm now"


URGENCY_RANK = {Urgency.IMMEDIATE: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class FamilyConsent(models.TextChoices):
    YES = "yes", "Yes, the family agrees to this request"
    NO = "no", "No, the family does not agree"
    NOT_ASKED = "not_asked", "Not asked (say why)"


class ContactState(models.TextChoices):
    RECEIVED = "received", "Received, waiting for triage"
    TRIAGED = "triaged", "Triaged"


CONTACT_TRANSITIONS: dict[str, set[str]] = {
    ContactState.RECEIVED: {ContactState.TRIAGED},
    ContactState.TRIAGED: set(),
}


class SubjectRole(models.TextChoices):
    CHILD = "child", "Child or young person"
    UNBORN = "unborn", "Unborn child"
    ADULT = "adult", "Parent, carer or other adult"
