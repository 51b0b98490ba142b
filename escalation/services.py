"""Writes for clocks and notifications: the clock engine.

Clocks are started, met, paused and cancelled by the services that own the event they time
(the front door's contact_receive starts the contact-decision clock, contact_triage meets it);
the sweep (clocks_sweep, run by Celery beat) acts on those overdue or due soon, and tells the
owner of a breached clock through escalation/registry.py. The engine imports none of them."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.selectors import administrators, user_waits_for_role, users_waiting_for_role
from cases.choices import ChronologyKind
from cases.models import ChronologyEntry
from config.models import lock_current
from escalation.breaches import breached_by, due_soon_by, holders, told_of_breach
from escalation.choices import (
    CLOCK_TRANSITIONS,
    OPEN_CLOCK_STATES,
    TASK_TRANSITIONS,
    ClockKind,
    ClockState,
    TaskKind,
    TaskState,
)
from escalation.models import Clock, ClockEvent, Notification, Task, TaskEvent
from escalation.permissions import require_clock_manager
from escalation.registry import breach_handlers, task_backfills
from escalation.timescales import due_for

logger = logging.getLogger(__name__)


# --- clocks -----------------------------------------------------------------------------------


def _clock_event(clock: Clock, summary: str, *, by: User | None = None, detail: str = "", at=None) -> None:
    ClockEvent.objects.create(
        clock=clock, summary=summary[:300], detail=detail, at=at or timezone.now(), by=by
    )


def _clock_transition(clock: Clock, to_state: str) -> None:
    if to_state not in CLOCK_TRANSITIONS[clock.state]:
        raise ValidationError(
            f"This clock is {clock.get_state_display().lower()}: "
            f"it cannot be {ClockState(to_state).label.lower()}.",
            code="invalid_transition",
        )


def clocks_open(target, kind: str | None = None):
    clocks = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        state__in=OPEN_CLOCK_STATES,
    )
    return clocks.filter(kind=kind) if kind else clocks


@transaction.atomic
def clock_start(
    *,
    target,
    kind: str,
    by: User | None = None,
    holder: User | None = None,
    team: Team | None = None,
    family=None,
    pathway: int | None = None,
    started_at=None,
    due_at=None,
) -> Clock:
    """Start a clock on `target`, due by the authority's timescale for `kind` unless the owning
    service already fixed the due time. Starting a clock that is already running returns it."""
    if kind not in ClockKind.values:
        raise ValueError(f"unknown clock kind {kind!r}")
    started_at = started_at or timezone.now()
    existing = clocks_open(target, kind).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            clock = Clock.objects.create(
                content_type=ContentType.objects.get_for_model(target),
                object_id=target.pk,
                kind=kind,
                holder=holder,
                team=team,
                family=family,
                pathway=pathway,
                started_at=started_at,
                due_at=due_at or due_for(kind, started_at),
            )
    except IntegrityError:
        return clocks_open(target, kind).get()
    _clock_event(
        clock, f"Started: due {timezone.localtime(clock.due_at):%d %b %Y %H:%M}", by=by, at=started_at
    )
    return clock


def clock_is_late(target, kind: str, at=None) -> bool:
    clock = clocks_open(target, kind).first()
    return bool(clock and (at or timezone.now()) > clock.due_at)


@transaction.atomic
def clock_meet(*, target, kind: str, by: User | None, late_reason: str = "", at=None) -> Clock | None:
    """The thing the clock timed has happened. Met late, it needs the reason (kept on the clock)."""
    clock = clocks_open(target, kind).select_for_update().first()
    if clock is None:
        return None
    at = at or timezone.now()
    due = clock.due_at
    if clock.state == ClockState.PAUSED and clock.paused_at:
        due += max(at - clock.paused_at, timedelta(0))  # the pause does not count against it
    late = at > due
    if late and not late_reason.strip():
        raise ValidationError(
            {
                "late_reason": (
                    f"This is after the {clock.get_kind_display().lower()} was due: say why it is late."
                )
            }
        )
    _clock_transition(clock, ClockState.MET)
    clock.state, clock.ended_at = ClockState.MET, at
    clock.late_reason = late_reason.strip() if late else ""
    clock.version += 1
    clock.save(update_fields=["state", "ended_at", "late_reason", "version"])
    _clock_event(clock, "Met late" if late else "Met", by=by, detail=clock.late_reason, at=at)
    tasks_close(target=clock, kind=TaskKind.CLOCK_DUE, by=by)
    return clock


@transaction.atomic
def clock_pause(*, clock: Clock, by: User, reason: str) -> Clock:
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if not reason.strip():
        raise ValidationError(
            {"reason": "Say why the clock is paused (for example, the family asked to wait)."}
        )
    _clock_transition(clock, ClockState.PAUSED)
    clock.state, clock.paused_at = ClockState.PAUSED, timezone.now()
    clock.version += 1
    clock.save(update_fields=["state", "paused_at", "version"])
    _clock_event(clock, "Paused", by=by, detail=reason.strip())
    return clock


@transaction.atomic
def clock_resume(*, clock: Clock, by: User) -> Clock:
    """Carry on: the due time moves on by as long as the clock was paused."""
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    _clock_transition(clock, ClockState.RUNNING)
    now = timezone.now()
    clock.due_at += now - clock.paused_at
    clock.state, clock.paused_at, clock.warned_at = ClockState.RUNNING, None, None
    clock.version += 1
    clock.save(update_fields=["state", "paused_at", "warned_at", "due_at", "version"])
    _clock_event(clock, f"Resumed: now due {timezone.localtime(clock.due_at):%d %b %Y %H:%M}", by=by)
    return clock


@transaction.atomic
def clock_cancel(*, target, by: User | None, reason: str, kind: str | None = None) -> int:
    """Stop the clocks on something that closed or went away, so they never fire."""
    cancelled = 0
    for clock in clocks_open(target, kind).select_for_update():
        _clock_transition(clock, ClockState.CANCELLED)
        clock.state, clock.ended_at = ClockState.CANCELLED, timezone.now()
        clock.version += 1
        clock.save(update_fields=["state", "ended_at", "version"])
        _clock_event(clock, "Cancelled", by=by, detail=reason)
        tasks_close(target=clock, kind=TaskKind.CLOCK_DUE, by=by, state=TaskState.CANCELLED)
        cancelled += 1
    return cancelled


@transaction.atomic
def clock_due_change(
    *, clock: Clock, due_at, reason: str, by: User, expected_version: int | None = None
) -> Clock:
    """Only a manager moves a due time, with the reason recorded."""
    require_clock_manager(by)
    clock = lock_current(clock, expected_version, what="this due time")
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why the due time is moving."
    if due_at is None or due_at < clock.started_at:
        errors["due_at"] = "The new due time must be after the clock started."
    if clock.state not in (ClockState.RUNNING, ClockState.PAUSED):
        errors["due_at"] = "Only a running or paused clock's due time can move."
    if clock.holder_id == by.pk:
        errors["due_at"] = "You hold this clock: another manager must move its due time."
    if clock.kind in (ClockKind.ESCALATION_STAGE, ClockKind.ESCALATION_STAGE_HIGH_RISK):
        errors["due_at"] = "A disagreement's stage deadline follows the ladder: it cannot be moved by hand."
    if errors:
        raise ValidationError(errors)
    before = clock.due_at
    clock.due_at, clock.warned_at = due_at, None
    clock.version += 1
    clock.save(update_fields=["due_at", "warned_at", "version"])
    _clock_event(
        clock,
        f"Due time moved from {timezone.localtime(before):%d %b %Y %H:%M} "
        f"to {timezone.localtime(due_at):%d %b %Y %H:%M}",
        by=by,
        detail=reason.strip(),
    )
    return clock


# --- notifications and the sweep --------------------------------------------------------------


def notify(*, user: User, key: str, what: str, why: str, due_at=None, url: str = "", statutory: bool = True):
    """Tell someone, once: the same key never makes a second notification."""
    notification, _ = Notification.objects.get_or_create(
        key=key[:120],
        defaults={
            "user": user,
            "what": what[:300],
            "why": why[:300],
            "due_at": due_at,
            "url": url,
            "statutory": statutory,
            "created_at": timezone.now(),
        },
    )
    return notification


def _notice(clock: Clock, user: User, key: str, why: str, target_label: str, url: str) -> Notification:
    return Notification(
        user=user,
        key=key[:120],
        what=target_label[:300],
        why=why[:300],
        due_at=clock.due_at,
        url=url,
        statutory=True,
        created_at=timezone.now(),
    )


def _label_and_url(clock: Clock) -> tuple[str, str]:
    target = clock.target  # prefetched for the whole batch
    # References, never names: notifications are emailed.
    if target is not None and hasattr(target, "clock_label"):
        label = f"{clock.get_kind_display()}: {target.clock_label}"
    elif getattr(target, "reference", None):
        label = f"{clock.get_kind_display()}: {target.reference}"
    else:
        label = clock.get_kind_display()
    url = target.get_absolute_url() if target is not None and hasattr(target, "get_absolute_url") else ""
    return label, url


def _warn_batch(clocks: list[Clock], now) -> None:
    """Remind holders of clocks due soon: one UPDATE and two bulk INSERTs per batch."""
    Clock.objects.filter(pk__in=[clock.pk for clock in clocks]).update(warned_at=now)
    notices, events = [], []
    for clock in clocks:
        label, url = _label_and_url(clock)
        for user in holders(clock):
            key = f"clock:{clock.pk}:due-soon:{clock.due_at:%Y%m%d%H%M}:{user.pk}"
            notices.append(_notice(clock, user, key, "Due soon", label, url))
        events.append(ClockEvent(clock=clock, summary="Holder reminded: due soon", at=now))
    Notification.objects.bulk_create(notices, ignore_conflicts=True)  # the key makes each one once
    ClockEvent.objects.bulk_create(events)
    _clock_due_tasks_open(clocks)


def _clock_due_tasks_open(clocks: list[Clock]) -> None:
    """A clock close to its end goes in its holders' trays, unless the wait it times is already
    there as a task of its own (a contact to triage, a decision to confirm): one item per wait."""
    covered = set(
        Task.objects.filter(clock__in=clocks, state=TaskState.OPEN).values_list("clock_id", flat=True)
    )
    for clock in clocks:
        if clock.pk in covered:
            continue
        label, url = _label_and_url(clock)
        task_open(
            kind=TaskKind.CLOCK_DUE,
            target=clock,
            summary=label,
            why="Due soon: the timescale is close to its end",
            url=url or "/tray/",
            users=holders(clock),
            family=clock.family,
            clock=clock,
        )


def _breach_batch(clocks: list[Clock], now) -> None:
    """Breach overdue clocks: tell the holder and the next level, write the chronology, then tell
    the clock's owner through escalation/registry.py (a disagreement moves up the ladder). Bulk
    writes per batch."""
    for clock in clocks:
        _clock_transition(clock, ClockState.BREACHED)
    Clock.objects.filter(pk__in=[clock.pk for clock in clocks]).update(
        state=ClockState.BREACHED, breached_at=now, version=F("version") + 1
    )
    notices, events, entries = [], [], []
    system = None
    for clock in clocks:
        label, url = _label_and_url(clock)
        for user, why in told_of_breach(clock):
            notices.append(_notice(clock, user, f"clock:{clock.pk}:breached:{user.pk}", why, label, url))
        if clock.family_id:
            author = clock.holder or system or _system_user()
            system = system or (None if clock.holder else author)
            entries.append(
                ChronologyEntry(
                    family_id=clock.family_id,
                    kind=ChronologyKind.TIMESCALE_MISSED,
                    summary=f"Timescale missed: {clock.get_kind_display()} was due "
                    f"{timezone.localtime(clock.due_at):%d %b %Y %H:%M}",
                    occurred_at=now,
                    author=author,
                    author_agency_id=author.agency_id,
                )
            )
        events.append(ClockEvent(clock=clock, summary="Breached: holder and next level told", at=now))
    Notification.objects.bulk_create(notices, ignore_conflicts=True)  # the key makes each one once
    ClockEvent.objects.bulk_create(events)
    ChronologyEntry.objects.bulk_create(entries)
    for clock in clocks:
        for handler in breach_handlers.for_kind(clock.kind):
            try:
                with transaction.atomic():
                    handler(clock, now)
            except Exception:
                logger.exception("the breach handler %s failed on clock %s", handler.__name__, clock.pk)


def _system_user() -> User:
    user, _ = User.objects.get_or_create(
        username="continuum-system",
        defaults={"first_name": "Continuum", "last_name": "(system)", "is_active": False},
    )
    return user


def clocks_sweep(*, now=None, batch: int = 500) -> dict[str, int]:
    """Act on clocks that are overdue (breach: tell the holder and the next level, record it in
    the chronology) or due soon (remind the holder). Safe to run twice at once and to kill at any
    point: each batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED and acted on in one
    transaction, so a clock is handled by exactly one sweep, and a sweep that dies mid-batch rolls
    back and leaves the batch to the next."""
    now = now or timezone.now()
    counts = {"breached": 0, "warned": 0}
    running = Clock.objects.select_for_update(skip_locked=True, of=("self",)).filter(state=ClockState.RUNNING)
    phases = (
        ("breached", running.filter(breached_by(now)), _breach_batch),
        ("warned", running.filter(due_soon_by(now)), _warn_batch),
    )
    for name, claim, act in phases:
        while True:
            with transaction.atomic():
                clocks = list(
                    claim.select_related("holder__line_manager", "team__manager", "content_type")
                    .prefetch_related("target")
                    .order_by("due_at", "pk")[:batch]
                )
                if clocks:
                    act(clocks, now)
            counts[name] += len(clocks)
            if len(clocks) < batch:
                break
    return counts


def notifications_email(*, batch: int = 500) -> int:
    """Email notifications not yet emailed. At least once: a crash between sending and
    recording sends that email again on the next sweep, never loses it."""
    sent = 0
    while True:
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(emailed_at__isnull=True)
                .exclude(user__email="")
                .select_related("user")
                .order_by("created_at", "pk")[:batch]
            )
            failed = False
            for notification in pending:
                link = settings.SITE_URL.rstrip("/") + notification.url if notification.url else ""
                due = (
                    f"Due: {timezone.localtime(notification.due_at):%d %B %Y, %H:%M}\n"
                    if notification.due_at
                    else ""
                )
                try:
                    send_mail(
                        f"Continuum: {notification.why}",
                        f"{notification.what}\n{notification.why}\n{due}{link}\n",
                        None,
                        [notification.user.email],
                    )
                except Exception as exc:  # the mail server is down: keep the rest for the next run
                    logger.warning("notification email failed (%s): will retry", type(exc).__name__)
                    failed = True
                    break
                notification.emailed_at = timezone.now()
                notification.save(update_fields=["emailed_at"])
                sent += 1
        if failed or len(pending) < batch:
            return sent


def case_clock(case, kind: str, *, by: User | None, target=None, started_at=None, due_at=None) -> Clock:
    """Start a clock about a case (on the case itself or on its plan), held by the key worker,
    counted against the case's team and pathway."""
    return clock_start(
        target=target or case,
        kind=kind,
        by=by,
        holder=case.key_worker,
        team=case.team,
        family=case.family,
        pathway=case.pathway,
        started_at=started_at,
        due_at=due_at,
    )


