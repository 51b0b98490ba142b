"""Who may make the statutory returns: managers and auditors (the returns hold every child's
record, so partners and practitioners may not). One place for the pages and the API."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases.access_log import record_read
from cases.choices import RecordType
from cases.permissions import people_visible_to
from returns.models import ReturnBuild


def may_make_returns(user) -> bool:
    return user.is_authenticated and user.has_perm("returns.make_returns")


def require_returns_maker(user) -> None:
    if not may_make_returns(user):
        raise PermissionDenied("Only managers and auditors make the statutory returns.")


def build_for_user(user, build_id) -> ReturnBuild:
    """A return's build: only its requester sees it (404 for anyone else)."""
    require_returns_maker(user)
    try:
        return ReturnBuild.objects.get(pk=int(build_id), requested_by=user)
    except (ReturnBuild.DoesNotExist, ValueError, TypeError):
        raise Http404("No such return.") from None


def children_named_for(user, people) -> set[int]:
    """Of the children listed (the data-quality list), the ids of those the user may open: they
    are named, and each is a logged read; the others show only as restricted records."""
    ids = set(
        people_visible_to(user).filter(pk__in=[person.pk for person in people]).values_list("pk", flat=True)
    )
    for pk in sorted(ids):
        record_read(RecordType.PERSON, pk)
    return ids
