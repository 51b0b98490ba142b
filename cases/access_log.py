"""Writing the access log: every read of a person's, family's or case's record.

Permission checks that hand a record to a user (cases/permissions.py and the apps above) note the
read with `record_read`; the middleware (audit/middleware.py) writes the request's notes in one
INSERT once the response is a success. Reads outside a request (tasks, commands) are logged by
their own code with `access_log_write`."""

from contextvars import ContextVar
from dataclasses import dataclass, field

from django.utils import timezone

from cases.choices import Via
from cases.models import AccessLogEntry


@dataclass
class _Reads:
    user: object
    route: str
    method: str
    via: str
    reason: str = ""
    records: dict = field(default_factory=dict)  # (type, id) -> family id, in order


_current: ContextVar[_Reads | None] = ContextVar("audit_reads", default=None)


def reads_begin(*, user, route: str, method: str, via: str):
    return _current.set(_Reads(user=user, route=route[:200], method=method[:8], via=via))


def reads_end(token) -> _Reads | None:
    reads = _current.get()
    _current.reset(token)
    return reads


def record_read(record_type: str, record_id, family_id=None) -> None:
    """Note that the current request read this record (no-op outside a request)."""
    reads = _current.get()
    if reads is None or record_id is None:
        return
    reads.records.setdefault((record_type, int(record_id)), family_id)


def reason_given(reason: str) -> None:
    reads = _current.get()
    if reads is not None:
        reads.reason = reason


def reads_write(reads: _Reads) -> int:
    """One INSERT for everything the request read."""
    user = reads.user
    if not reads.records or not (user and user.is_authenticated):
        return 0
    now = timezone.now()
    entries = [
        AccessLogEntry(
            at=now,
            user=user,
            record_type=record_type,
            record_id=record_id,
            family_id=family_id,
            route=reads.route,
            method=reads.method,
            via=reads.via,
            reason=reads.reason,
        )
        for (record_type, record_id), family_id in reads.records.items()
    ]
    if len(entries) == 1:
        entries[0].save(force_insert=True)  # a bare INSERT: bulk_create would add BEGIN and COMMIT
    else:
        AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


def access_log_write(
    *,
    user,
    record_type: str,
    record_id,
    family_id=None,
    route: str,
    via: str = Via.EXPORT,
    method: str = "TASK",
    reason="",
    sha256="",
) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        at=timezone.now(),
        user=user,
        record_type=record_type,
        record_id=record_id,
        family_id=family_id,
        route=route[:200],
        method=method[:8],
        via=via,
        reason=reason,
        sha256=sha256,
    )
