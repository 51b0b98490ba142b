"""Writing the access log: every read of a person's, family's or case's record.

Permission checks that hand a record to a user (cases/permissions.py and the apps above) note the
read with `record_read`; the middleware (audit/middleware.py) writes the request's notes in one
INSERT once the response is a success. Reads outside a request (tasks, commands) are logged by
their own code with `access_log_write`.

A refused attempt is logged too: a check that turns a user away from a record (404, or the
break-glass page of a restricted one) notes it with `record_refused`, and when the response is a
403 or 404 the middleware writes the request's notes with the reason `REFUSED`. That word is
shorter than any reason a person may give (audit.services.MIN_REASON), so typing it cannot make
a read look refused."""

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
    refused: dict = field(default_factory=dict)  # (type, id) -> None: asked for, not handed over


_current: ContextVar[_Reads | None] = ContextVar("audit_reads", default=None)

# The reason written on a refused attempt (see the module's docstring).
REFUSED = "Refused"
# The responses that refuse: not found (or not the user's to see), and forbidden.
REFUSED_STATUSES = (403, 404)


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


def record_refused(record_type: str, record_id) -> None:
    """Note that the current request asked for this record and was turned away (no-op outside a
    request, or for an id that is not a number)."""
    reads = _current.get()
    number = str(record_id)
    if reads is None or not (number.isascii() and number.isdigit()) or int(number) > 2**63 - 1:
        return
    reads.refused.setdefault((record_type, int(number)), None)


def reason_given(reason: str) -> None:
    reads = _current.get()
    if reads is not None:
        reads.reason = reason


def reads_write(reads: _Reads, *, refused: bool = False) -> int:
    """One INSERT for everything the request read; with `refused`, for everything it asked for
    and was refused (the response was a 403 or 404), marked `REFUSED`."""
    user = reads.user
    records = {**reads.refused, **reads.records} if refused else reads.records
    if not records or not (user and user.is_authenticated):
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
            reason=REFUSED if refused else reads.reason,
        )
        for (record_type, record_id), family_id in records.items()
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
