"""Professional disagreements move from escalation (now the clock engine alone) to an app of their
own (issue 14). The tables keep their names and rows: only Django's state moves, with the content
types, so clocks on a disagreement stage still find it and permissions given to groups stay given.
The append-only trigger is re-made under its new name (escalation 0005 dropped the old)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

MOVED = ["disagreement", "disagreementevent", "laddercontact"]


def _relabel(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=target, model__in=MOVED).delete()  # made by a stray post_migrate
    ContentType.objects.filter(app_label=source, model__in=MOVED).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, "escalation", "disagreements")


def backwards(apps, schema_editor):
    _relabel(apps, "disagreements", "escalation")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("escalation", "0005_disagreements_to_their_app"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("pathways", "0008_delete_cinrecord"),
        ("referrals", "0004_early_help_hub_contacts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Disagreement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "raised_for",
                            models.CharField(
                                blank=True,
                                help_text="The referrer, when front-door staff record it for them",
                                max_length=200,
                            ),
                        ),
                        ("raised_at", models.DateTimeField()),
                        ("position", models.TextField(help_text="Why the decision is thought to be wrong")),
                        (
                            "wanted",
                            models.TextField(blank=True, help_text="What the raiser thinks should happen"),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("resolved", "Resolved"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="open",
                                max_length=16,
                            ),
                        ),
                        ("stage", models.PositiveSmallIntegerField(default=1)),
                        (
                            "high_risk",
                            models.BooleanField(default=False, help_text="Resolve within hours, not days"),
                        ),
                        ("resolution", models.TextField(blank=True)),
                        (
                            "decision_changed",
                            models.BooleanField(
                                blank=True, help_text="Whether the original decision changed", null=True
                            ),
                        ),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        (
                            "contact",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="disagreements",
                                to="referrals.contact",
                            ),
                        ),
                        (
                            "decision",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="disagreements",
                                to="pathways.decision",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                help_text="Who answers at the current stage",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="disagreements_owned",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "raised_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "raised_by_agency",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.agency",
                            ),
                        ),
                        (
                            "resolved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "escalation_disagreement",
                        "ordering": ["-raised_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="DisagreementEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("summary", models.CharField(max_length=300)),
                        ("detail", models.TextField(blank=True)),
                        ("at", models.DateTimeField()),
                        (
                            "by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "disagreement",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="events",
                                to="disagreements.disagreement",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "escalation_disagreementevent",
                        "ordering": ["at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="LadderContact",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("stage", models.PositiveSmallIntegerField()),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="ladder_contacts",
                                to="accounts.agency",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "escalation_laddercontact",
                        "ordering": ["agency", "stage"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="disagreement",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("contact__isnull", False), ("decision__isnull", False), _connector="OR"
                        ),
                        name="disagreement_has_subject",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="laddercontact",
                    constraint=models.UniqueConstraint(
                        fields=("agency", "stage"), name="ladder_contact_once"
                    ),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="disagreementevent",
            trigger=pgtrigger.compiler.Trigger(
                name="disagreement_event_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="a6f002fc950d9b4fe7e58a53c791997bca633d34",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_disagreement_event_append_only_58a27",
                    table="escalation_disagreementevent",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
