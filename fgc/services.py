"""Family group conferences: every write is here (issue 18, part 2).

- A practitioner working on a case refers the family, only with the family's consent: a current
  consent of that family to a family group conference (stepdown's Consent, recorded on the family's
  consents page). Without one the referral is refused with a field error pointing there; there is
  no other way in. One open referral per case.
- The referral waits in the FGC service team's tray (TaskKind.FGC_REFERRAL) and starts the clock
  from referral to conference (ClockKind.FGC_CONFERENCE). A coordinator of the service accepts it
  (and becomes involved with the family, so can see its record, until the referral ends) or
  declines it with a reason.
- The conference recorded meets the clock. The family's own plan joins the case's plan as its own
  actions (pathways.PlanAction, source FAMILY_PLAN), and puts the review in the coordinator's tray
  (TaskKind.FGC_REVIEW, due FGC_REVIEW_WEEKS later); recording the review closes that task.
- Each state change writes an FgcEvent, and where it matters to the family a chronology entry,
  in the same transaction (fgc.choices.FGC_TRANSITIONS is the state machine).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.choices import TeamKind
from accounts.models import Team, User
from cases.choices import CaseState, ChronologyKind
from cases.models import Case, Involvement
from cases.services import chronology_write, involvement_add, involvement_end
from config.models import lock_current
from escalation.calendar import end_of_working_day
from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.services import clock_cancel, clock_meet, clock_start, notify, task_open, tasks_close
from fgc.choices import FGC_TRANSITIONS, OPEN_STATES, FgcState, PlanWorking
from fgc.models import FgcConference, FgcEvent, FgcReferral, FgcReview
from fgc.permissions import in_service
from pathways.choices import ActionSource
from pathways.models import Plan, PlanAction
from pathways.selectors import case_children
from pathways.services import plan_action_add
from stepdown.models import Consent

COORDINATE = "fgc.coordinate_fgc"
COORDINATOR_ROLE = "Family group conference coordinator"


def consent_needed_message(case: Case) -> str:
    url = reverse("stepdown:consents", args=[case.family_id])
    return (
        "The family has not consented to a family group conference: record their consent (who gave "
        f"it, to a family group conference, how and when) on the family's consents page ({url}) first."
    )


def fgc_service_team() -> Team:
    """The team referrals go to: settings.FGC_SERVICE_TEAM (a team name) where set, else the first
    family group conference service team."""
    teams = Team.objects.filter(kind=TeamKind.FAMILY_GROUP_CONFERENCE).order_by("pk")
    name = getattr(settings, "FGC_SERVICE_TEAM", "")
    team = (teams.filter(name=name).first() if name else None) or teams.first()
    if team is None:
        raise ValidationError(
            "There is no family group conference service team to refer to: an administrator must add one."
        )
    return team


# --- shared parts -----------------------------------------------------------------------------


def _day(day, *, short: bool = False) -> str:
    """A date as GOV.UK writes it: 4 December 2026 (4 Dec 2026 when short)."""
    return f"{day.day} {day:%b %Y}" if short else f"{day.day} {day:%B %Y}"


def _check(referral: FgcReferral, to_state: str) -> None:
    if to_state not in FGC_TRANSITIONS[referral.state]:
        raise ValidationError(
            f"This referral is {referral.get_state_display().lower()}: it cannot do that now.",
            code="invalid_transition",
        )


def _move(referral: FgcReferral, to_state: str, by: User, summary: str, detail: str = "") -> None:
    _check(referral, to_state)
    referral.state = to_state
    referral.version += 1
    FgcEvent.objects.create(
        referral=referral, state=to_state, summary=summary[:300], detail=detail, at=timezone.now(), by=by
    )


def _lock(referral: FgcReferral, expected_version: int | None) -> FgcReferral:
    return lock_current(referral, expected_version, what="this referral")


def _chronology(
    referral: FgcReferral, kind: str, summary: str, by: User, detail: str = "", occurred_at=None
) -> None:
    chronology_write(
        family=referral.family,
        case=referral.case,
        kind=kind,
        summary=summary,
        detail=detail,
        author=by,
        occurred_at=occurred_at,
    )


def _require_coordinator(referral: FgcReferral, by: User) -> None:
    if not by.has_perm(COORDINATE) or referral.coordinator_id != by.pk:
        raise ValidationError("Only the family's family group conference coordinator can do this.")


def _date_errors(field: str, day: date | None, referral: FgcReferral, what: str) -> dict[str, str]:
    if day is None:
        return {field: f"Enter the date {what}."}
    if day > timezone.localdate():
        return {field: f"The date {what} cannot be in the future."}
    referred_on = timezone.localdate(referral.referred_at)
    if day < referred_on:
        return {field: f"The date {what} cannot be before the referral ({_day(referred_on)})."}
    return {}


def _tell(user: User | None, referral: FgcReferral, key: str, what: str, why: str) -> None:
    """Notifications carry references, never names (they are emailed)."""
    if user is None or not user.is_active:
        return
    notify(
        user=user,
        key=f"fgc:{referral.pk}:{key}:{user.pk}",
        what=f"Family group conference referral {referral.reference}: {what}",
        why=why,
        url=referral.get_absolute_url(),
        statutory=False,
    )


def _end(referral: FgcReferral, by: User, reason: str) -> None:
    """The referral has ended (closed, declined or withdrawn): nothing waits on it any longer, and the
    coordinator's involvement with the family ends unless another open referral of theirs needs it."""
    referral.closed_at = timezone.now()
    clock_cancel(target=referral, by=by, reason=reason)
    tasks_close(target=referral, by=by, state=TaskState.CANCELLED)
    if referral.involvement_id:
        still_needed = (
            FgcReferral.objects.filter(involvement_id=referral.involvement_id, state__in=OPEN_STATES)
            .exclude(pk=referral.pk)
            .exists()
        )
        involvement = Involvement.objects.get(pk=referral.involvement_id)
        if not still_needed and involvement.ended_at is None:
            involvement_end(involvement=involvement, by=by)


