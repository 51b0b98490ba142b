"""Consent and step-down: the five routes of seeds/004_1eeb0ade2e7becbd.txt, each moving the family
through the pathway decision points (pathways/services.py), never around them.

- Consent is a record of its own: who (a parent or carer with parental responsibility, or a young
  person old enough), to what (early help, sharing the assessment with named agencies, a referral
  to one agency), how, when, and its withdrawal. A step-down needs a current consent covering it
  to be sent for approval, approved, accepted by the panel and completed.
- A team manager approves or returns each step-down; the proposer never approves their own. For
  route (a) the Early Help Hub's manager reviews within 24 hours and that review is the approval.
- Whenever support continues the outcome is "referral to early help", never NFA: pathway 2 for the
  hub's routes; for routes that close the case to social care, the closing reason is RC9.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.models import Agency, Team, User
from cases.choices import AllocationRole, CaseState, ChronologyKind, FamilyRole, Pathway, PersonKind
from cases.models import Case, Family, FamilyMember, Person, Relationship
from cases.services import (
    case_allocate,
    case_close,
    case_open,
    case_transfer,
    chronology_write,
    involvement_add,
)
from config.models import lock_current
from escalation.choices import OPEN_CLOCK_STATES, ClockKind, TaskKind, TaskState
from escalation.models import Clock, Notification
from escalation.selectors import open_clock
from escalation.services import clock_cancel, clock_meet, clock_start, notify, task_open, tasks_close
from pathways.choices import Outcome, PlanKind
from pathways.models import ChildAssessment, Decision, Plan
from pathways.services import DecisionDetails, decision_record
from referrals.choices import FamilyConsent
from referrals.models import Contact
from referrals.services import contact_hub_finish, contact_hub_return
from stepdown.choices import (
    HUB_ROUTES,
    OPEN_STATES,
    STEPDOWN_TRANSITIONS,
    YOUNG_PERSON_MIN_AGE,
    AuditRating,
    ConsentCapacity,
    ConsentMethod,
    HubAction,
    ReviewOutcome,
    Route,
    SampleKind,
    StepDownState,
)
from stepdown.drift import drift_for
from stepdown.models import (
    AuditSample,
    AuditSampleItem,
    Consent,
    ReviewItem,
    ReviewItemEvent,
    ReviewSet,
    StepDown,
    StepDownEvent,
)
from stepdown.permissions import may_close_for_review, review_refusal, stepdown_approvers
from stepdown.selectors import month_bounds, month_step_downs, month_step_ups
from stepdown.signals import consent_withdrawn

NO_CONSENT = (
    "The family has not consented to this step-down: record their consent (who gave it, to what, "
    "how and when) on the family's consents page first."
)


def _age_on(person: Person, day: date) -> int | None:
    if person.date_of_birth is None:
        return None
    return relativedelta(day, person.date_of_birth).years


# --- consent ----------------------------------------------------------------------------------


def _capacity(family: Family, person: Person, on: date) -> str:
    """In what capacity the person can consent for the family, or a ValidationError saying why not."""
    membership = FamilyMember.objects.filter(family=family, person=person, left_on__isnull=True).first()
    if membership is None:
        raise ValidationError({"given_by": f"Person {person.pk} is not a current member of this family."})
    if person.kind == PersonKind.ADULT:
        holds_pr = Relationship.objects.filter(
            family=family, person=person, has_parental_responsibility=True
        ).exists()
        if holds_pr:
            return ConsentCapacity.PARENT
        raise ValidationError(
            {
                "given_by": f"Person {person.pk} is not recorded as holding parental responsibility for a "
                "child in this family. Record the relationship on the family page first, or choose who "
                "holds it."
            }
        )
    age = _age_on(person, on)
    if membership.role == FamilyRole.CHILD and age is not None and age >= YOUNG_PERSON_MIN_AGE:
        return ConsentCapacity.YOUNG_PERSON
    raise ValidationError(
        {
            "given_by": f"A young person consents for themselves from {YOUNG_PERSON_MIN_AGE} "
            f"(with their date of birth recorded); ask a parent or carer with parental responsibility."
        }
    )


@transaction.atomic
def consent_record(
    *,
    family: Family,
    by: User,
    given_by: Person,
    method: str,
    recorded_where: str,
    given_on: date,
    early_help: bool = False,
    share_with: list[Agency] | tuple = (),
    referral_agency: Agency | None = None,
    family_group_conference: bool = False,
) -> Consent:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if method not in ConsentMethod.values:
        errors["method"] = "Say how the consent was given: verbally, in writing or electronically."
    if not (recorded_where or "").strip():
        errors["recorded_where"] = "Say where the consent is recorded, so it can be found."
    if given_on is None:
        errors["given_on"] = "Enter the date the consent was given."
    elif given_on > today:
        errors["given_on"] = "Consent cannot be given in the future: enter the date it was given."
    if not early_help and not share_with and referral_agency is None and not family_group_conference:
        errors["early_help"] = (
            "Say what the family consented to: early help, sharing the assessment, a referral, "
            "or a family group conference."
        )
    if errors:
        raise ValidationError(errors)
    capacity = _capacity(family, given_by, given_on)
    consent = Consent.objects.create(
        family=family,
        given_by=given_by,
        capacity=capacity,
        early_help=early_help,
        referral_agency=referral_agency,
        family_group_conference=family_group_conference,
        method=method,
        recorded_where=recorded_where.strip(),
        given_on=given_on,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    consent.share_with.set(share_with)
    chronology_write(
        family=family,
        subject=given_by,
        kind=ChronologyKind.CONSENT_RECORDED,
        summary=f"Consent {consent.reference} given by {given_by} ({ConsentCapacity(capacity).label})"[:300],
        detail="To "
        + "; ".join(consent.purposes())
        + f". {ConsentMethod(method).label}; {consent.recorded_where}.",
        author=by,
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User, withdrawn_on: date, note: str) -> Consent:
    """Consent withdrawn. A step-down relying on it that has not yet shared anything goes back to
    waiting for consent; one that has shared is raised by the consent checks (the receiving team
    or agency must be told)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError("This consent has already been withdrawn.", code="withdrawn")
    errors = {}
    if not (note or "").strip():
        errors["note"] = "Record what the family said, and who said it."
    if withdrawn_on is None:
        errors["withdrawn_on"] = "Enter the date consent was withdrawn."
    elif withdrawn_on > timezone.localdate() or withdrawn_on < consent.given_on:
        errors["withdrawn_on"] = "The date must be between the day consent was given and today."
    if errors:
        raise ValidationError(errors)
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = by
    consent.withdrawal_note = note.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawn_at", "withdrawn_by", "withdrawal_note"])
    chronology_write(
        family=consent.family,
        subject=consent.given_by,
        kind=ChronologyKind.CONSENT_WITHDRAWN,
        summary=f"Consent {consent.reference} withdrawn",
        detail=consent.withdrawal_note,
        author=by,
    )
    for step_down in StepDown.objects.select_for_update().filter(
        consent=consent, state=StepDownState.PROPOSED
    ):
        _move(step_down, StepDownState.AWAITING_CONSENT, by, "Consent withdrawn: waiting for consent again")
        clock_cancel(target=step_down, kind=ClockKind.STEPDOWN_APPROVAL, by=by, reason="Consent withdrawn")
        _approval_wait_end(step_down, by, TaskState.CANCELLED)
        _consent_wait(step_down, _consent_clock(step_down, by))
        step_down.consent = None
        step_down.save(update_fields=["consent"])
    consent_withdrawn.send(sender=Consent, consent=consent, by=by)
    return consent


def consent_needed_for(step_down: StepDown) -> bool:
    """Every step-down needs a recorded consent, but route (a) may rest on the family's yes to the request."""
    return not (step_down.route == Route.CONTACT and step_down.contact.family_consents == FamilyConsent.YES)


def consent_withdrawn_refusal(consent: Consent) -> str | None:
    """A withdrawn consent covers nothing."""
    if consent.withdrawn_at is not None:
        return f"Consent {consent.reference} was withdrawn on {consent.withdrawn_on:%d %B %Y}."
    return None


def consent_family_refusal(consent: Consent, step_down: StepDown) -> str | None:
    """Only the step-down's own family's consent counts."""
    if consent.family_id != step_down.family_id:
        return "That consent is another family's."
    return None


