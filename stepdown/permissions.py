"""Who may see and do what with consents, step-downs and the monthly audit. The only place such
checks live; pages and the API both call these.

Seeing follows the family (cases/permissions.py, restrictions included): children's services staff
and auditors see the step-downs and consents of the families they can see. Partner agencies learn
of a step-down through the referral package shared with them, and the lead professional named on
one is involved with the family. Rules that depend on the step-down itself (nobody approves their
own proposal, consent must cover it) are the services' to enforce, with their own messages.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.models import Team, User
from cases.access_log import record_read
from cases.choices import RecordType
from cases.models import Allocation, Case, Family
from cases.permissions import (
    RecordRestricted,
    can,
    case_for_user,
    cases_visible_to,
    families_visible_to,
    family_for_user,
    sees_whole_record,
)
from config.visibility import visibility_rule
from pathways.permissions import holds_case
from stepdown.choices import Route, StepDownState
from stepdown.models import AuditSampleItem, Consent, ReviewItem, ReviewSet, StepDown

# Action -> (permission needed, what to tell someone who lacks it).
STEPDOWN_ACTIONS: dict[str, tuple[str | None, str]] = {
    "view": (None, ""),
    "propose": ("stepdown.add_stepdown", "Your role cannot propose a step-down."),
    "submit": ("stepdown.add_stepdown", "Your role cannot send a step-down for approval."),
    "withdraw": ("stepdown.add_stepdown", "Your role cannot withdraw a step-down."),
    "approve": ("stepdown.approve_stepdown", "Only a team manager can approve or return a step-down."),
    "hub": ("stepdown.approve_stepdown", "Only the Early Help Hub's manager can review for the hub."),
    "panel": ("stepdown.approve_stepdown", "Only a team manager can record the panel's decision."),
}


def _require_staff(user) -> None:
    if not sees_whole_record(user):
        raise PermissionDenied("Step-downs are shared with partner agencies through referral packages.")


@visibility_rule(StepDown)
def stepdowns_visible_to(user) -> QuerySet[StepDown]:
    if not sees_whole_record(user):
        return StepDown.objects.none()
    return StepDown.objects.filter(family__in=families_visible_to(user))


def in_hub(user, team) -> bool:
    """Whether the user works in (or manages) the Early Help Hub team named on the step-down."""
    if team is None or team.kind != TeamKind.EARLY_HELP_HUB:
        return False
    return team.manager_id == user.pk or user.teams.filter(pk=team.pk).exists()


def hub_teams_of(user) -> QuerySet:
    return user.teams.filter(kind=TeamKind.EARLY_HELP_HUB)


def stepdown_for_user(user, step_down_id, action: str = "view") -> StepDown:
    """The step-down, if the user may see it (else 404, or the restricted-record page) and may do
    `action` (else 403)."""
    try:
        step_down = (
            stepdowns_visible_to(user)
            .select_related("family", "case", "contact", "consent", "receiving_team", "proposed_by")
            .get(pk=step_down_id)
        )
    except (StepDown.DoesNotExist, ValueError, TypeError):
        if sees_whole_record(user) and str(step_down_id).isdigit():
            family_id = StepDown.objects.filter(pk=step_down_id).values_list("family_id", flat=True).first()
            if family_id and families_visible_to(user, restricted=False).filter(pk=family_id).exists():
                raise RecordRestricted(RecordType.FAMILY, family_id) from None
        raise Http404("No such step-down.") from None
    if action == "return":
        # A team manager returns a proposal; the hub returns a contact the front door reassigned.
        hub_return = step_down.route == Route.CONTACT and step_down.state == StepDownState.WITH_HUB
        action = "hub" if hub_return else "approve"
    permission, refusal = STEPDOWN_ACTIONS[action]
    if permission and not user.has_perm(permission):
        raise PermissionDenied(refusal)
    if action == "hub" and not in_hub(user, step_down.receiving_team):
        raise PermissionDenied(
            f"Only a manager in {step_down.receiving_team or 'the Early Help Hub'} can do this."
        )
    if (
        action == "withdraw"
        and step_down.proposed_by_id != user.pk
        and not user.has_perm("stepdown.approve_stepdown")
    ):
        raise PermissionDenied("Only the proposer or a team manager can withdraw a step-down.")
    record_read(RecordType.FAMILY, step_down.family_id, step_down.family_id)
    return step_down


def _may_approve() -> QuerySet[User]:
    """Active users whose role lets them approve a step-down (STEPDOWN_ACTIONS["approve"]); rows
    may repeat (the joins)."""
    app_label, codename = STEPDOWN_ACTIONS["approve"][0].split(".")
    permission = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
    granted = (
        Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
    )
    return User.objects.filter(granted, is_active=True)


def _team_approvers(team) -> QuerySet[User]:
    """Managers of `team` (its named manager, or a member) whose role lets them approve. `team` may
    be an OuterRef; rows may repeat (the joins)."""
    return _may_approve().filter(Q(teams=team) | Q(managed_teams=team))


def stepdown_approvers(step_down: StepDown) -> tuple[list[User], str]:
    """Who is asked to approve a step-down, and why: every team manager of the case's team but the
    proposer; when there is none other (the proposer is its only manager), the proposer's line
    manager, if their role lets them approve. The same people as the "waiting for my approval"
    list (stepdowns_to_approve), and never the proposer (the services refuse them)."""
    team = step_down.case.team if step_down.case_id else None
    if team is None:
        return [], ""
    managers = list(
        User.objects.filter(pk__in=_team_approvers(team).values("pk"))
        .exclude(pk=step_down.proposed_by_id)
        .order_by("pk")
    )
    if managers:
        return managers, f"You manage {team}, which holds the case"
    line_manager_id = step_down.proposed_by.line_manager_id
    line_manager = (
        User.objects.filter(pk__in=_may_approve().filter(pk=line_manager_id).values("pk"))
        .exclude(pk=step_down.proposed_by_id)
        .first()
        if line_manager_id
        else None
    )
    if line_manager is None:
        return [], ""
    return [line_manager], f"No other manager of {team} may approve it: you are the proposer's line manager"


def stepdowns_to_approve(user, step_downs: QuerySet[StepDown]) -> QuerySet[StepDown]:
    """Of `step_downs`, those waiting for `user`'s approval: the rule of stepdown_approvers, in SQL."""
    if not user.has_perm(STEPDOWN_ACTIONS["approve"][0]):
        return step_downs.none()
    teams = Team.objects.filter(Q(members=user) | Q(manager=user)).values("pk")
    other_manager = _team_approvers(OuterRef("case__team")).exclude(pk=OuterRef("proposed_by"))
    only_line_manager = Q(proposed_by__line_manager=user) & ~Exists(other_manager)
    return (
        step_downs.filter(state=StepDownState.PROPOSED)
        .exclude(proposed_by=user)
        .filter(Q(case__team__in=teams) | only_line_manager)
    )


