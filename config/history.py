"""Checking the hash chains of the append-only history (config/models.py HashChain).

`chain_verify` walks one chained table in chain order and recomputes every link in Python from
the row contents the database hands back (the same canonical text the trigger hashed), so a row
edited, deleted or slipped in behind the application's back is found, with its place in the chain.
It reads through any DB-API cursor: the live database, or a restored backup (config/backup.py).

Rows removed by a retention policy (whole months of the access log) leave gaps; each kept row whose
predecessor was removed has that predecessor's place and hash in `ChainAnchor`, so the walk goes on
from it. A gap with no anchor is a deletion behind the application's back."""

import hashlib
from dataclasses import dataclass

from django.apps import apps

from config.models import ChainAnchor, HashChain, chain_digest_sql

BATCH = 5_000


@dataclass(frozen=True)
class ChainReport:
    label: str  # app_label.Model
    rows: int
    head_seq: int | None
    head_hash: str
    problem: str = ""  # the first broken link, in words (ids only, never a record's content)
    pruned: int = 0  # rows before kept ones that a retention policy removed (gaps bridged by anchors)

    @property
    def intact(self) -> bool:
        return not self.problem


def chained_models() -> list[tuple[type, HashChain]]:
    """Every model whose table carries a hash chain, with its chain trigger."""
    found = []
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", ()):
            if isinstance(trigger, HashChain):
                found.append((model, trigger))
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def link_hash(previous_hash: str, digest: str) -> str:
    return hashlib.sha256((previous_hash + digest).encode()).hexdigest()


def chain_verify(cursor, model, trigger: HashChain) -> ChainReport:
    label = model._meta.label
    table = model._meta.db_table
    # Table and column names below come from the model, never from input.
    cursor.execute(f'SELECT count(*), count(*) FILTER (WHERE chain_seq IS NULL) FROM "{table}"')  # noqa: S608
    total, unchained = cursor.fetchone()
    digest = chain_digest_sql(model, trigger.fields, "t")
    cursor.execute(
        f'SELECT seq, row_hash FROM "{ChainAnchor._meta.db_table}" WHERE chain = %s',  # noqa: S608
        [label],
    )
    anchors = dict(cursor.fetchall())
    previous_seq, previous_hash, rows, pruned = 0, "", 0, 0
    while True:
        cursor.execute(
            f'SELECT t.chain_seq, t.id, t.row_hash, {digest} FROM "{table}" t '  # noqa: S608
            "WHERE t.chain_seq > %s ORDER BY t.chain_seq LIMIT %s",
            [previous_seq, BATCH],
        )
        batch = cursor.fetchall()
        for seq, pk, row_hash, row_digest in batch:
            if seq != previous_seq + 1 and seq - 1 in anchors:
                pruned += seq - 1 - previous_seq
                previous_seq, previous_hash = seq - 1, anchors[seq - 1]
            if seq != previous_seq + 1:
                problem = (
                    f"places {previous_seq + 1} to {seq - 1} are missing before row {pk}: rows were deleted"
                )
                return ChainReport(label, total, previous_seq or None, previous_hash, problem)
            if row_hash != link_hash(previous_hash, row_digest):
                problem = f"row {pk} (place {seq}) does not match its hash: it or the row before was changed"
                return ChainReport(label, total, previous_seq or None, previous_hash, problem)
            previous_seq, previous_hash = seq, row_hash
            rows += 1
        if len(batch) < BATCH:
            break
    if unchained:
        problem = (
            f"{unchained} row(s) have no place in the chain: they were written with the chain switched off"
        )
        return ChainReport(label, total, previous_seq or None, previous_hash, problem)
    return ChainReport(label, rows, previous_seq or None, previous_hash, pruned=pruned)


def chain_heads(cursor) -> dict[str, tuple[int, str] | None]:
    """Each chain's last place and hash: cheap, for writing down outside the database."""
    heads = {}
    for model, _trigger in chained_models():
        cursor.execute(
            f'SELECT chain_seq, row_hash FROM "{model._meta.db_table}" '  # noqa: S608 - the model's name
            "WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"
        )
        heads[model._meta.label] = cursor.fetchone()
    return heads


def history_verify(cursor) -> list[ChainReport]:
    return [chain_verify(cursor, model, trigger) for model, trigger in chained_models()]