def consent_referral_refusal(consent: Consent, agency: Agency | None) -> str | None:
    """A referral to a single agency needs consent to a referral to that same agency."""
    if consent.referral_agency_id != (agency.pk if agency else None):
        return (
            f"Consent {consent.reference} does not cover a referral to {agency}: the family must "
            "consent to the referral to that agency."
        )
    return None


def consent_early_help_refusal(consent: Consent) -> str | None:
    """Every route but the single-agency referral needs consent to step down to early help."""
    if not consent.early_help:
        return f"Consent {consent.reference} does not cover a step-down to early help."
    return None


def consent_masg_refusal(consent: Consent, route: str, shared: set[int]) -> str | None:
    """The MASG route needs consent to share the assessment with at least one named agency."""
    if route == Route.MASG and not shared:
        return (
            f"Consent {consent.reference} does not cover sharing the assessment with the agencies of "
            "the multi-agency support group: record which agencies the family agreed to."
        )
    return None


def lead_agency_for(step_down: StepDown, lead_agency: Agency | None = None) -> Agency | None:
    """The lead professional's agency: the one named now (by the panel), else the step-down's lead's."""
    return lead_agency or (step_down.lead_professional.agency if step_down.lead_professional_id else None)


def consent_lead_agency_refusal(consent: Consent, lead_agency: Agency | None, shared: set[int]) -> str | None:
    """A lead professional from a partner agency needs consent to share the assessment with that agency."""
    if lead_agency and lead_agency.kind != AgencyKind.LA_CHILDRENS_SERVICES and lead_agency.pk not in shared:
        return (
            f"Consent {consent.reference} does not cover sharing the assessment with {lead_agency}, "
            "the lead professional's agency."
        )
    return None


def consent_cover_refusal(
    consent: Consent, step_down: StepDown, lead_agency: Agency | None = None
) -> str | None:
    """Why the consent does not cover the step-down (None if it does): the first consent rule it fails."""
    refusal = consent_withdrawn_refusal(consent) or consent_family_refusal(consent, step_down)
    if refusal:
        return refusal
    if step_down.route == Route.SINGLE_AGENCY:
        return consent_referral_refusal(consent, step_down.receiving_agency)
    refusal = consent_early_help_refusal(consent)
    if refusal:
        return refusal
    shared = set(consent.share_with.values_list("pk", flat=True))
    return consent_masg_refusal(consent, step_down.route, shared) or consent_lead_agency_refusal(
        consent, lead_agency_for(step_down, lead_agency), shared
    )


def consent_covering(step_down: StepDown, lead_agency: Agency | None = None) -> Consent | None:
    """The gate: the step-down's consent, locked, if it covers it (None if none needed), else refuse."""
    if step_down.consent_id is None:
        if not consent_needed_for(step_down):
            return None
        raise ValidationError({"consent": NO_CONSENT}, code="no_consent")
    consent = Consent.objects.select_for_update().get(pk=step_down.consent_id)
    refusal = consent_cover_refusal(consent, step_down, lead_agency)
    if refusal:
        raise ValidationError({"consent": refusal}, code="consent_not_covering")
    return consent


# --- step-downs: shared parts ---------------------------------------------------------------


def _move(step_down: StepDown, to_state: str, by: User | None, summary: str, detail: str = "") -> None:
    if to_state not in STEPDOWN_TRANSITIONS[step_down.state]:
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}: it cannot do that now.",
            code="invalid_transition",
        )
    step_down.state = to_state
    step_down.version += 1
    step_down.save(update_fields=["state", "version"])
    StepDownEvent.objects.create(
        step_down=step_down, state=to_state, summary=summary[:300], detail=detail, at=timezone.now(), by=by
    )


def _lock(step_down: StepDown, expected_version: int | None) -> StepDown:
    return lock_current(step_down, expected_version, what="this step-down")


def _chronology(step_down: StepDown, summary: str, by: User, detail: str = "") -> None:
    chronology_write(
        family=step_down.family,
        case=step_down.case,
        kind=ChronologyKind.STEP_DOWN,
        summary=f"Step-down {step_down.reference}: {summary}"[:300],
        detail=detail,
        author=by,
    )


def _tell(user: User | None, step_down: StepDown, key: str, what: str, why: str) -> None:
    """Notifications carry references, never names (they are emailed)."""
    if user is None or not user.is_active:
        return
    notify(
        user=user,
        key=f"stepdown:{step_down.pk}:{key}:{user.pk}",
        what=f"Step-down {step_down.reference}: {what}",
        why=why,
        url=step_down.get_absolute_url(),
        statutory=False,
    )


def _manager_of(step_down: StepDown) -> User | None:
    team = step_down.case.team if step_down.case_id else None
    return team.manager if team and team.manager_id else None


def _consent_clock(step_down: StepDown, by: User | None) -> Clock:
    return clock_start(
        target=step_down,
        kind=ClockKind.STEPDOWN_CONSENT,
        by=by,
        holder=step_down.proposed_by,
        team=step_down.case.team if step_down.case_id else None,
        family=step_down.family,
        pathway=step_down.case.pathway if step_down.case_id else None,
    )


def _approval_clock(step_down: StepDown, by: User | None) -> Clock:
    return clock_start(
        target=step_down,
        kind=ClockKind.STEPDOWN_APPROVAL,
        by=by,
        team=step_down.case.team,
        family=step_down.family,
        pathway=step_down.case.pathway,
    )


def _hub_clock(step_down: StepDown, by: User | None) -> Clock:
    """The Early Help Hub reviews within 24 hours (DOMAIN.md timescales)."""
    return clock_start(
        target=step_down,
        kind=ClockKind.EHH_REVIEW,
        by=by,
        team=step_down.receiving_team,
        family=step_down.family,
        pathway=step_down.case.pathway if step_down.case_id else Pathway.ADVICE,
    )


def _send_for_approval(step_down: StepDown, by: User, summary: str) -> None:
    _move(step_down, StepDownState.PROPOSED, by, summary)
    _approval_wait(step_down, _approval_clock(step_down, by))


# --- work trays -----------------------------------------------------------------------------
# Whatever waits on someone is a task in their tray, opened and closed here in the same transaction
# as the change that starts or ends the wait (escalation/services.py task_open, tasks_close).


def _on_case(step_down: StepDown) -> str:
    if step_down.case_id:
        return f" on case {step_down.case.reference}"
    return f" from request {step_down.contact.reference}" if step_down.contact_id else ""


def _approval_wait(step_down: StepDown, clock: Clock) -> None:
    """A step-down waits for a team manager's approval: a task, and a notice, for each person who
    may approve it (stepdown/permissions.py stepdown_approvers), never the proposer."""
    users = _approval_task(step_down, clock)
    for user in users:
        _tell(user, step_down, "approve", "waiting for your approval", Route(step_down.route).label)


def _approval_task(step_down: StepDown, clock: Clock) -> list[User]:
    users, why = stepdown_approvers(step_down)
    task_open(
        kind=TaskKind.STEPDOWN_APPROVE,
        target=step_down,
        summary=f"Approve or return step-down {step_down.reference}{_on_case(step_down)}",
        why=why,
        url=step_down.get_absolute_url(),
        users=users,
        family=step_down.family,
        clock=clock,
        exclude=step_down.proposed_by,
    )
    return users


def _approval_wait_end(step_down: StepDown, by: User | None, state: str = TaskState.DONE) -> None:
    """Approved, returned, withdrawn or back to waiting for consent: nobody is asked to approve it
    any more, and no inbox still says it waits for their approval."""
    tasks_close(target=step_down, kind=TaskKind.STEPDOWN_APPROVE, by=by, state=state)
    _notices_settled(step_down, "approve", "awaiting_approval")


def _consent_wait(step_down: StepDown, clock: Clock) -> None:
    """A step-down waits for the family's consent: its proposer (who holds the consent clock and
    sends it on with the consent, stepdown_submit) has it in their tray."""
    task_open(
        kind=TaskKind.CONSENT_RECORD,
        target=step_down,
        summary=f"Record the family's consent for step-down {step_down.reference}{_on_case(step_down)}",
        why="You proposed this step-down: it cannot be approved until the family's consent is recorded",
        url=step_down.get_absolute_url(),
        users=[step_down.proposed_by],
        family=step_down.family,
        clock=clock,
    )


def _consent_wait_end(step_down: StepDown, by: User | None, state: str = TaskState.DONE) -> None:
    tasks_close(target=step_down, kind=TaskKind.CONSENT_RECORD, by=by, state=state)
    _notices_settled(step_down, "awaiting_consent")


