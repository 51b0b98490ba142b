"""Writes for professional disagreements: raised on a contact's outcome (by the referrer, or the
front door for them) or on a recorded decision, then up the ladder (disagreements/choices.py) until
resolved or withdrawn. Each stage runs on an escalation clock; a missed deadline moves it up by
itself (`disagreement_stage_missed`, told by the clock engine)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.choices import AgencyKind
from accounts.models import Agency, Team, User
from accounts.selectors import front_door_team
from cases.choices import ChronologyKind
from cases.services import chronology_write
from config.models import lock_current
from disagreements.choices import LADDER, TOP_STAGE, DisagreementState
from disagreements.models import Disagreement, DisagreementEvent, LadderContact
from escalation.choices import ClockKind, TaskKind, TaskState
from escalation.models import Clock
from escalation.services import (
    clock_cancel,
    clock_meet,
    clock_start,
    clocks_open,
    notify,
    task_open,
    tasks_close,
)
from referrals.choices import ContactState
from referrals.models import Contact, ContactEvent


@transaction.atomic
def disagreement_raise_on_contact(
    *,
    contact: Contact,
    by: User,
    position: str,
    wanted: str = "",
    raised_for: str = "",
    high_risk: bool = False,
) -> Disagreement:
    """A referrer (or the front door, for a referrer without an account) disagrees with the
    outcome of a contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.submitted_by_id == by.pk:
        raised_for = ""  # the referrer speaks for themselves
    raised_for = raised_for.strip()[:200]
    errors: dict[str, str] = {}
    if contact.state != ContactState.TRIAGED:
        raise ValidationError("There is no decision on this contact yet to disagree with.")
    if not position.strip():
        errors["position"] = "Say why you think the decision is wrong: what do you know that worries you?"
    if contact.submitted_by_id != by.pk and not raised_for.strip():
        errors["raised_for"] = "Say who disagrees: the referrer's name and role."
    if errors:
        raise ValidationError(errors)
    open_already = Disagreement.objects.filter(
        contact=contact, raised_by=by, raised_for=raised_for.strip(), state=DisagreementState.OPEN
    ).first()
    if open_already:
        raise ValidationError(
            f"A disagreement about this decision is already open ({open_already.reference}).",
            code="duplicate",
        )
    now = timezone.now()
    disagreement = Disagreement.objects.create(
        contact=contact,
        decision=contact.decision,
        raised_by=by,
        raised_by_agency=by.agency if contact.submitted_by_id == by.pk else contact.referrer_agency,
        raised_for=raised_for.strip(),
        raised_at=now,
        position=position.strip(),
        wanted=wanted.strip(),
        high_risk=high_risk,
    )
    who = raised_for.strip() or str(by)
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"Raised by {who} against the outcome of {contact.reference}",
        detail=disagreement.position,
        at=now,
        by=by,
    )
    ContactEvent.objects.create(
        contact=contact,
        summary=f"Professional disagreement {disagreement.reference} raised by {who}",
        at=now,
        by=by,
        shown_to_referrer=True,
    )
    if contact.family_id:
        chronology_write(
            family=contact.family,
            case=contact.case,
            kind=ChronologyKind.DISAGREEMENT_RAISED,
            summary=f"Professional disagreement {disagreement.reference} about {contact.reference}",
            detail=disagreement.position,
            author=by,
        )
    _stage_enter(disagreement, 1, by=by, at=now, why="Raised")
    return disagreement


