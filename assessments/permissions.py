"""Access to a family's assessment follows access to the family (cases/permissions.py)."""

from django.core.exceptions import PermissionDenied

from cases.models import Family
from cases.permissions import family_for_user


def assessment_family_for_user(user, family_id, action: str = "view") -> Family:
    """The family whose assessment the user wants (404 if unseen); 403 if they may not add."""
    family = family_for_user(user, family_id)
    if action == "contribute" and not user.has_perm("assessments.add_contribution"):
        raise PermissionDenied("Your role cannot add to the assessment.")
    return family


def can_contribute(user) -> bool:
    return user.has_perm("assessments.add_contribution")
