"""Decision points and the pathway state machine: the only code that changes a case's pathway.
Who may decide what is pathways/permissions.py; what a decision must say is the
`decision_*_errors` rules below; what a decision does is `_apply`.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Agency, User
from assessments.models import ThresholdIndicator
from assessments.selectors import assessment_snapshot
from assessments.services import assessment_of
from cases.choices import AllocationRole, CaseState, ChronologyKind, ClosureReason, Pathway
from cases.models import Allocation, Case, Person
from cases.permissions import cases_visible_to, sees_whole_record
from cases.services import RC9_IS_A_STEP_DOWN, case_allocate, case_close, chronology_write
from config.models import lock_current
from escalation.calendar import end_of_working_day, working_days_after
from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.models import Task
from escalation.selectors import open_clock, tray
from escalation.services import (
    case_clock,
    clock_cancel,
    clock_is_late,
    clock_meet,
    clock_start,
    task_open,
    tasks_close,
)
from pathways.choices import (
    CLOSED,
    CLOSING_OUTCOMES,
    DECISION_TRANSITIONS,
    OUTCOME_PATHWAY,
    PATHWAY_PLAN,
    PATHWAY_TRANSITIONS,
    PLAN_REVIEW_DAYS,
    STATUTORY_REQUIREMENT,
    ActionSource,
    ActionStatus,
    DecisionState,
    Outcome,
    PlanKind,
)
from pathways.codes import (
    ASSESSMENT_FACTORS,
    ICPC_TARGET_DAYS,
    NO_FACTORS,
    AbuseCategory,
    PrimaryNeed,
    ReferralSource,
    S47Outcome,
)
from pathways.models import (
    ChildAssessment,
    CinEpisode,
    CinPlanPeriod,
    CpCategoryChange,
    CpPlan,
    CpReview,
    Decision,
    PathwayTransition,
    Plan,
    PlanAction,
    PlanChange,
    PlanOutcome,
    PlanReview,
    ReferralPackage,
    Section47,
    Supervision,
    SupervisionAction,
    SupervisionReflection,
)
from pathways.permissions import (
    confirm_refusal,
    decider_refusal,
    decision_level,
    may_mark_done,
    may_return,
    require_cp_decider,
    supervision_refusal,
)
from pathways.selectors import (
    assessments_awaiting,
    case_children,
    enquiries_awaiting_outcome,
    icpc_awaiting,
    last_supervised_on,
)
from pathways.signals import decision_settled

DEFAULT_CLOSURE_REASON = {
    Outcome.CLOSE: ClosureReason.RC7,
    Outcome.NFA: ClosureReason.RC8,
    Outcome.SIGNPOST: ClosureReason.RC7,
    Outcome.EARLY_HELP: ClosureReason.RC9,
}
STEP_DOWN_ONLY = (
    "A step-down to early help needs the family's consent and a team manager's approval: "
    "propose it from the case's step-down page."
)


class InvalidPathwayTransition(ValidationError):
    """The pathway state machine does not allow this move."""


def _transition_check(case: Case, outcome: str) -> None:
    if case.state != CaseState.OPEN:
        raise InvalidPathwayTransition("This case is closed: a new episode must be opened for the family.")
    target = OUTCOME_PATHWAY.get(outcome, CLOSED)
    if target != case.pathway and target not in PATHWAY_TRANSITIONS[case.pathway]:
        raise InvalidPathwayTransition(f"A case at pathway {case.pathway} cannot move to {target}.")


def _lock(case: Case, expected_version: int | None) -> Case:
    return lock_current(case, expected_version)


@dataclass(frozen=True)
class DecisionDetails:
    """What a decision says, as the proposer or decider entered it."""

    outcome: str
    rationale: str
    indicators: tuple[ThresholdIndicator, ...] = ()
    family_view: str = ""
    consulted: str = ""
    family_consents_to_share: bool = False
    shared_with: tuple[Agency, ...] = ()
    lawful_basis: str = ""
    closure_reason: str = ""
    ecpp: User | None = None
    referral_source: str = ""  # census codes, needed when the case first enters pathway 3 or 4
    primary_need: str = ""
    step_down: bool = False  # set only by stepdown/services.py, which checks consent and approval


def _is_step_down(case: Case, outcome: str) -> bool:
    """From social care (pathway 3 or 4) to early help: the step-down routes, not the decision screen."""
    return outcome == Outcome.EARLY_HELP or (case.pathway >= 3 and OUTCOME_PATHWAY.get(outcome) == 2)


def _needs_referral_codes(case: Case, outcome: str) -> bool:
    """A move into the pathways that make the children children in need is a referral: its
    source and the primary need are recorded for each child's episode."""
    target = OUTCOME_PATHWAY.get(outcome)
    return counts_as_child_in_need(target) and not counts_as_child_in_need(case.pathway)


def decision_outcome_errors(details: DecisionDetails) -> dict[str, str]:
    """A decision names an outcome from the list and says why."""
    errors = {}
    if details.outcome not in Outcome.values:
        errors["outcome"] = (
            "Choose the pathway the family needs now, or close, no further action or signpost."
        )
    if not (details.rationale or "").strip():
        errors["rationale"] = "Explain why: a decision without a rationale cannot be recorded."
    if len({indicator.document_id for indicator in details.indicators}) > 1:
        errors["indicators"] = "Cite indicators from one threshold document."
    if details.ecpp is not None and Role.ECPP not in details.ecpp.roles:
        errors["ecpp"] = f"{details.ecpp} is not an expert child protection practitioner."
    return errors


def decision_sharing_errors(details: DecisionDetails) -> dict[str, str]:
    """Information is shared with the family's agreement; without it, only at pathway 4 and only
    with the lawful reason recorded."""
    errors = {}
    lawful_basis = (details.lawful_basis or "").strip()
    if details.outcome == Outcome.PATHWAY_4 and not details.family_consents_to_share and not lawful_basis:
        errors["lawful_basis"] = (
            "The family has not agreed to share: record the lawful reason for sharing without consent."
        )
    if details.outcome != Outcome.PATHWAY_4 and lawful_basis:
        errors["lawful_basis"] = "Sharing without consent is only for pathway 4 (risk of significant harm)."
    if details.shared_with and not details.family_consents_to_share and not lawful_basis:
        errors["shared_with"] = (
            "The family has not agreed to share: untick the agencies, or record their consent."
        )
    return errors


def decision_closure_errors(details: DecisionDetails) -> dict[str, str]:
    """Only a decision to close takes a closure reason; early help closes with RC9 and nothing else does."""
    reason, outcome = details.closure_reason, details.outcome
    if outcome == Outcome.EARLY_HELP and reason not in ("", ClosureReason.RC9):
        return {"closure_reason": "A referral to early help closes with RC9, not another reason."}
    if reason == ClosureReason.RC9 and outcome != Outcome.EARLY_HELP:
        return {"closure_reason": RC9_IS_A_STEP_DOWN}
    if reason and reason not in ClosureReason.values:
        return {"closure_reason": "Choose a closure reason from the list."}
    if reason and outcome not in CLOSING_OUTCOMES:
        return {"closure_reason": "Only a decision to close takes a closure reason."}
    return {}


def decision_census_errors(case: Case, details: DecisionDetails) -> dict[str, str]:
    """The census codes are from their lists, and a move that makes the children children in need
    (a referral) records where it came from and their primary need."""
    errors = {}
    if details.referral_source and details.referral_source not in ReferralSource.values:
        errors["referral_source"] = "Choose a referral source from the census list."
    if details.primary_need and details.primary_need not in PrimaryNeed.values:
        errors["primary_need"] = "Choose a primary need code from the census list (N0-N9)."
    if details.outcome in Outcome.values and _needs_referral_codes(case, details.outcome):
        if not details.referral_source:
            errors["referral_source"] = (
                "This is a referral for the children: record where the referral came from."
            )
        if not details.primary_need:
            errors["primary_need"] = "This is a referral for the children: record their primary need."
    return errors


def decision_step_down_errors(case: Case, details: DecisionDetails) -> dict[str, str]:
    """A step-down from social care to early help goes through the step-down routes, not the
    decision screen."""
    if details.outcome in Outcome.values and _is_step_down(case, details.outcome) and not details.step_down:
        return {"outcome": STEP_DOWN_ONLY}
    return {}


def decision_details_check(case: Case, details: DecisionDetails) -> None:
    """Everything a decision must say before it is proposed or recorded, then the pathway state machine."""
    errors = {
        **decision_outcome_errors(details),
        **decision_sharing_errors(details),
        **decision_closure_errors(details),
        **decision_census_errors(case, details),
        **decision_step_down_errors(case, details),  # only for a valid outcome, so never hides one above
    }
    if errors:
        raise ValidationError(errors)
    _transition_check(case, details.outcome)


