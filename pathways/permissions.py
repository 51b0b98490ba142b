"""Who may see decisions, plans and referral packages, and who may decide what.

Who decides (DOMAIN.md, "Decision points"): anyone with `pathways.add_decision` may propose any
decision; to decide, a person needs `pathways.decide_pathway_N` for the highest pathway the decision
touches (where the case is, or where it goes: `decision_level`). So family help workers decide at
pathways 1-2, social workers, MASH and team managers at 1-3, and only expert child protection
practitioners move a case into, within or out of pathway 4, and make the child protection decisions
(section 47 outcomes, conferences, CP plans: `require_cp_decider`). Nobody confirms their own
proposal (`confirm_refusal`). Seeing follows the case (cases/permissions.py); partner agencies see
a decision's outcome only through the referral packages the family agreed to share with them.
The services call these functions, so the UI and the API get the same answer.

Case supervision: recorded by a manager of the case's team (`pathways.record_supervision`, and
they manage or belong to the team that holds the case), never by someone who holds the case
themselves (`supervision_refusal`). What was said is children's services' record: partners see
none of it, only the chronology's "Case supervised on <date>". The practitioner supervised adds
reflections; an action's owner, or a manager of the case, marks it done.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from cases.access_log import record_read
from cases.choices import RecordType
from cases.models import Allocation, Case
from cases.permissions import (
    RecordRestricted,
    case_for_user,
    cases_visible_to,
    families_visible_to,
    sees_whole_record,
)
from config.visibility import visibility_rule
from pathways.choices import OUTCOME_PATHWAY
from pathways.models import CpPlan, Decision, ReferralPackage, Supervision, SupervisionAction

DECIDE_PERMISSIONS = [f"pathways.decide_pathway_{level}" for level in (1, 2, 3, 4)]


def may_decide_anything(user) -> bool:
    return any(user.has_perm(permission) for permission in DECIDE_PERMISSIONS)


def decision_level(case: Case, outcome: str) -> int:
    """The pathway a decision is made at: the higher of where the case is and where it goes."""
    target = OUTCOME_PATHWAY.get(outcome)
    return max(case.pathway, target) if target else case.pathway


def decider_refusal(user, case: Case, outcome: str) -> str | None:
    """Why `user` may not decide `outcome` for `case` (None if they may)."""
    level = decision_level(case, outcome)
    if user.has_perm(f"pathways.decide_pathway_{level}"):
        return None
    if level == 4:
        return "Only an expert child protection practitioner can decide at pathway 4: propose it instead."
    return (
        f"Your role cannot decide for a case at pathway {level}: propose it for someone who can to confirm."
    )


def confirm_refusal(user, decision: Decision, case: Case) -> ValidationError | None:
    """Why `user` may not confirm a proposed decision: their own proposal, or not theirs to decide."""
    if decision.proposed_by_id == user.pk:
        return ValidationError(
            "You proposed this decision, so someone else must confirm it.", code="own_proposal"
        )
    refusal = decider_refusal(user, case, decision.outcome)
    if refusal:
        return ValidationError(refusal.replace(": propose it instead", ""), code="not_entitled")
    return None


def may_return(user, decision: Decision, case: Case) -> bool:
    """A proposal goes back by its proposer (withdrawing it) or by someone who could confirm it."""
    return decision.proposed_by_id == user.pk or decider_refusal(user, case, decision.outcome) is None


def require_cp_decider(user) -> None:
    """Section 47 outcomes, conferences and child protection plans are the ECPP's decisions."""
    if not user.has_perm("pathways.decide_pathway_4"):
        raise ValidationError(
            "Only an expert child protection practitioner makes this decision.", code="not_entitled"
        )


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


@visibility_rule(Decision)
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


@visibility_rule(ReferralPackage)
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