def _hub_wait(step_down: StepDown, clock: Clock) -> None:
    """A step-down has reached the Early Help Hub: a task for the whole hub team, timed by the
    hub's review clock, until the hub reviews, accepts, asks to discuss or returns it."""
    task_open(
        kind=TaskKind.HUB_REVIEW,
        target=step_down,
        summary=f"Review step-down {step_down.reference}{_on_case(step_down)} for the Early Help Hub",
        why=f"{step_down.receiving_team} receives this family: review within 24 hours",
        url=step_down.get_absolute_url(),
        team=step_down.receiving_team,
        family=step_down.family,
        clock=clock,
    )


def _hub_wait_end(step_down: StepDown, by: User | None) -> None:
    tasks_close(target=step_down, kind=TaskKind.HUB_REVIEW, by=by)
    _notices_settled(step_down, "hub")


def _notices_settled(step_down: StepDown, *keys: str) -> None:
    """The wait these notices announced is over: mark them read (see _tell's keys)."""
    announced = Q()
    for key in keys:
        announced |= Q(key__startswith=f"stepdown:{step_down.pk}:{key}:")
    Notification.objects.filter(announced, read_at__isnull=True).update(read_at=timezone.now())


def _refuse_self(step_down: StepDown, by: User, what: str) -> None:
    if step_down.proposed_by_id == by.pk:
        raise ValidationError(
            f"You proposed this step-down, so another team manager must {what} it.", code="own_proposal"
        )


# --- proposing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDownDetails:
    """What the proposer enters; which parts a route needs is the route's rule."""

    route: str
    rationale: str
    needs: str
    consent: Consent | None = None
    receiving_team: Team | None = None  # routes (b), (c): the Early Help Hub
    receiving_agency: Agency | None = None  # route (d) to a single agency
    lead_professional: User | None = None  # route (e)
    cin_meeting_on: date | None = None  # route (e)
    agreement: str = ""  # route (e): as recorded in the CIN meeting notes


def assessment_done_for(case: Case) -> bool:
    """A case counts as assessed once a child's assessment on it has been authorised."""
    return ChildAssessment.objects.filter(episode__case=case, authorised_on__isnull=False).exists()


def hub_transfer_errors(case: Case, details: StepDownDetails, assessed: bool) -> dict[str, str]:
    """Routes (b), (c) go to an Early Help Hub before any assessment: (c) from MASH, (b) from other teams."""
    errors: dict[str, str] = {}
    if assessed:
        errors["route"] = (
            "The assessment is done: step down after an assessment, to a single agency or the MASG."
        )
    hub = details.receiving_team
    if hub is None or hub.kind != TeamKind.EARLY_HELP_HUB:
        errors["receiving_team"] = "Choose the Early Help Hub that will receive the family."
    if details.route == Route.MASH_ENQUIRY and case.team.kind != TeamKind.MASH:
        errors["route"] = "This case is not a MASH enquiry: it is held by " + str(case.team) + "."
    if details.route == Route.REFERRAL and case.team.kind == TeamKind.MASH:
        errors["route"] = "The front door holds this case: use the MASH enquiry route."
    return errors


def after_assessment_errors(details: StepDownDetails, assessed: bool) -> dict[str, str]:
    """Route (d) follows an authorised assessment; to a single agency, that agency is a partner agency."""
    errors: dict[str, str] = {}
    if not assessed:
        errors["route"] = (
            "These routes follow a completed assessment, and this case's assessment has not "
            "been authorised. Without an assessment, use route (b) or (c)."
        )
    if details.route == Route.SINGLE_AGENCY:
        agency = details.receiving_agency
        if agency is None:
            errors["receiving_agency"] = "Choose the agency the family is being referred to."
        elif agency.kind == AgencyKind.LA_CHILDRENS_SERVICES:
            errors["receiving_agency"] = "A single-agency referral goes to a partner agency."
    return errors


def cin_plan_errors(case: Case, details: StepDownDetails) -> dict[str, str]:
    """Route (e) needs a live CIN plan, a partner agency's lead, and the CIN meeting's date and agreement."""
    errors: dict[str, str] = {}
    if not Plan.objects.filter(case=case, kind=PlanKind.CHILD_IN_NEED, ended_on__isnull=True).exists():
        errors["route"] = "This case has no child in need plan to step down from."
    lead = details.lead_professional
    if lead is None:
        errors["lead_professional"] = "Name the lead professional agreed at the CIN meeting."
    elif lead.agency is None or lead.agency.kind == AgencyKind.LA_CHILDRENS_SERVICES:
        errors["lead_professional"] = "The lead professional comes from an early help partner agency."
    if details.cin_meeting_on is None:
        errors["cin_meeting_on"] = "Enter the date of the CIN meeting that agreed the step-down."
    elif details.cin_meeting_on > timezone.localdate():
        errors["cin_meeting_on"] = "The CIN meeting must already have happened."
    if not details.agreement.strip():
        errors["agreement"] = "Record the agreement as written in the CIN meeting notes."
    return errors


def _route_errors(case: Case, details: StepDownDetails) -> dict[str, str]:
    """Each route's own rules (004)."""
    route = details.route
    assessed = assessment_done_for(case)
    if route in (Route.REFERRAL, Route.MASH_ENQUIRY):
        return hub_transfer_errors(case, details, assessed)
    if route in (Route.SINGLE_AGENCY, Route.MASG):
        return after_assessment_errors(details, assessed)
    if route == Route.CIN_PLAN:
        return cin_plan_errors(case, details)
    return {"route": "Choose one of the step-down routes."}


@transaction.atomic
def stepdown_propose(
    *, case: Case, by: User, details: StepDownDetails, expected_version: int | None = None
) -> StepDown:
    """Propose a step-down from a case at pathway 3. With a covering consent it goes straight to a
    team manager; without one it waits for the family's consent."""
    case = lock_current(case, expected_version)
    if case.state != CaseState.OPEN:
        raise ValidationError("This case is closed: there is nothing to step down.", code="closed")
    if case.pathway != Pathway.REDUCE_RISK:
        if case.pathway == Pathway.PREVENT_HARM:
            message = (
                "A case at pathway 4 steps down to pathway 3 first, by the expert child protection "
                "practitioner's decision."
            )
        else:
            message = f"The case is at pathway {case.pathway}: it is already below social care."
        raise ValidationError(message, code="pathway")
    errors: dict[str, str] = {}
    if not details.rationale.strip():
        errors["rationale"] = "Explain why early help, not social care, is right for the family now."
    if not details.needs.strip():
        errors["needs"] = "Record the needs identified for early help: they travel with the family."
    errors.update(_route_errors(case, details))
    if errors:
        raise ValidationError(errors)
    if StepDown.objects.filter(case=case, state__in=OPEN_STATES).exists():
        raise ValidationError("A step-down is already in progress for this case.", code="twice")
    now = timezone.now()
    try:
        with transaction.atomic():
            step_down = StepDown.objects.create(
                route=details.route,
                state=StepDownState.AWAITING_CONSENT,
                family=case.family,
                case=case,
                rationale=details.rationale.strip(),
                needs=details.needs.strip(),
                receiving_team=details.receiving_team if details.route in HUB_ROUTES else None,
                receiving_agency=details.receiving_agency if details.route == Route.SINGLE_AGENCY else None,
                lead_professional=details.lead_professional if details.route == Route.CIN_PLAN else None,
                cin_meeting_on=details.cin_meeting_on if details.route == Route.CIN_PLAN else None,
                agreement=details.agreement.strip() if details.route == Route.CIN_PLAN else "",
                proposed_by=by,
                proposed_at=now,
            )
    except IntegrityError:
        raise ValidationError("A step-down is already in progress for this case.", code="twice") from None
    StepDownEvent.objects.create(
        step_down=step_down,
        state=step_down.state,
        summary=f"Proposed: {Route(details.route).label}",
        detail=step_down.rationale,
        at=now,
        by=by,
    )
    _chronology(step_down, f"proposed ({Route(details.route).label})", by, step_down.rationale)
    if details.consent is not None:
        step_down.consent = details.consent
        step_down.save(update_fields=["consent"])
        consent_covering(step_down)  # refuses, and so undoes everything, if it does not cover
        _send_for_approval(step_down, by, f"Sent for approval with consent {details.consent.reference}")
    else:
        _consent_wait(step_down, _consent_clock(step_down, by))
    return step_down


