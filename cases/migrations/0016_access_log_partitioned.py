"""The access log becomes a table partitioned by month of `at` (PostgreSQL's declarative
partitioning; config/partitions.py), so that its tens of millions of rows a year stay quick to
search a month at a time and whole months past the retention period can be dropped
(audit.services.access_log_partitions_maintain).

The rows are copied into the new table as they are (ids, chain places and hashes kept), with no
trigger on it yet; the append-only, no-truncate and hash-chain triggers are then made on the
parent, and PostgreSQL clones the row-level ones onto every partition. A partitioned table's unique
keys must include the partition key, so the primary key becomes (id, at) and `chain_seq` is indexed,
not unique; the chain's head row keeps its places one at a time. The FK's own index on `user_id` goes: (user_id, at) serves it.

Both chains' triggers now move a head row on (config.ChainHead) instead of reading the newest row
(on a partitioned table that read visits every partition: ~2 ms a row with ten years of months).

Reversible: backwards, the rows go back into a plain table with the old keys and indexes."""

from datetime import UTC, datetime

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

from config.models import chain_head_follow
from config.partitions import default_partition_make, month_add, month_start, months_ensure, partitions_guard

TABLE = "audit_accesslogentry"
OLD = "audit_accesslogentry_unpartitioned"
CHAINED = (TABLE, "cases_chronologyentry")
MONTHS_AHEAD = 3
NO_TRUNCATE = (
    "pgtrigger_access_log_no_truncate_b1dcd"  # the parent's trigger (and function), pgtrigger's pgid
)
INDEXES = [
    ("access_log_chain_seq", "(chain_seq)"),
    ("audit_acces_family__727cea_idx", "(family_id, at)"),
    ("audit_acces_record__2eb26d_idx", "(record_type, record_id, at)"),
    ("audit_acces_user_id_802c15_idx", "(user_id, at)"),
    ("audit_accesslogentry_at_94f1fe6b", "(at)"),
]
CONSTRAINTS = [
    ("audit_accesslogentry_family_id_check", "CHECK (family_id >= 0)"),
    ("audit_accesslogentry_record_id_check", "CHECK (record_id >= 0)"),
    (
        "audit_accesslogentry_user_id_df6d7662_fk_accounts_user_id",
        "FOREIGN KEY (user_id) REFERENCES accounts_user(id) DEFERRABLE INITIALLY DEFERRED",
    ),
]


def _keys_and_indexes(cursor, indexes):
    for name, definition in CONSTRAINTS:
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')
    for name, columns in indexes:
        cursor.execute(f'CREATE INDEX "{name}" ON "{TABLE}" {columns}')


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" INCLUDING DEFAULTS) PARTITION BY RANGE (at)')
        cursor.execute(f'SELECT min(at) FROM "{OLD}"')  # noqa: S608 - table names from this file
        oldest = cursor.fetchone()[0]
        now = datetime.now(UTC)
        months_ensure(cursor, TABLE, month_start(oldest or now), month_add(month_start(now), MONTHS_AHEAD))
        default_partition_make(cursor, TABLE)
        cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{OLD}"')  # noqa: S608 - table names from this file
        cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{OLD}"')  # noqa: S608 - table names from this file
        last_id = cursor.fetchone()[0]
        cursor.execute(f'DROP TABLE "{OLD}"')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id, at)')
        _keys_and_indexes(cursor, INDEXES)
        cursor.execute(f'CREATE SEQUENCE "{TABLE}_id_seq" OWNED BY "{TABLE}".id')
        cursor.execute(f"SELECT setval('\"{TABLE}_id_seq\"', %s, %s)", [max(last_id, 1), last_id > 0])
        cursor.execute(f'ALTER TABLE "{TABLE}" ALTER id SET DEFAULT nextval(\'"{TABLE}_id_seq"\')')
        cursor.execute(f'ANALYZE "{TABLE}"')


def guard(apps, schema_editor):
    """Every partition gets the parent's no-truncate trigger (PostgreSQL clones only row triggers)."""
    with schema_editor.connection.cursor() as cursor:
        partitions_guard(cursor, TABLE, NO_TRUNCATE)


