from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import cached_property
from knox.models import AuthToken

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.roles import ROLE_PRIORITY


class Agency(models.Model):
    """An organisation whose practitioners use Continuum: the council itself or a partner."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    kind = models.CharField(max_length=32, choices=TeamKind.choices)
    manager = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_name_unique_in_agency")]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Access:
    """What a person may do, read once per request: their roles, their permissions (their roles'
    and any of their own), and whether they hold an API token that still works."""

    roles: frozenset[str]
    permissions: frozenset[str]
    holds_api_token: bool


class User(AbstractUser):
    """A practitioner, manager, auditor or administrator. Roles are groups (accounts/roles.py)."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def access(self) -> Access:
        """One query for what every page asks of the signed-in person: the menu (roles, and the API
        link for token holders) and the permission checks (accounts/backends.py)."""
        roles = Group.objects.filter(user=self).values_list(Value("role"), "name")
        permissions = Permission.objects.all()
        if not self.is_superuser:
            permissions = permissions.filter(Q(user=self) | Q(group__user=self))
        permissions = permissions.values_list(
            Value("permission"), Concat("content_type__app_label", Value("."), "codename")
        )
        token = (
            AuthToken.objects.filter(user=self)
            .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
            .values_list(Value("token"), Value(""))[:1]
        )
        rows = list(roles.union(permissions, token, all=True))
        valid = set(Role.values)
        return Access(
            roles=frozenset(name for kind, name in rows if kind == "role" and name in valid),
            permissions=frozenset(name for kind, name in rows if kind == "permission"),
            holds_api_token=any(kind == "token" for kind, _ in rows),
        )

    @property
    def roles(self) -> frozenset[str]:
        return self.access.roles

    @property
    def primary_role(self) -> str | None:
        return next((role for role in ROLE_PRIORITY if role in self.roles), None)

    @property
    def primary_role_label(self) -> str:
        role = self.primary_role
        return Role(role).label if role else "No role"


API_TOKEN_NAME_LENGTH = 100


class ApiToken(models.Model):
    """An API token as its owner sees it: the name they gave it, whether it ends when the session
    it was made from signs out, and when it was last used.

    The key is knox's `AuthToken`, stored only as a SHA-512 digest (and its first characters, to
    find it); it expires, and revoking deletes it, which deletes this row. `session_hash` is a hash
    of a random marker kept in the session the token was made from (accounts/services.py), so a
    sign-out can find the tokens that end with it; it is empty for a token made outside a session."""

    auth_token = models.OneToOneField("knox.AuthToken", on_delete=models.CASCADE, related_name="details")
    name = models.CharField(max_length=API_TOKEN_NAME_LENGTH)
    session_hash = models.CharField(max_length=64, blank=True, db_index=True)
    ends_with_sign_out = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(ends_with_sign_out=True, session_hash=""),
                name="api_token_ending_with_sign_out_has_a_session",
            )
        ]

    def __str__(self) -> str:
        return self.name
