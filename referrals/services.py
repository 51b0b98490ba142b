"""Writes at the front door: receiving a request for support, linking who it is about,
triaging it through a decision point, and telling the referrer the outcome."""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import AgencyKind
from accounts.models import Agency, Team, User
from accounts.selectors import front_door_team
from assessments.choices import Section
from assessments.models import Contribution, ThresholdIndicator
from assessments.services import MAX_TEXT, contribution_add
from cases.choices import CaseState, ChronologyKind, FamilyRole, Pathway, RecordType
from cases.models import Case, Family, FamilyMember, Person
from cases.permissions import RecordRestricted, families_visible_to
from cases.services import (
    case_open,
    chronology_write,
    family_create,
    family_member_add,
    person_create,
    postcode_normalise,
)
from config.models import lock_current
from escalation.choices import ClockKind, TaskKind
from escalation.selectors import open_clock
from escalation.services import clock_is_late, clock_meet, clock_start, notify, task_open, tasks_close
from pathways.choices import OUTCOME_PATHWAY, DecisionState
from pathways.codes import ReferralSource
from pathways.models import Decision
from pathways.permissions import decider_refusal
from pathways.services import DecisionDetails, decision_propose, decision_record
from referrals.choices import (
    ADVICE_OUTCOMES,
    CASE_OUTCOMES,
    CONTACT_TRANSITIONS,
    Channel,
    ContactState,
    FamilyConsent,
    FeedbackMethod,
    SubjectRole,
    TriageOutcome,
    Urgency,
)
from referrals.hooks import early_help_hub
from referrals.models import Contact, ContactEvent, ContactSubject
from referrals.selectors import outcome_in_plain_words

logger = logging.getLogger(__name__)

# The census referral source a contact implies, when the triager does not choose one.
AGENCY_REFERRAL_SOURCE = {
    AgencyKind.SCHOOL: ReferralSource.SCHOOL,
    AgencyKind.HEALTH: ReferralSource.OTHER_HEALTH,
    AgencyKind.POLICE: ReferralSource.POLICE,
    AgencyKind.HOUSING: ReferralSource.HOUSING,
    AgencyKind.VOLUNTARY: ReferralSource.OTHER,
    AgencyKind.LA_CHILDRENS_SERVICES: ReferralSource.LA_SOCIAL_CARE,
}


@dataclass(frozen=True)
class SubjectDetails:
    role: str
    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    relationship: str = ""
    nhs_number: str = ""

    @property
    def is_blank(self) -> bool:
        return not (
            self.first_name.strip()
            or self.last_name.strip()
            or self.date_of_birth
            or self.expected_date_of_birth
        )


# --- receiving a request for support: the rules ---------------------------------------------


def _subject_errors(number: int, subject: SubjectDetails, today: date) -> dict[str, str]:
    key = f"subjects.{number}"
    errors = {}
    if subject.role not in SubjectRole.values:
        errors[f"{key}.role"] = "Say whether this is a child, an unborn child or an adult."
    # The same rules as a person's record (cases.services.person_create), so that everyone a
    # contact names can be matched or given a record.
    if subject.role == SubjectRole.UNBORN:
        if not subject.last_name.strip():
            errors[f"{key}.last_name"] = "Give the family name the baby is expected to have."
    elif not (subject.first_name.strip() or subject.last_name.strip()):
        errors[f"{key}.first_name"] = (
            "Give their name (a first name or a last name is enough), so we can find the right person."
        )
    if subject.date_of_birth and subject.date_of_birth > today:
        errors[f"{key}.date_of_birth"] = (
            "A date of birth must be today or in the past (for an unborn baby, give the due date)."
        )
    if subject.role == SubjectRole.UNBORN and not subject.expected_date_of_birth:
        errors[f"{key}.expected_date_of_birth"] = "Give the baby's due date."
    if subject.nhs_number and not re.fullmatch(r"[0-9]{10}", re.sub(r"[\s-]", "", subject.nhs_number)):
        errors[f"{key}.nhs_number"] = "An NHS number has 10 digits."
    return errors


def idempotency_key_scope(*, key: str | None, by: User | None) -> str | None:
    """A retry key counts only for the sender who used it, so nobody can replay someone else's key."""
    if not key:
        return key
    return f"{by.pk if by else 'public'}:{key}"[:100]


