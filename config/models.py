"""Model pieces every app shares."""

from textwrap import dedent

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def no_truncate(name: str) -> pgtrigger.Trigger:
    """A trigger that refuses TRUNCATE, which the row-level append-only triggers never see."""
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table: it is append-only', TG_TABLE_NAME;",
    )


# --- Hash chains: tamper-evident history ---------------------------------------------------------
# The chronology and the access log are chained: the database numbers every new row in its table's
# chain (`chain_seq`) and stores `row_hash` = sha256(previous row's hash + sha256(row content)).
# Editing, deleting or inserting a row behind the application's back breaks the chain at that row,
# and `manage.py history_verify` (config/history.py) reports where.


def chain_content_sql(model, fields: tuple[str, ...], alias: str) -> str:
    """The SQL text that a row's hash covers: a canonical JSON object of the chained fields (nulls
    left out, so a column added later leaves old rows' hashes valid; times as epoch seconds, so the
    text does not depend on the session's time zone). One definition for the trigger and the check."""
    parts = []
    for name in fields:
        field = model._meta.get_field(name)
        column = f'{alias}."{field.column}"'
        if field.get_internal_type() == "DateTimeField":
            column = f"extract(epoch FROM {column})"
        parts.append(f"'{field.column}', {column}")
    return f"jsonb_strip_nulls(jsonb_build_object({', '.join(parts)}))::text"


def chain_digest_sql(model, fields: tuple[str, ...], alias: str) -> str:
    return f"encode(sha256(convert_to({chain_content_sql(model, fields, alias)}, 'UTF8')), 'hex')"


CHAIN_HEADS = "config_chainhead"  # ChainHead's table, named in the trigger's SQL


class HashChain(pgtrigger.Trigger):
    """BEFORE INSERT: give the row the next place in its table's chain and hash it together with the
    previous row's hash. The chain's head (its newest place and hash) is one row of `ChainHead`:
    the trigger moves it on with one UPDATE, whose row lock, held to the end of the inserting
    transaction, makes inserts take their places one at a time; the cost does not grow with the
    table or its partitions (the access log). Where the head row is missing (a new chain, or a
    table bulk-loaded with the trigger off) the trigger starts it from the table's last chained
    row, under an advisory lock so two first writers agree.

    One transaction that inserts a great many chained rows slows as it goes (each update of the
    head walks that transaction's earlier versions of it: 200,000 rows in one statement took ten
    minutes). A bulk load switches the trigger off, chains its rows itself and then calls
    `chain_head_follow`, as seed_county does."""

    when = pgtrigger.Before
    operation = pgtrigger.Insert
    level = pgtrigger.Row

    def __init__(self, *, name: str, fields: tuple[str, ...]):
        self.fields = tuple(fields)
        super().__init__(name=name)

    def get_func(self, model) -> str:
        table = model._meta.db_table
        digest = chain_digest_sql(model, self.fields, "NEW")
        advance = dedent(f"""
            UPDATE "{CHAIN_HEADS}" SET seq = seq + 1,
                row_hash = encode(sha256(convert_to(row_hash || {digest}, 'UTF8')), 'hex')
                WHERE chain = '{table}' RETURNING seq, row_hash INTO NEW.chain_seq, NEW.row_hash;
        """).strip()  # noqa: S608 - names from the model
        return (
            advance
            + "\nIF NOT FOUND THEN\n"
            + f"    PERFORM pg_advisory_xact_lock(hashtext('continuum.hash_chain'), hashtext('{table}'));\n"
            + f"    {chain_head_follow_sql(table)} ON CONFLICT (chain) DO NOTHING;\n"
            + f"    {advance}\n"
            + "END IF;\nRETURN NEW;"
        )


