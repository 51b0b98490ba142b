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


class HashChain(pgtrigger.Trigger):
    """BEFORE INSERT: give the row the next place in its table's chain and hash it together with the
    previous row's hash. A transaction-scoped advisory lock makes inserts into one table take their
    places one at a time (held to the end of the inserting transaction); the unique `chain_seq`
    refuses a fork if that ever failed."""

    when = pgtrigger.Before
    operation = pgtrigger.Insert
    level = pgtrigger.Row
    declare = [("previous_seq", "bigint"), ("previous_hash", "text")]

    def __init__(self, *, name: str, fields: tuple[str, ...]):
        self.fields = tuple(fields)
        super().__init__(name=name)

    def get_func(self, model) -> str:
        table = model._meta.db_table
        digest = chain_digest_sql(model, self.fields, "NEW")
        return dedent(f"""
            PERFORM pg_advisory_xact_lock(hashtext('continuum.hash_chain'), hashtext(TG_TABLE_NAME));
            SELECT chain_seq, row_hash INTO previous_seq, previous_hash FROM "{table}"
                WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
            NEW.chain_seq := COALESCE(previous_seq, 0) + 1;
            NEW.row_hash := encode(sha256(convert_to(
                COALESCE(previous_hash, '') || {digest}, 'UTF8')), 'hex');
            RETURN NEW;
        """).strip()  # noqa: S608 - names from the model


def hash_chain_columns() -> tuple[models.Field, models.Field]:
    """The two columns a chained table adds (set by the database, never by the application)."""
    return (
        models.BigIntegerField(
            null=True, blank=True, unique=True, editable=False, help_text="Place in the table's hash chain"
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