def subject_is_filled_in(*, subject: SubjectDetails) -> bool:
    """A row about a person counts unless it was left blank; a row about an unborn child always counts."""
    return not subject.is_blank or subject.role == SubjectRole.UNBORN


def contact_request_errors(*, channel: str, referrer_name: str, concerns: str) -> dict[str, str]:
    """A request comes by a known channel, says who is asking, and says in their words what is needed."""
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = "Unknown channel."
    if not referrer_name.strip():
        errors["referrer_name"] = "Tell us your name, so we can tell you what happens next."
    if not concerns.strip():
        errors["concerns"] = "Tell us, in your own words, what help is needed and why."
    return errors


def contact_consent_errors(*, family_consents: str, consent_notes: str) -> dict[str, str]:
    """A request says whether the family agrees to it and, when the family was not asked, why not."""
    if family_consents not in FamilyConsent.values:
        return {"family_consents": "Say whether the family agrees to this request."}
    if family_consents == FamilyConsent.NOT_ASKED and not consent_notes.strip():
        return {
            "consent_notes": (
                "Say why the family has not been asked (for example, it would put a child at risk)."
            )
        }
    return {}


def contact_urgency_errors(*, urgency: str) -> dict[str, str]:
    """A request's urgency is one from the list."""
    if urgency not in Urgency.values:
        return {"urgency": "Choose how urgent this is."}
    return {}


def contact_subjects_errors(*, people: list[SubjectDetails], today: date) -> dict[str, str]:
    """A request is about at least one child, born or unborn, and everyone it names can be matched."""
    errors = {}
    if not any(subject.role in (SubjectRole.CHILD, SubjectRole.UNBORN) for subject in people):
        errors["subjects"] = "Tell us about at least one child."
    for number, subject in enumerate(people, start=1):
        errors.update(_subject_errors(number, subject, today))
    return errors


def contact_postcode_errors(*, postcode: str) -> dict[str, str]:
    """A postcode may be left out, but one that is given must be a full UK postcode."""
    if not postcode.strip():
        return {}
    try:
        postcode_normalise(postcode)
    except ValidationError as exc:
        return {field: messages[0] for field, messages in exc.message_dict.items()}
    return {}


def referrer_reply_errors(*, referrer_email: str, referrer_phone: str, by: User | None) -> dict[str, str]:
    """We need a way to reply: an email address or a phone number, unless the sender is signed in."""
    if referrer_email.strip() or referrer_phone.strip() or by:
        return {}
    return {"referrer_email": "Give an email address or a phone number so we can reply."}


def urgency_raise(*, urgency: str, indicators: list[ThresholdIndicator]) -> str:
    """Any immediate-referral indicator makes a contact immediate, whatever urgency the referrer chose."""
    if any(indicator.immediate_referral for indicator in indicators):
        return Urgency.IMMEDIATE
    return urgency


def contact_submitter(*, channel: str, by: User | None) -> User | None:
    """The sender submitted the request themselves, except a phone call staff record for someone else."""
    return by if channel != Channel.PHONE else None


def contact_referrer_agency(*, referrer_agency: Agency | None, submitter: User | None) -> Agency | None:
    """The referrer's agency is the one named, else the agency of the professional who submitted it."""
    return referrer_agency or (submitter.agency if submitter else None)


def contact_reference_format(*, received: datetime, pk: int) -> str:
    """A contact's reference is R, the two-digit year it was received, a dash and its six-digit number."""
    return f"R{received:%y}-{pk:06d}"


# --- receiving a request for support: the writes --------------------------------------------


def _contact_already_received(idempotency_key: str | None) -> Contact | None:
    """The contact an earlier send with the same (scoped) key made, if any."""
    if not idempotency_key:
        return None
    return Contact.objects.filter(idempotency_key=idempotency_key).first()


def _contact_create(*, received: datetime, **fields: Any) -> Contact | None:
    """Save the contact and number it; None when a retry with its key got there first."""
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                reference=f"P{uuid.uuid4().hex[:16]}",  # replaced by the numbered reference below
                received_at=received,
                **fields,
            )
    except IntegrityError:
        return None
    contact.reference = contact_reference_format(received=received, pk=contact.pk)
    contact.save(update_fields=["reference"])
    return contact


