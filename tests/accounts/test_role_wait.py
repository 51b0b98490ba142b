"""An account with no role waits on an administrator (issue 16): a task in every administrator's
tray, opened when the account is made (single sign-on makes such accounts) and closed when an
administrator gives it a role, stops it signing in, or deletes it."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.choices import Role
from accounts.models import User
from accounts.services import user_create
from escalation.choices import TaskKind, TaskState
from escalation.models import Task
from escalation.selectors import tray

pytestmark = pytest.mark.django_db


def _new_starter(cast, **extra) -> User:
    return user_create(
        username="new.starter",
        password=None,
        first_name="Marta",
        last_name="Kowalska",
        email="new.starter@council.example.gov.uk",
        agency=cast.la,
        **({"roles": []} | extra),
    )


def _change_form(user: User, **changes) -> dict:
    """What the admin's user page posts back when nothing else is touched."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "agency": user.agency_id or "",
        "job_title": user.job_title,
        "groups": [group.pk for group in user.groups.all()],
        "teams": [team.pk for team in user.teams.all()],
    }
    return {key: value for key, value in (data | changes).items() if value not in ("", None)}


def test_an_account_made_without_a_role_waits_in_every_administrators_tray(cast, client_for):
    second = user_create(
        username="admin.two",
        password=None,
        first_name="Al",
        last_name="Two",
        agency=cast.la,
        roles=[Role.ADMINISTRATOR],
    )
    user = _new_starter(cast)
    for administrator in (cast.administrator, second):
        task = tray(administrator).get(kind=TaskKind.ACCOUNT_ROLE)
        assert task.object_id == user.pk and task.summary == "Give Marta Kowalska a role and teams"
        assert task.url == f"/admin/accounts/user/{user.pk}/change/"
    # Nobody else's tray, and not the account's own.
    assert (
        not Task.objects.filter(kind=TaskKind.ACCOUNT_ROLE)
        .exclude(user__in=[cast.administrator, second])
        .exists()
    )
    home = client_for(cast.administrator).get("/")
    assert "Give Marta Kowalska a role and teams" in home.content.decode()
    assert f'href="/admin/accounts/user/{user.pk}/change/"' in home.content.decode()


def test_an_account_made_with_a_role_waits_for_nothing(cast):
    _new_starter(cast, roles=[Role.SOCIAL_WORKER], teams=[cast.north])
    assert not Task.objects.filter(kind=TaskKind.ACCOUNT_ROLE).exists()


def test_giving_the_account_a_role_in_the_admin_takes_it_out_of_the_trays(cast, client_for):
    user = _new_starter(cast)
    client = client_for(cast.administrator)
    # Saving it with no role leaves it waiting.
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user, job_title="SW"))
    assert response.status_code == 302
    assert tray(cast.administrator).filter(kind=TaskKind.ACCOUNT_ROLE, object_id=user.pk).exists()

    social_worker = Group.objects.get(name=Role.SOCIAL_WORKER)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        _change_form(user, groups=[social_worker.pk], teams=[cast.north.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert user.roles == frozenset({Role.SOCIAL_WORKER})
    task = Task.objects.get(kind=TaskKind.ACCOUNT_ROLE, object_id=user.pk)
    assert task.state == TaskState.DONE and task.closed_by == cast.administrator
    assert not tray(cast.administrator).filter(kind=TaskKind.ACCOUNT_ROLE).exists()

    # Taking every role away again puts it back.
    client.post(f"/admin/accounts/user/{user.pk}/change/", _change_form(user, groups=[]))
    assert tray(cast.administrator).filter(kind=TaskKind.ACCOUNT_ROLE, object_id=user.pk).exists()


def test_an_account_stopped_from_signing_in_or_deleted_waits_for_nothing(cast, client_for):
    user = _new_starter(cast)
    client_for(cast.administrator).post(
        f"/admin/accounts/user/{user.pk}/change/", _change_form(user, is_active="")
    )
    assert Task.objects.get(kind=TaskKind.ACCOUNT_ROLE, object_id=user.pk).state == TaskState.DONE

    other = user_create(
        username="made.in.error", password=None, first_name="M", last_name="E", agency=None, roles=[]
    )
    assert tray(cast.administrator).filter(object_id=other.pk, kind=TaskKind.ACCOUNT_ROLE).exists()
    pk = other.pk
    other.delete()
    assert Task.objects.get(kind=TaskKind.ACCOUNT_ROLE, object_id=pk).state == TaskState.CANCELLED


def test_tray_backfill_puts_accounts_made_before_trays_in_the_administrators_trays(cast):
    # Made before work trays (or by a bulk import that sends no signal).
    user = User.objects.create_user("new.starter", "new.starter@council.example.gov.uk", None, agency=cast.la)
    assert not Task.objects.filter(kind=TaskKind.ACCOUNT_ROLE).exists()
    call_command("tray_backfill", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert tray(cast.administrator).filter(kind=TaskKind.ACCOUNT_ROLE, object_id=user.pk).exists()
    # The cast's own accounts all have roles: only the new starter waits.
    assert Task.objects.filter(kind=TaskKind.ACCOUNT_ROLE, state=TaskState.OPEN).count() == 1