def _create(case: Case, by: User, state: str, details: DecisionDetails) -> Decision:
    now = timezone.now()
    decided = state == DecisionState.RECORDED
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                case=case,
                assessment=assessment_of(case.family),
                from_pathway=case.pathway,
                state=state,
                outcome=details.outcome,
                rationale=details.rationale.strip(),
                family_view=(details.family_view or "").strip(),
                consulted=(details.consulted or "").strip(),
                family_consents_to_share=details.family_consents_to_share,
                lawful_basis=(details.lawful_basis or "").strip(),
                closure_reason=details.closure_reason or "",
                ecpp=details.ecpp,
                referral_source=details.referral_source or "",
                primary_need=details.primary_need or "",
                proposed_by=by,
                proposed_at=now,
                decided_by=by if decided else None,
                decided_at=now if decided else None,
            )
    except IntegrityError:
        raise ValidationError(
            "A proposed decision is already waiting on this case: confirm or return it first.", code="pending"
        ) from None
    decision.indicators.set(details.indicators)
    # Shared as the family agreed, or (pathway 4) as the recorded lawful reason allows.
    may_share = details.family_consents_to_share or bool(decision.lawful_basis)
    decision.shared_with.set(details.shared_with if may_share else [])
    return decision


@transaction.atomic
def decision_propose(
    *, case: Case, by: User, details: DecisionDetails, expected_version: int | None = None
) -> Decision:
    """Propose a decision for someone entitled to decide it to confirm."""
    case = _lock(case, expected_version)
    decision_details_check(case, details)
    decision = _create(case, by, DecisionState.PROPOSED, details)
    case.version += 1
    case.save(update_fields=["version"])
    _returned_tasks_close(case, by)
    _decision_confirm_wait(decision, case)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_PROPOSED,
        summary=f"Proposed: {decision.get_outcome_display()}",
        detail=decision.rationale,
        author=by,
    )
    return decision


@transaction.atomic
def decision_record(
    *, case: Case, by: User, details: DecisionDetails, expected_version: int | None = None
) -> Decision:
    """Record a decision the person is entitled to make, and act on it."""
    case = _lock(case, expected_version)
    refusal = decider_refusal(by, case, details.outcome) if details.outcome in Outcome.values else None
    if refusal:
        raise ValidationError({"outcome": refusal}, code="not_entitled")
    decision_details_check(case, details)
    if Decision.objects.filter(case=case, state=DecisionState.PROPOSED).exists():
        raise ValidationError("A proposed decision is waiting on this case: confirm or return it first.")
    decision = _create(case, by, DecisionState.RECORDED, details)
    _returned_tasks_close(case, by)
    _apply(decision, case, by)
    return decision


@transaction.atomic
def decision_confirm(*, decision: Decision, by: User, expected_version: int | None = None) -> Decision:
    case = _lock(decision.case, expected_version)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _decision_transition(decision, DecisionState.RECORDED)
    refusal = confirm_refusal(by, decision, case)
    if refusal and refusal.code == "own_proposal":
        raise refusal
    if decision.from_pathway != case.pathway or case.state != CaseState.OPEN:
        raise ValidationError(
            "The case has changed since this was proposed: return it and propose again.", code="changed"
        )
    if refusal:
        raise refusal
    _transition_check(case, decision.outcome)
    decision.state = DecisionState.RECORDED
    decision.decided_by = by
    decision.decided_at = timezone.now()
    decision.save(update_fields=["state", "decided_by", "decided_at"])
    tasks_close(target=decision, kind=TaskKind.DECISION_CONFIRM, by=by)
    # A drift review's request for a decision is answered by a waiting proposal confirmed, too.
    tasks_close(target=case, kind=TaskKind.DECISION_ASKED, by=by)
    _apply(decision, case, by)
    decision_settled.send(sender=Decision, decision=decision, by=by)
    return decision


@transaction.atomic
def decision_return(
    *, decision: Decision, by: User, reason: str, expected_version: int | None = None
) -> Decision:
    """Send a proposal back (or, by its proposer, withdraw it) with the reason."""
    case = _lock(decision.case, expected_version)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _decision_transition(decision, DecisionState.RETURNED)
    if not reason.strip():
        raise ValidationError(
            {"reason": "Say why it is being returned, so the proposer knows what to change."}
        )
    if not may_return(by, decision, case):
        raise ValidationError("Only someone who could confirm this decision, or its proposer, can return it.")
    decision.state = DecisionState.RETURNED
    decision.returned_reason = reason.strip()
    decision.decided_by = by
    decision.decided_at = timezone.now()
    decision.save(update_fields=["state", "returned_reason", "decided_by", "decided_at"])
    case.version += 1
    case.save(update_fields=["version"])
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RETURNED,
        summary=f"Returned: {decision.get_outcome_display()}",
        detail=decision.returned_reason,
        author=by,
    )
    withdrawn = decision.proposed_by_id == by.pk
    tasks_close(
        target=decision,
        kind=TaskKind.DECISION_CONFIRM,
        by=by,
        state=TaskState.CANCELLED if withdrawn else TaskState.DONE,
    )
    last_task = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    decision_settled.send(sender=Decision, decision=decision, by=by)
    if not withdrawn and decision_level(case, decision.outcome) == 4:
        _proposal_returned_wait(decision, case, after_task=last_task)
    return decision


def _decision_transition(decision: Decision, to_state: str) -> None:
    if to_state not in DECISION_TRANSITIONS[decision.state]:
        raise ValidationError(
            f"This decision is already {decision.get_state_display().lower()}.", code="invalid_transition"
        )


# --- work trays -------------------------------------------------------------------------------
# Whatever waits on someone is a task in their tray, opened and closed here in the same transaction
# as the change that starts or ends the wait (escalation/services.py task_open, tasks_close).


def _decision_url(case: Case) -> str:
    return reverse("pathways:decision", args=[case.pk])


def _confirmers(decision: Decision, case: Case) -> tuple[list[User], str]:
    """Who is asked to confirm a proposal, and why: at pathway 4 the ECPP it names (else the case's
    ECPP, else every ECPP); below, the team managers of the case's team (else the proposer's line
    manager). Only people pathways/permissions.py lets confirm it, so never the proposer."""

    def entitled(candidates) -> list[User]:
        return [
            user
            for user in dict.fromkeys(candidates)
            if user is not None and user.is_active and confirm_refusal(user, decision, case) is None
        ]

    if decision_level(case, decision.outcome) == 4:
        named = entitled([decision.ecpp or case.ecpp])
        if named:
            return named, "You are the expert child protection practitioner for this proposal"
        ecpps = User.objects.filter(groups__name=Role.ECPP).distinct()
        return entitled(ecpps), "No other expert child protection practitioner is named: any may confirm it"
    managers = User.objects.filter(teams=case.team, groups__name=Role.TEAM_MANAGER).distinct()
    found = entitled([case.team.manager, *managers])
    if found:
        return found, f"You manage {case.team}, which holds the case"
    return (
        entitled([decision.proposed_by.line_manager]),
        "No other manager of the case's team may confirm it: you are the proposer's line manager",
    )


def _decision_confirm_wait(decision: Decision, case: Case) -> None:
    """A proposal waits for someone entitled to decide it: a task in each of their trays."""
    users, why = _confirmers(decision, case)
    task_open(
        kind=TaskKind.DECISION_CONFIRM,
        target=decision,
        summary=f"Confirm or return the proposed decision on case {case.reference}: "
        f"{decision.get_outcome_display()}",
        why=why,
        url=_decision_url(case),
        users=users,
        family=case.family,
        exclude=decision.proposed_by,
    )


def _returned_tasks_close(case: Case, by: User | None, state: str = TaskState.DONE) -> None:
    """The case has moved on from a returned proposal (a new proposal or decision, or it closed):
    the proposer's 'proposal returned' task is done, and so is a drift review's request for a
    pathway decision (stepdown/services.py review_outcome_record, outcome escalate)."""
    tasks_close(target=case, kind=TaskKind.DECISION_ASKED, by=by, state=state)
    waiting = Task.objects.filter(
        kind=TaskKind.PROPOSAL_RETURNED,
        state=TaskState.OPEN,
        content_type=ContentType.objects.get_for_model(Decision),
        object_id__in=Decision.objects.filter(case=case).values("pk"),
    ).values_list("object_id", flat=True)
    for decision in Decision.objects.filter(pk__in=list(waiting)):
        tasks_close(target=decision, kind=TaskKind.PROPOSAL_RETURNED, by=by, state=state)