def _contact_subjects_write(contact: Contact, people: list[SubjectDetails]) -> None:
    """Record who the contact is about, as the referrer told us (linked to records at triage)."""
    ContactSubject.objects.bulk_create(
        ContactSubject(
            contact=contact,
            role=s.role,
            first_name=s.first_name.strip(),
            last_name=s.last_name.strip(),
            date_of_birth=s.date_of_birth,
            expected_date_of_birth=s.expected_date_of_birth,
            relationship=s.relationship.strip(),
            nhs_number=re.sub(r"[\s-]", "", s.nhs_number),
        )
        for s in people
    )


def _contact_received_event(contact: Contact, by: User | None, received: datetime) -> None:
    """The contact's history starts with its receipt, which the referrer sees."""
    ContactEvent.objects.create(
        contact=contact,
        summary=f"Received ({contact.get_channel_display().lower()})",
        at=received,
        by=by,
        shown_to_referrer=True,
    )


def _contact_decision_wait(contact: Contact, by: User | None, *, why: str, started_at=None) -> None:
    """The contact waits for the front door's decision: its clock starts, and a task for the whole
    front-door team goes in their tray, timed by that clock, until contact_triage closes it."""
    front_door = front_door_team()
    clock = clock_start(
        target=contact, kind=ClockKind.CONTACT_DECISION, by=by, team=front_door, started_at=started_at
    )
    _contact_triage_task(contact, clock, front_door, why=why)


def _contact_triage_task(contact: Contact, clock, front_door, *, why: str) -> None:
    if front_door is not None:
        task_open(
            kind=TaskKind.CONTACT_TRIAGE,
            target=contact,
            summary=f"Triage request for support {contact.reference}",
            why=why,
            url=reverse("referrals:contact", args=[contact.pk]),
            team=front_door,
            clock=clock,
        )


def contact_tasks_backfill() -> None:
    """Every contact still waiting for the front door's decision is in the front-door team's tray
    (manage.py tray_backfill, for contacts received before work trays existed)."""
    front_door = front_door_team()
    for contact in Contact.objects.filter(state=ContactState.RECEIVED).order_by("pk"):
        clock = open_clock(contact, ClockKind.CONTACT_DECISION)
        if clock is not None:
            _contact_triage_task(contact, clock, front_door, why="Waiting for the front door's decision")


def _contact_clocks_start(contact: Contact, by: User | None, received: datetime) -> None:
    """The front door's clocks to decide the contact and to tell the referrer start when it arrives;
    their due times are the contact's (Contact.decision_due, Contact.feedback_due)."""
    _contact_decision_wait(contact, by, why="A new request for support", started_at=received)
    clock_start(
        target=contact,
        kind=ClockKind.FEEDBACK_TO_REFERRER,
        by=by,
        team=front_door_team(),
        started_at=received,
    )