@transaction.atomic
def clocks_hand_over(*, case, kinds, previous: User | None, user: User, by: User | None) -> int:
    """`user` is allocated to the case in `previous`'s place (or as its first key worker or ECPP):
    the case's clocks of `kinds` that `previous` held (or nobody held) pass to them, and the tasks
    those clocks time leave `previous`'s (or the team's) tray for theirs. Returns how many clocks
    changed hands."""
    clocks = list(
        Clock.objects.select_for_update().filter(
            family=case.family,
            kind__in=kinds,
            state__in=OPEN_CLOCK_STATES,
            holder=previous,
            **({} if previous else {"team": case.team}),
        )
    )
    for clock in clocks:
        clock.holder = user
        clock.version = F("version") + 1
        clock.save(update_fields=["holder", "version"])
        _clock_event(clock, f"Passed to {user}" + (f" in place of {previous}" if previous else ""), by=by)
        waiting = Task.objects.select_for_update().filter(clock=clock, state=TaskState.OPEN)
        waiting = waiting.filter(user=previous) if previous else waiting.filter(team=case.team)
        for task in waiting:
            task.state, task.closed_at, task.closed_by = TaskState.CANCELLED, timezone.now(), by
            task.save(update_fields=["state", "closed_at", "closed_by"])
            _task_event(task, f"Handed over to {user}", by=by)
            task_open(
                kind=task.kind,
                target=task.target,
                summary=task.summary,
                url=task.url,
                users=[user],
                why=task.why,
                family=task.family,
                clock=clock,
                due_at=task.due_at,
            )
    return len(clocks)


