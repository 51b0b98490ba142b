"""Who sees and acts on professional disagreements: both agencies involved. Children's services
staff see them all; a partner sees those they raised, those their agency raised, and those of
the people they line-manage; whoever answers at the current stage sees theirs."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.choices import AgencyKind
from cases.access_log import record_read
from cases.choices import RecordType
from cases.permissions import open_families
from config.visibility import visibility_rule
from disagreements.models import Disagreement


@visibility_rule(Disagreement)
def disagreements_visible_to(user) -> QuerySet[Disagreement]:
    if not (user and user.is_authenticated and user.is_active):
        return Disagreement.objects.none()
    # Never those about a restricted family's decision or contact, unless the user may open it.
    disagreements = Disagreement.objects.filter(
        open_families(user, "decision__case__family_id"), open_families(user, "contact__family_id")
    )
    if user.has_perm("cases.view_all_cases"):
        return disagreements
    mine = Q(raised_by=user) | Q(owner=user) | Q(raised_by__line_manager=user)
    if user.agency_id and user.agency.kind != AgencyKind.LA_CHILDRENS_SERVICES:
        # A partner agency sees its own agency's disagreements (its safeguarding lead, say);
        # inside children's services, seeing them all comes with seeing all cases.
        mine |= Q(raised_by_agency_id=user.agency_id)
    return disagreements.filter(mine)


def _raiser_side(user, disagreement: Disagreement) -> bool:
    return disagreement.raised_by_id == user.pk or disagreement.raised_by.line_manager_id == user.pk


def _answering_side(user, disagreement: Disagreement) -> bool:
    return disagreement.owner_id == user.pk or (
        user.has_perm("cases.view_all_cases") and user.has_perm("pathways.decide_pathway_1")
    )


ACTIONS = {
    "view": lambda user, d: True,
    "respond": lambda user, d: _raiser_side(user, d) or _answering_side(user, d),
    "escalate": lambda user, d: _raiser_side(user, d) or d.owner_id == user.pk,
    "resolve": lambda user, d: d.owner_id == user.pk,
    "withdraw": lambda user, d: d.raised_by_id == user.pk,
}
REFUSALS = {
    "respond": "Only the two sides of this disagreement can add to it.",
    "escalate": "Only the person who raised it, their line manager, or whoever answers now can escalate it.",
    "resolve": "Only the person answering at this stage can record how it was resolved.",
    "withdraw": "Only the person who raised it can withdraw it.",
}


def may(user, disagreement: Disagreement, action: str) -> bool:
    return ACTIONS[action](user, disagreement)


def disagreement_for_user(user, disagreement_id, action: str = "view") -> Disagreement:
    try:
        disagreement = (
            disagreements_visible_to(user)
            .select_related("raised_by", "owner", "contact", "decision__case")
            .get(pk=disagreement_id)
        )
    except (Disagreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such disagreement.") from None
    # A disagreement is about a child: reading it is a read of the contact or the case.
    if disagreement.contact_id:
        record_read(RecordType.CONTACT, disagreement.contact_id, disagreement.contact.family_id)
    elif disagreement.decision_id:
        record_read(RecordType.CASE, disagreement.decision.case_id, disagreement.decision.case.family_id)
    if not may(user, disagreement, action):
        raise PermissionDenied(REFUSALS[action])
    return disagreement


def require_may_raise(user) -> None:
    """Any practitioner may raise a professional disagreement."""
    if not user.has_perm("cases.add_chronologyentry"):
        raise PermissionDenied("Your role cannot raise a professional disagreement.")
