"""Writes for accounts: roles and people who use the system."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.choices import Role
from accounts.models import Agency, Team, User
from accounts.roles import ROLE_PERMISSIONS

logger = logging.getLogger(__name__)


def _permissions(codes: list[str]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            # A database migrated only part of the way (or backwards) lacks some permissions;
            # the next full migrate adds them. A typo in the table is caught by the role tests.
            logger.warning("Role table names %s, which this database does not have yet", code)
            continue
        found.append(permission)
    return found


@transaction.atomic
def roles_sync() -> None:
    """Make every role's group hold exactly the permissions in ROLE_PERMISSIONS."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    first_name: str,
    last_name: str,
    email: str = "",
    agency: Agency | None,
    roles: list[str],
    teams: list[Team] = (),
    job_title: str = "",
    line_manager: User | None = None,
) -> User:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown role(s): {', '.join(sorted(unknown))}")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        job_title=job_title,
        line_manager=line_manager,
        is_staff=Role.ADMINISTRATOR in roles,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    user.teams.set(teams)
    return user
