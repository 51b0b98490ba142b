"""Demo data for family group conferences (issue 18): one family through the whole journey to its
own plan, and a second referral waiting in the FGC service's queue. Made only through services;
seed_demo calls `seed_fgc(users, teams)` once, when no referral exists yet."""

from datetime import timedelta

from django.utils import timezone

from accounts.choices import TeamKind
from cases.choices import FamilyRole, PersonKind, RelationshipKind
from cases.models import Case, FamilyMember, Relationship
from cases.services import relationship_record
from fgc.models import FgcReferral
from fgc.services import (
    FamilyPlanItem,
    fgc_conference_record,
    fgc_plan_record,
    fgc_referral_accept,
    fgc_referral_make,
)
from pathways.selectors import case_children
from stepdown.services import consent_record


def _consent(case, worker):
    """A parent's written consent to a family group conference, with the parental responsibility it
    needs recorded first; None when the family has no parent and child to give it."""
    members = FamilyMember.objects.filter(family=case.family).select_related("person")
    parent = next((m.person for m in members if m.role == FamilyRole.PARENT_CARER), None)
    child = next((m.person for m in members if m.role == FamilyRole.CHILD), None)
    if parent is None or child is None or parent.kind != PersonKind.ADULT:
        return None
    if not Relationship.objects.filter(family=case.family, person=parent, has_parental_responsibility=True):
        relationship_record(
            family=case.family,
            person=parent,
            relative=child,
            kind=RelationshipKind.MOTHER,
            by=worker,
            has_parental_responsibility=True,
        )
    return consent_record(
        family=case.family,
        by=worker,
        given_by=parent,
        method="written",
        recorded_where="Signed family group conference consent form (synthetic demo record)",
        given_on=timezone.localdate(),
        family_group_conference=True,
    )


def _candidates(**filters):
    return (
        Case.objects.filter(state="open", plan__isnull=False, plan__ended_on__isnull=True, **filters)
        .exclude(family__restrictions__isnull=False)
        .exclude(fgc_referrals__isnull=False)
        .order_by("pk")
    )


def _refer(case, worker, reason):
    consent = _consent(case, worker)
    if consent is None:
        return None
    return fgc_referral_make(
        case=case, by=worker, consent=consent, children=list(case_children(case)), reason=reason
    )


def seed_fgc(users: dict, teams: dict) -> dict:
    """Returns what it made: {"held": referral or None, "waiting": referral or None}."""
    made = {"held": None, "waiting": None}
    if not any(team.kind == TeamKind.FAMILY_GROUP_CONFERENCE for team in teams.values()):
        return made
    worker, coordinator = users["social.worker"], users["fgc.coordinator"]
    case = _candidates(pathway=3, key_worker=worker).first()
    if case is not None:
        referral = _refer(
            case,
            worker,
            "Mum wants her sister and the children's grandparents to help with school mornings and "
            "with the evenings she works late, so the children are not left alone.",
        )
        if referral is not None:
            referral = fgc_referral_accept(referral=referral, by=coordinator)
            today = timezone.localdate()
            fgc_conference_record(
                referral=referral,
                by=coordinator,
                held_on=today,
                attendees="Mum; maternal aunt; maternal grandparents; family friend (neighbour); "
                "the social worker for the information-giving stage",
                attendee_count=6,
                family_private_time=True,
                notes="The family met alone for an hour and came back with its plan.",
            )
            fgc_plan_record(
                referral=referral,
                by=coordinator,
                agreed_on=today,
                actions=[
                    FamilyPlanItem(
                        what="Take the children to school on Mondays and Tuesdays",
                        who="Maternal aunt",
                        by_when=today + timedelta(weeks=2),
                    ),
                    FamilyPlanItem(
                        what="Have the children for tea and bedtime when Mum works late",
                        who="Maternal grandparents",
                        by_when=today + timedelta(weeks=4),
                    ),
                    FamilyPlanItem(
                        what="Be the emergency contact the school can ring",
                        who="Family friend (neighbour)",
                        by_when=today + timedelta(weeks=1),
                    ),
                ],
            )
            referral.refresh_from_db()
            made["held"] = referral
    waiting_case = _candidates(pathway__in=[2, 3], key_worker__isnull=False).first()
    if waiting_case is not None:
        made["waiting"] = _refer(
            waiting_case,
            waiting_case.key_worker,
            "The family would like its wider network to help plan for the children's weekends.",
        )
    return made


def fgc_seeded() -> bool:
    return FgcReferral.objects.exists()