def _proposal_returned_wait(decision: Decision, case: Case, *, after_task: int) -> None:
    """A pathway-4 proposal sent back waits on its proposer: propose again or decide otherwise.
    When a receiver of decision_settled has already put the follow-up in the proposer's tray (the
    front door puts the contact back in its queue to triage again), it is not added twice."""
    proposer = decision.proposed_by
    if tray(proposer).filter(pk__gt=after_task).exists():
        return
    task_open(
        kind=TaskKind.PROPOSAL_RETURNED,
        target=decision,
        summary=f"Your pathway 4 proposal on case {case.reference} was returned: "
        "propose again or decide otherwise",
        why="Returned with reasons by the person asked to confirm it",
        url=_decision_url(case),
        users=[proposer],
        family=case.family,
    )


def _icpc_wait(case: Case, clock) -> None:
    """An ICPC is due (its clock runs from the strategy discussion): a task for the clock's holder."""
    task_open(
        kind=TaskKind.ICPC_HOLD,
        target=case,
        summary=f"Initial child protection conference due for case {case.reference}",
        why="The strategy discussion started the section 47 enquiry: the ICPC is due within "
        f"{ICPC_TARGET_DAYS} working days",
        url=_decision_url(case),
        users=[clock.holder],
        team=None if clock.holder_id else case.team,
        family=case.family,
        clock=clock,
    )


def case_tasks_close_with_case(*, case: Case, by: User | None) -> None:
    """A closed case leaves nothing waiting in anyone's tray: proposals to confirm, returned
    proposals, conferences and reviews are no longer needed."""
    for decision in Decision.objects.filter(case=case, state=DecisionState.PROPOSED):
        tasks_close(target=decision, kind=TaskKind.DECISION_CONFIRM, by=by, state=TaskState.CANCELLED)
    _returned_tasks_close(case, by, TaskState.CANCELLED)
    tasks_close(target=case, kind=TaskKind.ICPC_HOLD, by=by, state=TaskState.CANCELLED)
    for plan in Plan.objects.filter(case=case):
        tasks_close(target=plan, kind=TaskKind.REVIEW_DUE, by=by, state=TaskState.CANCELLED)
    supervision_tasks_close_with_case(case=case, by=by)


def _apply(decision: Decision, case: Case, by: User) -> None:
    """Act on a recorded decision: move the case, bring in an ECPP at pathway 4, close it, and
    create the referral package. Plans and allocations already in place carry on."""
    now = decision.decided_at
    level = decision.level
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RECORDED,
        summary=f"Decision: {decision.get_outcome_display()} ({STATUTORY_REQUIREMENT[level]})",
        detail=decision.rationale,
        author=by,
    )
    if decision.is_closing:
        PathwayTransition.objects.create(
            case=case, from_pathway=case.pathway, to_pathway=None, decision=decision, at=now, by=by
        )
        reason = decision.closure_reason or DEFAULT_CLOSURE_REASON[decision.outcome]
        _plan_follow_pathway(case, decision, by)
        case_close(
            case=case,
            reason=reason,
            by=by,
            note=decision.rationale,
            step_down=decision.outcome == Outcome.EARLY_HELP,
        )
        if decision.outcome == Outcome.EARLY_HELP:
            _package_create(decision, case)  # what was gathered travels on to early help
        return
    target = decision.to_pathway
    from_pathway = case.pathway
    if target != case.pathway:
        PathwayTransition.objects.create(
            case=case, from_pathway=case.pathway, to_pathway=target, decision=decision, at=now, by=by
        )
        chronology_write(
            family=case.family,
            case=case,
            kind=ChronologyKind.PATHWAY_CHANGED,
            summary=f"Pathway {case.pathway} → {Pathway(target).label}",
            author=by,
        )
        case.pathway = target
    case.version += 1
    case.save(update_fields=["pathway", "version"])
    # Clocks that belong to the pathway the case has left can no longer be met: stop them.
    if target != Pathway.FAMILY_HELP:
        clock_cancel(target=case, kind=ClockKind.EARLY_HELP_ASSESSMENT, by=by, reason="Left pathway 2")
    if target != Pathway.PREVENT_HARM:
        clock_cancel(target=case, kind=ClockKind.ICPC, by=by, reason="Left pathway 4")
        tasks_close(target=case, kind=TaskKind.ICPC_HOLD, by=by, state=TaskState.CANCELLED)
    _records_follow_move(case, decision, from_pathway, target, by)
    _plan_follow_pathway(case, decision, by)
    supervision_clock_follow(case=case, by=by)
    if target == Pathway.PREVENT_HARM:
        _ensure_ecpp(case, decision, by)
        enquiry = (
            Section47.objects.filter(episode__case=case, episode__closure_date__isnull=True, outcome="")
            .order_by("icpc_target")
            .first()
        )
        if enquiry is not None:
            # ICPC within 15 working days of the strategy discussion, on the ECPP's clock.
            clock = clock_start(
                target=case,
                kind=ClockKind.ICPC,
                by=by,
                holder=case.ecpp,
                team=case.team,
                family=case.family,
                pathway=case.pathway,
                started_at=decision.decided_at,
                due_at=end_of_working_day(enquiry.icpc_target),
            )
            _icpc_wait(case, clock)
    elif (
        target == Pathway.FAMILY_HELP
        and decision.from_pathway != Pathway.FAMILY_HELP
        and not Plan.objects.filter(case=case, ended_on__isnull=True).exists()
    ):
        case_clock(case, ClockKind.EARLY_HELP_ASSESSMENT, by=by, started_at=decision.decided_at)
    _package_create(decision, case)


def _ensure_ecpp(case: Case, decision: Decision, by: User) -> None:
    """At pathway 4 an ECPP comes alongside the key worker (no handover)."""
    if Allocation.objects.filter(case=case, role=AllocationRole.ECPP, ended_at__isnull=True).exists():
        return
    ecpp = decision.ecpp or (by if Role.ECPP in by.roles else None)
    if ecpp is None:
        raise ValidationError(
            {"ecpp": "Name the expert child protection practitioner who will co-work the case."}
        )
    case_allocate(case=case, user=ecpp, role=AllocationRole.ECPP, by=by)
    case.refresh_from_db()


