"""Professional disagreements move to their own app (disagreements 0001 takes them over, tables and
rows unchanged). Here: drop the append-only trigger under its old name (disagreements 0001 makes it
again at once) and forget the models."""

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0004_stepdown_consent_clock"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="disagreementevent", name="disagreement_event_append_only"
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="disagreementevent",
                    name="disagreement",
                ),
                migrations.RemoveField(
                    model_name="disagreementevent",
                    name="by",
                ),
                migrations.RemoveField(
                    model_name="laddercontact",
                    name="agency",
                ),
                migrations.RemoveField(
                    model_name="laddercontact",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="Disagreement",
                ),
                migrations.DeleteModel(
                    name="DisagreementEvent",
                ),
                migrations.DeleteModel(
                    name="LadderContact",
                ),
            ],
        ),
    ]
