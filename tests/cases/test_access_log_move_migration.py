"""The access log and restricted records moved from audit to cases (cases 0010, audit 0005) with
their tables, rows, append-only triggers and content types (so groups keep their permissions),
forwards and backwards."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from tests.migrating import migrate, migrate_to_latest

BEFORE = [("audit", "0004_statutory_return_record_type"), ("cases", "0009_person_return_details")]
AFTER = [("cases", "0010_access_log_and_restrictions_from_audit")]


def refuses_update(table: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET reason = 'changed'")  # noqa: S608 - fixed names
    except DatabaseError:
        return True
    return False


def holds(apps, label: str) -> dict:
    AccessLogEntry = apps.get_model(label, "AccessLogEntry")
    Restriction = apps.get_model(label, "Restriction")
    BreakGlass = apps.get_model(label, "BreakGlass")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    return {
        "reads": list(AccessLogEntry.objects.values_list("record_type", "record_id", "reason")),
        "restrictions": list(Restriction.objects.values_list("category", "reason")),
        "openings": list(BreakGlass.objects.values_list("reason", flat=True)),
        "content_type": ContentType.objects.filter(app_label=label, model="restriction").count(),
        "group_may_restrict": Group.objects.filter(
            name="Movers", permissions__codename="restrict_record", permissions__content_type__app_label=label
        ).exists(),
    }


@pytest.mark.django_db(transaction=True)
def test_the_access_log_and_restrictions_move_with_their_rows_forwards_and_back():
    try:
        old = migrate(BEFORE)
        Agency = old.get_model("accounts", "Agency")
        User = old.get_model("accounts", "User")
        Family = old.get_model("cases", "Family")
        ContentType = old.get_model("contenttypes", "ContentType")
        Permission = old.get_model("auth", "Permission")
        Group = old.get_model("auth", "Group")
        agency = Agency.objects.create(name="Migration council", kind="local_authority")
        user = User.objects.create(username="mover", agency=agency)
        family = Family.objects.create(name="Moved family", created_by=user)
        now = datetime(2026, 1, 5, 12, tzinfo=UTC)
        old.get_model("audit", "AccessLogEntry").objects.create(
            at=now, user=user, record_type="family", record_id=family.pk, route="/x", method="GET", via="page"
        )
        restriction = old.get_model("audit", "Restriction").objects.create(
            family=family, category="high_profile", reason="Known locally", marked_by=user, marked_at=now
        )
        old.get_model("audit", "BreakGlass").objects.create(
            restriction=restriction,
            user=user,
            reason="Duty out of hours",
            record_type="family",
            record_id=family.pk,
            at=now,
            expires_at=now + timedelta(hours=8),
        )
        content_type, _ = ContentType.objects.get_or_create(app_label="audit", model="restriction")
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename="restrict_record", defaults={"name": "Can restrict"}
        )
        Group.objects.create(name="Movers").permissions.add(permission)
        before = holds(old, "audit")
        assert refuses_update("audit_accesslogentry")

        moved = holds(migrate(AFTER), "cases")
        assert moved == before
        assert refuses_update("audit_accesslogentry")
        assert refuses_update("audit_breakglass")

        assert holds(migrate(BEFORE), "audit") == before
        assert refuses_update("audit_accesslogentry")
    finally:
        migrate_to_latest()
