from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AccessLogEntry

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
    return entries.order_by("-at", "-pk")