@transaction.atomic
def contact_receive(
    *,
    channel: str,
    referrer_name: str,
    concerns: str,
    family_consents: str,
    subjects: list[SubjectDetails],
    by: User | None = None,
    urgency: str = Urgency.ROUTINE,
    referrer_role: str = "",
    referrer_agency: Agency | None = None,
    referrer_email: str = "",
    referrer_phone: str = "",
    address_line_1: str = "",
    postcode: str = "",
    what_tried: str = "",
    family_aware: bool = False,
    consent_notes: str = "",
    indicators: list[ThresholdIndicator] = (),
    idempotency_key: str | None = None,
) -> Contact:
    """Receive a request for support. The same idempotency key from the same sender (a double
    click, a retry) returns the contact already made instead of making a second one; keys are
    scoped to the sender, so nobody can fetch someone else's contact by replaying their key."""
    idempotency_key = idempotency_key_scope(key=idempotency_key, by=by)
    existing = _contact_already_received(idempotency_key)
    if existing:
        return existing
    people = [subject for subject in subjects if subject_is_filled_in(subject=subject)]
    errors = {
        **contact_request_errors(channel=channel, referrer_name=referrer_name, concerns=concerns),
        **contact_consent_errors(family_consents=family_consents, consent_notes=consent_notes),
        **contact_urgency_errors(urgency=urgency),
        **contact_subjects_errors(people=people, today=timezone.localdate()),
        **contact_postcode_errors(postcode=postcode),
        **referrer_reply_errors(referrer_email=referrer_email, referrer_phone=referrer_phone, by=by),
    }
    if errors:
        raise ValidationError(errors)
    indicators = list(indicators)
    submitter = contact_submitter(channel=channel, by=by)
    received = timezone.now()
    contact = _contact_create(
        received=received,
        channel=channel,
        urgency=urgency_raise(urgency=urgency, indicators=indicators),
        referrer_name=referrer_name.strip(),
        referrer_role=referrer_role.strip(),
        referrer_agency=contact_referrer_agency(referrer_agency=referrer_agency, submitter=submitter),
        referrer_email=referrer_email.strip(),
        referrer_phone=referrer_phone.strip(),
        submitted_by=submitter,
        recorded_by=by,
        address_line_1=address_line_1.strip(),
        postcode=postcode_normalise(postcode) if postcode.strip() else postcode,
        concerns=concerns.strip(),
        what_tried=what_tried.strip(),
        family_aware=family_aware,
        family_consents=family_consents,
        consent_notes=consent_notes.strip(),
        idempotency_key=idempotency_key or None,
    )
    if contact is None:  # the same key from the same sender won the race
        return Contact.objects.get(idempotency_key=idempotency_key)
    contact.indicators.set(indicators)
    _contact_subjects_write(contact, people)
    _contact_received_event(contact, by, received)
    _contact_clocks_start(contact, by, received)
    return contact


@transaction.atomic
def contact_subject_link(*, subject: ContactSubject, person: Person | None, by: User) -> ContactSubject:
    """Link who the contact is about to an existing person, or (person=None) to a new record
    made from what the referrer told us."""
    subject = ContactSubject.objects.select_for_update().get(pk=subject.pk)
    if subject.contact.state != ContactState.RECEIVED:
        raise ValidationError("This contact has been triaged: who it is about can no longer change.")
    if subject.person_id:
        raise ValidationError("This person is already linked: unlink first if it was wrong.")
    if person is not None:
        person = Person.objects.get(pk=person.pk)  # as it is now, not as the caller last read it
        if person.merged_into_id:
            raise ValidationError(
                {"person": f"That record was merged into P{person.merged_into_id}: use that one."}
            )
        if person.is_child != (subject.role != SubjectRole.ADULT):
            raise ValidationError(
                {"person": "A child must be linked to a child's record, and an adult to an adult's."}
            )
    if person is None:
        kind = {"child": "child", "unborn": "unborn", "adult": "adult"}[subject.role]
        person = person_create(
            by=by,
            kind=kind,
            first_name=subject.first_name,
            last_name=subject.last_name,
            date_of_birth=subject.date_of_birth,
            expected_date_of_birth=subject.expected_date_of_birth,
            nhs_number=subject.nhs_number,
        )
        summary = f"New record made for {person}"
    else:
        summary = f"Linked to the existing record of {person}"
    subject.person = person
    subject.save(update_fields=["person"])
    ContactEvent.objects.create(contact=subject.contact, summary=summary, at=timezone.now(), by=by)
    return subject


@transaction.atomic
def contact_subject_unlink(*, subject: ContactSubject, by: User) -> ContactSubject:
    """Undo a wrong link before triage (the record itself stays)."""
    subject = ContactSubject.objects.select_for_update().get(pk=subject.pk)
    if subject.contact.state != ContactState.RECEIVED:
        raise ValidationError("This contact has been triaged: who it is about can no longer change.")
    if not subject.person_id:
        raise ValidationError("This person is not linked to a record.")
    person = subject.person
    subject.person = None
    subject.save(update_fields=["person"])
    ContactEvent.objects.create(
        contact=subject.contact, summary=f"Unlinked from the record of {person}", at=timezone.now(), by=by
    )
    return subject