def _package_create(decision: Decision, case: Case) -> ReferralPackage:
    version = (
        ReferralPackage.objects.filter(family=case.family)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    snapshot = {
        "family": case.family.name,
        "case": case.reference,
        "decision": {
            "outcome": decision.get_outcome_display(),
            "statutory_requirement": decision.statutory_requirement,
            "rationale": decision.rationale,
            "family_view": decision.family_view,
            "consulted": decision.consulted,
            "decided_by": str(decision.decided_by),
            "decided_at": decision.decided_at.isoformat(),
            "indicators": [indicator.text for indicator in decision.indicators.all()],
            "family_consents_to_share": decision.family_consents_to_share,
            "shared_with": sorted(agency.name for agency in decision.shared_with.all()),
            "lawful_basis": decision.lawful_basis,
        },
        "assessment": assessment_snapshot(decision.assessment),
    }
    return ReferralPackage.objects.create(
        decision=decision,
        family=case.family,
        version=version,
        to_pathway=decision.to_pathway or Pathway.FAMILY_HELP,  # a referral to early help: pathway 2's level
        created_at=decision.decided_at,
        snapshot=snapshot,
    )


# --- plans ------------------------------------------------------------------------------------


def _first_review(kind: str, start: date) -> date:
    first, _ = PLAN_REVIEW_DAYS[kind]
    return start + timedelta(days=first)


@transaction.atomic
def plan_start(*, case: Case, by: User, late_reason: str = "") -> Plan:
    """Start the case's plan, of the kind its pathway calls for."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != CaseState.OPEN:
        raise ValidationError("A closed case cannot start a plan.")
    if Plan.objects.filter(case=case).exists():
        raise ValidationError("This case already has a plan: it continues whatever the pathway.")
    if case.pathway == Pathway.ADVICE:
        raise ValidationError(
            "Pathway 1 (advice and information) has no plan; record the advice as a case note."
        )
    kind = PATHWAY_PLAN[case.pathway]
    today = timezone.localdate()
    plan = Plan.objects.create(
        case=case, kind=kind, started_on=today, next_review_due=_first_review(kind, today)
    )
    plan.children.set(case_children(case))
    if kind == PlanKind.CHILD_IN_NEED:
        _cin_plans_start(case, today, by)
    PlanChange.objects.create(
        plan=plan, summary=f"{plan.get_kind_display()} started", to_kind=kind, at=timezone.now(), by=by
    )
    _plan_review_clock(plan, by)
    if case.pathway == Pathway.FAMILY_HELP:
        # The early help assessment is done when its plan is made (DOMAIN.md: 10 working days).
        clock_meet(target=case, kind=ClockKind.EARLY_HELP_ASSESSMENT, by=by, late_reason=late_reason)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.PLAN_CHANGED,
        summary=f"{plan.get_kind_display()} started",
        author=by,
    )
    return plan


def _plan_review_clock(plan: Plan, by: User, *, started_at=None) -> None:
    """The plan's next review runs on the clock engine: a CP review conference for a child
    protection plan, otherwise a plan review. Its due time is the plan's next review date."""
    kind = ClockKind.CP_REVIEW if plan.kind == PlanKind.CHILD_PROTECTION else ClockKind.PLAN_REVIEW
    started_at = started_at or timezone.now()
    due_at = max(end_of_working_day(plan.next_review_due), started_at)
    clock = case_clock(plan.case, kind, by=by, target=plan, started_at=started_at, due_at=due_at)
    tasks_close(target=plan, kind=TaskKind.REVIEW_DUE, by=by, state=TaskState.CANCELLED)
    _review_task(plan, clock)


def _review_task(plan: Plan, clock) -> None:
    """The review waits on the clock's holder (the key worker; the team when nobody holds the case)."""
    case = plan.case
    task_open(
        kind=TaskKind.REVIEW_DUE,
        target=plan,
        summary=f"{clock.get_kind_display()} due for case {case.reference}",
        why=f"The {plan.get_kind_display().lower()} is reviewed on its timescale",
        url=reverse("pathways:plan", args=[case.pk]),
        users=[clock.holder],
        team=None if clock.holder_id else case.team,
        family=case.family,
        clock=clock,
    )


def _plan_follow_pathway(case: Case, decision: Decision, by: User) -> None:
    """Carry the plan over a pathway change: same plan, same actions, re-typed; its next review
    follows the new pathway's timescale. Closing the case ends the plan."""
    plan = Plan.objects.select_for_update().filter(case=case, ended_on__isnull=True).first()
    if plan is None:
        return
    now = timezone.now()
    if decision.is_closing:
        plan.ended_on = timezone.localdate()
        plan.version += 1
        plan.save(update_fields=["ended_on", "version"])
        clock_cancel(target=plan, by=by, reason="Plan ended with the case")
        tasks_close(target=plan, kind=TaskKind.REVIEW_DUE, by=by, state=TaskState.CANCELLED)
        PlanChange.objects.create(
            plan=plan, summary="Plan ended with the case", decision=decision, at=now, by=by
        )
        return
    kind = PATHWAY_PLAN[case.pathway]
    keeps_cp_plan = case.pathway == Pathway.PREVENT_HARM and plan.kind == PlanKind.CHILD_PROTECTION
    if kind == plan.kind or keeps_cp_plan:
        return
    _plan_retype(plan, kind, by, decision=decision, start=timezone.localdate())


def _plan_retype(plan: Plan, kind: str, by: User, *, decision: Decision | None = None, start: date) -> None:
    summary = f"{plan.get_kind_display()} continues as a {PlanKind(kind).label.lower()}"
    PlanChange.objects.create(
        plan=plan,
        summary=summary,
        from_kind=plan.kind,
        to_kind=kind,
        decision=decision,
        at=timezone.now(),
        by=by,
    )
    if plan.kind == PlanKind.CHILD_IN_NEED and kind == PlanKind.FAMILY_SUPPORT:
        _cin_plans_end(plan.case, start, by)
    plan.kind = kind
    plan.next_review_due = _first_review(kind, start)
    plan.version += 1
    plan.save(update_fields=["kind", "next_review_due", "version"])
    if kind == PlanKind.CHILD_IN_NEED:
        _cin_plans_start(plan.case, start, by)
    clock_cancel(target=plan, by=by, reason=summary)
    _plan_review_clock(plan, by)
    chronology_write(
        family=plan.case.family, case=plan.case, kind=ChronologyKind.PLAN_CHANGED, summary=summary, author=by
    )


def _plan_touched(plan: Plan, by: User, summary: str) -> None:
    """Every change to a plan is history (PlanChange) and moves its version on."""
    PlanChange.objects.create(plan=plan, summary=summary[:300], at=timezone.now(), by=by)
    plan.version += 1
    plan.save(update_fields=["version"])


def _open_plan(plan: Plan, expected_version: int | None) -> Plan:
    plan = lock_current(plan, expected_version)
    if plan.ended_on:
        raise ValidationError("This plan has ended.")
    return plan


@transaction.atomic
def plan_outcome_add(*, plan: Plan, by: User, text: str) -> PlanOutcome:
    plan = _open_plan(plan, None)
    if not text.strip():
        raise ValidationError({"text": "Say what will be different for the child and family."})
    outcome = PlanOutcome.objects.create(plan=plan, text=text.strip(), added_at=timezone.now(), added_by=by)
    _plan_touched(plan, by, f"Outcome added: {outcome.text[:200]}")
    return outcome


@transaction.atomic
def plan_action_add(
    *,
    plan: Plan,
    by: User,
    what: str,
    who: str,
    by_when: date,
    outcome: PlanOutcome | None = None,
    source: str = ActionSource.PLAN,
) -> PlanAction:
    """An action joins the plan. `source` says where it came from: the family's own plan from a
    family group conference joins as its own actions (fgc/services.py)."""
    plan = _open_plan(plan, None)
    errors = {}
    if not what.strip():
        errors["what"] = "Say what will be done."
    if not who.strip():
        errors["who"] = "Say who will do it."
    if by_when is None:
        errors["by_when"] = "Say by when."
    elif by_when < plan.started_on:
        errors["by_when"] = "The date must be after the plan started."
    if outcome is not None and outcome.plan_id != plan.pk:
        errors["outcome"] = "Choose an outcome of this plan."
    if errors:
        raise ValidationError(errors)
    action = PlanAction.objects.create(
        plan=plan,
        outcome=outcome,
        what=what.strip(),
        who=who.strip(),
        by_when=by_when,
        source=source,
        added_at=timezone.now(),
        added_by=by,
    )
    _plan_touched(plan, by, f"Action added: {action.what[:150]} ({action.who}, by {action.by_when:%d %b %Y})")
    return action


@transaction.atomic
def plan_action_status_set(*, action: PlanAction, by: User, status: str) -> PlanAction:
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status from the list."})
    plan = _open_plan(action.plan, None)
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    if action.status == status:
        return action
    before = action.get_status_display()
    action.status = status
    action.save(update_fields=["status"])
    _plan_touched(plan, by, f"Action '{action.what[:80]}': {before} → {action.get_status_display()}")
    return action


@transaction.atomic
def plan_review_record(
    *,
    plan: Plan,
    by: User,
    held_on: date,
    notes: str,
    late_reason: str = "",
    expected_version: int | None = None,
) -> PlanReview:
    plan = _open_plan(plan, expected_version)
    errors = {}
    if held_on is None or held_on > timezone.localdate():
        errors["held_on"] = "Enter the date the review was held (today or earlier)."
    elif held_on < plan.started_on:
        errors["held_on"] = "A review cannot be before the plan started."
    if not notes.strip():
        errors["notes"] = "Record what the review found and decided."
    if errors:
        raise ValidationError(errors)
    review = PlanReview.objects.create(
        plan=plan,
        due_on=plan.next_review_due,
        held_on=held_on,
        notes=notes.strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    for kind in (ClockKind.PLAN_REVIEW, ClockKind.CP_REVIEW):
        clock_meet(
            target=plan,
            kind=kind,
            by=by,
            late_reason=late_reason,
            at=timezone.make_aware(datetime.combine(held_on, time(12, 0))),
        )
    tasks_close(target=plan, kind=TaskKind.REVIEW_DUE, by=by)
    if plan.kind == PlanKind.CHILD_PROTECTION:
        _cp_reviews_record(plan, review)
    _, every = PLAN_REVIEW_DAYS[plan.kind]
    plan.next_review_due = held_on + timedelta(days=every)
    plan.version += 1
    plan.save(update_fields=["next_review_due", "version"])
    _plan_review_clock(plan, by)
    PlanChange.objects.create(
        plan=plan,
        summary=f"Reviewed; next review due {plan.next_review_due:%d %b %Y}",
        at=timezone.now(),
        by=by,
    )
    chronology_write(
        family=plan.case.family,
        case=plan.case,
        kind=ChronologyKind.PLAN_CHANGED,
        summary=f"{plan.get_kind_display()} reviewed",
        detail=review.notes,
        author=by,
    )
    return review


# --- children's statutory records (Children in Need census, Ofsted Annex A) ----------------------
#
# The family's case moves between pathways; the law and the returns count children. Each decision
# that moves a case writes the statutory facts of each of its children, in the same transaction:
# a CIN episode opens for every child when the case enters the pathways that count
# (settings.CIN_EPISODE_FROM_PATHWAY, docs/census.md) and closes, with the child's own closure
# reason, when it leaves them or closes.


def counts_as_child_in_need(pathway: int | None) -> bool:
    return pathway is not None and pathway >= settings.CIN_EPISODE_FROM_PATHWAY


def _child_chronology(case: Case, child: Person, by: User, summary: str, detail: str = "") -> None:
    chronology_write(
        family=case.family,
        case=case,
        subject=child,
        kind=ChronologyKind.CHILD_RECORD,
        summary=f"{child}: {summary}",
        detail=detail,
        author=by,
    )


def _episodes_open_for(case: Case, decision: Decision, on: date, by: User) -> list[CinEpisode]:
    """Each child of the family has an open episode: the one they have, or a new one from this
    referral, with its first assessment."""
    episodes = []
    for child in case_children(case).select_for_update(of=("self",)):
        episode = CinEpisode.objects.filter(child=child, closure_date__isnull=True).first()
        if episode is None:
            episode = CinEpisode.objects.create(
                child=child,
                case=case,
                decision=decision,
                referral_date=on,
                referral_source=decision.referral_source,
                primary_need=decision.primary_need,
            )
            ChildAssessment.objects.create(episode=episode, started_on=on)
            _child_chronology(
                case, child, by, "referral: child in need episode and assessment started", decision.rationale
            )
        elif episode.case_id != case.pk:
            # The child has come to live in this family: their episode goes on, worked here now.
            episode.case = case
            episode.save(update_fields=["case"])
            _child_chronology(case, child, by, "child in need episode continues on this family's case")
        episodes.append(episode)
    return episodes


def _close_reason(episode: CinEpisode, wanted: str) -> str:
    """RC8 and RC9 are only for an episode that ended straight after assessment: one with a CIN
    plan, a section 47 enquiry or a child protection plan closes with RC7 (DfE rule 2990)."""
    if wanted in (ClosureReason.RC8, ClosureReason.RC9) and (
        episode.cin_plans.exists() or episode.section47s.exists() or episode.cp_plans.exists()
    ):
        return ClosureReason.RC7
    return wanted


def _episode_close(episode: CinEpisode, *, on: date, reason: str, by: User, case: Case) -> None:
    on = max(on, episode.referral_date)
    # A CIN plan due to start after the closure (the day after a CP plan ended today) never ran.
    CinPlanPeriod.objects.filter(episode=episode, ended_on__isnull=True, started_on__gt=on).delete()
    CinPlanPeriod.objects.filter(episode=episode, ended_on__isnull=True).update(ended_on=on)
    CpPlan.objects.filter(episode=episode, ended_on__isnull=True).update(ended_on=on)
    episode.closure_date = on
    episode.closure_reason = _close_reason(episode, reason)
    episode.save(update_fields=["closure_date", "closure_reason"])
    _child_chronology(
        case,
        episode.child,
        by,
        f"child in need episode closed ({ClosureReason(episode.closure_reason).label})",
    )


def _episodes_close_for(case: Case, *, on: date, reason: str, by: User) -> None:
    episodes = CinEpisode.objects.select_for_update(of=("self",)).filter(case=case, closure_date__isnull=True)
    for episode in episodes.select_related("child"):
        _episode_close(episode, on=on, reason=reason, by=by, case=case)


def _open_episodes(case: Case):
    return CinEpisode.objects.filter(case=case, closure_date__isnull=True).select_related("child")


def _records_follow_move(case: Case, decision: Decision, from_pathway: int, target: int, by: User) -> None:
    """The children's records after a move between pathways (closing is case_close's: see
    episodes_close_with_case)."""
    on = timezone.localdate(decision.decided_at)
    if not counts_as_child_in_need(target):
        if counts_as_child_in_need(from_pathway):
            # Stepped down or out: closed after assessment to early help (RC9) or to advice (RC8),
            # unless the episode went further (then RC7).
            reason = ClosureReason.RC9 if target == Pathway.FAMILY_HELP else ClosureReason.RC8
            _episodes_close_for(case, on=on, reason=reason, by=by)
        return
    episodes = _episodes_open_for(case, decision, on, by)
    if target >= Pathway.REDUCE_RISK and any(
        e.referral_date == on and e.decision_id == decision.pk for e in episodes
    ):
        # DOMAIN.md: the assessment at pathway 3 is due 45 working days from the referral.
        case_clock(case, ClockKind.ASSESSMENT_PATHWAY_3, by=by, started_at=decision.decided_at)
    if target == Pathway.PREVENT_HARM and from_pathway != Pathway.PREVENT_HARM:
        # A strategy discussion starts a section 47 enquiry for each child: a new enquiry each
        # time the family comes into pathway 4, kept beside the earlier ones.
        for episode in episodes:
            if not Section47.objects.filter(episode=episode, outcome="").exists():
                Section47.objects.create(
                    episode=episode, started_on=on, icpc_target=working_days_after(on, ICPC_TARGET_DAYS)
                )
                _child_chronology(case, episode.child, by, "section 47 enquiry started")
    if from_pathway == Pathway.PREVENT_HARM and target != Pathway.PREVENT_HARM:
        for cp_plan in CpPlan.objects.filter(episode__in=episodes, ended_on__isnull=True).select_related(
            "episode__child"
        ):
            _cp_plan_close(
                cp_plan, on=on, by=by, case=case, summary="child protection plan ended (step down)"
            )


def _cp_plan_close(cp_plan: CpPlan, *, on: date, by: User, case: Case, summary: str) -> None:
    cp_plan.ended_on = max(on, cp_plan.started_on)
    cp_plan.save(update_fields=["ended_on"])
    _child_chronology(case, cp_plan.episode.child, by, summary)


def _cin_plans_start(case: Case, on: date, by: User) -> None:
    """Children on the family's child in need plan: each open episode without a CIN or CP plan
    running starts a CIN plan period."""
    for episode in _open_episodes(case):
        if CinPlanPeriod.objects.filter(episode=episode, ended_on__isnull=True).exists():
            continue
        if CpPlan.objects.filter(episode=episode, ended_on__isnull=True).exists():
            continue
        start = max(on, episode.referral_date)
        last_cp_end = (
            CpPlan.objects.filter(episode=episode)
            .order_by("-ended_on")
            .values_list("ended_on", flat=True)
            .first()
        )
        if last_cp_end is not None and last_cp_end >= start:
            start = last_cp_end + timedelta(days=1)  # never on a day the child was on a CP plan
        CinPlanPeriod.objects.create(episode=episode, started_on=start)
        _child_chronology(case, episode.child, by, "child in need plan started")


def _cin_plans_end(case: Case, on: date, by: User) -> None:
    for period in CinPlanPeriod.objects.filter(episode__case=case, ended_on__isnull=True).select_related(
        "episode__child"
    ):
        period.ended_on = max(on, period.started_on)
        period.save(update_fields=["ended_on"])
        _child_chronology(case, period.episode.child, by, "child in need plan ended")


def plan_clocks_stop_with_case(*, case: Case, reason: str, by: User | None) -> int:
    """A closed case's plans' clocks (reviews) are cancelled, never left to fire."""
    return sum(clock_cancel(target=plan, by=by, reason=reason) for plan in Plan.objects.filter(case=case))


def episodes_close_with_case(*, case: Case, reason: str, by: User) -> None:
    """However a case closes (a decision, the close form, the API), its children's episodes
    close with it, each with the reason that fits what happened in that child's episode."""
    _episodes_close_for(case, on=timezone.localdate(case.closed_at), reason=reason, by=by)


def _lock_for_records(case: Case, expected_version: int | None = None) -> Case:
    case = _lock(case, expected_version)
    if case.state != CaseState.OPEN:
        raise ValidationError("The case is closed.")
    return case


def _chosen(rows, children, field_error: str):
    """Rows for the chosen children (all of them when none are named); a child named who has no
    such row is refused by id, never by name."""
    if not children:
        return list(rows)
    wanted = {int(child) for child in children}
    chosen = [row for row in rows if row.episode.child_id in wanted]
    missing = wanted - {row.episode.child_id for row in chosen}
    if missing:
        raise ValidationError({field_error: f"No such record for person P{min(missing)} on this case."})
    return chosen


@transaction.atomic
def assessment_authorise(
    *,
    case: Case,
    by: User,
    factors: list[str],
    on: date | None = None,
    late_reason: str = "",
    children=(),
) -> list[ChildAssessment]:
    """A manager authorises the children's section 17 assessments with the factors identified
    (all the case's children whose assessment is open, or those named)."""
    if not by.has_perm("pathways.authorise_assessment"):
        raise ValidationError("Only a team manager can authorise an assessment.", code="not_entitled")
    case = _lock_for_records(case)
    if case.key_worker_id == by.pk:
        raise ValidationError("You hold this case: another manager must authorise its assessment.")
    open_assessments = assessments_awaiting(case).select_for_update(of=("self",))
    if not open_assessments:
        raise ValidationError(
            "No section 17 assessment is waiting for authorisation on this case: it has not been "
            "referred into pathway 3 or 4, or its assessments are authorised."
        )
    assessments = _chosen(open_assessments, children, "children")
    on = on or timezone.localdate()
    errors = {}
    unknown = [factor for factor in factors if factor not in ASSESSMENT_FACTORS]
    if not factors:
        errors["factors"] = "Record the factors identified, or 21 (no factors identified)."
    elif unknown:
        errors["factors"] = f"Not current census factor codes: {', '.join(unknown)}."
    elif NO_FACTORS in factors and len(factors) > 1:
        errors["factors"] = "21 (no factors identified) cannot go with other factors."
    if any(on < assessment.started_on for assessment in assessments) or on > timezone.localdate():
        errors["on"] = "The authorisation date must be between the assessment's start and today."
    if errors:
        raise ValidationError(errors)
    chosen = sorted(set(factors), key=list(ASSESSMENT_FACTORS).index)
    for assessment in assessments:
        assessment.factors = chosen
        assessment.authorised_on = on
        assessment.authorised_by = by
        assessment.save(update_fields=["factors", "authorised_on", "authorised_by"])
    if not open_assessments.exclude(pk__in=[a.pk for a in assessments]).exists():
        clock_meet(
            target=case,
            kind=ClockKind.ASSESSMENT_PATHWAY_3,
            by=by,
            late_reason=late_reason,
            at=timezone.make_aware(datetime.combine(on, time(12, 0))),
        )
    names = ", ".join(str(a.episode.child) for a in assessments)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RECORDED,
        summary=f"Section 17 assessment authorised: {names}"[:300],
        detail=", ".join(ASSESSMENT_FACTORS[f] for f in chosen),
        author=by,
    )
    return assessments


@transaction.atomic
def s47_outcome_record(*, case: Case, by: User, outcome: str, rationale: str, children=()) -> list[Section47]:
    """The ECPP's decision at the end of the children's section 47 enquiries, including whether
    to hold an initial child protection conference (for all the open enquiries, or those named)."""
    require_cp_decider(by)
    case = _lock_for_records(case)
    errors = {}
    if outcome not in S47Outcome.values:
        errors["outcome"] = "Choose the outcome of the enquiry."
    if not (rationale or "").strip():
        errors["rationale"] = "Explain the outcome."
    enquiries = enquiries_awaiting_outcome(case).select_for_update(of=("self",))
    if case.pathway != Pathway.PREVENT_HARM or not enquiries:
        errors["outcome"] = "No section 47 enquiry is open on this case."
    if errors:
        raise ValidationError(errors)
    enquiries = _chosen(enquiries, children, "children")
    today = timezone.localdate()
    for enquiry in enquiries:
        enquiry.outcome = outcome
        enquiry.outcome_on = max(today, enquiry.started_on)
        enquiry.save(update_fields=["outcome", "outcome_on"])
    if (
        not Section47.objects.filter(
            episode__case=case,
            episode__closure_date__isnull=True,
            outcome=S47Outcome.HOLD_ICPC,
            icpc_date=None,
        ).exists()
        and not Section47.objects.filter(episode__case=case, outcome="").exists()
    ):
        clock_cancel(target=case, kind=ClockKind.ICPC, by=by, reason="The enquiries decided no ICPC")
        tasks_close(target=case, kind=TaskKind.ICPC_HOLD, by=by, state=TaskState.CANCELLED)
    names = ", ".join(str(e.episode.child) for e in enquiries)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RECORDED,
        summary=f"Section 47 outcome: {S47Outcome(outcome).label} ({names})"[:300],
        detail=rationale.strip(),
        author=by,
    )
    return enquiries