def notification_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


# --- work trays -------------------------------------------------------------------------------
# Whatever waits on someone is a task in their tray: the service that starts the wait calls
# task_open, the one that ends it calls tasks_close, in the same transaction as the change itself.


def _task_event(task: Task, summary: str, *, by: User | None = None) -> None:
    TaskEvent.objects.create(task=task, summary=summary[:300], at=timezone.now(), by=by)


@transaction.atomic
def task_open(
    *,
    kind: str,
    target,
    summary: str,
    url: str,
    users=(),
    team: Team | None = None,
    why: str = "",
    family=None,
    clock: Clock | None = None,
    due_at=None,
    exclude: User | None = None,
) -> list[Task]:
    """Put a task in each of `users`' trays (and/or `team`'s), leaving out `exclude` (the person
    whose action started the wait: nobody approves their own proposal). Opening a task that is
    already open for the same person or team and record does nothing, so callers need not check."""
    content_type = ContentType.objects.get_for_model(target)
    assignees = [{"user": user} for user in dict.fromkeys(users) if user is not None and user != exclude]
    if team is not None:
        assignees.append({"team": team})
    opened = []
    for assignee in assignees:
        open_already = Task.objects.filter(
            kind=kind, content_type=content_type, object_id=target.pk, state=TaskState.OPEN, **assignee
        ).exists()
        if open_already:
            continue
        task = Task.objects.create(
            kind=kind,
            summary=summary[:300],
            why=why[:300],
            url=url[:300],
            content_type=content_type,
            object_id=target.pk,
            family=family,
            clock=clock,
            due_at=due_at,
            opened_at=timezone.now(),
            **assignee,
        )
        _task_event(task, "Opened")
        opened.append(task)
    return opened


