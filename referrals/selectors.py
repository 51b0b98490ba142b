"""Reads at the front door: the triage queue, repeat contacts, match candidates."""

from dateutil.relativedelta import relativedelta
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When

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


def repeat_contacts(user, contact: Contact, *, months: int = 12) -> QuerySet[Contact]:
    """Earlier contacts in the last year about the same children (linked, or same name and birth date)."""
    since = contact.received_at - relativedelta(months=months)
    same = Q()
    for subject in contact.subjects.all():
        if subject.person_id:
            same |= Q(subjects__person_id=subject.person_id)
        if subject.last_name and subject.date_of_birth:
            same |= Q(
                subjects__last_name__iexact=subject.last_name, subjects__date_of_birth=subject.date_of_birth
            )
    if not same:
        return Contact.objects.none()
    return (
        contacts_visible_to(user)
        .filter(same, received_at__gte=since, received_at__lt=contact.received_at)
        .exclude(pk=contact.pk)
        .distinct()
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