@dataclass(frozen=True)
class ConferenceDecision:
    """What an initial child protection conference decided for one child."""

    child: int  # the child's person id
    cp_plan: bool
    category: str = ""


@transaction.atomic
def icpc_record(
    *,
    case: Case,
    by: User,
    held_on: date,
    children: list[ConferenceDecision],
    late_reason: str = "",
) -> list[Section47]:
    """The initial child protection conference: it decides for each child separately whether
    they become subject to a child protection plan, and under which category of abuse."""
    require_cp_decider(by)
    case = _lock_for_records(case)
    enquiries = list(icpc_awaiting(case).select_for_update(of=("self",)))
    errors = {}
    if case.pathway != Pathway.PREVENT_HARM:
        errors["held_on"] = "The case is no longer at pathway 4 with an open enquiry."
    elif not enquiries:
        errors["held_on"] = "An ICPC follows an ECPP's decision to hold one at the end of the s47 enquiry."
    elif held_on is None or held_on > timezone.localdate():
        errors["held_on"] = "Enter the date the conference was held (today or earlier)."
    elif held_on.weekday() >= 5:
        errors["held_on"] = "An ICPC cannot be held on a weekend (census rule): check the date."
    elif any(held_on < enquiry.started_on for enquiry in enquiries):
        errors["held_on"] = "The conference cannot be before the strategy discussion."
    decided = {}
    for row in children:
        if row.child in decided:
            errors["children"] = f"Person P{row.child} is listed twice."
        decided[row.child] = row
    awaiting = {enquiry.episode.child_id: enquiry for enquiry in enquiries}
    if "held_on" not in errors:
        unknown = sorted(set(decided) - set(awaiting))
        missing = [e.episode.child for e in enquiries if e.episode.child_id not in decided]
        if unknown:
            errors["children"] = f"Person P{unknown[0]} has no enquiry waiting for a conference on this case."
        elif missing:
            errors["children"] = f"Record the conference's decision for {missing[0]} too."
        for row in decided.values():
            if row.cp_plan and row.category not in AbuseCategory.values:
                errors[f"child_{row.child}"] = (
                    "Record the category of abuse for the child protection plan (NEG, PHY, SAB, EMO "
                    "or MUL for more than one)."
                )
            elif not row.cp_plan and row.category:
                errors[f"child_{row.child}"] = "A category of abuse goes with a child protection plan."
    if errors:
        raise ValidationError(errors)
    clock_meet(
        target=case,
        kind=ClockKind.ICPC,
        by=by,
        late_reason=late_reason,
        at=timezone.make_aware(datetime.combine(held_on, time(12, 0))),
    )
    tasks_close(target=case, kind=TaskKind.ICPC_HOLD, by=by)
    outcomes = []
    for child_id, enquiry in awaiting.items():
        row = decided[child_id]
        enquiry.icpc_date = held_on
        enquiry.save(update_fields=["icpc_date"])
        child = enquiry.episode.child
        if row.cp_plan:
            _cp_plan_start(enquiry, row.category, held_on, by, case)
            outcomes.append(f"{child}: child protection plan ({row.category})")
        else:
            outcomes.append(f"{child}: no child protection plan")
    if any(row.cp_plan for row in decided.values()):
        plan = Plan.objects.select_for_update().filter(case=case, ended_on__isnull=True).first()
        if plan is None:
            plan = Plan.objects.create(case=case, kind=PlanKind.CHILD_IN_NEED, started_on=held_on)
            plan.children.set(case_children(case))
        if plan.kind != PlanKind.CHILD_PROTECTION:
            _plan_retype(plan, PlanKind.CHILD_PROTECTION, by, start=held_on)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RECORDED,
        summary="Initial child protection conference held",
        detail="; ".join(outcomes),
        author=by,
    )
    return enquiries


