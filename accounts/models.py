from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property

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
    def roles(self) -> frozenset[str]:
        valid = set(Role.values)
        return frozenset(name for name in self.groups.values_list("name", flat=True) if name in valid)

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
