"""The access log and restricted records move to cases (cases 0010 takes them over, tables and
rows unchanged). Here: drop the append-only triggers under their old names (cases 0010 makes them
again at once) and forget the models."""

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_statutory_return_record_type"),
        ("cases", "0009_person_return_details"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="accesslogentry", name="access_log_append_only"),
        pgtrigger.migrations.RemoveTrigger(model_name="breakglass", name="break_glass_append_only"),
        pgtrigger.migrations.RemoveTrigger(
            model_name="restrictionevent", name="restriction_event_append_only"
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="breakglass",
                    name="restriction",
                ),
                migrations.RemoveField(
                    model_name="breakglass",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="restriction",
                    name="family",
                ),
                migrations.RemoveField(
                    model_name="restriction",
                    name="lifted_by",
                ),
                migrations.RemoveField(
                    model_name="restriction",
                    name="marked_by",
                ),
                migrations.RemoveField(
                    model_name="restriction",
                    name="person",
                ),
                migrations.RemoveField(
                    model_name="restrictionaccess",
                    name="restriction",
                ),
                migrations.RemoveField(
                    model_name="restrictionevent",
                    name="restriction",
                ),
                migrations.RemoveField(
                    model_name="restrictionaccess",
                    name="added_by",
                ),
                migrations.RemoveField(
                    model_name="restrictionaccess",
                    name="removed_by",
                ),
                migrations.RemoveField(
                    model_name="restrictionaccess",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="restrictionevent",
                    name="by",
                ),
                migrations.RemoveField(
                    model_name="restrictionevent",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="AccessLogEntry",
                ),
                migrations.DeleteModel(
                    name="BreakGlass",
                ),
                migrations.DeleteModel(
                    name="Restriction",
                ),
                migrations.DeleteModel(
                    name="RestrictionAccess",
                ),
                migrations.DeleteModel(
                    name="RestrictionEvent",
                ),
            ],
        ),
    ]
