"""Reads at the front door: the triage queue, repeat contacts, match candidates, what the front
door already knows about a contact's family, and what the public "ask for help" pages promise."""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from assessments.models import ThresholdIndicator
from cases.choices import CaseState
from cases.models import Family
from cases.permissions import cases_visible_to, families_visible_to
from escalation.calendar import is_working_day
from referrals.choices import OUTCOME_IN_PLAIN_WORDS, ContactState, Urgency
from referrals.models import Contact, ContactSubject
from referrals.permissions import contacts_visible_to


def triage_queue(user) -> QuerySet[Contact]:
    """Contacts waiting for triage: any citing an immediate-referral indicator first, then by
    urgency, then oldest first. The query count does not depend on the queue's length."""
    immediate = Contact.indicators.through.objects.filter(
        contact_id=OuterRef("pk"), thresholdindicator__immediate_referral=True
    )
    return (
        contacts_visible_to(user)
        .filter(state=ContactState.RECEIVED)
        .with_due_times()
        .annotate(
            flagged=Exists(immediate),
            urgency_rank=Case(
                When(urgency=Urgency.IMMEDIATE, then=Value(0)),
                When(urgency=Urgency.URGENT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .select_related("referrer_agency")
        .prefetch_related(Prefetch("subjects", queryset=ContactSubject.objects.order_by("pk")))
        .order_by("-flagged", "urgency_rank", "received_at", "pk")
    )


def repeat_contacts(user, contact: Contact, *, months: int = 12, family_ids=()) -> QuerySet[Contact]:
    """Earlier contacts in the last year about the same children (linked, or same name and birth
    date), or about one of `family_ids` (the families the children are known in)."""
    since = contact.received_at - relativedelta(months=months)
    about_subject = Q()
    for subject in contact.subjects.all():
        if subject.person_id:
            about_subject |= Q(person_id=subject.person_id)
        if subject.last_name and subject.date_of_birth:
            about_subject |= Q(last_name__iexact=subject.last_name, date_of_birth=subject.date_of_birth)
    # Each way of being "the same" is looked up on its own index (the contact's family, the
    # subject's person, the subject's birth date and surname) and the contact ids are unioned:
    # one OR across the contact and its subjects could only be answered by reading both tables.
    branches = []
    if family_ids:
        branches.append(Contact.objects.filter(family_id__in=list(family_ids)).order_by().values("pk"))
    if about_subject:
        branches.append(ContactSubject.objects.filter(about_subject).order_by().values("contact_id"))
    if not branches:
        return Contact.objects.none()
    ids = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
    return (
        contacts_visible_to(user)
        .filter(pk__in=ids, received_at__gte=since, received_at__lt=contact.received_at)
        .exclude(pk=contact.pk)
        .order_by("-received_at")
    )


def outcome_in_plain_words(contact: Contact) -> str:
    return OUTCOME_IN_PLAIN_WORDS.get(contact.outcome, "")


def letter_context(contact: Contact) -> dict:
    """What the outcome letter says: plain words, the referrer's own reference, no internal
    rationale and nothing the referrer did not already know."""
    return {
        "contact": contact,
        "subjects": [subject for subject in contact.subjects.all()],
        "outcome_words": outcome_in_plain_words(contact),
        "reasons": contact.feedback_text,
        "advice": contact.advice,
        "decided_by": contact.triaged_by,
        "decided_at": contact.triaged_at,
    }


# --- Before triage: what the front door already knows ------------------------------------------


def contact_known_families(user, contact: Contact) -> list[Family]:
    """The families the contact's linked people are in (those the user may see), each with
    `open_cases` (its open case, with team and workers: at most one) and `closed_count`, open
    case first. Three queries however many people, families and cases."""
    person_ids = [subject.person_id for subject in contact.subjects.all() if subject.person_id]
    if not person_ids:
        return []
    open_cases = (
        cases_visible_to(user).filter(state=CaseState.OPEN).select_related("team", "key_worker", "ecpp")
    )
    return list(
        families_visible_to(user)
        .filter(memberships__person_id__in=person_ids)
        .annotate(
            closed_count=Count("cases", filter=Q(cases__state=CaseState.CLOSED), distinct=True),
            open_count=Count("cases", filter=Q(cases__state=CaseState.OPEN), distinct=True),
        )
        .prefetch_related(Prefetch("cases", queryset=open_cases, to_attr="open_cases"))
        .distinct()
        .order_by("-open_count", "name", "pk")
    )


def contact_indicators(contact: Contact) -> list[ThresholdIndicator]:
    """The indicators the referrer chose, immediate-referral ones first, then by level."""
    return list(
        contact.indicators.select_related("level").order_by(
            "-immediate_referral", "level__rank", "domain", "position"
        )
    )


@dataclass(frozen=True)
class ContactBackground:
    families: list[Family]
    indicators: list[ThresholdIndicator]
    earlier: list[Contact]


def contact_background(user, contact: Contact) -> ContactBackground:
    """What the front door sees before it triages: the family's open case and pathway (and how many
    cases it has had), the indicators the referrer chose, and earlier contacts about these children
    or their families. The query count does not depend on how much there is."""
    families = contact_known_families(user, contact)
    earlier = repeat_contacts(user, contact, family_ids=[family.pk for family in families])
    return ContactBackground(
        families=families,
        indicators=contact_indicators(contact),
        earlier=list(earlier.select_related("case")),
    )


# --- The public "ask for help" pages -----------------------------------------------------------


def help_contact_details() -> dict:
    """How a family reaches the service, as the deployment configures it (docs/configuration.md)."""
    return {
        "phone": settings.HELP_PHONE,
        "phone_hours": settings.HELP_PHONE_HOURS,
        "out_of_hours_phone": settings.HELP_OUT_OF_HOURS_PHONE,
        "data_protection_email": settings.DATA_PROTECTION_EMAIL,
        "authority": settings.LOCAL_AUTHORITY_NAME,
    }


def first_working_day_from(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def contact_promised_by(contact: Contact) -> date:
    """The day we promise a family we will have contacted them: the day the referrer's feedback is
    due, moved on to the next working day when that is a weekend, bank holiday or closure day
    (so a request on Friday evening is promised for Monday, or Tuesday after a bank holiday)."""
    due = contact.feedback_due or contact.received_at
    return first_working_day_from(timezone.localdate(due))