@transaction.atomic
def disagreement_raise_on_decision(
    *, decision, by: User, position: str, wanted: str = "", high_risk: bool = False
) -> Disagreement:
    """A practitioner disagrees with a decision on an open case (their concern is not shared by
    the allocated worker): the second route of the escalation procedure."""
    errors: dict[str, str] = {}
    if decision.state != "recorded":
        errors["decision"] = "Only a recorded decision can be disagreed with."
    if not position.strip():
        errors["position"] = "Say why you think the decision is wrong: what do you know that worries you?"
    if errors:
        raise ValidationError(errors)
    if Disagreement.objects.filter(decision=decision, raised_by=by, state=DisagreementState.OPEN).exists():
        raise ValidationError("You already have a disagreement open about this decision.", code="duplicate")
    now = timezone.now()
    disagreement = Disagreement.objects.create(
        decision=decision,
        raised_by=by,
        raised_by_agency=by.agency,
        raised_at=now,
        position=position.strip(),
        wanted=wanted.strip(),
        high_risk=high_risk,
    )
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"Raised by {by} against the decision of {timezone.localtime(decision.decided_at):%d %b %Y}: "
        f"{decision.get_outcome_display()}",
        detail=disagreement.position,
        at=now,
        by=by,
    )
    chronology_write(
        family=decision.case.family,
        case=decision.case,
        kind=ChronologyKind.DISAGREEMENT_RAISED,
        summary=f"Professional disagreement {disagreement.reference} about a decision on "
        f"{decision.case.reference}",
        detail=disagreement.position,
        author=by,
    )
    _stage_enter(disagreement, 1, by=by, at=now, why="Raised")
    return disagreement


# --- the ladder -------------------------------------------------------------------------------


def _case_of(disagreement: Disagreement):
    if disagreement.decision_id:
        return disagreement.decision.case
    return disagreement.contact.case if disagreement.contact_id else None


def _la_team(disagreement: Disagreement) -> Team | None:
    """The children's services team answering: the case's team, or the front door for a contact."""
    case = _case_of(disagreement)
    if disagreement.contact_id or case is None:
        return front_door_team()
    return case.team


def _family_of(disagreement: Disagreement):
    case = _case_of(disagreement)
    if case is not None:
        return case.family
    return disagreement.contact.family if disagreement.contact_id else None


def _ladder_contact(agency_id, stage: int) -> User | None:
    contact = LadderContact.objects.filter(agency_id=agency_id, stage=stage).select_related("user").first()
    return contact.user if contact and contact.user.is_active else None


def _stage_owner(disagreement: Disagreement, stage: int) -> User | None:
    """Who answers at each rung. Unknown owners fall back to the authority's named contact for
    that rung (escalation.LadderContact, set in the admin)."""
    case = _case_of(disagreement)
    team = _la_team(disagreement)
    la = Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES).order_by("pk").first()
    candidates = []
    if stage == 1:
        if disagreement.contact_id:
            candidates = [disagreement.contact.triaged_by]
        elif case is not None:
            candidates = [case.key_worker, disagreement.decision.decided_by]
    elif stage == 2:
        candidates = [team.manager if team else None]
    elif stage == 3:
        # The referrer's line manager or safeguarding lead takes it up with the duty team manager,
        # who answers for children's services (both are told: see _sides).
        candidates = [team.manager if team else None]
    if la is not None:
        candidates.append(_ladder_contact(la.pk, stage))
    # Nobody answers a disagreement they raised themselves.
    return next((c for c in candidates if c is not None and c.pk != disagreement.raised_by_id), None)


def _sides(disagreement: Disagreement) -> list[User]:
    """Both sides of a disagreement: the raiser (and their line manager once it reaches them) and
    whoever answers now."""
    people = [disagreement.raised_by, disagreement.owner]
    if disagreement.stage >= 3 and not disagreement.raised_for:
        lead = disagreement.raised_by.line_manager or _ladder_contact(disagreement.raised_by_agency_id, 3)
        people.append(lead)
    seen, result = set(), []
    for person in people:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


def _stage_enter(disagreement: Disagreement, stage: int, *, by: User | None, at, why: str) -> None:
    disagreement.stage = stage
    disagreement.owner = _stage_owner(disagreement, stage)
    disagreement.version += 1
    disagreement.save(update_fields=["stage", "owner", "version"])
    kind = ClockKind.ESCALATION_STAGE_HIGH_RISK if disagreement.high_risk else ClockKind.ESCALATION_STAGE
    clock = clock_start(
        target=disagreement,
        kind=kind,
        by=by,
        holder=disagreement.owner,
        team=_la_team(disagreement),
        family=_family_of(disagreement),
        started_at=at,
    )
    _stage_wait(disagreement, clock)
    owner = disagreement.owner or "nobody named yet (set the ladder contacts in the admin)"
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"{why}: stage {stage}, {LADDER[stage]}; answered by {owner}, "
        f"due {timezone.localtime(clock.due_at):%d %b %Y %H:%M}",
        at=at,
        by=by,
    )
    for person in _sides(disagreement):
        notify(
            user=person,
            key=f"disagreement:{disagreement.pk}:stage:{stage}:{person.pk}",
            what=f"Professional disagreement {disagreement.reference}: stage {stage}",
            why=f"{why}: {LADDER[stage]}, answered by {owner}",
            due_at=clock.due_at,
            url=disagreement.get_absolute_url(),
        )