# --- referral -----------------------------------------------------------------------------------


def _consent_errors(case: Case, consent: Consent | None) -> dict[str, str]:
    """The consent gate: a current consent of this family to a family group conference."""
    if consent is None:
        current = Consent.objects.filter(
            family_id=case.family_id, withdrawn_at__isnull=True, family_group_conference=True
        ).exists()
        if current:
            return {"consent": "Choose the family's consent to a family group conference."}
        return {"consent": consent_needed_message(case)}
    if consent.family_id != case.family_id:
        return {"consent": "Choose a consent given by this family. " + consent_needed_message(case)}
    if consent.withdrawn_at is not None:
        return {
            "consent": f"Consent {consent.reference} has been withdrawn, so cannot be relied on. "
            + consent_needed_message(case)
        }
    if not consent.family_group_conference:
        return {
            "consent": f"Consent {consent.reference} does not cover a family group conference. "
            + consent_needed_message(case)
        }
    return {}


@transaction.atomic
def fgc_referral_make(*, case: Case, by: User, consent: Consent | None, children, reason: str) -> FgcReferral:
    """Refer the family, from this case, to the family group conference service."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if consent is not None:
        # Locked, so that consent withdrawn at the same moment cannot slip past the gate.
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
    errors: dict[str, str] = {}
    if case.state != CaseState.OPEN:
        raise ValidationError("The case is closed: a family group conference is referred from an open case.")
    errors.update(_consent_errors(case, consent))
    if not (reason or "").strip():
        errors["reason"] = "Say what the family wants help with."
    children = list(children or [])
    allowed = set(case_children(case).values_list("pk", flat=True))
    if not children:
        errors["children"] = "Choose the children the conference is about."
    elif any(child.pk not in allowed for child in children):
        errors["children"] = "Choose children of this case's family."
    already = FgcReferral.objects.filter(case=case, state__in=OPEN_STATES).first()
    if already:
        errors["__all__"] = (
            f"Referral {already.reference} for this case is still open "
            f"({already.get_state_display().lower()}): one at a time."
        )
    if errors:
        raise ValidationError(errors)
    service = fgc_service_team()
    now = timezone.now()
    try:
        with transaction.atomic():
            referral = FgcReferral.objects.create(
                case=case,
                family=case.family,
                consent=consent,
                service=service,
                reason=reason.strip(),
                state=FgcState.REFERRED,
                referred_by=by,
                referred_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            {"__all__": "A referral for this case is already open: one at a time."}
        ) from None
    referral.children.set(children)
    FgcEvent.objects.create(
        referral=referral,
        state=FgcState.REFERRED,
        summary=f"Referred to {service}",
        detail=referral.reason,
        at=now,
        by=by,
    )
    _chronology(
        referral,
        ChronologyKind.FGC_REFERRAL,
        f"Referred for a family group conference ({referral.reference}), with consent {consent.reference}",
        by,
        detail=referral.reason,
    )
    clock = clock_start(
        target=referral,
        kind=ClockKind.FGC_CONFERENCE,
        by=by,
        team=service,
        family=case.family,
        pathway=case.pathway,
        started_at=now,
    )
    task_open(
        kind=TaskKind.FGC_REFERRAL,
        target=referral,
        summary=f"Take up family group conference referral {referral.reference} (case {case.reference})",
        why=f"Referred to {service}",
        url=referral.get_absolute_url(),
        team=service,
        family=case.family,
        clock=clock,
    )
    return referral


@transaction.atomic
def fgc_referral_accept(
    *, referral: FgcReferral, by: User, expected_version: int | None = None
) -> FgcReferral:
    """A coordinator of the service takes the referral up: they coordinate it and become involved
    with the family (which lets them see its record) until it ends."""
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.ACCEPTED)
    if not (by.has_perm(COORDINATE) and in_service(by, referral)):
        raise ValidationError(f"Only a coordinator of {referral.service} can take up this referral.")
    _move(referral, FgcState.ACCEPTED, by, f"Taken up by {by}")
    involvement = Involvement.objects.filter(family=referral.family, user=by, ended_at__isnull=True).first()
    if involvement is None:
        involvement = involvement_add(
            family=referral.family, user=by, role_description=COORDINATOR_ROLE, by=by
        )
    elif not FgcReferral.objects.filter(involvement=involvement).exists():
        involvement = None  # involved already for another reason: not this referral's to end
    referral.coordinator, referral.involvement, referral.accepted_at = by, involvement, timezone.now()
    referral.save(update_fields=["state", "version", "coordinator", "involvement", "accepted_at"])
    tasks_close(target=referral, kind=TaskKind.FGC_REFERRAL, by=by)
    _chronology(
        referral,
        ChronologyKind.FGC_REFERRAL,
        f"Family group conference referral {referral.reference} taken up by {by}",
        by,
    )
    _tell(referral.referred_by, referral, "accepted", "taken up by a coordinator", "No action needed")
    return referral


@transaction.atomic
def fgc_referral_decline(
    *, referral: FgcReferral, by: User, reason: str, expected_version: int | None = None
) -> FgcReferral:
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.DECLINED)
    if not (by.has_perm(COORDINATE) and in_service(by, referral)):
        raise ValidationError(f"Only a coordinator of {referral.service} can decline this referral.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the service cannot take the referral up."})
    _move(referral, FgcState.DECLINED, by, "Declined", reason.strip())
    referral.declined_reason = reason.strip()
    tasks_close(target=referral, kind=TaskKind.FGC_REFERRAL, by=by)
    _end(referral, by, "Referral declined")
    referral.save(update_fields=["state", "version", "declined_reason", "closed_at"])
    _chronology(
        referral,
        ChronologyKind.FGC_REFERRAL,
        f"Family group conference referral {referral.reference} declined by the service",
        by,
        detail=referral.declined_reason,
    )
    _tell(
        referral.referred_by,
        referral,
        "declined",
        "declined by the service",
        "Read the reason on the referral",
    )
    return referral


@transaction.atomic
def fgc_referral_withdraw(
    *, referral: FgcReferral, by: User, reason: str, expected_version: int | None = None
) -> FgcReferral:
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.WITHDRAWN)
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": "Say why the referral is withdrawn (for example, the family changed its mind)."}
        )
    _move(referral, FgcState.WITHDRAWN, by, "Withdrawn", reason.strip())
    referral.withdrawn_reason = reason.strip()
    _end(referral, by, "Referral withdrawn")
    referral.save(update_fields=["state", "version", "withdrawn_reason", "closed_at"])
    _chronology(
        referral,
        ChronologyKind.FGC_REFERRAL,
        f"Family group conference referral {referral.reference} withdrawn",
        by,
        detail=referral.withdrawn_reason,
    )
    for user in (referral.referred_by, referral.coordinator):
        if user is not None and user != by:
            _tell(user, referral, "withdrawn", "withdrawn", "No action needed")
    return referral


# --- the conference, the family's plan, the review ---------------------------------------------


def _met_at(day: date) -> datetime:
    """When the conference counts as held, for its clock: the end of its day, or now if sooner."""
    return min(timezone.now(), timezone.make_aware(datetime.combine(day, time(23, 59))))


@transaction.atomic
def fgc_conference_record(
    *,
    referral: FgcReferral,
    by: User,
    held_on: date,
    attendees: str,
    attendee_count: int | None,
    family_private_time: bool | None,
    notes: str = "",
    late_reason: str = "",
    expected_version: int | None = None,
) -> FgcConference:
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.CONFERENCE_HELD)
    _require_coordinator(referral, by)
    errors = _date_errors("held_on", held_on, referral, "the conference was held")
    if not (attendees or "").strip():
        errors["attendees"] = "Say who came: family members, friends and professionals."
    if attendee_count is None or attendee_count < 1:
        errors["attendee_count"] = "Say how many people came (a whole number, 1 or more)."
    if family_private_time is None:
        errors["family_private_time"] = "Say whether the family had private time."
    if errors:
        raise ValidationError(errors)
    _move(referral, FgcState.CONFERENCE_HELD, by, f"Conference held on {_day(held_on)}")
    referral.save(update_fields=["state", "version"])
    conference = FgcConference.objects.create(
        referral=referral,
        held_on=held_on,
        attendees=attendees.strip(),
        attendee_count=attendee_count,
        family_private_time=family_private_time,
        notes=(notes or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    clock_meet(
        target=referral, kind=ClockKind.FGC_CONFERENCE, by=by, late_reason=late_reason, at=_met_at(held_on)
    )
    private = "the family had private time" if family_private_time else "the family had no private time"
    _chronology(
        referral,
        ChronologyKind.FGC_CONFERENCE,
        f"Family group conference held on {_day(held_on)} ({referral.reference})",
        by,
        detail=f"{attendee_count} came: {conference.attendees}. {private.capitalize()}.",
        occurred_at=_met_at(held_on),
    )
    return conference


@dataclass
class FamilyPlanItem:
    """One action of the family's own plan: what, who, by when."""

    what: str
    who: str
    by_when: date | None