@transaction.atomic
def stepdown_submit(
    *, step_down: StepDown, by: User, consent: Consent, expected_version: int | None = None
) -> StepDown:
    """The family's consent is recorded: send the step-down for a team manager's approval."""
    step_down = _lock(step_down, expected_version)
    if step_down.state != StepDownState.AWAITING_CONSENT:
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}.", code="invalid_transition"
        )
    step_down.consent = consent
    step_down.save(update_fields=["consent"])
    consent_covering(step_down)
    clock_meet(target=step_down, kind=ClockKind.STEPDOWN_CONSENT, by=by, late_reason="Consent came late")
    _consent_wait_end(step_down, by)
    _send_for_approval(step_down, by, f"Consent {consent.reference} recorded: sent for approval")
    return step_down


@transaction.atomic
def stepdown_withdraw(*, step_down: StepDown, by: User, reason: str) -> StepDown:
    step_down = _lock(step_down, None)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the step-down is withdrawn."})
    _move(step_down, StepDownState.WITHDRAWN, by, "Withdrawn", reason.strip())
    clock_cancel(target=step_down, by=by, reason="Step-down withdrawn")
    _approval_wait_end(step_down, by, TaskState.CANCELLED)
    _consent_wait_end(step_down, by, TaskState.CANCELLED)
    _chronology(step_down, "withdrawn", by, reason.strip())
    return step_down


def stepdowns_withdraw_with_case(*, case: Case, by: User, reason: str) -> None:
    """The case closed another way while a step-down waited for consent or approval: nothing is left
    to step down, so it is withdrawn, and nobody is left asked to approve it or record consent. A
    step-down being approved closes the case itself (route (b)-(e)) after it is approved, so is left
    alone here."""
    waiting = StepDown.objects.filter(
        case=case,
        state__in=[StepDownState.AWAITING_CONSENT, StepDownState.PROPOSED],
        approved_at__isnull=True,
    )
    for step_down in waiting.order_by("pk"):
        stepdown_withdraw(step_down=step_down, by=by, reason=f"The case closed ({reason}) before a decision")


# --- approval -------------------------------------------------------------------------------


def _decision(
    step_down: StepDown, by: User, outcome: str, consent: Consent | None, consulted: str
) -> Decision:
    """The step-down's decision point: the pathway decision that moves (or closes) the case."""
    shared = list(consent.share_with.all()) if consent else []
    if step_down.route == Route.SINGLE_AGENCY:
        shared = [step_down.receiving_agency]
    if step_down.lead_professional_id and step_down.lead_professional.agency_id:
        lead_agency = step_down.lead_professional.agency
        if lead_agency.kind != AgencyKind.LA_CHILDRENS_SERVICES and lead_agency not in shared:
            shared.append(lead_agency)
    rationale = (
        f"{step_down.outcome_wording}. {step_down.rationale}\n\n"
        f"Needs identified for early help: {step_down.needs}"
    )
    return decision_record(
        case=step_down.case,
        by=by,
        details=DecisionDetails(
            outcome=outcome,
            rationale=rationale,
            consulted=consulted,
            family_view=f"Consent {consent.reference} ({', '.join(consent.purposes())})" if consent else "",
            family_consents_to_share=True,
            shared_with=tuple(shared),
            closure_reason="RC9" if outcome == Outcome.EARLY_HELP else "",
            step_down=True,
        ),
    )


@transaction.atomic
def stepdown_approve(*, step_down: StepDown, by: User, expected_version: int | None = None) -> StepDown:
    """A team manager approves. The hub's routes move the case to pathway 2 and go to the hub;
    the MASG route waits for the panel; the others close the case to social care (RC9)."""
    step_down = _lock(step_down, expected_version)
    if step_down.state != StepDownState.PROPOSED:
        if step_down.state == StepDownState.AWAITING_CONSENT:
            raise ValidationError({"consent": NO_CONSENT}, code="no_consent")
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}.", code="invalid_transition"
        )
    _refuse_self(step_down, by, "approve")
    if not step_down.case.is_open:
        raise ValidationError("The case has closed since this was proposed.", code="closed")
    consent = consent_covering(step_down)
    now = timezone.now()
    step_down.approved_by = by
    step_down.approved_at = now
    step_down.save(update_fields=["approved_by", "approved_at"])
    clock_meet(target=step_down, kind=ClockKind.STEPDOWN_APPROVAL, by=by, late_reason="Approved late")
    _approval_wait_end(step_down, by)
    consulted = f"Proposed by {step_down.proposed_by}; approved by {by}"
    route = step_down.route
    if route in HUB_ROUTES:
        step_down.decision = _decision(step_down, by, Outcome.PATHWAY_2, consent, consulted)
        step_down.shared_at = now
        step_down.save(update_fields=["decision", "shared_at"])
        _move(step_down, StepDownState.WITH_HUB, by, f"Approved by {by}: with {step_down.receiving_team}")
        _hub_wait(step_down, _hub_clock(step_down, by))
        hub_manager = step_down.receiving_team.manager
        _tell(hub_manager, step_down, "hub", "a transfer for the Early Help Hub", "Review within 24 hours")
        _chronology(step_down, f"approved by {by}; transferred to {step_down.receiving_team}", by)
    elif route == Route.MASG:
        _move(step_down, StepDownState.AWAITING_PANEL, by, f"Approved by {by}: to the MASG panel")
        _chronology(step_down, f"approved by {by}; to be heard at the multi-agency support group", by)
    else:
        if route == Route.CIN_PLAN:
            consulted += f"; agreed at the CIN meeting on {step_down.cin_meeting_on:%d %B %Y}"
        step_down.decision = _decision(step_down, by, Outcome.EARLY_HELP, consent, consulted)
        _complete(step_down, by, now, f"Approved by {by}: {step_down.outcome_wording}")
    _tell(step_down.proposed_by, step_down, "approved", "approved", step_down.get_state_display())
    return step_down


def _complete(step_down: StepDown, by: User, now: datetime, summary: str) -> None:
    """The case has closed to social care with the referral to early help; the lead professional is
    involved with the family, so they see it with its history."""
    step_down.shared_at = step_down.shared_at or now
    step_down.completed_at = now
    step_down.save(update_fields=["decision", "shared_at", "completed_at"])
    _move(step_down, StepDownState.COMPLETED, by, summary)
    lead = step_down.lead_professional
    if lead and not step_down.family.involvements.filter(user=lead, ended_at__isnull=True).exists():
        involvement_add(
            family=step_down.family, user=lead, role_description="Lead professional (early help)", by=by
        )
    _chronology(step_down, step_down.outcome_wording, by, step_down.needs)
    if lead is not None:
        _lead_wait(step_down)


def _lead_wait(step_down: StepDown) -> None:
    """The family now waits on its lead professional (a partner named at the CIN meeting) to read
    what was done and take them up: a task in their tray until they say so (stepdown_take_up), so
    nobody is handed over blind."""
    task_open(
        kind=TaskKind.LEAD_PROFESSIONAL,
        target=step_down,
        summary=f"Take up the family of step-down {step_down.reference} as their lead professional",
        why="The family stepped down to early help with you named as lead professional: read what "
        "was done, then say you have taken them up",
        url=reverse("cases:case-detail", args=[step_down.case_id]) + "#step-down-status",
        users=[step_down.lead_professional],
        family=step_down.family,
    )


@transaction.atomic
def stepdown_take_up(*, step_down: StepDown, by: User) -> StepDown:
    """The lead professional has read the family's history and leads their support from now: the
    proposer hears of it, the chronology records it, and the task leaves their tray."""
    step_down = _lock(step_down, None)
    if step_down.lead_professional_id != by.pk:
        raise ValidationError("Only the family's named lead professional can take them up.", code="not_lead")
    if step_down.state != StepDownState.COMPLETED:
        raise ValidationError("The step-down is not complete yet: there is nothing to take up.", code="state")
    if step_down.taken_up_at is not None:
        raise ValidationError("You have already taken this family up.", code="twice")
    now = timezone.now()
    step_down.taken_up_at = now
    step_down.save(update_fields=["taken_up_at"])
    StepDownEvent.objects.create(
        step_down=step_down, state=step_down.state, summary="Taken up by the lead professional", at=now, by=by
    )
    _chronology(step_down, "the lead professional has taken the family up", by)
    tasks_close(target=step_down, kind=TaskKind.LEAD_PROFESSIONAL, by=by)
    _tell(
        step_down.proposed_by, step_down, "taken-up", "taken up by the lead professional", "No action needed"
    )
    return step_down