def _cp_plan_start(enquiry: Section47, category: str, held_on: date, by: User, case: Case) -> CpPlan:
    """A child becomes subject to a child protection plan on the day of the conference; a CIN plan
    they were on ends that day."""
    episode = enquiry.episode
    child = episode.child
    # A child in need plan and a child protection plan never run on the same day (DfE rules 4001,
    # 4016, 4017): the CIN plan ends the day before. One that would start on the day itself never ran.
    for period in CinPlanPeriod.objects.filter(episode=episode, ended_on__isnull=True):
        if period.started_on >= held_on:
            period.delete()
            continue
        period.ended_on = held_on - timedelta(days=1)
        period.save(update_fields=["ended_on"])
    same_child = Q(episode__child=child) | Q(episode__child__merged_into=child)
    previous = CpPlan.objects.filter(same_child, started_on__lt=held_on).count()
    cp_plan = CpPlan.objects.create(
        episode=episode,
        section47=enquiry,
        started_on=held_on,
        initial_category=category,
        latest_category=category,
        previous_plans=previous,
    )
    CpCategoryChange.objects.create(
        cp_plan=cp_plan, to_category=category, on=held_on, at=timezone.now(), by=by
    )
    _child_chronology(case, child, by, f"child protection plan started ({AbuseCategory(category).label})")
    return cp_plan


