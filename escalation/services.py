"""Writes for professional disagreements. Raising one from a feedback letter records it so that
it is not lost; the ladder, stage owners and deadlines build on this (issue 5)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.choices import ChronologyKind
from cases.services import chronology_write
from escalation.choices import DisagreementState
from escalation.models import Disagreement, DisagreementEvent
from referrals.choices import ContactState
from referrals.models import Contact, ContactEvent


@transaction.atomic
def disagreement_raise_on_contact(
    *, contact: Contact, by: User, position: str, wanted: str = "", raised_for: str = ""
) -> Disagreement:
    """A referrer (or the front door, for a referrer without an account) disagrees with the
    outcome of a contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    errors: dict[str, str] = {}
    if contact.state != ContactState.TRIAGED:
        raise ValidationError("There is no decision on this contact yet to disagree with.")
    if not position.strip():
        errors["position"] = "Say why you think the decision is wrong: what do you know that worries you?"
    if contact.submitted_by_id != by.pk and not raised_for.strip():
        errors["raised_for"] = "Say who disagrees: the referrer's name and role."
    if errors:
        raise ValidationError(errors)
    open_already = Disagreement.objects.filter(
        contact=contact, raised_by=by, raised_for=raised_for.strip(), state=DisagreementState.OPEN
    ).first()
    if open_already:
        raise ValidationError(
            f"A disagreement about this decision is already open ({open_already.reference}).",
            code="duplicate",
        )
    now = timezone.now()
    disagreement = Disagreement.objects.create(
        contact=contact,
        decision=contact.decision,
        raised_by=by,
        raised_by_agency=by.agency if contact.submitted_by_id == by.pk else contact.referrer_agency,
        raised_for=raised_for.strip(),
        raised_at=now,
        position=position.strip(),
        wanted=wanted.strip(),
    )
    who = raised_for.strip() or str(by)
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"Raised by {who} against the outcome of {contact.reference}",
        detail=disagreement.position,
        at=now,
        by=by,
    )
    ContactEvent.objects.create(
        contact=contact,
        summary=f"Professional disagreement {disagreement.reference} raised by {who}",
        at=now,
        by=by,
    )
    if contact.family_id:
        chronology_write(
            family=contact.family,
            case=contact.case,
            kind=ChronologyKind.DISAGREEMENT_RAISED,
            summary=f"Professional disagreement {disagreement.reference} about {contact.reference}",
            detail=disagreement.position,
            author=by,
        )
    return disagreement
