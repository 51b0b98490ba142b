"""Who sees which contacts. Front-door and children's services staff see every contact; anyone
else sees the contacts they submitted (and their outcome), nothing else."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from cases.access_log import record_read, record_refused
from cases.choices import RecordType
from cases.permissions import RecordRestricted, open_families, people_visible_to
from config.visibility import visibility_rule
from referrals.choices import ContactState
from referrals.models import Contact


@visibility_rule(Contact)
def contacts_visible_to(user) -> QuerySet[Contact]:
    if not (user and user.is_authenticated and user.is_active):
        return Contact.objects.none()
    mine = Contact.objects.filter(submitted_by=user)
    if user.has_perm("cases.view_all_cases"):
        # Once triaged into a restricted family, the front door's record is restricted with it;
        # the referrer still sees their own request and its outcome.
        return Contact.objects.filter(open_families(user, "family_id")) | mine
    return mine


def contact_for_user(user, contact_id, action: str = "view") -> Contact:
    try:
        contact = (
            contacts_visible_to(user).with_due_times().select_related("referrer_agency").get(pk=contact_id)
        )
    except (Contact.DoesNotExist, ValueError, TypeError):
        record_refused(RecordType.CONTACT, contact_id)
        if user.has_perm("cases.view_all_cases"):
            family_id = (
                Contact.objects.filter(pk=_number(contact_id)).values_list("family_id", flat=True).first()
            )
            if family_id:  # triaged into a restricted family: breaking glass opens the family
                raise RecordRestricted(RecordType.FAMILY, family_id) from None
        raise Http404("No such contact.") from None
    if action == "triage" and not is_triager(user):
        raise PermissionDenied("Only the front door (MASH) triages contacts.")
    record_read(RecordType.CONTACT, contact.pk, contact.family_id)
    return contact


def _number(value) -> int:
    return int(value) if str(value).isdigit() else 0


def sees_front_door_record(user) -> bool:
    """The front door's own working record of a contact (linked records, triage, history): the
    front door and children's services staff. A referrer sees their request and its outcome."""
    return is_triager(user) or user.has_perm("cases.view_all_cases")


def require_linked_people_open(user, contact: Contact) -> None:
    """The front door's record names the people a contact is linked to: one behind a restriction
    the user may not open needs break-glass first."""
    linked = {subject.person_id for subject in contact.subjects.all() if subject.person_id}
    hidden = linked - set(people_visible_to(user).filter(pk__in=linked).values_list("pk", flat=True))
    if hidden:
        raise RecordRestricted(RecordType.PERSON, min(hidden))


def may_submit(user) -> bool:
    return user.has_perm("referrals.add_contact")


def is_triager(user) -> bool:
    return user.has_perm("referrals.triage_contact")


def require_triager(user) -> None:
    if not is_triager(user):
        raise PermissionDenied("Only the front door (MASH) sees the triage queue.")


def may_read_letter(user, contact: Contact) -> bool:
    """The front door (and anyone who sees every contact) reads the letter as soon as there is an
    outcome; the referrer once it has been sent to them."""
    if contact.outcome == "":
        return False
    if is_triager(user) or user.has_perm("cases.view_all_cases"):
        return True
    return contact.submitted_by_id == user.pk and contact.feedback_sent


def letter_for_user(user, contact_id) -> Contact:
    contact = contact_for_user(user, contact_id)
    if not may_read_letter(user, contact):
        raise Http404("There is no outcome letter for this contact yet.")
    return contact


def may_disagree(user, contact: Contact) -> bool:
    """The referrer, from the letter they were sent; or the front door recording it for a
    referrer who has no account (a phone caller, a family)."""
    if contact.state != ContactState.TRIAGED:
        return False
    if is_triager(user):
        return True
    return contact.submitted_by_id == user.pk and contact.feedback_sent