def _subject(disagreement: Disagreement) -> str:
    """The record disagreed with, by its reference (never a person's name)."""
    if disagreement.contact_id:
        return f"the outcome of request {disagreement.contact.reference}"
    return f"a decision on case {disagreement.decision.case.reference}"


def _stage_wait(disagreement: Disagreement, clock: Clock) -> None:
    """The disagreement waits on whoever answers at this rung: a task in their tray, timed by the
    stage clock, until it moves up, is resolved or is withdrawn (_stage_wait_end). Nobody answers
    their own disagreement (_stage_owner), so never the raiser's."""
    task_open(
        kind=TaskKind.DISAGREEMENT_STAGE,
        target=disagreement,
        summary=f"Respond to professional disagreement {disagreement.reference} about "
        f"{_subject(disagreement)}: stage {disagreement.stage}",
        why=f"You answer at stage {disagreement.stage} of the ladder: {LADDER[disagreement.stage]}",
        url=disagreement.get_absolute_url(),
        users=[disagreement.owner],
        family=_family_of(disagreement),
        clock=clock,
        exclude=disagreement.raised_by,
    )


def _stage_wait_end(disagreement: Disagreement, by: User | None, state: str = TaskState.DONE) -> None:
    tasks_close(target=disagreement, kind=TaskKind.DISAGREEMENT_STAGE, by=by, state=state)


def _open_disagreement(disagreement: Disagreement, expected_version: int | None) -> Disagreement:
    # Lock order everywhere: the stage clock, then the disagreement (as the sweep does), so a
    # person acting at the deadline and the sweep never deadlock.
    list(clocks_open(disagreement).select_for_update())
    disagreement = lock_current(disagreement, expected_version, what="this disagreement")
    if disagreement.state != DisagreementState.OPEN:
        raise ValidationError(f"This disagreement is {disagreement.get_state_display().lower()}.")
    return disagreement


@transaction.atomic
def disagreement_position_add(*, disagreement: Disagreement, by: User, text: str) -> DisagreementEvent:
    """Either side puts its position on record."""
    disagreement = _open_disagreement(disagreement, None)
    if not text.strip():
        raise ValidationError({"text": "Write the position you want on record."})
    return DisagreementEvent.objects.create(
        disagreement=disagreement, summary=f"Position of {by}", detail=text.strip(), at=timezone.now(), by=by
    )


@transaction.atomic
def disagreement_meeting_record(
    *, disagreement: Disagreement, by: User, held_on, attendees: str, notes: str
) -> DisagreementEvent:
    disagreement = _open_disagreement(disagreement, None)
    errors = {}
    if held_on is None or held_on > timezone.localdate():
        errors["held_on"] = "Enter the date the meeting or call happened (today or earlier)."
    if not attendees.strip():
        errors["attendees"] = "Say who took part."
    if not notes.strip():
        errors["notes"] = "Record what was discussed and agreed."
    if errors:
        raise ValidationError(errors)
    return DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"Meeting on {held_on:%d %b %Y} with {attendees.strip()}"[:300],
        detail=notes.strip(),
        at=timezone.now(),
        by=by,
    )


@transaction.atomic
def disagreement_escalate(
    *, disagreement: Disagreement, by: User | None, reason: str, expected_version: int | None = None
) -> Disagreement:
    """Not resolved at this stage: up one rung, with a new owner and deadline; both sides told."""
    disagreement = _open_disagreement(disagreement, expected_version)
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is not resolved at this stage."})
    if disagreement.stage >= TOP_STAGE:
        raise ValidationError("This is already with the director: the top of the ladder.")
    now = timezone.now()
    clock_cancel(target=disagreement, by=by, reason="Escalated")
    _stage_wait_end(disagreement, by)
    DisagreementEvent.objects.create(
        disagreement=disagreement, summary="Not resolved at this stage", detail=reason.strip(), at=now, by=by
    )
    _stage_enter(disagreement, disagreement.stage + 1, by=by, at=now, why="Escalated")
    return disagreement