@transaction.atomic
def cp_plan_category_change(*, cp_plan: CpPlan, by: User, category: str, on: date | None = None) -> CpPlan:
    """A review conference changes the category of abuse of a child's plan; the history is kept."""
    require_cp_decider(by)
    cp_plan = (
        CpPlan.objects.select_for_update()
        .select_related("episode__child", "episode__case")
        .get(pk=cp_plan.pk)
    )
    case = cp_plan.episode.case
    on = on or timezone.localdate()
    errors = {}
    if cp_plan.ended_on is not None:
        errors["category"] = "This child protection plan has ended."
    elif category not in AbuseCategory.values:
        errors["category"] = "Choose a category of abuse from the list."
    elif category == cp_plan.latest_category:
        errors["category"] = "That is the plan's category already."
    elif on < cp_plan.started_on or on > timezone.localdate():
        errors["on"] = "The date must be between the plan's start and today."
    if errors:
        raise ValidationError(errors)
    CpCategoryChange.objects.create(
        cp_plan=cp_plan,
        from_category=cp_plan.latest_category,
        to_category=category,
        on=on,
        at=timezone.now(),
        by=by,
    )
    before = cp_plan.latest_category
    cp_plan.latest_category = category
    cp_plan.save(update_fields=["latest_category"])
    _child_chronology(
        case, cp_plan.episode.child, by, f"category of abuse changed from {before} to {category}"
    )
    return cp_plan


@transaction.atomic
def cp_plan_end(*, cp_plan: CpPlan, by: User, on: date, rationale: str) -> CpPlan:
    """A review conference ends one child's child protection plan; the child stays a child in need
    on the family's plan. When no child remains on a child protection plan, the family's plan
    continues as a child in need plan."""
    require_cp_decider(by)
    cp_plan = (
        CpPlan.objects.select_for_update()
        .select_related("episode__child", "episode__case")
        .get(pk=cp_plan.pk)
    )
    case = _lock_for_records(cp_plan.episode.case)
    errors = {}
    if cp_plan.ended_on is not None:
        errors["on"] = "This child protection plan has ended."
    elif on is None or on < cp_plan.started_on or on > timezone.localdate():
        errors["on"] = "The date must be between the plan's start and today."
    if not (rationale or "").strip():
        errors["rationale"] = "Record why the conference ended the plan."
    if errors:
        raise ValidationError(errors)
    _cp_plan_close(
        cp_plan, on=on, by=by, case=case, summary="child protection plan ended by the review conference"
    )
    CinPlanPeriod.objects.create(episode=cp_plan.episode, started_on=on + timedelta(days=1))
    if not CpPlan.objects.filter(episode__case=case, ended_on__isnull=True).exists():
        plan = Plan.objects.select_for_update().filter(case=case, ended_on__isnull=True).first()
        if plan is not None and plan.kind == PlanKind.CHILD_PROTECTION:
            _plan_retype(plan, PlanKind.CHILD_IN_NEED, by, start=on)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.DECISION_RECORDED,
        summary=f"Child protection plan ended: {cp_plan.episode.child}",
        detail=rationale.strip(),
        author=by,
    )
    return cp_plan


def _cp_reviews_record(plan: Plan, review: PlanReview) -> None:
    """A review of the family's child protection plan is a review conference of each child's plan."""
    for cp_plan in CpPlan.objects.filter(
        episode__case=plan.case, ended_on__isnull=True, started_on__lte=review.held_on
    ):
        CpReview.objects.get_or_create(
            cp_plan=cp_plan, held_on=review.held_on, defaults={"plan_review": review}
        )


def decision_tasks_backfill() -> None:
    """The pathways' waits still open are in their owners' trays (manage.py tray_backfill, for waits
    that began before work trays existed): proposals to confirm, ICPCs to hold, reviews due."""
    for decision in (
        Decision.objects.filter(state=DecisionState.PROPOSED).select_related("case").order_by("pk")
    ):
        _decision_confirm_wait(decision, decision.case)
    for case in Case.objects.filter(closed_at__isnull=True, pathway=Pathway.PREVENT_HARM).order_by("pk"):
        clock = open_clock(case, ClockKind.ICPC)
        if clock is not None:
            _icpc_wait(case, clock)
    for plan in Plan.objects.filter(ended_on__isnull=True).select_related("case").order_by("pk"):
        kind = ClockKind.CP_REVIEW if plan.kind == PlanKind.CHILD_PROTECTION else ClockKind.PLAN_REVIEW
        clock = open_clock(plan, kind)
        if clock is not None:
            _review_task(plan, clock)


# --- case supervision --------------------------------------------------------------------------
# A manager of the case's team supervises the work with a practitioner allocated to it. Each
# supervision goes on the chronology as "Case supervised on <date>" and nothing more (partners see
# that line: pathways/permissions.py), meets the case's SUPERVISION clock and starts the next one,
# due by the pathway's interval (settings.SUPERVISION_WEEKS; a pathway not named is not timed).
# Its actions wait in their owners' trays until marked done.


@dataclass(frozen=True)
class SupervisionActionDetails:
    """An action set in supervision, as the manager entered it."""

    what: str
    owner: User | None
    by_when: date | None


def supervision_weeks(pathway: int | None) -> int | None:
    """How often a case at `pathway` is supervised, in weeks (None: not timed)."""
    return getattr(settings, "SUPERVISION_WEEKS", {}).get(pathway)


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _met_at(held_on: date) -> datetime:
    """When a supervision held on a day counts as held: midday, or now if that is still to come."""
    return min(_noon(held_on), timezone.now())


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _supervisors(case: Case) -> list[User]:
    """Who is asked to supervise the case: the team's manager and the team managers in it, each
    only if they may (never one who holds the case)."""
    team = case.team
    candidates = [team.manager] if team.manager_id else []
    candidates += User.objects.filter(teams=team, groups__name=Role.TEAM_MANAGER, is_active=True).order_by(
        "pk"
    )
    return [
        user
        for user in dict.fromkeys(candidates)
        if user.is_active and supervision_refusal(user, case) is None
    ]


def _supervision_due_wait(case: Case, clock) -> None:
    """The next supervision waits on the case team's managers, timed by the SUPERVISION clock."""
    weeks = supervision_weeks(clock.pathway)
    task_open(
        kind=TaskKind.SUPERVISION_DUE,
        target=case,
        summary=f"Supervise case {case.reference}",
        why=f"A case at pathway {clock.pathway} is supervised every {weeks} weeks: you manage {case.team}",
        url=reverse("pathways:supervisions", args=[case.pk]),
        users=_supervisors(case),
        family=case.family,
        clock=clock,
    )


def _supervision_clock_start(case: Case, by: User | None, *, since: date | None):
    """Start the case's next SUPERVISION clock: due `SUPERVISION_WEEKS[pathway]` weeks after the
    last supervision (`since`), or after now when it has never been supervised. After a
    supervision the next one waits in the managers' trays (SUPERVISION_DUE); before the first, the
    clock alone times it (the managers' overdue list and dashboard, and the sweep's reminder)."""
    weeks = supervision_weeks(case.pathway)
    if not weeks or not case.is_open:
        return None
    started_at = _met_at(since) if since else timezone.now()
    due_at = end_of_working_day(timezone.localdate(started_at) + timedelta(weeks=weeks))
    clock = clock_start(
        target=case,
        kind=ClockKind.SUPERVISION,
        by=by,
        holder=case.team.manager,
        team=case.team,
        family=case.family,
        pathway=case.pathway,
        started_at=started_at,
        due_at=max(due_at, started_at),
    )
    if since is not None:
        _supervision_due_wait(case, clock)
    return clock


@transaction.atomic
def supervision_clock_follow(*, case: Case, by: User | None):
    """Keep the case's SUPERVISION clock in step with its pathway: start one when the case is (or
    comes) into a timed pathway, re-time it when the pathway's interval changes, stop it when the
    case leaves the timed pathways or closes. Called when the pathway changes (_apply) and by the
    backfill; a case opened at pathway 2 is timed from its first supervision or the backfill (cases
    tells nobody when a case opens). Returns the open clock, if any."""
    clock = open_clock(case, ClockKind.SUPERVISION)
    weeks = supervision_weeks(case.pathway) if case.is_open else None
    if clock is not None and (not weeks or supervision_weeks(clock.pathway) != weeks):
        reason = (
            f"Pathway {case.pathway}: supervised every {weeks} weeks now"
            if weeks
            else "The case is no longer on a pathway whose supervision is timed"
        )
        clock_cancel(target=case, kind=ClockKind.SUPERVISION, by=by, reason=reason)
        tasks_close(target=case, kind=TaskKind.SUPERVISION_DUE, by=by, state=TaskState.CANCELLED)
        clock = None
    if not weeks:
        return None
    last = last_supervised_on(case)
    if clock is None:
        return _supervision_clock_start(case, by, since=last)
    if last is not None:
        _supervision_due_wait(case, clock)  # opens nothing when the task is already there
    return clock