@transaction.atomic
def tasks_close(
    *, target, kind: str | None = None, by: User | None = None, state: str = TaskState.DONE, users=None
) -> int:
    """Close the open tasks on `target` (of `kind`; for `users` only, when given): the wait has
    ended. `state` is DONE when the work was done, CANCELLED when the wait ended another way."""
    tasks = Task.objects.select_for_update().filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, state=TaskState.OPEN
    )
    if kind:
        tasks = tasks.filter(kind=kind)
    if users is not None:
        tasks = tasks.filter(user__in=list(users))
    closed = 0
    now = timezone.now()
    for task in tasks:
        if state not in TASK_TRANSITIONS[task.state]:
            continue
        task.state, task.closed_at, task.closed_by = state, now, by
        task.save(update_fields=["state", "closed_at", "closed_by"])
        _task_event(task, TaskState(state).label, by=by)
        closed += 1
    return closed


def account_role_tasks_sync(*, user: User, by: User | None) -> None:
    """An account that may sign in but has no role waits in every administrator's tray until it
    has one, or may no longer sign in (accounts/signals.py user_access_changed)."""
    if not user_waits_for_role(user):
        tasks_close(target=user, kind=TaskKind.ACCOUNT_ROLE, by=by)
        return
    task_open(
        kind=TaskKind.ACCOUNT_ROLE,
        target=user,
        summary=f"Give {user.get_full_name() or user.username} a role and teams",
        why="Their account has no role, so Continuum shows them nothing yet",
        url=reverse("admin:accounts_user_change", args=[user.pk]),
        users=administrators(),
        exclude=user,
    )


def account_tasks_backfill() -> None:
    """Every account still waiting for a role is in the administrators' trays (tray_backfill)."""
    for user in users_waiting_for_role():
        account_role_tasks_sync(user=user, by=None)


def tray_backfill() -> dict[str, int]:
    """Open the task of every wait that is still open but has none: the waits that began before
    work trays existed (an upgrade), or while an app's openers were missing. Each app's own
    backfill (escalation/registry.py task_backfills) runs in a transaction of its own; returns how
    many tasks each opened. Running it again opens nothing."""
    opened = {}
    for name, backfill in task_backfills.items():
        with transaction.atomic():
            before = Task.objects.count()
            backfill()
            opened[name] = Task.objects.count() - before
    return opened