def chain_head_follow_sql(table: str) -> str:
    """INSERT of `table`'s head as its rows have it (place 0 and no hash when it has none)."""
    newest = (
        f'SELECT chain_seq, row_hash FROM "{table}" '  # noqa: S608 - model names
        "WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"
    )
    return (
        f"INSERT INTO \"{CHAIN_HEADS}\" (chain, seq, row_hash) SELECT '{table}', "  # noqa: S608 - model names
        f"COALESCE(max(last.chain_seq), 0), COALESCE(max(last.row_hash), '') FROM ({newest}) last"
    )


def chain_head_follow(cursor, table: str) -> None:
    """Set `table`'s chain head from its rows: after a bulk load with the trigger off (the county
    seed) or a migration that rebuilt the table."""
    cursor.execute(
        chain_head_follow_sql(table)
        + " ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, row_hash = EXCLUDED.row_hash"
    )


class ChainHead(models.Model):
    """Each hash chain's newest place and hash, moved on by the chain's trigger (HashChain). Keyed by
    the chained table's name. Not history itself: `history_verify` walks the rows, and a head set
    wrong shows there as a gap or a broken link at the next row."""

    chain = models.CharField(max_length=100, primary_key=True, help_text="The chained table")
    seq = models.BigIntegerField()
    row_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = CHAIN_HEADS

    def __str__(self) -> str:
        return f"{self.chain} head {self.seq}"


def hash_chain_columns(*, unique: bool = True) -> tuple[models.Field, models.Field]:
    """The two columns a chained table adds (set by the database, never by the application). A
    partitioned table cannot hold a unique `chain_seq` (a unique index there must include the
    partition key): it passes `unique=False` and indexes the column itself."""
    return (
        models.BigIntegerField(
            null=True, blank=True, unique=unique, editable=False, help_text="Place in the table's hash chain"
        ),
        models.CharField(
            max_length=64, blank=True, editable=False, help_text="Hash of this row and the one before"
        ),
    )


class HistoryEvent(models.Model):
    """One row of something's history: what happened, when and by whom (nobody for the system).

    Append-only: the database refuses UPDATE and DELETE on every table made from this (the trigger
    is inherited with the Meta). A history names its subject with a ForeignKey of its own and adds
    the fields it needs (`detail`, the state it moved to, ...); a subclass declares no Meta, or one that
    extends this (`class Meta(HistoryEvent.Meta)`), to keep the ordering and the trigger."""

    summary = models.CharField(max_length=300)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        triggers = [
            pgtrigger.Protect(name="history_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            no_truncate("history_no_truncate"),
        ]

    def __str__(self) -> str:
        return self.summary


def stale_message(what: str) -> str:
    return (
        f"Someone else changed {what} while you were working on it. "
        "Nothing was saved: reload the page to see their change, then try again."
    )


def lock_current(instance, expected_version=None, *, what: str | None = None, field: str | None = "version"):
    """Lock `instance`'s row for the rest of the transaction and return it as it is now, refusing
    (with `code="stale"`) when its `version` is no longer the one the user read. Every service that
    changes a versioned record starts here, so concurrent edits never overwrite each other."""
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and str(current.version) != str(expected_version):
        error = ValidationError(stale_message(what or f"this {instance._meta.verbose_name}"), code="stale")
        raise ValidationError({field: error}) if field else error
    return current


class ChainAnchor(models.Model):
    """A link of a hash chain whose row a retention policy removed while the row after it was kept
    (audit.services.access_log_partitions_maintain drops whole months of the access log). Its place
    and hash let `history_verify` check the kept rows from their first link, and tell a gap left by
    retention from rows deleted behind the application's back. Append-only."""

    chain = models.CharField(max_length=100, help_text="The chained model's label")
    seq = models.BigIntegerField(help_text="The removed row's place in the chain")
    row_hash = models.CharField(max_length=64, help_text="The removed row's hash")
    at = models.DateTimeField()
    reason = models.CharField(max_length=200, help_text="What removed it, e.g. the retention period")

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="one_anchor_per_place")]
        triggers = [
            pgtrigger.Protect(name="chain_anchor_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            no_truncate("chain_anchor_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} place {self.seq}"
