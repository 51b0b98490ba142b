"""Restricted records: a manager marks a person or family restricted and names who may open it;
others break glass with a reason (logged, told to the record's managers, listed in the weekly
report). The restriction rows and the rules that apply them to every query are the cases app's
(cases/models.py, cases/permissions.py); this is the workflow around them."""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from psycopg import sql

from accounts.choices import Role
from cases.access_log import access_log_write
from cases.choices import RestrictionCategory, RestrictionEventKind
from cases.models import AccessLogEntry, BreakGlass, Restriction, RestrictionAccess, RestrictionEvent
from cases.permissions import require_restricter
from config.models import CHAIN_HEADS, ChainAnchor, lock_current
from config.partitions import is_partitioned, month_add, month_start, months_ensure, months_made
from escalation.services import notify

logger = logging.getLogger(__name__)

# --- Restricted records -----------------------------------------------------------------------

MIN_REASON = 10


def _reason(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_REASON:
        raise ValidationError({field: f"{what} (at least {MIN_REASON} characters)."})
    return value


def _event(restriction: Restriction, kind: str, by, *, user=None, note: str = "") -> None:
    RestrictionEvent.objects.create(
        restriction=restriction, kind=kind, by=by, user=user, note=note, at=timezone.now()
    )


def _name(restriction: Restriction, user, by) -> None:
    if not user.is_active:
        raise ValidationError({"user": f"{user} is not an active user."})
    RestrictionAccess.objects.create(restriction=restriction, user=user, added_by=by, added_at=timezone.now())
    _event(restriction, RestrictionEventKind.NAMED, by, user=user)


@transaction.atomic
def restriction_mark(
    *, by, category: str, reason: str, family=None, person=None, named_users=()
) -> Restriction:
    """Restrict a family's or a person's record. The manager marking it is named on it, with the
    people they name; nobody else opens it without breaking glass."""
    require_restricter(by)
    errors = {}
    if (family is None) == (person is None):
        errors["__all__"] = "Restrict either a family or a person."
    if category not in RestrictionCategory.values:
        errors["category"] = "Choose why the record is restricted."
    try:
        reason = _reason(reason, "reason", "Say why the record is restricted")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    record = family or person
    type(record).objects.select_for_update().filter(pk=record.pk).first()  # one marking at a time
    live = Restriction.objects.filter(lifted_at__isnull=True, family=family, person=person).first()
    if live:
        raise ValidationError(
            f"This record is already restricted (R-{live.pk}). Name people on that restriction instead."
        )
    try:
        with transaction.atomic():
            restriction = Restriction.objects.create(
                family=family,
                person=person,
                category=category,
                reason=reason,
                marked_by=by,
                marked_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError("This record has just been restricted by someone else.") from None
    _event(restriction, RestrictionEventKind.MARKED, by, note=reason)
    for user in {by, *named_users}:
        _name(restriction, user, by)
    return restriction


def _locked(restriction: Restriction, version) -> Restriction:
    current = lock_current(restriction, version, what="this restriction", field=None)
    if not current.is_live:
        raise ValidationError("This restriction has been lifted.")
    Restriction.objects.filter(pk=current.pk).update(version=F("version") + 1)
    current.version += 1
    return current


@transaction.atomic
def restriction_name_user(*, restriction: Restriction, user, by, version=None) -> Restriction:
    """Name one more person who may open the record."""
    restriction = _locked(restriction, version)
    if restriction.named.filter(user=user, removed_at__isnull=True).exists():
        raise ValidationError({"user": f"{user} is already named on this restriction."})
    _name(restriction, user, by)
    return restriction


@transaction.atomic
def restriction_unname_user(*, restriction: Restriction, user, by, version=None) -> Restriction:
    """Take someone off. A manager who can look after the restriction must stay on it."""
    restriction = _locked(restriction, version)
    access = restriction.named.filter(user=user, removed_at__isnull=True).first()
    if access is None:
        raise ValidationError({"user": f"{user} is not named on this restriction."})
    staying = restriction.named.filter(removed_at__isnull=True).exclude(pk=access.pk)
    if not any(named.user.has_perm("cases.restrict_record") for named in staying.select_related("user")):
        raise ValidationError({"user": "A manager must stay named on the restriction to look after it."})
    RestrictionAccess.objects.filter(pk=access.pk).update(removed_at=timezone.now(), removed_by=by)
    _event(restriction, RestrictionEventKind.UNNAMED, by, user=user)
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, by, reason: str, version=None) -> Restriction:
    """Lift the restriction: the record is open again to everyone whose role lets them see it."""
    reason = _reason(reason, "reason", "Say why the restriction is no longer needed")
    restriction = _locked(restriction, version)
    now = timezone.now()
    Restriction.objects.filter(pk=restriction.pk).update(lifted_at=now, lifted_by=by, lift_reason=reason)
    _event(restriction, RestrictionEventKind.LIFTED, by, note=reason)
    restriction.refresh_from_db()
    return restriction


def restriction_managers(restriction: Restriction) -> list:
    """Who looks after a restricted record: the managers named on it (who alone can open the
    restriction's page and report)."""
    User = get_user_model()
    named = RestrictionAccess.objects.filter(restriction=restriction, removed_at__isnull=True)
    people = User.objects.filter(pk__in=named.values("user_id"), is_active=True).order_by("pk")
    return [user for user in people if user.has_perm("cases.restrict_record")]


@transaction.atomic
def restriction_break_glass(
    *, user, restrictions, record_type: str, record_id: int, family_id, reason: str, route: str, via: str
) -> list[BreakGlass]:
    """Open a restricted record the user could otherwise see, stating why. `restrictions` are those
    closed to them that cover it (cases.permissions.restrictions_covering). The reason goes in the
    access log; the record's managers are told; access lasts BREAK_GLASS_HOURS."""
    reason = _reason(reason, "reason", "Say why you need to open this record")
    now = timezone.now()
    expires = now + timedelta(hours=settings.BREAK_GLASS_HOURS)
    openings = [
        BreakGlass.objects.create(
            restriction=restriction,
            user=user,
            reason=reason,
            record_type=record_type,
            record_id=record_id,
            at=now,
            expires_at=expires,
        )
        for restriction in restrictions
    ]
    if not openings:
        return []
    access_log_write(
        user=user,
        record_type=record_type,
        record_id=record_id,
        family_id=family_id,
        route=route,
        via=via,
        method="POST",
        reason=reason,
    )
    for opening in openings:
        for manager in restriction_managers(opening.restriction):
            if manager.pk == user.pk:
                continue
            notify(
                user=manager,
                key=f"break-glass:{opening.pk}:{manager.pk}",
                what=f"{user} broke glass to open restricted record R-{opening.restriction_id}",
                why="A restricted record was opened by someone not named on it; their reason is recorded.",
                url=opening.restriction.get_absolute_url(),
                statutory=False,
            )
    return openings


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def break_glass_report_send(*, today: date | None = None) -> int:
    """The weekly report: tell auditors, and each restricted record's managers, how many times
    glass was broken last week (Monday to Sunday), with a link to the list. Once per person per
    week, however often it runs."""
    today = today or timezone.localdate()
    start = week_start(today) - timedelta(days=7)
    begin = timezone.make_aware(datetime.combine(start, time.min))
    openings = BreakGlass.objects.filter(at__gte=begin, at__lt=begin + timedelta(days=7))
    per_restriction = Counter(openings.values_list("restriction_id", flat=True))
    counts: Counter = Counter()
    for restriction in Restriction.objects.filter(pk__in=per_restriction):
        for manager in restriction_managers(restriction):
            counts[manager] += per_restriction[restriction.pk]
    if per_restriction:
        User = get_user_model()
        for auditor in User.objects.filter(is_active=True, groups__name=Role.AUDITOR).distinct():
            counts[auditor] = per_restriction.total()
    for recipient, count in counts.items():
        notify(
            user=recipient,
            key=f"break-glass-week:{start.isoformat()}:{recipient.pk}",
            what=f"{count} break-glass opening{'s' if count != 1 else ''} in the week of {start:%d %B %Y}",
            why="Weekly report of restricted records opened by people not named on them.",
            url=f"/audit/break-glass/?week={start.isoformat()}",
            statutory=False,
        )
    return len(counts)


# --- The access log's partitions and its retention ----------------------------------------------
# The access log is partitioned by month (cases 0016, config/partitions.py). Every day the worker
# makes the months ahead, so a row never waits in the default partition, and, when
# ACCESS_LOG_RETENTION_MONTHS is set, drops whole months older than that, leaving an anchor for
# every kept row whose predecessor in the hash chain went with them (config.models.ChainAnchor).

ACCESS_LOG_MONTHS_AHEAD = 3


@dataclass
class PartitionsReport:
    made: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # months whose rows already sit in the default
    dropped: list[str] = field(default_factory=list)
    anchors: int = 0
    kept: list[str] = field(default_factory=list)  # past retention but holding the chain's head


def _chain_head(cursor, table: str, partition: str | None = None) -> int | None:
    cursor.execute(
        sql.SQL("SELECT max(chain_seq) FROM {}").format(sql.Identifier(partition or table)),
    )
    return cursor.fetchone()[0]


def _anchors_write(cursor, table: str, partition: str, going: list[str], reason: str, now) -> int:
    """Before `partition` goes (with the rest of `going`): the place and hash of each of its rows
    whose successor in the chain is kept."""
    cursor.execute(sql.SQL("SELECT min(chain_seq), max(chain_seq) FROM {}").format(sql.Identifier(partition)))
    lowest, highest = cursor.fetchone()
    if lowest is None:
        return 0
    cursor.execute(
        sql.SQL(
            "SELECT gone.chain_seq, gone.row_hash FROM {table} kept JOIN {partition} gone "
            "ON gone.chain_seq = kept.chain_seq - 1 "
            "WHERE kept.chain_seq BETWEEN %s AND %s AND kept.tableoid::regclass::text <> ALL(%s)"
        ).format(table=sql.Identifier(table), partition=sql.Identifier(partition)),
        [lowest + 1, highest + 1, going],
    )
    anchors = [
        ChainAnchor(chain=AccessLogEntry._meta.label, seq=seq, row_hash=row_hash, at=now, reason=reason)
        for seq, row_hash in cursor.fetchall()
    ]
    ChainAnchor.objects.bulk_create(anchors)
    return len(anchors)


def access_log_partitions_maintain(
    *, now: datetime | None = None, since: datetime | None = None, drop: bool = True
) -> PartitionsReport:
    """Make this month's (or every month's from `since`'s, for a bulk load of history) and the next
    ACCESS_LOG_MONTHS_AHEAD months' partitions of the access log; with `drop` and
    ACCESS_LOG_RETENTION_MONTHS set, drop every month wholly older than that many months before
    this one. Runs as the tables' owner (the worker when one role does everything;
    `manage.py access_log_partitions` as DATABASE_OWNER_URL's role otherwise)."""
    now = now or timezone.now()
    report = PartitionsReport()
    table = AccessLogEntry._meta.db_table
    guard = next(
        trigger.get_pgid(AccessLogEntry)
        for trigger in AccessLogEntry._meta.triggers
        if trigger.name == "access_log_no_truncate"
    )
    this_month = month_start(now)
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return report
        # The chain's head row, locked: no row takes its place while months come and go.
        cursor.execute(f'SELECT 1 FROM "{CHAIN_HEADS}" WHERE chain = %s FOR UPDATE', [table])  # noqa: S608
        first = min(this_month, month_start(since)) if since else this_month
        made = months_ensure(
            cursor, table, first, month_add(this_month, ACCESS_LOG_MONTHS_AHEAD), guard=guard
        )
        report.made, report.refused = made.made, made.refused
        retention = settings.ACCESS_LOG_RETENTION_MONTHS
        if not (drop and retention):
            return report
        # Checks deferred to the commit (the user foreign key) would stop a partition being dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cutoff = month_add(this_month, -retention)
        head = _chain_head(cursor, table)
        reason = f"Access log retention: {retention} months"
        going = []
        for month, partition in sorted(months_made(cursor, table).items()):
            if month >= cutoff:
                break
            if head is not None and _chain_head(cursor, table, partition) == head:
                report.kept.append(partition)
            else:
                going.append(partition)
        for partition in going:
            report.anchors += _anchors_write(cursor, table, partition, going, reason, now)
        for partition in going:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(partition)))
        report.dropped = going
    if report.dropped or report.refused or report.kept:
        logger.info(
            "access log partitions: made %s, dropped %s (anchors %s), refused %s, kept %s",
            report.made,
            report.dropped,
            report.anchors,
            report.refused,
            report.kept,
        )
    return report
