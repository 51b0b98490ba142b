"""Access to a family's assessment follows access to the family (cases/permissions.py), with one
more rule: children's services staff see the whole assessment; a partner agency's practitioner
sees what their own agency contributed, and the rest only through referral packages the family
agreed to share with their agency (pathways/permissions.py)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from assessments.models import Contribution, Conversation
from cases.models import Family
from cases.permissions import families_visible_to, family_for_user, sees_whole_record
from config.visibility import visibility_rule


def assessment_family_for_user(user, family_id, action: str = "view") -> Family:
    """The family whose assessment the user wants (404 if unseen); 403 if they may not add."""
    family = family_for_user(user, family_id)
    if action == "contribute" and not user.has_perm("assessments.add_contribution"):
        raise PermissionDenied("Your role cannot add to the assessment.")
    return family


def restrict_to_viewer(user, queryset: QuerySet, agency_field: str = "author_agency") -> QuerySet:
    """Contributions or conversations the user may read."""
    if sees_whole_record(user):
        return queryset
    if user.agency_id is None:
        return queryset.none()
    return queryset.filter(**{f"{agency_field}_id": user.agency_id})


def can_contribute(user) -> bool:
    return user.has_perm("assessments.add_contribution")


@visibility_rule(Contribution)
def contributions_visible_to(user) -> QuerySet[Contribution]:
    """Contributions to the assessments of families the user sees, as `restrict_to_viewer` allows."""
    return restrict_to_viewer(
        user, Contribution.objects.filter(assessment__family__in=families_visible_to(user))
    )


@visibility_rule(Conversation)
def conversations_visible_to(user) -> QuerySet[Conversation]:
    """Conversations with families the user sees, as `restrict_to_viewer` allows."""
    return restrict_to_viewer(user, Conversation.objects.filter(family__in=families_visible_to(user)))
