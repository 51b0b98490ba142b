"""Reads for decisions and pathways."""

from django.db.models import Exists, OuterRef, QuerySet

from accounts.choices import Role
from assessments.models import Contribution
from cases.models import Case
from cases.permissions import cases_visible_to
from pathways.choices import DecisionState
from pathways.models import Decision


def cases_needing_ecpp(user) -> QuerySet[Case]:
    """Open cases whose assessment cites an indicator requiring an immediate referral to social
    care, made since the last decision an ECPP recorded on the case: they wait in front of an ECPP."""
    immediate = Contribution.objects.filter(
        assessment__family=OuterRef("family"), indicators__immediate_referral=True
    )
    later_ecpp_decision = Decision.objects.filter(
        case=OuterRef(OuterRef("pk")),
        state=DecisionState.RECORDED,
        decided_by__groups__name=Role.ECPP,
        decided_at__gte=OuterRef("recorded_at"),
    )
    unanswered = immediate.annotate(answered=Exists(later_ecpp_decision)).filter(answered=False)
    return (
        cases_visible_to(user)
        .filter(state="open")
        .filter(Exists(unanswered))
        .select_related("family", "team", "key_worker", "ecpp")
    )
