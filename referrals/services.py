"""Writes at the front door: receiving a request for support and linking who it is about."""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Agency, User
from assessments.models import ThresholdIndicator
from cases.models import Person
from cases.services import person_create, postcode_normalise
from escalation.calendar import working_days_after
from referrals.choices import Channel, FamilyConsent, SubjectRole, Urgency
from referrals.models import Contact, ContactEvent, ContactSubject

FEEDBACK_HOURS = 72


@dataclass(frozen=True)
class SubjectDetails:
    role: str
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    relationship: str = ""
    nhs_number: str = ""

    @property
    def is_blank(self) -> bool:
        return not (
            self.first_name.strip()
            or self.last_name.strip()
            or self.date_of_birth
            or self.expected_date_of_birth
        )


def _subject_errors(number: int, subject: SubjectDetails, today: date) -> dict[str, str]:
    key = f"subjects.{number}"
    errors = {}
    if subject.role not in SubjectRole.values:
        errors[f"{key}.role"] = "Say whether this is a child, an unborn child or an adult."
    if subject.is_blank:
        errors[f"{key}.first_name"] = "Give a name or a date of birth, so we can find the right person."
    if subject.date_of_birth and subject.date_of_birth > today:
        errors[f"{key}.date_of_birth"] = (
            "A date of birth must be today or in the past (for an unborn baby, give the due date)."
        )
    if subject.role == SubjectRole.UNBORN and not subject.expected_date_of_birth:
        errors[f"{key}.expected_date_of_birth"] = "Give the baby's due date."
    if subject.nhs_number and not re.fullmatch(r"[0-9]{10}", re.sub(r"[\s-]", "", subject.nhs_number)):
        errors[f"{key}.nhs_number"] = "An NHS number has 10 digits."
    return errors


def _decision_due(received: datetime) -> datetime:
    """One working day: the end of the next working day after receipt."""
    due_day = working_days_after(timezone.localdate(received), 1)
    return timezone.make_aware(datetime.combine(due_day, time(17, 0)))


@transaction.atomic
def contact_receive(
    *,
    channel: str,
    referrer_name: str,
    concerns: str,
    family_consents: str,
    subjects: list[SubjectDetails],
    by: User | None = None,
    urgency: str = Urgency.ROUTINE,
    referrer_role: str = "",
    referrer_agency: Agency | None = None,
    referrer_email: str = "",
    referrer_phone: str = "",
    address_line_1: str = "",
    postcode: str = "",
    what_tried: str = "",
    family_aware: bool = False,
    consent_notes: str = "",
    indicators: list[ThresholdIndicator] = (),
    idempotency_key: str | None = None,
) -> Contact:
    """Receive a request for support. The same idempotency key (a double click, a retry)
    returns the contact already made instead of making a second one."""
    if idempotency_key:
        existing = Contact.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = "Unknown channel."
    if not referrer_name.strip():
        errors["referrer_name"] = "Tell us your name, so we can tell you what happens next."
    if not concerns.strip():
        errors["concerns"] = "Tell us, in your own words, what help is needed and why."
    if family_consents not in FamilyConsent.values:
        errors["family_consents"] = "Say whether the family agrees to this request."
    elif family_consents == FamilyConsent.NOT_ASKED and not consent_notes.strip():
        errors["consent_notes"] = (
            "Say why the family has not been asked (for example, it would put a child at risk)."
        )
    if urgency not in Urgency.values:
        errors["urgency"] = "Choose how urgent this is."
    people = [subject for subject in subjects if not subject.is_blank or subject.role == SubjectRole.UNBORN]
    if not any(subject.role in (SubjectRole.CHILD, SubjectRole.UNBORN) for subject in people):
        errors["subjects"] = "Tell us about at least one child."
    for number, subject in enumerate(people, start=1):
        errors.update(_subject_errors(number, subject, today))
    if postcode.strip():
        try:
            postcode = postcode_normalise(postcode)
        except ValidationError as exc:
            errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    if not (referrer_email.strip() or referrer_phone.strip() or by):
        errors["referrer_email"] = "Give an email address or a phone number so we can reply."
    if errors:
        raise ValidationError(errors)
    indicators = list(indicators)
    if any(indicator.immediate_referral for indicator in indicators):
        urgency = Urgency.IMMEDIATE
    received = timezone.now()
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                reference=f"P{uuid.uuid4().hex[:16]}",  # replaced by the numbered reference below
                channel=channel,
                urgency=urgency,
                received_at=received,
                decision_due=_decision_due(received),
                feedback_due=received + timedelta(hours=FEEDBACK_HOURS),
                referrer_name=referrer_name.strip(),
                referrer_role=referrer_role.strip(),
                referrer_agency=referrer_agency or (by.agency if by else None),
                referrer_email=referrer_email.strip(),
                referrer_phone=referrer_phone.strip(),
                submitted_by=by,
                address_line_1=address_line_1.strip(),
                postcode=postcode,
                concerns=concerns.strip(),
                what_tried=what_tried.strip(),
                family_aware=family_aware,
                family_consents=family_consents,
                consent_notes=consent_notes.strip(),
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        return Contact.objects.get(idempotency_key=idempotency_key)
    contact.reference = f"R{received:%y}-{contact.pk:06d}"
    contact.save(update_fields=["reference"])
    contact.indicators.set(indicators)
    ContactSubject.objects.bulk_create(
        ContactSubject(
            contact=contact,
            role=s.role,
            first_name=s.first_name.strip(),
            last_name=s.last_name.strip(),
            date_of_birth=s.date_of_birth,
            expected_date_of_birth=s.expected_date_of_birth,
            relationship=s.relationship.strip(),
            nhs_number=re.sub(r"[\s-]", "", s.nhs_number),
        )
        for s in people
    )
    ContactEvent.objects.create(
        contact=contact, summary=f"Received ({contact.get_channel_display().lower()})", at=received, by=by
    )
    return contact


@transaction.atomic
def contact_subject_link(*, subject: ContactSubject, person: Person | None, by: User) -> ContactSubject:
    """Link who the contact is about to an existing person, or (person=None) to a new record
    made from what the referrer told us."""
    subject = ContactSubject.objects.select_for_update().get(pk=subject.pk)
    if subject.person_id:
        raise ValidationError("This person is already linked: unlink first if it was wrong.")
    if person is None:
        kind = {"child": "child", "unborn": "unborn", "adult": "adult"}[subject.role]
        person = person_create(
            by=by,
            kind=kind,
            first_name=subject.first_name,
            last_name=subject.last_name,
            date_of_birth=subject.date_of_birth,
            expected_date_of_birth=subject.expected_date_of_birth,
            nhs_number=subject.nhs_number,
        )
        summary = f"New record made for {person}"
    else:
        summary = f"Linked to the existing record of {person}"
    subject.person = person
    subject.save(update_fields=["person"])
    ContactEvent.objects.create(contact=subject.contact, summary=summary, at=timezone.now(), by=by)
    return subject
