"""Reads for the clock engine: a thing's open clock, the managers' dashboard, and work trays."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, F, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from escalation.choices import ClockKind, ClockState, TaskState
from escalation.models import Clock, Task


def open_clock(target, kind: str | None = None) -> Clock | None:
    """The target's open clock (of `kind`, when given) that falls due first."""
    clocks = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        state__in=[ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED],
    )
    if kind is not None:
        clocks = clocks.filter(kind=kind)
    return clocks.order_by("due_at").first()


def dashboard(user) -> dict:
    """Clocks due today, this week and breached, by team and by pathway. A handful of grouped
    queries, whatever the number of clocks. Other apps add panels (escalation/panels.py)."""
    now = timezone.now()
    end_of_today = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate() + timedelta(days=1), timezone.datetime.min.time())
    )
    week = now + timedelta(days=7)
    counts = {
        "due_today": Count("pk", filter=Q(state=ClockState.RUNNING, due_at__lt=end_of_today)),
        "due_week": Count("pk", filter=Q(state=ClockState.RUNNING, due_at__lt=week)),
        "breached": Count("pk", filter=Q(state=ClockState.BREACHED)),
    }
    live = Clock.objects.filter(state__in=[ClockState.RUNNING, ClockState.BREACHED])
    by_team = list(live.values("team__name").annotate(**counts).order_by("team__name"))
    by_pathway = list(live.values("pathway").annotate(**counts).order_by("pathway"))
    by_kind = list(live.values("kind").annotate(**counts).order_by("kind"))
    labels = dict(ClockKind.choices)
    for row in by_kind:
        row["label"] = labels.get(row["kind"], row["kind"])
    most = max([row["breached"] + row["due_week"] for row in by_team] or [1]) or 1
    for row in by_team:
        row["breached_pct"] = round(100 * row["breached"] / most)
        row["week_pct"] = round(100 * row["due_week"] / most)
    overdue = (
        Clock.objects.filter(state=ClockState.BREACHED)
        .select_related("holder", "team")
        .order_by("due_at")[:25]
    )
    return {
        "by_team": by_team,
        "by_pathway": by_pathway,
        "by_kind": by_kind,
        "overdue": overdue,
        "totals": live.aggregate(**counts),
    }


def tray(user):
    """The open tasks in `user`'s tray: their own and their teams', overdue first, then by due time
    (from the clock when one times the wait), then oldest first."""
    due = Coalesce(Case(When(clock__ended_at__isnull=True, then=F("clock__due_at"))), F("due_at"))
    return (
        Task.objects.filter(state=TaskState.OPEN)
        .filter(Q(user=user) | Q(team__in=user.teams.all()))
        .select_related("clock", "team")
        .annotate(due_by=due)
        .order_by(F("due_by").asc(nulls_last=True), "opened_at", "pk")
    )
