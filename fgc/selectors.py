"""Reads for family group conferences: the service's queue, the coordinator's own, a case's
referrals, and the children who had a conference in a period (for a return)."""

from datetime import date

from django.db.models import QuerySet

from cases.models import Case, Person
from fgc.choices import OPEN_STATES, FgcState
from fgc.models import FgcConference, FgcReferral
from fgc.permissions import referrals_visible_to, service_teams_of

_RELATED = ("case", "family", "service", "referred_by", "coordinator")


def service_queue(user) -> QuerySet[FgcReferral]:
    """Referrals waiting for the user's FGC service team(s) to take them up, oldest first."""
    return (
        referrals_visible_to(user)
        .filter(state=FgcState.REFERRED, service__in=service_teams_of(user))
        .select_related(*_RELATED)
        .order_by("referred_at", "pk")
    )


def coordinator_referrals(user) -> QuerySet[FgcReferral]:
    """The open referrals the user coordinates."""
    return (
        referrals_visible_to(user)
        .filter(coordinator=user, state__in=OPEN_STATES)
        .select_related(*_RELATED)
        .order_by("referred_at", "pk")
    )


def referred_by(user) -> QuerySet[FgcReferral]:
    """The open referrals the user made."""
    return (
        referrals_visible_to(user)
        .filter(referred_by=user, state__in=OPEN_STATES)
        .select_related(*_RELATED)
        .order_by("referred_at", "pk")
    )


def case_referrals(user, case: Case) -> QuerySet[FgcReferral]:
    return (
        referrals_visible_to(user).filter(case=case).select_related(*_RELATED).order_by("-referred_at", "-pk")
    )


def children_with_fgc(*, start: date, end: date) -> QuerySet[Person]:
    """Children a family group conference was held for between `start` and `end` (inclusive): each
    child named on a referral whose conference was held in the period, once. For a future return
    (the CIN census has no such element yet: docs/census.md)."""
    referral_ids = FgcConference.objects.filter(held_on__gte=start, held_on__lte=end).values("referral_id")
    return Person.objects.filter(fgc_referrals__in=referral_ids).distinct()


def children_with_fgc_count(*, start: date, end: date) -> int:
    return children_with_fgc(start=start, end=end).count()