# --- triage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageDetails:
    """What the front door decides about a contact."""

    outcome: str
    rationale: str
    feedback_text: str
    advice: str = ""
    team: Team | None = None  # holds the case, when a new one is opened
    family: Family | None = None  # when the people belong to more than one family
    ecpp: User | None = None  # pathway 4: leads the strategy discussion and confirms
    lawful_basis: str = ""  # pathway 4 without the family's consent
    referral_source: str = ""
    primary_need: str = ""
    late_reason: str = ""  # when the decision is made after its due time


def _contact_transition(contact: Contact, to_state: str) -> None:
    if to_state not in CONTACT_TRANSITIONS[contact.state]:
        if contact.state == ContactState.AWAITING_ECPP:
            message = "This contact is waiting for an expert child protection practitioner to confirm."
        else:
            message = f"This contact is already {contact.get_state_display().lower()}."
        raise ValidationError(message, code="invalid_transition")


def _lock_contact(contact: Contact, expected_version: int | None) -> Contact:
    return lock_current(contact, expected_version, what="this request for support")


def contact_referral_source(contact: Contact) -> str:
    """The census referral source a contact implies, when the triager does not choose one."""
    if contact.channel == Channel.FAMILY:
        return ReferralSource.FAMILY
    if contact.referrer_agency_id:
        return AGENCY_REFERRAL_SOURCE.get(contact.referrer_agency.kind, ReferralSource.OTHER)
    return ReferralSource.OTHER_INDIVIDUAL if contact.referrer_name else ReferralSource.UNKNOWN


def contact_families(contact: Contact, user: User) -> list[Family]:
    """The families the contact's linked people belong to, those with an open case first. One the
    user may not open (restricted since the link was made) stops triage until they break glass."""
    person_ids = [subject.person_id for subject in contact.subjects.all() if subject.person_id]
    families = list(
        Family.objects.filter(memberships__person_id__in=person_ids)
        .annotate(
            open_cases=Count("cases", filter=Q(cases__state=CaseState.OPEN), distinct=True),
            visible=Exists(families_visible_to(user).filter(pk=OuterRef("pk"))),
        )
        .distinct()
        .order_by("-open_cases", "-pk")
    )
    hidden = [family for family in families if not family.visible]
    if hidden:
        raise RecordRestricted(RecordType.FAMILY, hidden[0].pk)
    return families


def _family_for(contact: Contact, details: TriageDetails, by: User, *, create: bool) -> Family | None:
    families = contact_families(contact, by)
    if details.family is not None:
        if details.family.pk not in {family.pk for family in families} and families:
            raise ValidationError({"family": "Choose one of the families these people belong to."})
        family = details.family
    elif len(families) > 1 and sum(1 for family in families if family.open_cases) == 1:
        family = families[0]  # the one family with an open case
    elif len(families) > 1:
        raise ValidationError({"family": "These people belong to more than one family: choose which one."})
    elif families:
        family = families[0]
    elif not create:
        return None
    else:
        child = next(
            (s for s in contact.subjects.all() if s.role != SubjectRole.ADULT and s.last_name),
            None,
        )
        surname = child.last_name if child else next((s.last_name for s in contact.subjects.all()), "")
        family = family_create(by=by, name=f"{surname or 'Unnamed'} family")
    members = set(FamilyMember.objects.filter(family=family).values_list("person_id", flat=True))
    for subject in contact.subjects.select_related("person"):
        if subject.person_id in members:
            continue
        role = FamilyRole.PARENT_CARER if subject.role == SubjectRole.ADULT else FamilyRole.CHILD
        family_member_add(family=family, person=subject.person, role=role, by=by)
        members.add(subject.person_id)
    return family


def _contribute_request(contact: Contact, family: Family, by: User) -> None:
    """What the referrer told us joins the family's assessment (once), so it travels with the family."""
    opening = f"From request for support {contact.reference} ("
    if Contribution.objects.filter(assessment__family=family, text__startswith=opening).exists():
        return
    who = contact.referrer_name + (f", {contact.referrer_agency}" if contact.referrer_agency_id else "")
    text = f"{opening}{who}): {contact.concerns}"
    if contact.what_tried:
        text += f"\n\nTried already: {contact.what_tried}"
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 80] + f"… (the full request is on contact {contact.reference})"
    contribution_add(
        family=family,
        by=by,
        section=Section.WORRIED_ABOUT,
        text=text,
        indicators=list(contact.indicators.all()),
    )


