"""accounts.backends.AccountBackend: Django's ModelBackend with permissions read in one query."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache yet


def test_a_persons_permissions_are_their_roles_and_their_own_read_in_one_query(cast):
    own = Permission.objects.get(content_type__app_label="audit", codename="export_chronology")
    cast.fh_worker.user_permissions.add(own)
    user = _fresh(cast.fh_worker)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("cases.add_chronologyentry")  # from the family help worker's role
        assert user.has_perm("audit.export_chronology")  # their own, given by a superuser
        assert not user.has_perm("cases.view_access_log")
        assert user.has_perm("cases.add_chronologyentry")
    assert len(queries.captured_queries) == 1
    assert user.get_all_permissions() >= {"cases.add_chronologyentry", "audit.export_chronology"}


def test_superusers_have_every_permission_and_inactive_people_none(cast):
    root = User.objects.create_superuser("root", "root@example.invalid", "a-long-root-password")
    assert _fresh(root).has_perm("returns.make_returns")
    cast.auditor.is_active = False
    cast.auditor.save(update_fields=["is_active"])
    assert not _fresh(cast.auditor).has_perm("cases.view_all_cases")
