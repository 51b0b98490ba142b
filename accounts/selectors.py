"""Reads about people and teams that several apps need."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role, TeamKind
from accounts.models import ApiToken, Team, User


def front_door_team() -> Team | None:
    """The multi-agency safeguarding hub: it holds the front door's clocks and answers for it."""
    return Team.objects.filter(kind=TeamKind.MASH).order_by("pk").first()


def active_ecpps() -> QuerySet[User]:
    """Expert child protection practitioners who can be named on a decision."""
    return User.objects.filter(groups__name=Role.ECPP, is_active=True).order_by("first_name", "last_name")


def api_tokens_live(user: User) -> QuerySet[ApiToken]:
    """A user's API tokens that still work, newest first. Never their keys: those are not kept."""
    now = timezone.now()
    return (
        ApiToken.objects.filter(auth_token__user=user)
        .filter(Q(auth_token__expiry__isnull=True) | Q(auth_token__expiry__gt=now))
        .select_related("auth_token")
        .order_by("-auth_token__created", "-pk")
    )


def authenticator_set_up(user: User) -> bool:
    """Whether the user has confirmed an authenticator app (their second factor)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def user_waits_for_role(user: User) -> bool:
    """An account that may sign in but has no role sees nothing until an administrator gives it
    one (single sign-on makes such accounts when OIDC_CREATE_USERS is on)."""
    return user.is_active and not user.is_superuser and not user.groups.filter(name__in=Role.values).exists()


def users_waiting_for_role() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_superuser=False).exclude(groups__name__in=Role.values)


def administrators() -> QuerySet[User]:
    """Who gives accounts their roles: active administrators and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )
