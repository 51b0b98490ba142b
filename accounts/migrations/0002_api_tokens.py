"""API tokens: accounts.ApiToken beside knox's hashed AuthToken. DRF's authtoken app is gone, and its
table, which held every token's key in plain text, goes with it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token; DELETE FROM django_migrations WHERE app = 'authtoken';",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("session_hash", models.CharField(blank=True, db_index=True, max_length=64)),
                ("ends_with_sign_out", models.BooleanField(default=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "auth_token",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="details",
                        to=settings.KNOX_TOKEN_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_with_sign_out", True), ("session_hash", ""), _negated=True),
                        name="api_token_ending_with_sign_out_has_a_session",
                    )
                ],
            },
        ),
    ]
