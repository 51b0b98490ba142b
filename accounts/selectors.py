"""Reads about people and teams that several apps need."""

from django.db.models import QuerySet

from accounts.choices import Role, TeamKind
from accounts.models import Team, User


def front_door_team() -> Team | None:
    """The multi-agency safeguarding hub: it holds the front door's clocks and answers for it."""
    return Team.objects.filter(kind=TeamKind.MASH).order_by("pk").first()


def active_ecpps() -> QuerySet[User]:
    """Expert child protection practitioners who can be named on a decision."""
    return User.objects.filter(groups__name=Role.ECPP, is_active=True).order_by("first_name", "last_name")