def review_weeks() -> int:
    return int(getattr(settings, "FGC_REVIEW_WEEKS", 12))


@transaction.atomic
def fgc_plan_record(
    *,
    referral: FgcReferral,
    by: User,
    agreed_on: date,
    actions: list[FamilyPlanItem],
    expected_version: int | None = None,
) -> list[PlanAction]:
    """The family's own plan joins the case's one living plan as its own actions (through pathways'
    plan_action_add), and its review goes in the coordinator's tray."""
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.PLAN_AGREED)
    _require_coordinator(referral, by)
    errors = _date_errors("agreed_on", agreed_on, referral, "the family agreed its plan")
    if not actions:
        errors["actions"] = "Add at least one action of the family's plan: what, who and by when."
    plan = Plan.objects.filter(case=referral.case, ended_on__isnull=True).first()
    if plan is None:
        errors["__all__"] = (
            f"Case {referral.case.reference} has no plan for the family's actions to join: ask the case "
            "holder to start the case's plan, then record the family's plan."
        )
    if errors:
        raise ValidationError(errors)
    added = []
    for number, item in enumerate(actions, start=1):
        try:
            with transaction.atomic():
                action = plan_action_add(
                    plan=plan,
                    by=by,
                    what=item.what,
                    who=item.who,
                    by_when=item.by_when,
                    source=ActionSource.FAMILY_PLAN,
                )
        except ValidationError as exc:
            said = "; ".join(exc.messages)
            raise ValidationError({"actions": f"Action {number}: {said}"}) from None
        added.append(action)
    referral.plan_actions.add(*added)
    _move(
        referral,
        FgcState.PLAN_AGREED,
        by,
        f"The family's plan agreed on {_day(agreed_on)}: {len(added)} action(s) joined the case's plan",
        detail="\n".join(f"{a.what} ({a.who}, by {_day(a.by_when, short=True)})" for a in added),
    )
    referral.plan_agreed_on = agreed_on
    referral.save(update_fields=["state", "version", "plan_agreed_on"])
    _chronology(
        referral,
        ChronologyKind.FGC_CONFERENCE,
        f"The family's own plan from the conference joined the case's plan ({len(added)} actions)",
        by,
        detail="\n".join(f"{a.what} ({a.who}, by {_day(a.by_when, short=True)})" for a in added),
    )
    due = end_of_working_day(agreed_on + timedelta(weeks=review_weeks()))
    task_open(
        kind=TaskKind.FGC_REVIEW,
        target=referral,
        summary=f"Review the family's plan from family group conference {referral.reference}",
        why=f"The family's plan is reviewed {review_weeks()} weeks after it was agreed",
        url=reverse("fgc:review", args=[referral.pk]),
        users=[by],
        family=referral.family,
        due_at=due,
    )
    return added