def _triage_errors(contact: Contact, details: TriageDetails) -> dict[str, str]:
    errors: dict[str, str] = {}
    if details.outcome not in TriageOutcome.values:
        errors["outcome"] = "Choose a pathway, no further action or signpost."
    if not details.rationale.strip():
        errors["rationale"] = "Explain why: a triage decision without a rationale cannot be recorded."
    if not details.feedback_text.strip():
        errors["feedback_text"] = "Write what we will tell the referrer about the decision, in plain words."
    if details.outcome in ADVICE_OUTCOMES and not details.advice.strip():
        errors["advice"] = (
            "Record the advice given."
            if details.outcome == TriageOutcome.PATHWAY_1
            else "Record where the family was signposted."
        )
    if details.outcome == TriageOutcome.PATHWAY_4 and details.ecpp is None:
        errors["ecpp"] = (
            "Name the expert child protection practitioner who will lead the strategy discussion."
        )
    if clock_is_late(contact, ClockKind.CONTACT_DECISION) and not details.late_reason.strip():
        errors["late_reason"] = "This decision is after its due time: say why it is late."
    if any(subject.person_id is None for subject in contact.subjects.all()):
        errors["subjects"] = (
            "Link everyone the contact is about to their record, or make a new record, before triage."
        )
    return errors


@transaction.atomic
def contact_triage(
    *, contact: Contact, by: User, details: TriageDetails, expected_version: int | None = None
) -> Contact:
    """Decide what happens to a contact. Pathway outcomes go through the case's decision point
    (pathways.services): the family's open case, or a new case opened at pathway 1 (where every
    contact arrives) and moved by the decision. The triager's own entitlement applies: pathway 4
    is proposed to the named ECPP, who confirms it. NFA and signposting close nothing: support a
    family already has carries on."""
    contact = _lock_contact(contact, expected_version)
    _contact_transition(contact, ContactState.TRIAGED)
    errors = _triage_errors(contact, details)
    if errors:
        raise ValidationError(errors)
    outcome = details.outcome
    now = timezone.now()
    to_hub = outcome == TriageOutcome.EARLY_HELP
    family = _family_for(contact, details, by, create=outcome in CASE_OUTCOMES or to_hub)
    case = Case.objects.filter(family=family, state=CaseState.OPEN).first() if family else None
    state = ContactState.TRIAGED
    decision = None
    if to_hub:
        # Step-down route (a): saved, not finalised, and reassigned to the Early Help Hub's tray.
        _contribute_request(contact, family, by)
        early_help_hub(contact=contact, family=family, by=by, rationale=details.rationale)
        state = ContactState.WITH_EHH
    elif outcome in CASE_OUTCOMES:
        if case is None:
            if details.team is None:
                raise ValidationError({"team": "Choose the team that will hold the family's new case."})
            case = case_open(family=family, team=details.team, pathway=Pathway.ADVICE, by=by)
        elif OUTCOME_PATHWAY[outcome] < case.pathway and case.pk != contact.case_id:
            raise ValidationError(
                {
                    "outcome": (
                        f"The family's case {case.reference} is already at pathway {case.pathway}: the "
                        "front door does not step support down. Choose no further action (support "
                        "carries on) or a higher pathway; stepping down is for the case holder."
                    )
                }
            )
        _contribute_request(contact, family, by)
        decision_details = DecisionDetails(
            outcome=outcome,
            rationale=details.rationale,
            indicators=tuple(contact.indicators.all()),
            consulted=f"Request for support {contact.reference} from {contact.referrer_name}",
            family_consents_to_share=contact.family_consents == FamilyConsent.YES,
            lawful_basis=details.lawful_basis,
            ecpp=details.ecpp,
            referral_source=details.referral_source or contact_referral_source(contact),
            primary_need=details.primary_need,
        )
        refusal = decider_refusal(by, case, outcome)
        if refusal is None:
            decision = decision_record(case=case, by=by, details=decision_details)
        elif outcome == TriageOutcome.PATHWAY_4:
            decision = decision_propose(case=case, by=by, details=decision_details)
            state = ContactState.AWAITING_ECPP
        else:
            raise ValidationError({"outcome": refusal})
        case.refresh_from_db()
    elif (
        case is not None
        and case.pk == contact.case_id
        and not case.decisions.filter(state=DecisionState.RECORDED).exists()
    ):
        # A pathway-4 proposal opened this case and was returned; now nothing further is needed,
        # so the case closes through its decision point rather than staying open and empty.
        decision = decision_record(
            case=case,
            by=by,
            details=DecisionDetails(outcome=outcome, rationale=details.rationale),
        )
        case.refresh_from_db()
    if family is not None:
        chronology_write(
            family=family,
            case=case,
            kind=ChronologyKind.CONTACT_TRIAGED,
            summary=f"Request for support {contact.reference}: {TriageOutcome(outcome).label}",
            detail=details.advice.strip() or details.rationale.strip(),
            author=by,
        )
    clock_meet(
        target=contact, kind=ClockKind.CONTACT_DECISION, by=by, late_reason=details.late_reason, at=now
    )
    tasks_close(target=contact, kind=TaskKind.CONTACT_TRIAGE, by=by)
    _contact_transition(contact, state)
    contact.state = state
    contact.outcome = outcome
    contact.rationale = details.rationale.strip()
    contact.advice = details.advice.strip()
    contact.feedback_text = details.feedback_text.strip()
    contact.triaged_at = now
    contact.triaged_by = by
    contact.family = family
    contact.case = case
    contact.decision = decision
    contact.version += 1
    contact.save()
    if state == ContactState.AWAITING_ECPP:
        summary = f"Pathway 4 proposed: waiting for {details.ecpp} to confirm"
    elif state == ContactState.WITH_EHH:
        summary = "Reassigned to the Early Help Hub: its manager reviews it within 24 hours"
    else:
        summary = f"Triaged: {TriageOutcome(outcome).label}"
    ContactEvent.objects.create(contact=contact, summary=summary, at=now, by=by)
    return contact


