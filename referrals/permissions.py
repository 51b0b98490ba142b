"""Who sees which contacts. Front-door and children's services staff see every contact; anyone
else sees the contacts they submitted (and their outcome), nothing else."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from referrals.models import Contact


def contacts_visible_to(user) -> QuerySet[Contact]:
    if not (user and user.is_authenticated and user.is_active):
        return Contact.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return Contact.objects.all()
    return Contact.objects.filter(submitted_by=user)


def contact_for_user(user, contact_id, action: str = "view") -> Contact:
    try:
        contact = contacts_visible_to(user).get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contact.") from None
    if action == "triage" and not is_triager(user):
        raise PermissionDenied("Only the front door (MASH) triages contacts.")
    return contact


def may_submit(user) -> bool:
    return user.has_perm("referrals.add_contact")


def is_triager(user) -> bool:
    return user.has_perm("referrals.triage_contact")


def require_triager(user) -> None:
    if not is_triager(user):
        raise PermissionDenied("Only the front door (MASH) sees the triage queue.")