@transaction.atomic
def stepdown_return(
    *, step_down: StepDown, by: User, reason: str, expected_version: int | None = None
) -> StepDown:
    """A team manager returns a proposal with reasons; the hub returns a contact to the front door."""
    step_down = _lock(step_down, expected_version)
    if not reason.strip():
        raise ValidationError(
            {"reason": "Say why it is being returned, so the proposer knows what to change."}
        )
    allowed = step_down.state == StepDownState.PROPOSED or (
        step_down.state == StepDownState.WITH_HUB and step_down.route == Route.CONTACT
    )
    if not allowed:
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}: it cannot be returned now.",
            code="invalid_transition",
        )
    _refuse_self(step_down, by, "return")
    _move(step_down, StepDownState.RETURNED, by, f"Returned by {by}", reason.strip())
    step_down.returned_reason = reason.strip()
    step_down.save(update_fields=["returned_reason"])
    clock_meet(target=step_down, kind=ClockKind.STEPDOWN_APPROVAL, by=by, late_reason="Returned late")
    clock_meet(target=step_down, kind=ClockKind.EHH_REVIEW, by=by, late_reason="Returned late")
    _approval_wait_end(step_down, by)
    _hub_wait_end(step_down, by)
    if step_down.route == Route.CONTACT:
        contact_hub_return(contact=step_down.contact, by=by, reason=reason.strip())
    _chronology(step_down, f"returned by {by}", by, reason.strip())
    _tell(step_down.proposed_by, step_down, "returned", "returned with reasons", reason.strip())
    return step_down


# --- the Early Help Hub -------------------------------------------------------------------------