def contact_decision_settled(*, decision: Decision, by: User) -> None:
    """An ECPP confirmed or returned a pathway-4 proposal made at triage (pathways signals)."""
    for contact in Contact.objects.select_for_update().filter(
        decision=decision, state=ContactState.AWAITING_ECPP
    ):
        if decision.state == DecisionState.RECORDED:
            to_state, summary = ContactState.TRIAGED, f"Pathway 4 confirmed by {by}"
        else:
            to_state = ContactState.RECEIVED
            summary = f"Pathway 4 returned by {by}: back to the queue to triage again"
            # The outcome is undone; the case and decision stay linked for the re-triage, which
            # has its own decision clock.
            contact.outcome = contact.rationale = contact.advice = contact.feedback_text = ""
            contact.triaged_at = contact.triaged_by = None
            _contact_decision_wait(contact, by, why="The ECPP returned the pathway 4 proposal: triage again")
        _contact_transition(contact, to_state)
        contact.state = to_state
        contact.version += 1
        contact.save()
        ContactEvent.objects.create(contact=contact, summary=summary[:300], at=timezone.now(), by=by)


def contact_hub_finish(
    *, contact: Contact, by: User, case: Case | None, decision: Decision | None
) -> Contact:
    """The Early Help Hub reviewed a contact reassigned to it (step-down route (a))."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _contact_transition(contact, ContactState.TRIAGED)
    contact.state = ContactState.TRIAGED
    contact.case = case
    contact.decision = decision or contact.decision
    contact.version += 1
    contact.save()
    summary = "Reviewed by the Early Help Hub" + (f": now with case {case.reference}" if case else "")
    ContactEvent.objects.create(contact=contact, summary=summary, at=timezone.now(), by=by)
    return contact


def contact_hub_return(*, contact: Contact, by: User, reason: str) -> Contact:
    """The Early Help Hub sends a contact back to the front door's queue, to triage again."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _contact_transition(contact, ContactState.RECEIVED)
    contact.state = ContactState.RECEIVED
    contact.outcome = contact.rationale = contact.advice = contact.feedback_text = ""
    contact.triaged_at = contact.triaged_by = None
    contact.version += 1
    contact.save()
    _contact_decision_wait(contact, by, why="The Early Help Hub sent it back to triage again")
    ContactEvent.objects.create(
        contact=contact,
        summary=f"Returned by the Early Help Hub: {reason}"[:300],
        at=timezone.now(),
        by=by,
    )
    return contact