def proposal_controls(user, case: Case, pending: Decision | None) -> dict[str, bool]:
    """Whether the decision screen offers to confirm or send back the proposal waiting on the case:
    only to someone the services would let do it (never "Confirm" to the proposer, nor to a family
    help worker at pathway 4)."""
    if pending is None:
        return {"can_confirm": False, "can_return": False}
    return {
        "can_confirm": confirm_refusal(user, pending, case) is None,
        "can_return": may_return(user, pending, case),
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


# --- case supervision --------------------------------------------------------------------------

SUPERVISION_VIEW_REFUSAL = (
    "Supervision is children's services' record: partners see only that the case was supervised."
)


def _manages_team_of(user, case: Case, in_team: bool | None = None) -> bool:
    """A manager of the team holding the case: its named manager, or a member of it (`in_team`,
    when the caller has already asked)."""
    if user.is_superuser or case.team.manager_id == user.pk:
        return True
    return user.teams.filter(pk=case.team_id).exists() if in_team is None else in_team


def holds_case(user, case: Case, allocated: bool | None = None) -> bool:
    """The case's key worker, or anyone allocated to it now (`allocated`, when the caller has
    already asked): they are supervised, never supervise."""
    if case.key_worker_id == user.pk or case.ecpp_id == user.pk:
        return True
    if allocated is None:
        return Allocation.objects.filter(case=case, user=user, ended_at__isnull=True).exists()
    return allocated


def supervision_refusal(
    user, case: Case, *, in_team: bool | None = None, allocated: bool | None = None
) -> str | None:
    """Why `user` may not record a supervision of `case` (None if they may)."""
    if not user.has_perm("pathways.record_supervision"):
        return "Only a team manager can record case supervision."
    if not _manages_team_of(user, case, in_team):
        return f"Only a manager of {case.team} can record supervision of this case."
    if holds_case(user, case, allocated):
        return "You hold this case yourself: another manager must supervise it."
    return None


def may_supervise(user, case: Case) -> bool:
    return supervision_refusal(user, case) is None


def case_for_supervision(user, case_id, action: str = "view") -> Case:
    """The case whose supervisions the user reads (`view`: children's services staff and auditors
    who see the case) or records (`record`: supervision_refusal). 404 for a case they cannot see,
    403 otherwise."""
    case = case_for_user(user, case_id)
    if not sees_whole_record(user):
        raise PermissionDenied(SUPERVISION_VIEW_REFUSAL)
    if action == "record":
        refusal = supervision_refusal(user, case)
        if refusal:
            raise PermissionDenied(refusal)
    return case


@visibility_rule(Supervision)
def supervisions_visible_to(user, *, restricted: bool = True) -> QuerySet[Supervision]:
    if not sees_whole_record(user):
        return Supervision.objects.none()
    return Supervision.objects.filter(case__in=cases_visible_to(user, restricted=restricted))


def supervision_for_user(user, supervision_id, action: str = "view") -> Supervision:
    """A supervision the user may read (else 404); `reflect` is for the practitioner supervised
    only (else 403)."""
    try:
        supervision = (
            supervisions_visible_to(user)
            .select_related("case__family", "case__team", "practitioner", "manager")
            .get(pk=supervision_id)
        )
    except (Supervision.DoesNotExist, ValueError, TypeError):
        if str(supervision_id).isdigit():
            hidden = supervisions_visible_to(user, restricted=False).filter(pk=supervision_id)
            case_id = hidden.values_list("case_id", flat=True).first()
            if case_id:
                raise RecordRestricted(RecordType.CASE, case_id) from None
        raise Http404("No such supervision.") from None
    record_read(RecordType.CASE, supervision.case_id, supervision.case.family_id)
    if action == "reflect" and supervision.practitioner_id != user.pk:
        raise PermissionDenied("Only the practitioner supervised can add a reflection.")
    return supervision


def may_mark_done(user, action: SupervisionAction, *, manages: bool | None = None) -> bool:
    """An action's owner, the manager who set it, or a manager who may supervise the case
    (`manages`, when the caller already knows)."""
    supervision = action.supervision
    if user.pk in (action.owner_id, supervision.manager_id):
        return True
    return may_supervise(user, supervision.case) if manages is None else manages


def supervision_action_for_user(user, action_id) -> SupervisionAction:
    """An action of a supervision the user may read (else 404) that they may mark done (else 403)."""
    try:
        action = SupervisionAction.objects.select_related(
            "supervision__case__family", "supervision__case__team", "owner"
        ).get(pk=action_id, supervision__in=supervisions_visible_to(user))
    except (SupervisionAction.DoesNotExist, ValueError, TypeError):
        raise Http404("No such supervision action.") from None
    record_read(RecordType.CASE, action.supervision.case_id, action.supervision.case.family_id)
    if not may_mark_done(user, action):
        raise PermissionDenied("Only the action's owner or a manager of the case can mark it done.")
    return action


def supervision_controls(user, case: Case) -> dict[str, bool | str]:
    """Whether the supervision page offers the record form (the services check again on submit)."""
    refusal = supervision_refusal(user, case) if case.is_open else "The case is closed."
    return {"can_record": refusal is None, "record_refusal": refusal or ""}