def stepdowns_to_take_up(user) -> QuerySet[StepDown]:
    """Completed step-downs naming `user` as the family's lead professional that they have not yet
    taken up. A lead professional (often a partner, who sees no step-down otherwise) sees only
    these, and only to take the family up."""
    return StepDown.objects.filter(
        lead_professional=user, state=StepDownState.COMPLETED, taken_up_at__isnull=True
    )


def stepdown_to_take_up(user, step_down_id) -> StepDown:
    """The step-down the lead professional takes up (404 for anyone else, and once taken up)."""
    step_down = (
        stepdowns_to_take_up(user)
        .select_related("case", "family", "proposed_by")
        .filter(pk=step_down_id)
        .first()
    )
    if step_down is None:
        raise Http404("No such step-down is waiting for you.")
    record_read(RecordType.FAMILY, step_down.family_id, step_down.family_id)
    return step_down


def case_for_stepdown(user, case_id) -> Case:
    """The case a step-down is proposed from (404 if unseen; 403 if the role may not propose)."""
    case = case_for_user(user, case_id)
    _require_staff(user)
    permission, refusal = STEPDOWN_ACTIONS["propose"]
    if not user.has_perm(permission):
        raise PermissionDenied(refusal)
    return case


def stepdown_controls(user, step_down: StepDown) -> dict[str, bool]:
    """Which controls the step-down page offers (the services check again on submit)."""
    return {
        "can_submit": user.has_perm("stepdown.add_stepdown"),
        "can_withdraw": step_down.proposed_by_id == user.pk or user.has_perm("stepdown.approve_stepdown"),
        "can_approve": user.has_perm("stepdown.approve_stepdown") and step_down.proposed_by_id != user.pk,
        "can_hub": user.has_perm("stepdown.approve_stepdown")
        and in_hub(user, step_down.receiving_team)
        and step_down.proposed_by_id != user.pk,
        "can_panel": user.has_perm("stepdown.approve_stepdown") and step_down.proposed_by_id != user.pk,
    }