@transaction.atomic
def disagreement_resolve(
    *,
    disagreement: Disagreement,
    by: User,
    resolution: str,
    decision_changed: bool | None,
    late_reason: str = "",
    expected_version: int | None = None,
) -> Disagreement:
    """The stage owner records how it was resolved and whether the original decision changed."""
    disagreement = _open_disagreement(disagreement, expected_version)
    errors = {}
    if not resolution.strip():
        errors["resolution"] = "Record what was agreed."
    if decision_changed is None:
        errors["decision_changed"] = "Say whether the original decision changed."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    disagreement.state = DisagreementState.RESOLVED
    disagreement.resolution = resolution.strip()
    disagreement.decision_changed = decision_changed
    disagreement.resolved_at, disagreement.resolved_by = now, by
    disagreement.version += 1
    disagreement.save()
    clock_meet(target=disagreement, kind=_stage_kind(disagreement), by=by, late_reason=late_reason, at=now)
    _stage_wait_end(disagreement, by)
    changed = "the original decision changed" if decision_changed else "the original decision stands"
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary=f"Resolved at stage {disagreement.stage}: {changed}",
        detail=disagreement.resolution,
        at=now,
        by=by,
    )
    for person in _sides(disagreement):
        notify(
            user=person,
            key=f"disagreement:{disagreement.pk}:resolved:{person.pk}",
            what=f"Professional disagreement {disagreement.reference} resolved",
            why=changed.capitalize(),
            url=disagreement.get_absolute_url(),
        )
    return disagreement


@transaction.atomic
def disagreement_withdraw(*, disagreement: Disagreement, by: User, reason: str) -> Disagreement:
    disagreement = _open_disagreement(disagreement, None)
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is withdrawn."})
    disagreement.state = DisagreementState.WITHDRAWN
    disagreement.resolved_at, disagreement.resolved_by = timezone.now(), by
    disagreement.version += 1
    disagreement.save()
    clock_cancel(target=disagreement, by=by, reason="Withdrawn")
    _stage_wait_end(disagreement, by, TaskState.CANCELLED)
    DisagreementEvent.objects.create(
        disagreement=disagreement,
        summary="Withdrawn by the raiser",
        detail=reason.strip(),
        at=timezone.now(),
        by=by,
    )
    return disagreement


def _stage_kind(disagreement: Disagreement) -> str:
    return ClockKind.ESCALATION_STAGE_HIGH_RISK if disagreement.high_risk else ClockKind.ESCALATION_STAGE


def disagreement_stage_missed(clock, now) -> None:
    """A missed stage deadline moves the disagreement up by itself and tells both sides. Registered
    for the stage clocks in apps.py; the sweep calls it in a savepoint (escalation/registry.py), so
    if it cannot move (a broken ladder) the breach still stands and shows as overdue."""
    disagreement = Disagreement.objects.select_for_update().get(pk=clock.object_id)
    if disagreement.state != DisagreementState.OPEN or disagreement.stage >= TOP_STAGE:
        return
    DisagreementEvent.objects.create(disagreement=disagreement, summary="Stage deadline missed", at=now)
    clock_cancel(target=disagreement, by=None, reason="The disagreement moved up a stage")
    _stage_wait_end(disagreement, None, TaskState.CANCELLED)
    _stage_enter(disagreement, disagreement.stage + 1, by=None, at=now, why="Deadline missed, escalated")


def disagreement_tasks_backfill() -> None:
    """Every open disagreement is in its stage owner's tray (manage.py tray_backfill, for
    disagreements raised before work trays existed)."""
    for disagreement in Disagreement.objects.filter(state=DisagreementState.OPEN).order_by("pk"):
        stages = (ClockKind.ESCALATION_STAGE, ClockKind.ESCALATION_STAGE_HIGH_RISK)
        clock = clocks_open(disagreement).filter(kind__in=stages).order_by("due_at").first()
        if clock is not None:
            _stage_wait(disagreement, clock)
