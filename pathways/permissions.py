"""Access to decisions and referral packages. Seeing follows the case (cases/permissions.py);
proposing needs `pathways.add_decision`; deciding is checked by the services against the
decide_pathway_N permissions, because it depends on where the case is and where it goes."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from cases.access_log import record_read
from cases.choices import RecordType
from cases.models import Case
from cases.permissions import (
    RecordRestricted,
    case_for_user,
    cases_visible_to,
    families_visible_to,
    sees_whole_record,
)
from pathways.models import CpPlan, Decision, ReferralPackage

DECIDE_PERMISSIONS = [f"pathways.decide_pathway_{level}" for level in (1, 2, 3, 4)]


def may_decide_anything(user) -> bool:
    return any(user.has_perm(permission) for permission in DECIDE_PERMISSIONS)


def case_for_decisions(user, case_id, action: str = "view") -> Case:
    """Decisions and census facts are children's services' record: partners learn the outcome
    through referral packages the family agreed to share with their agency."""
    case = case_for_user(user, case_id)
    if not sees_whole_record(user):
        raise PermissionDenied("Decisions are shared with partner agencies through referral packages.")
    if action in ("propose", "record") and not user.has_perm("pathways.add_decision"):
        raise PermissionDenied("Your role cannot propose or record decisions.")
    if action == "record" and not may_decide_anything(user):
        raise PermissionDenied("Your role cannot decide: propose the decision instead.")
    return case


def decisions_visible_to(user, *, restricted: bool = True) -> QuerySet[Decision]:
    if not sees_whole_record(user):
        return Decision.objects.none()
    return Decision.objects.filter(case__in=cases_visible_to(user, restricted=restricted))


def decision_for_user(user, decision_id, action: str = "view") -> Decision:
    try:
        decision = decisions_visible_to(user).select_related("case", "case__family").get(pk=decision_id)
    except (Decision.DoesNotExist, ValueError, TypeError):
        if str(decision_id).isdigit():
            hidden = decisions_visible_to(user, restricted=False).filter(pk=decision_id)
            case_id = hidden.values_list("case_id", flat=True).first()
            if case_id:
                raise RecordRestricted(RecordType.CASE, case_id) from None
        raise Http404("No such decision.") from None
    record_read(RecordType.CASE, decision.case_id, decision.case.family_id)
    if action in ("confirm", "return") and not (
        may_decide_anything(user) or decision.proposed_by_id == user.pk
    ):
        raise PermissionDenied("Your role cannot confirm or return decisions.")
    return decision


def packages_visible_to(user) -> QuerySet[ReferralPackage]:
    """Children's services staff see every package of the families they can see; a partner's
    agency sees a package only if the family agreed to share it with them."""
    packages = ReferralPackage.objects.filter(family__in=families_visible_to(user))
    if sees_whole_record(user):
        return packages
    if user.agency_id is None:
        return packages.none()
    return packages.filter(Q(decision__shared_with=user.agency_id)).distinct()


def case_for_plan(user, case_id, action: str = "view") -> Case:
    case = case_for_user(user, case_id)
    if not sees_whole_record(user):
        raise PermissionDenied("The plan is shared with partner agencies through referral packages.")
    needed = {"start": "pathways.add_plan", "change": "pathways.change_plan"}.get(action)
    if needed and not user.has_perm(needed):
        raise PermissionDenied("Your role cannot change the plan.")
    return case


def decision_controls(user, case: Case) -> dict[str, bool]:
    """Which controls the decision screen offers (the services check again on submit)."""
    open_case = case.is_open
    return {
        "can_propose": user.has_perm("pathways.add_decision") and open_case,
        "can_record": may_decide_anything(user),
        "can_authorise": user.has_perm("pathways.authorise_assessment") and open_case,
        "can_cp_decide": user.has_perm("pathways.decide_pathway_4") and open_case,
    }


def plan_controls(user, case: Case, plan) -> dict[str, bool]:
    return {
        "can_change": user.has_perm("pathways.change_plan") and plan is not None and plan.ended_on is None,
        "can_start": user.has_perm("pathways.add_plan") and plan is None and case.is_open,
    }


def cp_plan_on_case(case: Case, cp_plan_id) -> CpPlan:
    """A child protection plan of one of the case's children (the case already checked)."""
    try:
        return CpPlan.objects.select_related("episode__child").get(pk=int(cp_plan_id), episode__case=case)
    except (CpPlan.DoesNotExist, ValueError, TypeError):
        raise Http404("No such child protection plan on this case.") from None