# --- feedback to the referrer -----------------------------------------------------------------


def letter_is_ready(contact: Contact) -> str | None:
    """Why the outcome letter cannot be sent yet (None when it can)."""
    if contact.state == ContactState.AWAITING_ECPP:
        return (
            "Wait for the expert child protection practitioner to confirm pathway 4 "
            "before telling the referrer."
        )
    if contact.state not in (ContactState.TRIAGED, ContactState.WITH_EHH):
        return "Triage the contact first: the letter tells the referrer the outcome."
    return None


def _email_outcome(contact: Contact) -> None:
    """Email the outcome. The email carries the reference and the outcome in plain words but no
    reasons and no names: an address typed into a form is not proof of who reads it. Professionals
    with an account follow the link to the letter; others phone the front door to talk it through."""
    if contact.submitted_by_id:
        letter = settings.SITE_URL.rstrip("/") + reverse("referrals:letter", args=[contact.pk])
        rest = f"You can read the letter, and tell us if you disagree, here: {letter}\n"
    else:
        rest = (
            f"To hear the reasons, or if you disagree, call the front door and quote {contact.reference}.\n"
        )
    body = (
        f"Dear {contact.referrer_name},\n\n"
        f"Your request for support {contact.reference} has been looked at.\n\n"
        f"{outcome_in_plain_words(contact)}\n\n{rest}"
    )
    try:
        send_mail(
            f"Your request for support {contact.reference}: what happens next",
            body,
            None,
            [contact.referrer_email],
        )
    except Exception as exc:  # SMTP refused or unreachable: nothing is recorded as sent
        logger.warning("outcome email for contact %s failed: %s", contact.pk, type(exc).__name__)
        raise ValidationError(
            "The email could not be sent just now: try again, or tell the referrer another way.",
            code="email_failed",
        ) from None


@transaction.atomic
def contact_feedback_send(
    *, contact: Contact, by: User, method: str, late_reason: str = "", expected_version: int | None = None
) -> Contact:
    """Record that the outcome letter went to the referrer (and email it when we have an address)."""
    contact = _lock_contact(contact, expected_version)
    refusal = letter_is_ready(contact)
    if refusal:
        raise ValidationError(refusal, code="not_ready")
    if contact.feedback_sent_at:
        raise ValidationError(
            f"Feedback was already sent on {timezone.localtime(contact.feedback_sent_at):%d %B %Y at %H:%M}.",
            code="already_sent",
        )
    if method not in FeedbackMethod.values:
        raise ValidationError({"method": "Choose how the referrer was told."})
    if method == FeedbackMethod.ONLINE and not contact.submitted_by_id:
        raise ValidationError(
            {"method": "The referrer has no Continuum account: tell them by email, phone or post."}
        )
    if method == FeedbackMethod.EMAIL and not contact.referrer_email:
        raise ValidationError({"method": "We have no email address for the referrer: phone or write."})
    now = timezone.now()
    clock_meet(target=contact, kind=ClockKind.FEEDBACK_TO_REFERRER, by=by, late_reason=late_reason, at=now)
    contact.feedback_sent_at = now
    contact.feedback_sent_by = by
    contact.feedback_method = method
    contact.version += 1
    contact.save(update_fields=["feedback_sent_at", "feedback_sent_by", "feedback_method", "version"])
    due = contact.feedback_due
    late = " (after the 72-hour target)" if due is not None and now > due else ""
    ContactEvent.objects.create(
        contact=contact,
        summary=f"Outcome letter sent to the referrer: {FeedbackMethod(method).label.lower()}{late}",
        at=now,
        by=by,
        shown_to_referrer=True,
    )
    if method == FeedbackMethod.ONLINE:
        # In the referrer's inbox (and emailed by the notifications outbox), linking to the letter.
        notify(
            user=contact.submitted_by,
            key=f"contact:{contact.pk}:letter",
            what=f"Your request for support {contact.reference}: what we decided",
            why="The outcome letter is ready to read",
            url=reverse("referrals:letter", args=[contact.pk]),
        )
    elif method == FeedbackMethod.EMAIL:
        _email_outcome(contact)
    return contact
