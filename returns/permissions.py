"""Who may make the statutory returns: managers and auditors (the returns hold every child's
record, so partners and practitioners may not). One place for the pages and the API."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.models import Team
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


# --- the managers' dashboards -------------------------------------------------------------------
# Figures, not records: they count a team's work and name its workers, never a family. Who sees
# which teams' figures is decided here, for the page and the API alike.

# Roles that see every team's figures; a team manager sees the teams they are in or manage.
SEES_EVERY_TEAM = frozenset({Role.HEAD_OF_SERVICE, Role.MASH_MANAGER})
# Teams that hold no work of their own to count.
NOT_COUNTED = (TeamKind.PARTNER, TeamKind.ADMINISTRATION, TeamKind.QUALITY_ASSURANCE)


def may_see_dashboard(user) -> bool:
    return user.is_authenticated and user.has_perm("returns.view_dashboard")


def dashboard_teams(user) -> QuerySet[Team]:
    """The teams whose figures the user may see on the managers' dashboard: every children's
    services team for a head of service or the MASH manager (the front door and all it sends on),
    a team manager's own teams. Anyone else is refused (403)."""
    if not may_see_dashboard(user):
        raise PermissionDenied("The dashboards are for team managers, the MASH manager and heads of service.")
    teams = Team.objects.filter(agency__kind=AgencyKind.LA_CHILDRENS_SERVICES).exclude(kind__in=NOT_COUNTED)
    if not user.roles & SEES_EVERY_TEAM:
        teams = teams.filter(pk__in=Team.objects.filter(Q(members=user) | Q(manager=user)).values("pk"))
    return teams.order_by("name", "pk")


def dashboard_links(user) -> dict[str, bool]:
    """Which lists behind the figures the user may open (each list checks again itself)."""
    return {
        "cases": user.has_perm("cases.view_all_cases") or user.has_perm("cases.view_team_cases"),
        "clocks": user.has_perm("escalation.change_clock_due"),
        "front_door": user.has_perm("referrals.triage_contact"),
        "stepdowns": user.has_perm("stepdown.add_stepdown") or user.has_perm("stepdown.approve_stepdown"),
        "stepdown_audit": user.has_perm("stepdown.view_stepdown_audit"),
        "disagreements": True,
        "annex_a": may_make_returns(user),
    }