# --- consent ----------------------------------------------------------------------------------


@visibility_rule(Consent)
def consents_visible_to(user) -> QuerySet[Consent]:
    if not sees_whole_record(user):
        return Consent.objects.none()
    return Consent.objects.filter(family__in=families_visible_to(user))


def family_for_consent(user, family_id, action: str = "view") -> Family:
    family = family_for_user(user, family_id)
    _require_staff(user)
    if action == "record" and not user.has_perm("stepdown.add_consent"):
        raise PermissionDenied("Your role cannot record a family's consent.")
    return family


def consent_for_user(user, consent_id, action: str = "view") -> Consent:
    try:
        consent = consents_visible_to(user).select_related("family", "given_by").get(pk=consent_id)
    except (Consent.DoesNotExist, ValueError, TypeError):
        raise Http404("No such consent.") from None
    if action == "withdraw" and not user.has_perm("stepdown.change_consent"):
        raise PermissionDenied("Your role cannot record that consent was withdrawn.")
    record_read(RecordType.FAMILY, consent.family_id, consent.family_id)
    return consent


def consent_of_family(user, family_id, consent_id) -> Consent:
    """A consent the user may see, of the step-down's family: anything else is a field error."""
    consent = consents_visible_to(user).filter(pk=consent_id, family_id=family_id).first()
    if consent is None:
        raise ValidationError({"consent_id": "No such consent for this family."})
    return consent


def may_record_consent(user) -> bool:
    return user.has_perm("stepdown.add_consent")


def may_step_down(user, case: Case) -> bool:
    """For the case page: whether to offer "propose a step-down"."""
    return sees_whole_record(user) and case.is_open and user.has_perm("stepdown.add_stepdown")


def require_stepdown_lists(user) -> None:
    """The step-down lists are for those who propose or approve them (the audit has its own page)."""
    if not (user.has_perm("stepdown.add_stepdown") or user.has_perm("stepdown.approve_stepdown")):
        raise Http404("No step-downs for your role.")


def may_audit(user) -> bool:
    return user.has_perm("stepdown.record_audit_finding")


# --- the monthly audit --------------------------------------------------------------------------


def require_audit_reader(user) -> None:
    if not user.has_perm("stepdown.view_stepdown_audit"):
        raise PermissionDenied("Only managers and auditors can read the step-down audit.")