def stepdown_from_contact(*, contact: Contact, family: Family, by: User, rationale: str) -> StepDown:
    """Route (a), from the front door's triage (referrals.services.contact_triage, through the
    early_help_hub hook connected in apps.py): the contact is
    reassigned to the Early Help Hub's tray and its manager reviews it within 24 hours."""
    open_case = Case.objects.filter(family=family, state=CaseState.OPEN).first()
    if open_case and open_case.pathway >= Pathway.REDUCE_RISK:
        raise ValidationError(
            {
                "outcome": f"The family's case {open_case.reference} is at pathway {open_case.pathway}: "
                "stepping down is for the case holder, not the front door."
            }
        )
    hub = Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB).order_by("pk").first()
    if hub is None:
        raise ValidationError(
            {"outcome": "There is no Early Help Hub team: an administrator must set one up."}
        )
    consent = (
        Consent.objects.filter(family=family, early_help=True, withdrawn_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if contact.family_consents != FamilyConsent.YES and consent is None:
        raise ValidationError(
            {
                "outcome": "The Early Help Hub takes a contact only with the family's consent to the "
                "request or to early help. Record their consent, or choose another outcome."
            }
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            step_down = StepDown.objects.create(
                route=Route.CONTACT,
                state=StepDownState.WITH_HUB,
                family=family,
                case=open_case,
                contact=contact,
                rationale=rationale.strip(),
                needs=contact.concerns,
                consent=consent if contact.family_consents != FamilyConsent.YES else None,
                receiving_team=hub,
                proposed_by=by,
                proposed_at=now,
                shared_at=now,
            )
    except IntegrityError:
        raise ValidationError("This contact is already with the Early Help Hub.", code="twice") from None
    StepDownEvent.objects.create(
        step_down=step_down,
        state=step_down.state,
        summary=f"Reassigned to {hub} by the front door",
        detail=step_down.rationale,
        at=now,
        by=by,
    )
    _hub_wait(step_down, _hub_clock(step_down, by))
    _tell(hub.manager, step_down, "hub", "a contact for the Early Help Hub", "Review within 24 hours")
    _chronology(step_down, f"request for support {contact.reference} reassigned to {hub}", by, rationale)
    return step_down


@transaction.atomic
def stepdown_hub_review(
    *, step_down: StepDown, by: User, action: str, rationale: str, expected_version: int | None = None
) -> StepDown:
    """Route (a): the hub manager links the contact to the family's early help episode, starts a
    hub enquiry, or starts an early help assessment, each through the case's decision point."""
    step_down = _lock(step_down, expected_version)
    if step_down.route != Route.CONTACT:
        raise ValidationError("Only a contact reassigned by the front door is reviewed this way.")
    if step_down.state != StepDownState.WITH_HUB:
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}.", code="invalid_transition"
        )
    _refuse_self(step_down, by, "review")
    errors = {}
    if action not in HubAction.values:
        errors["action"] = "Choose what the hub will do: link, start an enquiry or start an assessment."
    if not rationale.strip():
        errors["rationale"] = "Record the hub's reasons."
    if errors:
        raise ValidationError(errors)
    consent = consent_covering(step_down)
    family = step_down.family
    case = Case.objects.select_for_update().filter(family=family, state=CaseState.OPEN).first()
    decision = None
    if action == HubAction.LINK:
        if case is None or case.pathway != Pathway.FAMILY_HELP:
            raise ValidationError({"action": "The family has no early help episode to link to: start one."})
    else:
        if case and case.pathway >= Pathway.FAMILY_HELP:
            raise ValidationError(
                {"action": f"The family already has case {case.reference}: link the contact to it."}
            )
        if case is None:
            case = case_open(family=family, team=step_down.receiving_team, pathway=Pathway.ADVICE, by=by)
        outcome = Outcome.PATHWAY_1 if action == HubAction.ENQUIRY else Outcome.PATHWAY_2
        decision = decision_record(
            case=case,
            by=by,
            details=DecisionDetails(
                outcome=outcome,
                rationale=f"Early Help Hub review: {HubAction(action).label}. {rationale.strip()}",
                consulted=f"Request {step_down.contact.reference}, reassigned by {step_down.proposed_by}",
                family_consents_to_share=True,
                shared_with=tuple(consent.share_with.all()) if consent else (),
            ),
        )
        case.refresh_from_db()
    step_down.case = case
    step_down.decision = decision
    step_down.hub_action = action
    step_down.approved_by = by
    step_down.approved_at = timezone.now()
    step_down.completed_at = step_down.approved_at
    step_down.save(
        update_fields=["case", "decision", "hub_action", "approved_by", "approved_at", "completed_at"]
    )
    clock_meet(target=step_down, kind=ClockKind.EHH_REVIEW, by=by, late_reason="Reviewed late")
    _hub_wait_end(step_down, by)
    _move(
        step_down,
        StepDownState.COMPLETED,
        by,
        f"Reviewed by {by}: {HubAction(action).label}",
        rationale.strip(),
    )
    contact_hub_finish(contact=step_down.contact, by=by, case=case, decision=decision)
    _chronology(step_down, f"Early Help Hub: {HubAction(action).label}", by, rationale.strip())
    _tell(
        step_down.proposed_by,
        step_down,
        "reviewed",
        "reviewed by the Early Help Hub",
        HubAction(action).label,
    )
    return step_down


@transaction.atomic
def stepdown_hub_discuss(
    *, step_down: StepDown, by: User, note: str, expected_version: int | None = None
) -> StepDown:
    """Routes (b), (c): the hub asks to discuss before accepting. Support carries on meanwhile."""
    step_down = _lock(step_down, expected_version)
    if step_down.route not in (Route.REFERRAL, Route.MASH_ENQUIRY):
        raise ValidationError("Only a transfer from a referral or MASH enquiry can be discussed.")
    if not note.strip():
        raise ValidationError({"note": "Say what the hub wants to discuss."})
    _move(step_down, StepDownState.DISCUSSING, by, f"{by} asked to discuss", note.strip())
    clock_meet(target=step_down, kind=ClockKind.EHH_REVIEW, by=by, late_reason="Responded late")
    _hub_wait_end(step_down, by)
    for user in {step_down.proposed_by, step_down.approved_by}:
        _tell(user, step_down, "discuss", "the Early Help Hub asks to discuss", note.strip())
    return step_down


@transaction.atomic
def stepdown_hub_accept(
    *, step_down: StepDown, by: User, key_worker: User, note: str = "", expected_version: int | None = None
) -> StepDown:
    """Routes (b), (c): the hub accepts the transfer and names the early help worker. The case moves
    to that worker's team; the referral package is already with it."""
    step_down = _lock(step_down, expected_version)
    if step_down.route not in (Route.REFERRAL, Route.MASH_ENQUIRY):
        raise ValidationError("Only a transfer from a referral or MASH enquiry is accepted this way.")
    if step_down.state not in (StepDownState.WITH_HUB, StepDownState.DISCUSSING):
        raise ValidationError(
            f"This step-down is {step_down.get_state_display().lower()}.", code="invalid_transition"
        )
    if key_worker is None:
        raise ValidationError({"key_worker": "Name the early help worker who will hold the case."})
    team = key_worker.teams.filter(kind=TeamKind.FAMILY_HELP).order_by("pk").first()
    if team is None:
        raise ValidationError({"key_worker": f"{key_worker} is not in a Family Help team."})
    case = step_down.case
    if not case.is_open:
        raise ValidationError("The case has closed since the transfer.", code="closed")
    case_transfer(case=case, team=team, by=by, note=f"Accepted by the Early Help Hub ({step_down.reference})")
    if case.key_worker_id != key_worker.pk:
        case_allocate(case=case, user=key_worker, role=AllocationRole.KEY_WORKER, by=by)
    now = timezone.now()
    step_down.approved_by = step_down.approved_by or by
    step_down.completed_at = now
    step_down.save(update_fields=["approved_by", "completed_at"])
    clock_meet(target=step_down, kind=ClockKind.EHH_REVIEW, by=by, late_reason="Accepted late")
    _hub_wait_end(step_down, by)
    _move(
        step_down, StepDownState.COMPLETED, by, f"Accepted by {by}: {key_worker} holds the case", note.strip()
    )
    _chronology(
        step_down, f"accepted by the Early Help Hub; {key_worker} is the key worker", by, note.strip()
    )
    _tell(step_down.proposed_by, step_down, "accepted", "accepted by the Early Help Hub", str(team))
    return step_down


# --- the multi-agency support group (route (d)) --------------------------------------------------


@transaction.atomic
def stepdown_panel_record(
    *,
    step_down: StepDown,
    by: User,
    accepted: bool,
    panel_on: date | None,
    lead_professional: User | None = None,
    resources: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> StepDown:
    """The MASG's decision. Accepted: it names the lead professional and resources, and only now
    does the case close to social care (RC9). Declined: the case stays where it is."""
    step_down = _lock(step_down, expected_version)
    if step_down.route != Route.MASG or step_down.state != StepDownState.AWAITING_PANEL:
        raise ValidationError("This step-down is not waiting for the multi-agency support group.")
    _refuse_self(step_down, by, "record the panel's decision for")
    errors = {}
    if panel_on is None:
        errors["panel_on"] = "Enter the date the panel met."
    elif panel_on > timezone.localdate():
        errors["panel_on"] = "The panel must already have met."
    if accepted:
        if lead_professional is None:
            errors["lead_professional"] = "Name the lead professional the panel identified."
        if not resources.strip():
            errors["resources"] = "Record the resources the panel agreed."
    elif not reason.strip():
        errors["reason"] = "Record why the panel did not accept the case."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    step_down.panel_on = panel_on
    if not accepted:
        step_down.returned_reason = reason.strip()
        step_down.save(update_fields=["panel_on", "returned_reason"])
        _move(step_down, StepDownState.RETURNED, by, "The panel did not accept the case", reason.strip())
        _chronology(step_down, "not accepted by the multi-agency support group", by, reason.strip())
        _tell(step_down.proposed_by, step_down, "panel", "not accepted by the MASG", reason.strip())
        return step_down
    consent = consent_covering(step_down, lead_agency=lead_professional.agency)
    if not step_down.case.is_open:
        raise ValidationError("The case has closed since this was approved.", code="closed")
    step_down.lead_professional = lead_professional
    step_down.panel_resources = resources.strip()
    step_down.save(update_fields=["panel_on", "lead_professional", "panel_resources"])
    consulted = (
        f"Proposed by {step_down.proposed_by}; approved by {step_down.approved_by}; "
        f"accepted by the multi-agency support group on {panel_on:%d %B %Y}"
    )
    step_down.decision = _decision(step_down, by, Outcome.EARLY_HELP, consent, consulted)
    _complete(step_down, by, now, f"Accepted by the MASG on {panel_on:%d %B %Y}: {lead_professional} leads")
    _tell(
        step_down.proposed_by,
        step_down,
        "panel",
        "accepted by the MASG",
        "The case has closed to social care",
    )
    return step_down


# --- one entry point for the pages and the API ---------------------------------------------------


def stepdown_act(*, step_down: StepDown, by: User, act: str, values: dict) -> StepDown:
    """Do `act` with the values a form or an API input gathered (each carries the version read)."""
    version = values.get("version")
    if act == "submit":
        return stepdown_submit(
            step_down=step_down, by=by, consent=values["consent"], expected_version=version
        )
    if act == "approve":
        return stepdown_approve(step_down=step_down, by=by, expected_version=version)
    if act == "return":
        return stepdown_return(step_down=step_down, by=by, reason=values["reason"], expected_version=version)
    if act == "withdraw":
        return stepdown_withdraw(step_down=step_down, by=by, reason=values["reason"])
    if act == "review":
        return stepdown_hub_review(
            step_down=step_down,
            by=by,
            action=values["action"],
            rationale=values["rationale"],
            expected_version=version,
        )
    if act == "discuss":
        return stepdown_hub_discuss(step_down=step_down, by=by, note=values["note"], expected_version=version)
    if act == "accept":
        return stepdown_hub_accept(
            step_down=step_down,
            by=by,
            key_worker=values["key_worker"],
            note=values.get("note", ""),
            expected_version=version,
        )
    if act == "panel":
        return stepdown_panel_record(
            step_down=step_down,
            by=by,
            accepted=values["accepted"],
            panel_on=values["panel_on"],
            lead_professional=values.get("lead_professional"),
            resources=values.get("resources", ""),
            reason=values.get("reason", ""),
            expected_version=version,
        )
    raise ValueError(f"unknown step-down action {act!r}")


# --- the consent checks (Celery beat) ---------------------------------------------------------


def _overdue(kind: str, now: datetime) -> list[int]:
    return list(
        Clock.objects.filter(
            content_type=ContentType.objects.get_for_model(StepDown),
            kind=kind,
            state__in=OPEN_CLOCK_STATES,
            due_at__lt=now,
        ).values_list("object_id", flat=True)
    )


def _overdue_told(step_down: StepDown) -> list[User | None]:
    """Who hears that a step-down is past its time: the proposer, and whoever it waits on (the
    managers who may approve it; for consent, the team's manager)."""
    if step_down.state == StepDownState.PROPOSED:
        approvers, _ = stepdown_approvers(step_down)
        return list(dict.fromkeys([step_down.proposed_by, *approvers]))
    return [step_down.proposed_by, _manager_of(step_down)]


def stepdown_checks(*, now: datetime | None = None) -> dict[str, int]:
    """Raise to the worker and their manager: step-downs waiting for consent or approval past their
    time, and consents withdrawn after the assessment was shared. Each is raised once."""
    now = now or timezone.now()
    counts = {"awaiting_consent": 0, "awaiting_approval": 0, "withdrawn_after_sharing": 0}
    checks = [
        (
            "awaiting_consent",
            StepDownState.AWAITING_CONSENT,
            ClockKind.STEPDOWN_CONSENT,
            "still waiting for consent",
        ),
        (
            "awaiting_approval",
            StepDownState.PROPOSED,
            ClockKind.STEPDOWN_APPROVAL,
            "still waiting for approval",
        ),
    ]
    for name, state, kind, what in checks:
        overdue = StepDown.objects.filter(pk__in=_overdue(kind, now), state=state).select_related(
            "proposed_by", "case__team__manager"
        )
        for step_down in overdue:
            counts[name] += 1
            for user in _overdue_told(step_down):
                _tell(user, step_down, name, what, "Past its time: act on it or withdraw it")
    withdrawn = StepDown.objects.filter(
        consent__withdrawn_at__isnull=False,
        shared_at__isnull=False,
        consent__withdrawn_at__gte=F("shared_at"),
    ).select_related("proposed_by", "case__team__manager", "consent", "lead_professional")
    for step_down in withdrawn:
        counts["withdrawn_after_sharing"] += 1
        why = (
            f"Consent {step_down.consent.reference} was withdrawn after the assessment was shared: tell the "
            "receiving team or agency, and review what support continues"
        )
        people = {
            step_down.proposed_by,
            _manager_of(step_down),
            step_down.case.key_worker if step_down.case_id else None,
        }
        for user in people:
            _tell(user, step_down, "consent-withdrawn", "consent withdrawn after sharing", why)
    return counts


# --- the monthly audit (seeds/003_…, 5.8) -------------------------------------------------------


@transaction.atomic
def audit_sample_draw(*, month: date, by: User, size: int | None = None) -> AuditSample:
    """Draw the month's random sample for case audit, once. The draw is kept, so the sample cannot
    be redrawn until it suits."""
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": "That month has not happened yet."})
    if AuditSample.objects.filter(month=month).exists():
        raise ValidationError(
            {"month": f"The sample for {month:%B %Y} has already been drawn."}, code="twice"
        )
    size = size or settings.STEPDOWN_AUDIT_SAMPLE_SIZE
    if size < 1:
        raise ValidationError({"size": "Sample at least one case."})
    start, end = month_bounds(month)
    step_downs = list(month_step_downs(start, end))
    step_ups = list(month_step_ups(start, end).select_related("case"))
    population = [(SampleKind.STEP_DOWN, s) for s in step_downs] + [(SampleKind.STEP_UP, t) for t in step_ups]
    if not population:
        raise ValidationError({"month": f"No family stepped down or up in {month:%B %Y}: nothing to sample."})
    try:
        with transaction.atomic():
            sample = AuditSample.objects.create(
                month=month, drawn_by=by, drawn_at=timezone.now(), population=len(population)
            )
    except IntegrityError:
        raise ValidationError({"month": f"The sample for {month:%B %Y} has already been drawn."}) from None
    chosen = random.SystemRandom().sample(population, min(size, len(population)))
    AuditSampleItem.objects.bulk_create(
        AuditSampleItem(
            sample=sample,
            kind=kind,
            family_id=thing.family_id if kind == SampleKind.STEP_DOWN else thing.case.family_id,
            step_down=thing if kind == SampleKind.STEP_DOWN else None,
            transition=thing if kind == SampleKind.STEP_UP else None,
        )
        for kind, thing in chosen
    )
    _audit_wait(sample)
    return sample


def _audit_wait(sample: AuditSample) -> None:
    """A drawn sample waits for an auditor's findings on each family in it: a task in every
    auditor's tray until the last finding is recorded (audit_finding_record)."""
    waiting = sample.items.filter(audited_at__isnull=True).count()
    task_open(
        kind=TaskKind.AUDIT_FINDINGS,
        target=sample,
        summary=f"Record the findings of the {sample.month:%B %Y} step-down and step-up audit",
        why=f"A sample was drawn for the monthly case audit: {waiting} of its families wait for findings",
        url=f"{reverse('stepdown:audit')}?month={sample.month:%Y-%m}",
        users=User.objects.filter(groups__name=Role.AUDITOR, is_active=True).order_by("pk"),
    )


@transaction.atomic
def audit_finding_record(
    *, item: AuditSampleItem, by: User, rating: str, findings: str, learning: str = ""
) -> AuditSampleItem:
    item = (
        AuditSampleItem.objects.select_for_update(of=("self",))
        .select_related("step_down", "transition")
        .get(pk=item.pk)
    )
    if item.audited_at is not None:
        raise ValidationError("Findings for this case are already recorded.", code="twice")
    errors = {}
    if rating not in AuditRating.values:
        errors["rating"] = "Choose a rating."
    if not findings.strip():
        errors["findings"] = "Record what the audit found."
    if errors:
        raise ValidationError(errors)
    step_down = item.step_down
    if step_down and by.pk in (step_down.proposed_by_id, step_down.approved_by_id):
        raise ValidationError("You proposed or approved this step-down: another auditor must audit it.")
    if item.transition_id and item.transition.by_id == by.pk:
        raise ValidationError("You made this step-up decision: another auditor must audit it.")
    item.rating = rating
    item.findings = findings.strip()
    item.learning = learning.strip()
    item.audited_by = by
    item.audited_at = timezone.now()
    item.save(update_fields=["rating", "findings", "learning", "audited_by", "audited_at"])
    if not AuditSampleItem.objects.filter(sample_id=item.sample_id, audited_at__isnull=True).exists():
        tasks_close(target=item.sample, kind=TaskKind.AUDIT_FINDINGS, by=by)
    return item


def stepdown_tasks_backfill() -> None:
    """Every step-down still waiting is in its owners' trays (manage.py tray_backfill, for waits
    that began before work trays existed): consent to record, approval, the hub's review. No notice
    is sent again: the inbox told them when the wait began."""
    waits = {
        StepDownState.AWAITING_CONSENT: (ClockKind.STEPDOWN_CONSENT, _consent_wait),
        StepDownState.PROPOSED: (ClockKind.STEPDOWN_APPROVAL, _approval_task),
        StepDownState.WITH_HUB: (ClockKind.EHH_REVIEW, _hub_wait),
    }
    step_downs = StepDown.objects.filter(state__in=list(waits)).select_related(
        "case", "contact", "proposed_by", "receiving_team"
    )
    for sample in AuditSample.objects.filter(items__audited_at__isnull=True).distinct().order_by("pk"):
        _audit_wait(sample)
    for step_down in step_downs.order_by("pk"):
        kind, wait = waits[step_down.state]
        clock = open_clock(step_down, kind)
        if clock is not None:
            wait(step_down, clock)


# --- drift review sets (issue 18) -----------------------------------------------------------------
# A manager puts drifting cases in a review set and records an outcome for each: continue (with a
# reason), step down (proposed through stepdown_propose, so it waits for the family's consent and a
# manager's approval like any other), close (through cases.services.case_close), or escalate (the
# key worker is told the case needs a pathway decision). Each outcome goes on the chronology.

OUTCOME_CHRONOLOGY = {
    ReviewOutcome.CONTINUE: "continues",
    ReviewOutcome.STEP_DOWN: "step-down to early help proposed",
    ReviewOutcome.CLOSE: "closed",
    ReviewOutcome.ESCALATE: "escalated for a pathway decision",
}


def _review_item_url(item: ReviewItem) -> str:
    return f"{reverse('stepdown:review-set', args=[item.review_set_id])}#item-{item.pk}"


def _review_wait(item: ReviewItem) -> None:
    """An item waits for its outcome in the tray of whoever made the set."""
    task_open(
        kind=TaskKind.REVIEW_OUTCOME,
        target=item,
        summary=f"Record the review outcome for case {item.case.reference} ({item.review_set.reference})",
        why="You put this drifting case in a review set",
        url=_review_item_url(item),
        users=[item.review_set.created_by],
        family=item.case.family,
    )


def _reasons_now(cases: list[Case]) -> dict[int, list[dict]]:
    """Each case's drift reasons as they stand (one query for them all)."""
    drifting = drift_for(Case.objects.filter(pk__in=[case.pk for case in cases]))
    return {
        row.case.pk: [{"code": str(reason.code), "text": reason.text} for reason in row.reasons]
        for row in drifting
    }


def _current(cases) -> list[Case]:
    """The cases as they stand now (who holds them, whether open), in the order given, once each."""
    ids = list(dict.fromkeys(case.pk for case in cases))
    found = Case.objects.select_related("team", "family").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _item_add(review_set: ReviewSet, case: Case, by: User, reasons: list[dict]) -> ReviewItem:
    refusal = review_refusal(by, case)
    if refusal:
        raise ValidationError({"cases": f"Case {case.reference}: {refusal}"}, code="not_reviewer")
    if not case.is_open:
        raise ValidationError({"cases": f"Case {case.reference} is closed: there is nothing to review."})
    now = timezone.now()
    try:
        with transaction.atomic():
            item = ReviewItem.objects.create(
                review_set=review_set, case=case, reasons=reasons, added_by=by, added_at=now
            )
    except IntegrityError:
        raise ValidationError(
            {"cases": f"Case {case.reference} is already in {review_set.name}."}, code="twice"
        ) from None
    said = "; ".join(reason["text"] for reason in reasons) or "Not drifting by the rules when added"
    ReviewItemEvent.objects.create(
        item=item, summary=f"Added to {review_set.name}"[:300], detail=said, at=now, by=by
    )
    _review_wait(item)
    return item


@transaction.atomic
def review_set_create(*, by: User, name: str, cases) -> ReviewSet:
    """A new review set holding `cases` (each once), every one waiting for an outcome."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Name the review set, for example the team and the month."
    cases = _current(cases)
    if not cases:
        errors["cases"] = "Choose at least one case to review."
    if errors:
        raise ValidationError(errors)
    review_set = ReviewSet.objects.create(name=name.strip()[:200], created_by=by, created_at=timezone.now())
    reasons = _reasons_now(cases)
    for case in cases:
        _item_add(review_set, case, by, reasons.get(case.pk, []))
    return review_set


@transaction.atomic
def review_item_add(*, review_set: ReviewSet, case: Case, by: User) -> ReviewItem:
    """Put one more case in an open set (its drift reasons as they stand now)."""
    review_set = ReviewSet.objects.select_for_update().get(pk=review_set.pk)
    if review_set.closed_at is not None:
        raise ValidationError({"review_set": f"{review_set.name} is closed: start a new set."}, code="closed")
    if review_set.created_by_id != by.pk:
        raise ValidationError({"review_set": "Only the manager who made the set adds cases to it."})
    (case,) = _current([case])
    return _item_add(review_set, case, by, _reasons_now([case]).get(case.pk, []))


@transaction.atomic
def review_cases_add(*, review_set: ReviewSet, cases, by: User) -> list[ReviewItem]:
    """Several cases into an open set at once (the drift page's "put in a review set")."""
    cases = _current(cases)
    if not cases:
        raise ValidationError({"cases": "Choose at least one case to review."})
    return [review_item_add(review_set=review_set, case=case, by=by) for case in cases]


@dataclass(frozen=True)
class StepDownChoice:
    """What a "step down" outcome proposes: the route and needs, and what the route asks for."""

    route: str = ""
    needs: str = ""
    receiving_team: Team | None = None
    receiving_agency: Agency | None = None
    lead_professional: User | None = None
    cin_meeting_on: date | None = None
    agreement: str = ""


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


def _step_down_outcome(item: ReviewItem, by: User, reason: str, choice: StepDownChoice) -> StepDown:
    """Through the step-down service: proposed by the reviewer, with no consent yet, so it waits for
    the family's consent (and then a manager's approval) like any other step-down."""
    if not choice.route:
        raise ValidationError({"route": "Choose the step-down route."})
    try:
        return stepdown_propose(
            case=item.case,
            by=by,
            details=StepDownDetails(
                route=choice.route,
                rationale=reason,
                needs=choice.needs,
                receiving_team=choice.receiving_team,
                receiving_agency=choice.receiving_agency,
                lead_professional=choice.lead_professional,
                cin_meeting_on=choice.cin_meeting_on,
                agreement=choice.agreement,
            ),
        )
    except ValidationError as exc:
        raise _renamed(exc, {"rationale": "reason"}) from None


def _close_outcome(item: ReviewItem, by: User, reason: str, closure_reason: str) -> None:
    case = item.case
    if not may_close_for_review(by, case):
        raise ValidationError({"outcome": f"Only a manager of {case.team} who may close cases can close it."})
    if not closure_reason:
        raise ValidationError({"closure_reason": "Choose the reason the case is closing."})
    try:
        case_close(case=case, reason=closure_reason, by=by, note=reason)
    except ValidationError as exc:
        raise _renamed(exc, {"reason": "closure_reason"}) from None


def _escalate_outcome(item: ReviewItem, by: User) -> None:
    """The case needs a pathway decision: a task in its key worker's tray (the team's, when nobody
    holds the case), closed by pathways' services when a decision is proposed or recorded or the
    case closes. The manager is taken to the decision page."""
    case = item.case
    task_open(
        kind=TaskKind.DECISION_ASKED,
        target=case,
        summary=f"Make a pathway decision on case {case.reference}: a drift review escalated it",
        why=f"Escalated at review set {item.review_set.name}"[:300],
        url=reverse("pathways:decision", args=[case.pk]),
        users=[case.key_worker] if case.key_worker_id else (),
        team=None if case.key_worker_id else case.team,
        family=case.family,
        exclude=by,
    )


@transaction.atomic
def review_outcome_record(
    *,
    item: ReviewItem,
    by: User,
    outcome: str,
    reason: str,
    step_down: StepDownChoice | None = None,
    closure_reason: str = "",
    expected_version: int | None = None,
) -> ReviewItem:
    """Record what happens to a case in a review set. Final once recorded."""
    item = lock_current(item, expected_version, what="this review item")
    if item.outcome:
        raise ValidationError(
            f"An outcome is already recorded for this case: {item.get_outcome_display().lower()}.",
            code="twice",
        )
    case = Case.objects.select_related("family", "team", "key_worker").get(pk=item.case_id)
    item.case = case
    refusal = review_refusal(by, case)
    if refusal:
        raise ValidationError(refusal, code="not_reviewer")
    errors = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Choose an outcome: continue, step down, close or escalate."
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = {
            ReviewOutcome.CONTINUE: "Say why the case continues: what the work is still doing for the child.",
            ReviewOutcome.STEP_DOWN: "Explain why early help, not social care, is right for the family now.",
            ReviewOutcome.CLOSE: "Say why the case is closing.",
            ReviewOutcome.ESCALATE: "Say why the case needs a pathway decision.",
        }.get(outcome, "Give the reason for the outcome.")
    if errors:
        raise ValidationError(errors)
    if not case.is_open:
        raise ValidationError(f"Case {case.reference} has closed since it was put in the set.", code="closed")
    proposed = None
    if outcome == ReviewOutcome.STEP_DOWN:
        proposed = _step_down_outcome(item, by, reason, step_down or StepDownChoice())
    elif outcome == ReviewOutcome.ESCALATE:
        _escalate_outcome(item, by)
    now = timezone.now()
    item.outcome = outcome
    item.outcome_reason = reason
    item.step_down = proposed
    item.decided_by = by
    item.decided_at = now
    item.version += 1
    item.save(update_fields=["outcome", "outcome_reason", "step_down", "decided_by", "decided_at", "version"])
    if outcome == ReviewOutcome.CLOSE:
        # Once this item is decided: closing the case ends only the case's items waiting in other
        # sets (review_items_end_with_case, on the case_closed signal).
        _close_outcome(item, by, reason, closure_reason)
    label = ReviewOutcome(outcome).label
    detail = (
        reason
        if proposed is None
        else f"{reason}\n\nStep-down {proposed.reference} proposed: {Route(proposed.route).label}"
    )
    ReviewItemEvent.objects.create(
        item=item, outcome=outcome, summary=f"Outcome: {label}", detail=detail, at=now, by=by
    )
    chronology_write(
        family=case.family,
        case=case,
        kind=ChronologyKind.CASE_REVIEWED,
        summary=f"Case reviewed: {OUTCOME_CHRONOLOGY[outcome]}",
        detail=detail,
        author=by,
    )
    tasks_close(target=item, kind=TaskKind.REVIEW_OUTCOME, by=by)
    _review_set_close_when_done(item.review_set_id, now)
    return item


def _review_set_close_when_done(review_set_id: int, now) -> None:
    review_set = ReviewSet.objects.select_for_update().get(pk=review_set_id)
    if review_set.closed_at is None and not review_set.items.filter(outcome="").exists():
        review_set.closed_at = now
        review_set.save(update_fields=["closed_at"])


@transaction.atomic
def review_items_end_with_case(*, case: Case, by: User, reason: str) -> int:
    """The case closed another way while it waited in a review set (Stockton's tables counted
    these: "closed naturally during the auditing process"). Its item counts as closed, its task
    leaves the set creator's tray, and a set with nothing left waiting closes (stepdown/receivers.py)."""
    ended = 0
    for item in ReviewItem.objects.select_for_update().filter(case=case, outcome=""):
        now = timezone.now()
        item.outcome = ReviewOutcome.CLOSE
        item.outcome_reason = f"The case closed while it waited for review: {reason}"
        item.decided_by = by
        item.decided_at = now
        item.version += 1
        item.save(update_fields=["outcome", "outcome_reason", "decided_by", "decided_at", "version"])
        ReviewItemEvent.objects.create(
            item=item,
            outcome=item.outcome,
            summary="Outcome: closed while waiting for review",
            detail=item.outcome_reason,
            at=now,
            by=by,
        )
        tasks_close(target=item, kind=TaskKind.REVIEW_OUTCOME, by=by, state=TaskState.CANCELLED)
        _review_set_close_when_done(item.review_set_id, now)
        ended += 1
    return ended
