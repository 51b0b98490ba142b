"""Who may see and do what with family group conference referrals. The only place such checks
live; pages and the API both call these.

Seeing:
- Children's services staff (and auditors) see the referrals of the cases they can see
  (cases/permissions.py, restrictions included). Partner agencies do not: the FGC service is
  children's services' own.
- An FGC coordinator sees the queue of their service (its team's referrals not taken up: waiting,
  declined or withdrawn; enough to decide, not the family's record), the referrals they
  coordinate, and the family's record only once they accept one: accepting makes them involved
  with the family (cases.services.involvement_add), which is how cases/permissions.py lets them
  see it.
Anything else answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.choices import TeamKind
from cases.access_log import record_read
from cases.choices import RecordType
from cases.models import Case
from cases.permissions import case_for_user, cases_visible_to, open_families, sees_whole_record
from config.visibility import visibility_rule
from fgc.choices import FgcState
from fgc.models import FgcReferral

REFER = "fgc.add_fgcreferral"
COORDINATE = "fgc.coordinate_fgc"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def may_coordinate(user) -> bool:
    return _active(user) and user.has_perm(COORDINATE)


def service_teams_of(user) -> QuerySet:
    """The family group conference service teams the user works in or manages."""
    from accounts.models import Team

    return Team.objects.filter(
        Q(members=user) | Q(manager=user), kind=TeamKind.FAMILY_GROUP_CONFERENCE
    ).distinct()


@visibility_rule(FgcReferral)
def referrals_visible_to(user) -> QuerySet[FgcReferral]:
    if not _active(user):
        return FgcReferral.objects.none()
    condition = Q(pk__in=[])
    if sees_whole_record(user):
        condition |= Q(case__in=cases_visible_to(user))
    if user.has_perm(COORDINATE):
        # The service's queue, and what became of referrals nobody took up (declined, withdrawn).
        queue = Q(coordinator__isnull=True, service__in=service_teams_of(user)) & open_families(
            user, "family_id"
        )
        condition |= queue | Q(coordinator=user)
    return FgcReferral.objects.filter(condition)


def may_refer(user, case: Case) -> bool:
    """For the case page: whether to offer "refer for a family group conference"."""
    return _active(user) and sees_whole_record(user) and case.is_open and user.has_perm(REFER)


def case_for_fgc(user, case_id, action: str = "view") -> Case:
    """The case, if the user may see it (else 404); to refer, their role must let them (else 403)."""
    case = case_for_user(user, case_id)
    if action == "refer" and not (sees_whole_record(user) and user.has_perm(REFER)):
        raise PermissionDenied("Your role cannot refer a family for a family group conference.")
    return case


def in_service(user, referral: FgcReferral) -> bool:
    return service_teams_of(user).filter(pk=referral.service_id).exists()


def referral_for_user(user, referral_id, action: str = "view") -> FgcReferral:
    """The referral, if the user may see it (else 404) and may do `action` to it (else 403).
    Actions: view, accept, decline (a coordinator of the service it went to), conference, plan,
    review, close (its coordinator), withdraw (a practitioner who may refer from the case, or its
    coordinator)."""
    try:
        referral = (
            referrals_visible_to(user)
            .select_related(
                "case", "family", "consent", "consent__given_by", "service", "referred_by", "coordinator"
            )
            .get(pk=referral_id)
        )
    except (FgcReferral.DoesNotExist, ValueError, TypeError):
        raise Http404("No such family group conference referral.") from None
    if action in ("accept", "decline"):
        if not (user.has_perm(COORDINATE) and in_service(user, referral)):
            raise PermissionDenied(
                f"Only a coordinator of {referral.service} can take up or decline a referral."
            )
    elif action in ("conference", "plan", "review", "close"):
        if not (user.has_perm(COORDINATE) and referral.coordinator_id == user.pk):
            raise PermissionDenied("Only the family's family group conference coordinator can do this.")
    elif action == "withdraw":
        if not (referral.coordinator_id == user.pk or may_refer(user, referral.case)):
            raise PermissionDenied(
                "Only a practitioner working on the case or the coordinator can withdraw it."
            )
    elif action != "view":
        raise Http404("No such action.")
    record_read(RecordType.FAMILY, referral.family_id, referral.family_id)
    return referral


def may_see_case(user, referral: FgcReferral) -> bool:
    """Whether the referral's page may show the family's details (names of the children) and link to
    the case: not for a coordinator deciding from the queue."""
    return cases_visible_to(user).filter(pk=referral.case_id).exists()


def referral_controls(user, referral: FgcReferral) -> set[str]:
    """The actions to offer on the referral's page."""
    offered = set()
    coordinator = user.has_perm(COORDINATE) and referral.coordinator_id == user.pk
    if referral.state == FgcState.REFERRED and user.has_perm(COORDINATE) and in_service(user, referral):
        offered |= {"accept", "decline"}
    if coordinator:
        offered |= {
            FgcState.ACCEPTED: {"conference"},
            FgcState.CONFERENCE_HELD: {"plan"},
            FgcState.PLAN_AGREED: {"review"},
            FgcState.REVIEWED: {"close"},
        }.get(referral.state, set())
    if referral.is_open and (coordinator or may_refer(user, referral.case)):
        offered.add("withdraw")
    return offered
