from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from audit.permissions import break_glass_report_scope
from cases.access_log import REFUSED
from cases.choices import CaseState, RecordType
from cases.models import AccessLogEntry, Allocation, BreakGlass, Case, Involvement, Restriction

# The columns of an exported or listed entry, in order ("username" is the reader's).
COLUMNS = [
    "at",
    "username",
    "record_type",
    "record_id",
    "family_id",
    "route",
    "method",
    "via",
    "reason",
    "sha256",
]


def access_log_rows(entries: QuerySet[AccessLogEntry]):
    """The entries as tuples in COLUMNS order, for a streamed export."""
    return entries.values_list(*("user__username" if column == "username" else column for column in COLUMNS))


def access_log_search(data: dict) -> QuerySet[AccessLogEntry]:
    """The access log filtered by a validated AccessLogSearchForm's data, newest first."""
    entries = AccessLogEntry.objects.select_related("user")
    if data.get("username"):
        entries = entries.filter(user__username=data["username"])
    if data.get("record_type"):
        entries = entries.filter(record_type=data["record_type"])
    if data.get("record_id"):
        entries = entries.filter(record_id=data["record_id"])
    if data.get("family_id"):
        entries = entries.filter(family_id=data["family_id"])
    if data.get("date_from"):
        entries = entries.filter(at__gte=timezone.make_aware(datetime.combine(data["date_from"], time.min)))
    if data.get("date_to"):
        end = timezone.make_aware(datetime.combine(data["date_to"] + timedelta(days=1), time.min))
        entries = entries.filter(at__lt=end)
    if data.get("outcome") == "refused":
        entries = entries.filter(reason=REFUSED)
    elif data.get("outcome") == "read":
        entries = entries.exclude(reason=REFUSED)
    return entries.order_by("-at", "-pk")


@dataclass(frozen=True)
class LogPage:
    """One page of the access log, newest first, and where the next older page starts."""

    entries: list[AccessLogEntry]
    older: str  # the cursor of the next older page; "" at the oldest
    first: bool  # the newest page


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(entry: AccessLogEntry) -> str:
    """The entry's time (whole microseconds since 1970, exact) and id."""
    return f"{(entry.at - EPOCH) // timedelta(microseconds=1)}.{entry.pk}"


def access_log_page(entries: QuerySet[AccessLogEntry], before: str = "", size: int = 100) -> LogPage:
    """A page of `entries` (ordered newest first) older than the cursor `before`, found by the
    entries' time and id (keyset) rather than by counting past the newer ones: the log grows by
    tens of millions of rows a year, and neither an OFFSET nor a COUNT over it stays fast. A
    cursor that is not one of ours raises ValueError."""
    if before:
        micros, pk = (int(part) for part in before.split(".", 1))  # ValueError when not ours
        at = EPOCH + timedelta(microseconds=micros)  # OverflowError too, caught as ValueError below
        entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(entries[: size + 1])
    older = _cursor(rows[size - 1]) if len(rows) > size else ""
    return LogPage(entries=rows[:size], older=older, first=not before)


def restriction_family_ids(restriction: Restriction) -> list[int]:
    if restriction.family_id:
        return [restriction.family_id]
    return list(restriction.person.memberships.values_list("family_id", flat=True))


def restriction_candidates(family_ids) -> QuerySet[User]:
    """People a manager would name on a restriction: those working with the family now (allocated,
    involved) and the members of the teams holding its open cases."""
    open_cases = Case.objects.filter(family_id__in=family_ids, state=CaseState.OPEN)
    allocated = Allocation.objects.filter(case__in=open_cases, ended_at__isnull=True).values("user_id")
    involved = Involvement.objects.filter(family_id__in=family_ids, ended_at__isnull=True).values("user_id")
    return (
        User.objects.filter(
            Q(pk__in=allocated) | Q(pk__in=involved) | Q(teams__in=open_cases.values("team_id")),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def break_glass_week(user, start: date) -> QuerySet[BreakGlass]:
    """The weekly report: openings from Monday `start` for seven days, that the user may list."""
    begin = timezone.make_aware(datetime.combine(start, time.min))
    return (
        break_glass_report_scope(user)
        .filter(at__gte=begin, at__lt=begin + timedelta(days=7))
        .select_related("user", "restriction")
        .order_by("at", "pk")
    )


def family_of(record_type: str, record_id: int) -> int | None:
    """The family a case or family record belongs to, for the access log (None for a person)."""
    if record_type == RecordType.FAMILY:
        return record_id
    if record_type == RecordType.CASE:
        return Case.objects.filter(pk=record_id).values_list("family_id", flat=True).first()
    return None