def heads_follow(apps, schema_editor):
    """Both chains' heads (config.ChainHead) from their rows: the triggers move them on from here."""
    with schema_editor.connection.cursor() as cursor:
        for table in CHAINED:
            chain_head_follow(cursor, table)


def heads_forget(apps, schema_editor):
    """Backwards the triggers read the tables again; a head left behind would be stale next time."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM config_chainhead WHERE chain = ANY(%s)", [list(CHAINED)])


def unpartition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{OLD}" (LIKE "{TABLE}")')
        cursor.execute(f'INSERT INTO "{OLD}" SELECT * FROM "{TABLE}"')  # noqa: S608 - table names from this file
        cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{OLD}"')  # noqa: S608 - table names from this file
        last_id = cursor.fetchone()[0]
        cursor.execute(f'DROP TABLE "{TABLE}" CASCADE')
        cursor.execute(f'ALTER TABLE "{OLD}" RENAME TO "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{TABLE}" ALTER id ADD GENERATED BY DEFAULT AS IDENTITY')
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{TABLE}\"', 'id'), %s, %s)",
            [max(last_id, 1), last_id > 0],
        )
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id)')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_chain_seq_key" UNIQUE (chain_seq)')
        _keys_and_indexes(cursor, [*INDEXES[1:], ("audit_accesslogentry_user_id_df6d7662", "(user_id)")])


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("cases", "0015_case_newest_first"),
        ("config", "0001_chain_heads_and_anchors"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="accesslogentry",
            name="access_log_hash_chain",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="chronologyentry",
            name="chronology_hash_chain",
        ),
        pgtrigger.migrations.RemoveTrigger(model_name="accesslogentry", name="access_log_append_only"),
        pgtrigger.migrations.RemoveTrigger(model_name="accesslogentry", name="access_log_no_truncate"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accesslogentry",
                    name="chain_seq",
                    field=models.BigIntegerField(
                        blank=True, editable=False, help_text="Place in the table's hash chain", null=True
                    ),
                ),
                migrations.AlterField(
                    model_name="accesslogentry",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AddIndex(
                    model_name="accesslogentry",
                    index=models.Index(fields=["chain_seq"], name="access_log_chain_seq"),
                ),
            ],
            database_operations=[migrations.RunPython(partition, unpartition)],
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
            model_name="accesslogentry",
            trigger=pgtrigger.compiler.Trigger(
                name="access_log_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table: it is append-only', TG_TABLE_NAME;",
                    hash="01f37fbfa21fc1ba1f534d09eca9dd9f4c445590",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_access_log_no_truncate_b1dcd",
                    table="audit_accesslogentry",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="accesslogentry",
            trigger=pgtrigger.compiler.Trigger(
                name="access_log_hash_chain",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE \"config_chainhead\" SET seq = seq + 1,\n    row_hash = encode(sha256(convert_to(row_hash || encode(sha256(convert_to(jsonb_strip_nulls(jsonb_build_object('id', NEW.\"id\", 'at', extract(epoch FROM NEW.\"at\"), 'user_id', NEW.\"user_id\", 'record_type', NEW.\"record_type\", 'record_id', NEW.\"record_id\", 'family_id', NEW.\"family_id\", 'route', NEW.\"route\", 'method', NEW.\"method\", 'via', NEW.\"via\", 'reason', NEW.\"reason\", 'sha256', NEW.\"sha256\"))::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')\n    WHERE chain = 'audit_accesslogentry' RETURNING seq, row_hash INTO NEW.chain_seq, NEW.row_hash;\nIF NOT FOUND THEN\n    PERFORM pg_advisory_xact_lock(hashtext('continuum.hash_chain'), hashtext('audit_accesslogentry'));\n    INSERT INTO \"config_chainhead\" (chain, seq, row_hash) SELECT 'audit_accesslogentry', COALESCE(max(last.chain_seq), 0), COALESCE(max(last.row_hash), '') FROM (SELECT chain_seq, row_hash FROM \"audit_accesslogentry\" WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1) last ON CONFLICT (chain) DO NOTHING;\n    UPDATE \"config_chainhead\" SET seq = seq + 1,\n    row_hash = encode(sha256(convert_to(row_hash || encode(sha256(convert_to(jsonb_strip_nulls(jsonb_build_object('id', NEW.\"id\", 'at', extract(epoch FROM NEW.\"at\"), 'user_id', NEW.\"user_id\", 'record_type', NEW.\"record_type\", 'record_id', NEW.\"record_id\", 'family_id', NEW.\"family_id\", 'route', NEW.\"route\", 'method', NEW.\"method\", 'via', NEW.\"via\", 'reason', NEW.\"reason\", 'sha256', NEW.\"sha256\"))::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')\n    WHERE chain = 'audit_accesslogentry' RETURNING seq, row_hash INTO NEW.chain_seq, NEW.row_hash;\nEND IF;\nRETURN NEW;",
                    hash="aaf76377a0ce3d9ad5506c4c6eb6193ec83c5f38",
                    operation="INSERT",
                    pgid="pgtrigger_access_log_hash_chain_aa745",
                    table="audit_accesslogentry",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="chronologyentry",
            trigger=pgtrigger.compiler.Trigger(
                name="chronology_hash_chain",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE \"config_chainhead\" SET seq = seq + 1,\n    row_hash = encode(sha256(convert_to(row_hash || encode(sha256(convert_to(jsonb_strip_nulls(jsonb_build_object('id', NEW.\"id\", 'family_id', NEW.\"family_id\", 'case_id', NEW.\"case_id\", 'subject_id', NEW.\"subject_id\", 'kind', NEW.\"kind\", 'occurred_at', extract(epoch FROM NEW.\"occurred_at\"), 'recorded_at', extract(epoch FROM NEW.\"recorded_at\"), 'summary', NEW.\"summary\", 'detail', NEW.\"detail\", 'author_id', NEW.\"author_id\", 'author_agency_id', NEW.\"author_agency_id\"))::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')\n    WHERE chain = 'cases_chronologyentry' RETURNING seq, row_hash INTO NEW.chain_seq, NEW.row_hash;\nIF NOT FOUND THEN\n    PERFORM pg_advisory_xact_lock(hashtext('continuum.hash_chain'), hashtext('cases_chronologyentry'));\n    INSERT INTO \"config_chainhead\" (chain, seq, row_hash) SELECT 'cases_chronologyentry', COALESCE(max(last.chain_seq), 0), COALESCE(max(last.row_hash), '') FROM (SELECT chain_seq, row_hash FROM \"cases_chronologyentry\" WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1) last ON CONFLICT (chain) DO NOTHING;\n    UPDATE \"config_chainhead\" SET seq = seq + 1,\n    row_hash = encode(sha256(convert_to(row_hash || encode(sha256(convert_to(jsonb_strip_nulls(jsonb_build_object('id', NEW.\"id\", 'family_id', NEW.\"family_id\", 'case_id', NEW.\"case_id\", 'subject_id', NEW.\"subject_id\", 'kind', NEW.\"kind\", 'occurred_at', extract(epoch FROM NEW.\"occurred_at\"), 'recorded_at', extract(epoch FROM NEW.\"recorded_at\"), 'summary', NEW.\"summary\", 'detail', NEW.\"detail\", 'author_id', NEW.\"author_id\", 'author_agency_id', NEW.\"author_agency_id\"))::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')\n    WHERE chain = 'cases_chronologyentry' RETURNING seq, row_hash INTO NEW.chain_seq, NEW.row_hash;\nEND IF;\nRETURN NEW;",
                    hash="a226dcdbec346793f3be7662bb1914a364212ad2",
                    operation="INSERT",
                    pgid="pgtrigger_chronology_hash_chain_2c279",
                    table="cases_chronologyentry",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunPython(guard, migrations.RunPython.noop),
        migrations.RunPython(heads_follow, heads_forget),
    ]
