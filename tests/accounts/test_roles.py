"""Roles are Django groups holding exactly the permissions written in accounts/roles.py."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.choices import Role
from accounts.roles import ROLE_PERMISSIONS
from accounts.services import roles_sync, user_create

pytestmark = pytest.mark.django_db


def _codes(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_every_role_exists_after_migrate_with_exactly_its_permissions():
    for role in Role:
        assert _codes(Group.objects.get(name=role.value)) == set(ROLE_PERMISSIONS[role]), role


def test_sync_takes_away_a_permission_added_by_hand():
    auditor = Group.objects.get(name=Role.AUDITOR)
    auditor.permissions.add(Permission.objects.get(codename="close_case"))
    roles_sync()
    assert "cases.close_case" not in _codes(auditor)


def test_separation_of_duties_in_the_role_table():
    """DOMAIN.md: auditors change nothing; administrators don't read cases; partners see only
    what their involvement gives them; only team managers allocate and close."""
    # Auditors read (and read the access log); the only thing they write is their own case audit
    # findings on the monthly step-down sample, which changes no case record. Making the statutory
    # returns is reading every child's record for the DfE.
    assert ROLE_PERMISSIONS[Role.AUDITOR] == [
        "cases.view_all_cases",
        "cases.view_access_log",
        "audit.export_chronology",
        "stepdown.view_stepdown_audit",
        "stepdown.record_audit_finding",
        "returns.make_returns",
    ]
    # The access log (ids and routes, no record) is the one cases permission an administrator holds.
    administrator = set(ROLE_PERMISSIONS[Role.ADMINISTRATOR]) - {"cases.view_access_log"}
    assert not any(code.startswith("cases.") for code in administrator)
    assert "cases.view_all_cases" not in ROLE_PERMISSIONS[Role.PARTNER_PRACTITIONER]
    assert "cases.view_team_cases" not in ROLE_PERMISSIONS[Role.PARTNER_PRACTITIONER]
    for role, codes in ROLE_PERMISSIONS.items():
        assert ("cases.allocate_case" in codes) == (role == Role.TEAM_MANAGER), role
        assert ("cases.close_case" in codes) == (role == Role.TEAM_MANAGER), role


def test_user_create_gives_roles_and_refuses_unknown_ones(cast):
    user = user_create(
        username="new.worker",
        password=None,
        first_name="New",
        last_name="Worker",
        agency=cast.la,
        roles=[Role.SOCIAL_WORKER],
        teams=[cast.north],
    )
    assert user.primary_role == Role.SOCIAL_WORKER and not user.has_usable_password()
    assert user.has_perm("cases.view_all_cases")
    with pytest.raises(ValueError, match="wizard"):
        user_create(
            username="x", password=None, first_name="X", last_name="Y", agency=cast.la, roles=["wizard"]
        )


def test_an_administrator_cannot_make_anyone_a_superuser_in_the_admin(cast, client_for):
    client = client_for(cast.administrator)
    target = cast.fh_worker
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_an_administrator_cannot_take_over_a_superuser_or_promote_themselves(cast, client_for):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.invalid", "a-long-root-password")
    client = client_for(cast.administrator)
    response = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": "taken-over-123!", "password2": "taken-over-123!", "usable_password": "true"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("a-long-root-password")
    own = client.post(f"/admin/accounts/user/{cast.administrator.pk}/change/", {"username": "admin"})
    assert own.status_code == 403
    # Colleagues' accounts remain theirs to manage.
    assert client.get(f"/admin/accounts/user/{cast.fh_worker.pk}/change/").status_code == 200


def test_the_admin_is_for_administrators_only(cast, client_for):
    assert client_for(cast.team_manager).get("/admin/").status_code == 302
    assert client_for(cast.administrator).get("/admin/accounts/team/").status_code == 200