@transaction.atomic
def fgc_review_record(
    *,
    referral: FgcReferral,
    by: User,
    held_on: date,
    plan_working: str,
    notes: str = "",
    expected_version: int | None = None,
) -> FgcReview:
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.REVIEWED)
    _require_coordinator(referral, by)
    errors = _date_errors("held_on", held_on, referral, "the review was held")
    if plan_working not in PlanWorking.values:
        errors["plan_working"] = "Say whether the family's plan is working."
    if errors:
        raise ValidationError(errors)
    working = PlanWorking(plan_working)
    _move(
        referral,
        FgcState.REVIEWED,
        by,
        f"The family's plan reviewed on {_day(held_on)}: {working.label}",
        notes,
    )
    referral.save(update_fields=["state", "version"])
    review = FgcReview.objects.create(
        referral=referral,
        held_on=held_on,
        plan_working=plan_working,
        notes=(notes or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    tasks_close(target=referral, kind=TaskKind.FGC_REVIEW, by=by)
    _chronology(
        referral,
        ChronologyKind.FGC_CONFERENCE,
        f"The family's own plan reviewed on {_day(held_on)}: {working.label}",
        by,
        detail=review.notes,
    )
    return review


@transaction.atomic
def fgc_referral_close(
    *, referral: FgcReferral, by: User, note: str = "", expected_version: int | None = None
) -> FgcReferral:
    """The coordinator's work with the family is done: the referral closes and their involvement ends.
    The family's actions stay in the case's plan."""
    referral = _lock(referral, expected_version)
    _check(referral, FgcState.CLOSED)
    _require_coordinator(referral, by)
    _move(referral, FgcState.CLOSED, by, "Closed", (note or "").strip())
    _end(referral, by, "Referral closed")
    referral.save(update_fields=["state", "version", "closed_at"])
    _chronology(
        referral,
        ChronologyKind.FGC_REFERRAL,
        f"Family group conference referral {referral.reference} closed: the family's plan continues",
        by,
        detail=(note or "").strip(),
    )
    _tell(referral.referred_by, referral, "closed", "closed by the coordinator", "No action needed")
    return referral


def fgc_referrals_withdraw_with_consent(*, consent, by: User) -> int:
    """The family withdrew the consent a referral rests on (fgc/receivers.py): a referral whose
    conference has not been held is withdrawn. After the conference the plan is the family's own,
    and stays."""
    withdrawn = 0
    waiting = FgcReferral.objects.filter(consent=consent, state__in=[FgcState.REFERRED, FgcState.ACCEPTED])
    for referral in waiting:
        fgc_referral_withdraw(
            referral=referral, by=by, reason="The family withdrew its consent to a family group conference"
        )
        withdrawn += 1
    return withdrawn


def fgc_referrals_withdraw_with_case(*, case: Case, by: User, reason: str) -> int:
    """The case closed: its referrals still open are withdrawn (fgc/receivers.py)."""
    withdrawn = 0
    for referral in FgcReferral.objects.filter(case=case, state__in=OPEN_STATES):
        fgc_referral_withdraw(referral=referral, by=by, reason=f"The case was closed: {reason}")
        withdrawn += 1
    return withdrawn
