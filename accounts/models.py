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
