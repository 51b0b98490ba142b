"""The access log and restricted records move from audit to cases (issue 14: cases applies
restrictions to every visibility query, and audit sits above cases). The tables keep their names
and rows: only Django's state moves, with the content types (so permissions given to groups stay
given). The append-only triggers are re-made under their new names (audit 0005 dropped the old)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

MOVED = ["accesslogentry", "restriction", "restrictionaccess", "restrictionevent", "breakglass"]


def _relabel(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=target, model__in=MOVED).delete()  # made by a stray post_migrate
    ContentType.objects.filter(app_label=source, model__in=MOVED).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, "audit", "cases")


def backwards(apps, schema_editor):
    _relabel(apps, "cases", "audit")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_person_return_details"),
        ("audit", "0005_access_log_and_restrictions_to_cases"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Restriction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "category",
                            models.CharField(
                                choices=[
                                    ("high_profile", "High-profile family or child"),
                                    ("staff_family", "A member of staff's family"),
                                    ("adoption", "Adoption"),
                                    ("other", "Other (explain in the reason)"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "reason",
                            models.TextField(
                                help_text="Why the record is restricted, for the people named on it"
                            ),
                        ),
                        ("marked_at", models.DateTimeField()),
                        ("lifted_at", models.DateTimeField(blank=True, null=True)),
                        ("lift_reason", models.TextField(blank=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        (
                            "family",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="restrictions",
                                to="cases.family",
                            ),
                        ),
                        (
                            "lifted_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "marked_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="restrictions",
                                to="cases.person",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "audit_restriction",
                        "ordering": ["-marked_at", "-pk"],
                        "permissions": [("restrict_record", "Can restrict a person's or family's record")],
                    },
                ),
                migrations.CreateModel(
                    name="BreakGlass",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reason", models.TextField()),
                        (
                            "record_type",
                            models.CharField(
                                choices=[
                                    ("person", "Person"),
                                    ("family", "Family"),
                                    ("case", "Case"),
                                    ("contact", "Request for support"),
                                    ("access_log", "Access log export"),
                                    ("restriction", "Restricted record"),
                                    ("statutory_return", "Statutory return (every child in it)"),
                                ],
                                help_text="What they were opening",
                                max_length=16,
                            ),
                        ),
                        ("record_id", models.PositiveBigIntegerField()),
                        ("at", models.DateTimeField(db_index=True)),
                        ("expires_at", models.DateTimeField()),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "restriction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="break_glasses",
                                to="cases.restriction",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "break-glass openings",
                        "db_table": "audit_breakglass",
                        "ordering": ["-at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="RestrictionAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("added_at", models.DateTimeField()),
                        ("removed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "added_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "removed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "restriction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="named",
                                to="cases.restriction",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "audit_restrictionaccess",
                        "ordering": ["added_at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="RestrictionEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("marked", "Restricted"),
                                    ("named", "User named"),
                                    ("unnamed", "User no longer named"),
                                    ("lifted", "Restriction lifted"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("at", models.DateTimeField()),
                        ("note", models.TextField(blank=True)),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "restriction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="events",
                                to="cases.restriction",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                help_text="The user named or taken off",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "audit_restrictionevent",
                        "ordering": ["at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="AccessLogEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("at", models.DateTimeField(db_index=True)),
                        (
                            "record_type",
                            models.CharField(
                                choices=[
                                    ("person", "Person"),
                                    ("family", "Family"),
                                    ("case", "Case"),
                                    ("contact", "Request for support"),
                                    ("access_log", "Access log export"),
                                    ("restriction", "Restricted record"),
                                    ("statutory_return", "Statutory return (every child in it)"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("record_id", models.PositiveBigIntegerField()),
                        (
                            "family_id",
                            models.PositiveBigIntegerField(
                                blank=True, help_text="The family the record belongs to", null=True
                            ),
                        ),
                        (
                            "route",
                            models.CharField(
                                help_text="The page or API route, not the full URL", max_length=200
                            ),
                        ),
                        ("method", models.CharField(max_length=8)),
                        (
                            "via",
                            models.CharField(
                                choices=[("page", "Page"), ("api", "API"), ("export", "Export")], max_length=8
                            ),
                        ),
                        (
                            "reason",
                            models.TextField(blank=True, help_text="Why, where a reason was asked for"),
                        ),
                        (
                            "sha256",
                            models.CharField(
                                blank=True,
                                help_text="Of an exported file, to verify a printed copy",
                                max_length=64,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "access log entries",
                        "db_table": "audit_accesslogentry",
                        "ordering": ["-at", "-pk"],
                        "permissions": [("view_access_log", "Can search and export the access log")],
                        "indexes": [
                            models.Index(fields=["family_id", "at"], name="audit_acces_family__727cea_idx"),
                            models.Index(
                                fields=["record_type", "record_id", "at"],
                                name="audit_acces_record__2eb26d_idx",
                            ),
                            models.Index(fields=["user", "at"], name="audit_acces_user_id_802c15_idx"),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="restriction",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("family__isnull", False), ("person__isnull", True)),
                            models.Q(("family__isnull", True), ("person__isnull", False)),
                            _connector="OR",
                        ),
                        name="restriction_family_or_person",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="restriction",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("family__isnull", False), ("lifted_at__isnull", True)),
                        fields=("family",),
                        name="one_live_restriction_per_family",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="restriction",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("lifted_at__isnull", True), ("person__isnull", False)),
                        fields=("person",),
                        name="one_live_restriction_per_person",
                    ),
                ),
                migrations.AddIndex(
                    model_name="breakglass",
                    index=models.Index(fields=["user", "expires_at"], name="audit_break_user_id_afe99c_idx"),
                ),
                migrations.AddConstraint(
                    model_name="restrictionaccess",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("removed_at__isnull", True)),
                        fields=("restriction", "user"),
                        name="named_once_per_restriction",
                    ),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="accesslogentry",
            trigger=pgtrigger.compiler.Trigger(
                name="access_log_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="12536fd4c430baf4d34857b765bb7151b793e787",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_access_log_append_only_515ba",
                    table="audit_accesslogentry",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="breakglass",
            trigger=pgtrigger.compiler.Trigger(
                name="break_glass_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="eed73e6140cae7ddbb3d82567b94cdb765e7680f",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_break_glass_append_only_89207",
                    table="audit_breakglass",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="restrictionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="restriction_event_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="17f9ca6d8ab574bdc8d7891f2d7f74de92a0a9ee",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_restriction_event_append_only_59926",
                    table="audit_restrictionevent",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