def audit_item_for_user(user, item_id) -> AuditSampleItem:
    require_audit_reader(user)
    try:
        item = (
            AuditSampleItem.objects.filter(family__in=families_visible_to(user))
            .select_related("sample", "step_down", "transition")
            .get(pk=item_id)
        )
    except (AuditSampleItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No such audit item.") from None
    if not user.has_perm("stepdown.record_audit_finding"):
        raise PermissionDenied("Only auditors and team managers record case audit findings.")
    return item


# --- drift review and review sets ------------------------------------------------------------------
# Team managers review their own teams' drifting cases and record outcomes; a head of service reads
# every team's drift and every set's report. Nobody records an outcome on a case they hold.

DRIFT_READS_EVERY_TEAM = frozenset({Role.HEAD_OF_SERVICE})
DRIFT_REFUSAL = "Drift review is for team managers and heads of service."


def may_review_drift(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("stepdown.review_drift"))


def require_drift_reviewer(user) -> None:
    if not may_review_drift(user):
        raise PermissionDenied(DRIFT_REFUSAL)


def drift_reads_every_team(user) -> bool:
    return bool(user.roles & DRIFT_READS_EVERY_TEAM)


def _own_teams(user) -> QuerySet[Team]:
    return Team.objects.filter(Q(members=user) | Q(manager=user))


def drift_teams_for(user) -> QuerySet[Team]:
    """The teams whose drift the user reads (the drift page's team filter)."""
    if not may_review_drift(user):
        return Team.objects.none()
    teams = Team.objects.filter(agency__kind=AgencyKind.LA_CHILDRENS_SERVICES)
    if not drift_reads_every_team(user):
        teams = teams.filter(pk__in=_own_teams(user).values("pk"))
    return teams.order_by("name", "pk")


def drift_cases_for(user) -> QuerySet[Case]:
    """The cases whose drift the user may see: a head of service every case they can see; a team
    manager those of the teams they are in or manage."""
    if not may_review_drift(user):
        return Case.objects.none()
    cases = cases_visible_to(user)
    if drift_reads_every_team(user):
        return cases
    return cases.filter(team__in=_own_teams(user).values("pk"))


def reviewable_cases_for(user) -> QuerySet[Case]:
    """The cases the user may put in a review set and record outcomes on: their own teams' (for a
    team manager; a head of service reads, and leaves outcomes to the teams' managers)."""
    if not may_review_drift(user) or Role.TEAM_MANAGER not in user.roles:
        return Case.objects.none()
    return cases_visible_to(user).filter(team__in=_own_teams(user).values("pk"))


def review_refusal(user, case: Case) -> str | None:
    """Why the user may not record an outcome on this case (None if they may)."""
    if not reviewable_cases_for(user).filter(pk=case.pk).exists():
        return f"Only a manager of {case.team} can review this case."
    if holds_case(user, case):
        return "You hold this case: another manager must review it."
    return None


def may_close_for_review(user, case: Case) -> bool:
    return can(user, "close", case)


def review_sets_visible_to(user) -> QuerySet[ReviewSet]:
    """A head of service sees every set; a team manager the sets they made and those holding a case
    of their teams."""
    if not may_review_drift(user):
        return ReviewSet.objects.none()
    if drift_reads_every_team(user):
        return ReviewSet.objects.all()
    own = ReviewItem.objects.filter(case__team__in=_own_teams(user).values("pk")).values("review_set_id")
    return ReviewSet.objects.filter(Q(created_by=user) | Q(pk__in=own))


def review_set_for_user(user, review_set_id) -> ReviewSet:
    require_drift_reviewer(user)
    try:
        return review_sets_visible_to(user).select_related("created_by").get(pk=review_set_id)
    except (ReviewSet.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review set.") from None


def review_items_visible(user, review_set: ReviewSet) -> QuerySet[ReviewItem]:
    """The set's items whose cases the user may see (a restricted family's stays hidden)."""
    return review_set.items.filter(case__in=cases_visible_to(user))


def review_item_for_user(user, review_set: ReviewSet, case_id) -> ReviewItem:
    """The set's item for the case, if the user may see the case (else 404); the read is logged."""
    try:
        item = (
            review_items_visible(user, review_set)
            .select_related("case__family", "case__team", "case__key_worker", "review_set")
            .get(case_id=case_id)
        )
    except (ReviewItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case in this review set.") from None
    record_read(RecordType.CASE, item.case_id, item.case.family_id)
    return item


def review_controls(user, items) -> dict[int, bool]:
    """Item id -> whether the page offers its outcome form (the service checks again)."""
    reviewable = set(
        reviewable_cases_for(user)
        .filter(pk__in=[item.case_id for item in items])
        .values_list("pk", flat=True)
    )
    held = set(
        Allocation.objects.filter(
            case_id__in=[item.case_id for item in items], user=user, ended_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    return {
        item.pk: item.is_waiting
        and item.case_id in reviewable
        and not holds_case(user, item.case, allocated=item.case_id in held)
        for item in items
    }