def supervision_tasks_close_with_case(*, case: Case, by: User | None) -> None:
    """A closed case is supervised no more (its clock stops with the case's, escalation's
    receiver), and its supervision actions leave their owners' trays."""
    tasks_close(target=case, kind=TaskKind.SUPERVISION_DUE, by=by, state=TaskState.CANCELLED)
    for action in SupervisionAction.objects.filter(supervision__case=case, done_at__isnull=True):
        tasks_close(target=action, kind=TaskKind.SUPERVISION_ACTION, by=by, state=TaskState.CANCELLED)


def _supervision_action_wait(action: SupervisionAction, case: Case) -> None:
    task_open(
        kind=TaskKind.SUPERVISION_ACTION,
        target=action,
        summary=f"Supervision action on case {case.reference}: {action.what[:200]}",
        why=f"Set in supervision on {_long_date(action.supervision.held_on)}: yours by "
        f"{_long_date(action.by_when)}",
        url=action.get_absolute_url(),
        users=[action.owner],
        family=case.family,
        due_at=end_of_working_day(action.by_when),
    )


def _may_own_action(user: User, case: Case) -> bool:
    """An action goes to someone in children's services who can open the case (and so the
    supervision it links to)."""
    return user.is_active and sees_whole_record(user) and cases_visible_to(user).filter(pk=case.pk).exists()


def supervision_action_errors(actions, *, case: Case, held_on: date | None) -> dict[str, str]:
    """Each action says what, whose and by when (on or after the supervision): errors keyed
    `actions.<row>.<field>`, rows counted from 1."""
    errors = {}
    for row, action in enumerate(actions, start=1):
        key = f"actions.{row}."
        if not (action.what or "").strip():
            errors[key + "what"] = "Say what will be done."
        if action.owner is None:
            errors[key + "owner"] = "Choose who will do it."
        elif not _may_own_action(action.owner, case):
            errors[key + "owner"] = (
                f"{action.owner} cannot open this case: give the action to someone who works on it."
            )
        if action.by_when is None:
            errors[key + "by_when"] = "Say by when."
        elif held_on is not None and action.by_when < held_on:
            errors[key + "by_when"] = "The date cannot be before the supervision."
    return errors


@transaction.atomic
def supervision_record(
    *,
    case: Case,
    by: User,
    practitioner: User | None,
    held_on: date | None = None,
    children=(),
    what_changed: str = "",
    child_voice: str = "",
    plan_progress: str = "",
    discussion: str = "",
    direction: str = "",
    actions=(),
    late_reason: str = "",
) -> Supervision:
    """A manager of the case's team records a supervision with a practitioner allocated to the
    case: the children discussed (all the family's children when none are named), what has
    changed, the child's voice and direct work seen, the plan's progress, the discussion, the
    management direction and actions with owners and dates. Met after the SUPERVISION clock was
    due, it needs `late_reason`."""
    case = _lock_for_records(case)
    refusal = supervision_refusal(by, case)
    if refusal:
        raise ValidationError(refusal, code="not_entitled")
    today = timezone.localdate()
    held_on = held_on or today
    errors = {}
    last = last_supervised_on(case)
    if held_on > today:
        errors["held_on"] = "A supervision cannot be in the future: enter the date it was held."
    elif held_on < timezone.localdate(case.opened_at):
        errors["held_on"] = (
            f"The case opened on {_long_date(timezone.localdate(case.opened_at))}: check the date."
        )
    elif last is not None and held_on < last:
        errors["held_on"] = (
            f"This case was last supervised on {_long_date(last)}: a supervision cannot go before it."
        )
    elif clock_is_late(case, ClockKind.SUPERVISION, at=_met_at(held_on)) and not late_reason.strip():
        errors["late_reason"] = "This supervision was held after it was due: say why it is late."
    if practitioner is None:
        errors["practitioner"] = "Choose the practitioner you supervised."
    elif practitioner.pk == by.pk:
        errors["practitioner"] = (
            "You cannot record supervision of yourself: choose the practitioner supervised."
        )
    elif not Allocation.objects.filter(case=case, user=practitioner, ended_at__isnull=True).exists():
        errors["practitioner"] = (
            f"{practitioner} is not allocated to this case: choose its key worker, ECPP or a co-worker."
        )
    family_children = list(case_children(case))
    wanted = [getattr(child, "pk", child) for child in children]
    known = {child.pk for child in family_children}
    unknown = sorted({int(pk) for pk in wanted} - known)
    if unknown:
        errors["children"] = f"Person P{unknown[0]} is not a child of this family."
    elif not family_children:
        errors["children"] = "The family has no children on record: add them to the family first."
    if not (discussion or "").strip():
        errors["discussion"] = "Record what was discussed."
    if not (direction or "").strip():
        errors["direction"] = "Record the management direction: what is to happen next."
    actions = list(actions)
    errors.update(
        supervision_action_errors(actions, case=case, held_on=held_on if "held_on" not in errors else None)
    )
    if errors:
        raise ValidationError(errors)
    supervision = Supervision.objects.create(
        case=case,
        practitioner=practitioner,
        manager=by,
        held_on=held_on,
        what_changed=(what_changed or "").strip(),
        child_voice=(child_voice or "").strip(),
        plan_progress=(plan_progress or "").strip(),
        discussion=discussion.strip(),
        direction=direction.strip(),
        recorded_at=timezone.now(),
    )
    supervision.children.set([int(pk) for pk in wanted] or known)
    for details in actions:
        action = SupervisionAction.objects.create(
            supervision=supervision, what=details.what.strip(), owner=details.owner, by_when=details.by_when
        )
        _supervision_action_wait(action, case)
    clock_meet(
        target=case,
        kind=ClockKind.SUPERVISION,
        by=by,
        late_reason=late_reason,
        at=_met_at(held_on),
    )
    tasks_close(target=case, kind=TaskKind.SUPERVISION_DUE, by=by)
    _supervision_clock_start(case, by, since=held_on)
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.SUPERVISION,
        summary=f"Case supervised on {_long_date(held_on)}",
        occurred_at=_met_at(held_on),
        author=by,
    )
    return supervision


@transaction.atomic
def supervision_action_done(
    *, action: SupervisionAction, by: User, expected_version: int | None = None
) -> SupervisionAction:
    """The action's owner (or a manager of the case) says it is done: it leaves the owner's tray."""
    action = lock_current(action, expected_version, what="this action")
    if not may_mark_done(by, action):
        raise ValidationError(
            "Only the action's owner or a manager of the case can mark it done.", code="not_entitled"
        )
    if action.done_at is not None:
        raise ValidationError(
            f"This action was marked done on {_long_date(timezone.localdate(action.done_at))}.", code="done"
        )
    action.done_at, action.done_by = timezone.now(), by
    action.version += 1
    action.save(update_fields=["done_at", "done_by", "version"])
    tasks_close(target=action, kind=TaskKind.SUPERVISION_ACTION, by=by)
    return action


@transaction.atomic
def supervision_reflect(*, supervision: Supervision, by: User, text: str) -> SupervisionReflection:
    """The practitioner supervised adds their own reflection; the manager's record stays as written."""
    if supervision.practitioner_id != by.pk:
        raise ValidationError("Only the practitioner supervised can add a reflection.", code="not_entitled")
    if not (text or "").strip():
        raise ValidationError({"text": "Write your reflection."})
    return SupervisionReflection.objects.create(
        supervision=supervision, by=by, text=text.strip(), recorded_at=timezone.now()
    )


def supervision_clocks_backfill() -> None:
    """Every open case on a timed pathway has its SUPERVISION clock, and once supervised its next
    supervision is in the managers' trays (manage.py tray_backfill; for cases open before
    supervision was recorded). Running it again changes nothing."""
    timed = list(getattr(settings, "SUPERVISION_WEEKS", {}))
    cases = Case.objects.filter(state=CaseState.OPEN, pathway__in=timed).select_related(
        "team__manager", "family", "key_worker__line_manager"
    )
    for case in cases.order_by("pk"):
        supervision_clock_follow(case=case, by=None)
